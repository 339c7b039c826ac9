// Package einsum is the einsum engine beneath tensor.Einsum: it parses an
// equation in torch.einsum's grammar against the shapes of its operands,
// plans the computation as reductions and batched GEMMs (kernels.Sgemm,
// kernels.SgemmBatch), runs it on strided float32 operands and computes
// the gradient of any operand. It knows nothing of the Tensor type.
//
// # Grammar
//
// An equation is a comma-separated list of operand subscripts, optionally
// followed by "->" and the output subscripts:
//
//	ij,jk->ik      matrix product
//	bij,bjk->bik   batched matrix product
//	ii             trace (implicit output: a scalar)
//	ii->i          diagonal
//	...ij->...ji   transpose of the last two dimensions
//	,ij->ij        a scalar times a matrix
//
// Subscripts are the letters a-z and A-Z, one per dimension. A subscript
// repeated within one operand takes the diagonal (its dimensions must have
// equal sizes). A subscript in several operands names one index: its sizes
// must be equal, or 1, and a dimension of size 1 broadcasts. Subscripts
// that are not in the output are summed. "..." (at most one per operand,
// and in the output) stands for the dimensions the letters do not name;
// the ellipses of all operands broadcast together, right-aligned, with
// PyTorch's broadcasting rules. Without "->" the output is implicit: the
// ellipsis dimensions, then the subscripts that appear exactly once in the
// equation, in ASCII order (uppercase before lowercase), as torch orders
// them. With "->" the output may leave the ellipsis out, which sums its
// dimensions. An operand with no subscripts is a scalar; there must be at
// least one operand. White space may stand between any two tokens (torch
// accepts only spaces; this package accepts any ASCII white space), but not
// inside "..." or "->".
//
// # Errors
//
// Parse rejects a malformed equation, or one that does not fit its shapes,
// with an *Error that carries the equation, the Rule that failed, the
// column and the operand concerned, and a message in the form
//
//	einsum: "ij,jk->ik": operand 1 has 3 dimensions but subscripts "jk" name 2
//
// Run and Grad panic, naming the argument, when their arguments do not fit
// the plan, as package kernels does: those are programming errors, not
// user input.
//
// # Plan and execution
//
// Parse turns the equation into labels with sizes and schedules it:
//
//  1. Each operand becomes a strided view over its distinct labels: a
//     repeated label's stride is the sum of its dimensions' strides (the
//     diagonal is read in place, not copied), and a size-1 dimension that
//     broadcasts is dropped.
//  2. Labels that only one operand has and the output lacks are summed out
//     first: a GEMM with a vector of ones.
//  3. The operands are then contracted pairwise, greedily: at each step the
//     pair whose result removes the most elements (result size minus the
//     two input sizes, as opt_einsum's greedy path; ties to the first pair),
//     the result taking the place of the pair at the end of the list.
//
// Each pairwise contraction is one batched GEMM: batch = labels in both
// operands that are kept (in the output or in a later operand), m = kept
// labels of the left one only, n = of the right one only, k = labels in
// both that are summed. Each group is flattened to one matrix index where
// the operand's strides allow, reading it in place, transposed if that is
// what the strides give (the trans flags of Sgemm); an operand whose
// strides allow neither is copied to a contiguous buffer first. Batch
// labels that flatten in all three operands become one SgemmBatch call,
// the others a loop around it. The last step writes into the output
// directly (swapping the operands, Cᵀ = BᵀAᵀ, when that puts the output's
// fastest label in n), or into scratch copied out when the output's layout
// fits no GEMM. Steps a GEMM does badly take other kernels (a small Sgemm
// costs about a microsecond whatever its size, and a one-column product
// fills a fraction of the micro-kernel's tile): a sum over labels that are
// innermost or outermost in the operand is kernels.RowSum or a sum of rows
// with kernels.Axpy; a product with nothing summed (elementwise, outer or
// broadcast) is kernels.Binary or kernels.BinaryScalar along contiguous
// runs; a small product with one side a vector (a batched dot product or
// matrix-vector product) is a kernels.Dot per element. A single operand
// with nothing to sum is a strided copy (by tiles, for a transpose). No
// step loops over the full index space.
//
// Results are deterministic: the same inputs give the same bits whatever
// kernels.Threads() and the instruction-set level, as Sgemm's are.
//
// # Gradients
//
// Plan.Grad computes the gradient of one operand from the gradient of the
// output: itself an einsum, of the output gradient and the other operands
// onto the operand's labels, written back over its shape (zeros off a
// diagonal, broadcast along the labels summed only in that operand, summed
// over the dimensions that broadcast). Its plan is built on first use and
// kept.
//
// # Allocation
//
// Parse allocates the plan, and Grad builds an operand's gradient plan on
// its first call. Run and Grad keep their buffers (intermediates, operand
// copies, the ones vector, and arenas for the bookkeeping slices) in the
// Plan, one set per concurrent caller, and reuse them on the next call:
// once they have grown, a call allocates nothing. A Plan is safe for
// concurrent use.
package einsum
