// Package tensor is vecgrad's tensor layer: strided float32 tensors with
// PyTorch's semantics (broadcasting, views, reductions, matmul, einsum) and
// reverse-mode automatic differentiation, on top of the SIMD kernels of
// package kernels.
//
// # Tensors and views
//
// A *Tensor is a view of float32 storage with a shape, strides and an
// offset. Views (View, Reshape when the strides allow it, Transpose,
// Permute, Slice, Narrow, Expand, Squeeze, Unsqueeze, Flatten, Detach) share
// storage without copying; every other operation returns a new contiguous
// tensor. Constructors: FromSlice and New (which share the slice: writes
// on either side show on the other), NewCopy (which copies), Scalar,
// Zeros, Ones, Full, Arange, and Rand, Randn, Uniform from an explicitly
// seeded Generator whose algorithm is specified in full (same seed, same
// numbers, on every machine). Tensors have at most MaxDims dimensions.
//
// # Joining, selecting, masking
//
// Cat and Stack join tensors; IndexSelect and Gather pick entries by index;
// Where, MaskedFill and Clamp select elementwise; all are differentiable as
// in PyTorch. Masks are float32 tensors, true where nonzero (what Eq, Lt,
// ... return); indices are float32 tensors of whole numbers (what
// ArgMaxDim returns, and the class targets of package loss), checked before
// anything is written. Set writes one element in place; SetGrad sets a
// leaf's gradient.
//
// # Broadcasting and fast paths
//
// Binary operations broadcast as PyTorch does (see BroadcastShapes). After
// merging the dimensions that all operands traverse alike, the innermost one
// or two dimensions go to one kernel call when their layout is contiguous,
// a scalar, a row vector or a column vector (kernels.Binary, BinaryScalar,
// BinaryRowVec, BinaryColVec), and a strided Go loop handles the rest. Unary
// functions (Exp, Log, Sin, Cos, ...), reductions, p-norms (Norm, NormDim,
// as torch.linalg.vector_norm), softmax and matmul call the kernels likewise
// (kernels.Exp, kernels.Sin, RowSum, RowMax, RowLogSumExp, Sgemm, SgemmBatch,
// ...).
//
// # Errors
//
// One convention everywhere: a shape, dimension or argument mistake in a
// method call is a programming error and panics with a *ShapeError (as
// gonum/mat panics with its Error type), whose message names the values and
// what would be accepted, for example
//
//	tensor: Add: shapes [4 3 2] and [2 3] are not broadcastable: dimension -1 is 2 vs 3 (each pair must be equal, or one of them 1)
//
// Input that comes from outside the program has error-returning forms that
// check the same things first: FromSlice (data and shape from a file),
// CheckShape, BroadcastShapes and Einsum (equations). New is FromSlice that
// panics.
//
// # Autograd
//
// Reverse mode on a tape, kept small: a tensor marked with
// SetRequiresGrad(true) is a leaf (a parameter); every operation with an
// input that requires grad records in its result one fixed-size op record
// (the operation, its inputs, the few numbers its backward needs). Each
// operation's forward and backward sit side by side in its file. Backward
// on a one-element tensor (or BackwardWith an explicit upstream gradient)
// collects the records reachable from it, inputs before users, and runs them
// in reverse, each adding its inputs' gradients (summed over the dimensions
// they were broadcast along). Leaf gradients accumulate across Backward calls
// until ZeroGrad; Grad returns them. NoGrad (and SetGradEnabled) turn
// recording off for evaluation and optimizer updates; Detach cuts a tensor
// from the graph. Higher-order gradients are not supported. GradCheck
// compares an operation's backward with central differences in float64.
//
// # Memory
//
// Without an Arena, tensors live on the Go heap like any Go value. A
// training loop puts each step's tensors in an Arena: the inputs come from
// the arena's constructors, operations place their results (and their
// gradients and backward temporaries) in the arena of their first operand
// that has one, and Reset releases everything at once before the next step.
// Parameters and their gradients stay on the heap. A step that repeats with
// the same shapes then allocates nothing on the Go heap: the arena hands out
// the same storage and Tensor values again, op records are fields of the
// tensors, and the shapes and strides are stored inside the Tensor value.
//
// Neither tensors nor arenas are safe for concurrent mutation; grad mode is
// process-wide (see SetGradEnabled).
package tensor
