// Package train is vecgrad's training layer: the MLP of PyTorch's
// optimization tutorial (784-512-512-10 with ReLU, cross-entropy, SGD or
// Adam) on MNIST or Fashion-MNIST, its train and test loops with the
// tutorial's output, the loss log (CSV) and plot (PNG), checkpoints that
// resume bit for bit, and the tutorial's five comparisons (Sweep).
//
// # The run
//
// Run trains Config's model for Config.Epochs epochs. Each epoch visits the
// training set in an order drawn from the seed and the epoch number
// (data.Shuffle), one optimizer step per batch; every LogEvery batches it
// prints the tutorial's line
//
//	loss: 2.301785  [   16/60000]
//
// and after every epoch the test loop's
//
//	Test Error:
//	 Accuracy: 84.2%, Avg loss: 0.442173
//
// (the tutorial's Python format strings, byte for byte). Every step's loss
// goes into the loss log (samples seen, loss), written as CSV and drawn as a
// PNG at the end.
//
// A training step runs in a tensor.Arena that is reset before the step, so
// that steady-state steps allocate nothing on the Go heap; evaluation runs
// under tensor.NoGrad.
//
// # Threads
//
// An MLP of Linear layers with ReLUs between them, trained with SGD or
// Adam, steps as one parallel region on kernels.Threads() threads (the
// team step, teamstep.go): every thread runs the whole step, meeting at a
// barrier per layer; products are split by rows or columns, never along
// k; each layer's weights are updated right after their gradient rows are
// computed (optim.Ranged), while those are in cache. It computes what the
// autograd step computes, bit for bit, at every thread count. Other models
// step through autograd. docs/parallel-step.md gives the design and its
// measurements; vecgrad bench train measures it (StepBench, MeasureStep,
// ProfileStep).
//
// # Divergence
//
// A step whose loss is NaN or ±Inf stops the run at once (the parameters
// are no longer meaningful): Result.Diverged says where, the loss log ends
// with that step, and the CSV and the plot are still written.
//
// # Checkpoints and determinism
//
// The model, the optimizer's state and the progress are saved at the end of
// every epoch in the safetensors format, under the names torch's state_dict
// gives them (see checkpoint.go). Everything random derives from the seed
// (initial weights, the order of every epoch), the kernels' results do not
// depend on the thread count, and the loader's order depends on the epoch
// number alone, so resuming from a checkpoint gives bitwise the parameters
// and loss log of the uninterrupted run.
package train
