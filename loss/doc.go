// Package loss holds vecgrad's loss functions with PyTorch's semantics:
// MSE, L1, NLL, CrossEntropy and KLDiv, each a fused forward with a
// hand-written backward that takes part in package tensor's autograd
// (tensor.Custom), so that
//
//	l, err := loss.CrossEntropy(logits, target, loss.CrossEntropyOptions{})
//	l.Backward() // fills logits' gradient
//
// works like torch.nn.functional.cross_entropy(logits, target).backward().
//
// # API
//
// Each loss is a function of the input, the target and an options struct
// (a Reduction for MSE and L1) mirroring torch.nn's arguments; the zero
// value of every options struct is torch's default: Reduction Mean, no
// class weights, ignore index DefaultIgnoreIndex (-100; set HasIgnoreIndex
// to choose another, so the zero value never ignores class 0), no label
// smoothing, target in probability space. The result is a scalar tensor for
// Mean, Sum and BatchMean and a tensor of the per-sample (NLL,
// CrossEntropy) or per-element (MSE, L1, KLDiv) shape for None; it
// requires grad when the input does, and Backward on it adds the input's
// gradient (and the target's, for the losses where torch differentiates the
// target, when it requires grad). Results live in the input's arena, if
// any, and a repeated training step that ends in a loss allocates nothing.
//
// # Targets
//
// Class indices (NLL, CrossEntropy) are a tensor of float32 values that
// hold integers (the tensor package is float32-only; integers are exact
// below 2^24), of the input's shape without the class dimension: [N] for
// an input [N, C], [] for an unbatched [C], [N, d1, ...] for
// [N, C, d1, ...]. Each must be in [0, C) or the ignore index. A
// CrossEntropy target of the input's own shape holds class probabilities
// instead, as in torch.
//
// # Errors
//
// Invalid input is an error, never a wrong number or a panic: every loss
// returns a *Error (message "loss: Op: what was wrong, with the values, and
// what is accepted") for mismatched shapes, targets that are not class
// indices or the ignore index, a weight of the wrong length, label smoothing
// outside [0, 1], an ignore index of 0 or more with probability targets,
// and a reduction the loss does not define.
//
// # Numerics
//
// Float32 storage, with the kernels' accumulations (kernels.Sum's order for
// the reductions). Cross-entropy computes log-softmax from one stable
// log-sum-exp per row (bitwise kernels.RowLogSumExp's), so logits of ±1e4
// give exact results rather than Inf or NaN; that pass keeps exp(x - max)
// and its row sums, from which the backward takes softmax without another
// exponential. Inputs with the class dimension not last
// ([N, C, d1, ...]) are processed as a transposed contiguous copy (a
// recorded Permute and Contiguous), as are non-contiguous inputs.
package loss
