package kernels

import "fmt"

// SgemmSerialBiasRelu computes a linear layer's forward on the calling
// goroutine: C = A·Bᵀ + bias, bias[j] added to column j of C (A m x k, B
// n x k, both row-major: X·Wᵀ + b), then with relu C = max(C, 0) as Relu
// does. Its results are SgemmSerial(false, true, m, n, k, 1, a, lda, b,
// ldb, 0, c, ldc) followed by BinaryRowVecStrided(OpAdd, ...) with bias
// and, with relu, ReluStrided, bit for bit.
//
// Where the product runs transposed (a batch of at most two tile widths
// of rows: Cᵀ = B·Aᵀ into a scratch, then transposed into C), the
// transpose adds the bias and applies the ReLU on its way out
// (GemmTransposeBias, -BiasRelu), which saves a pass over C: at two
// threads the tutorial's separate bias add took several times its
// one-thread time (docs/parallel-step.md). On the blocked path the sweep
// applies them to each region of C as soon as it is final, while it is in
// L1 or L2 (sgemm_out.go). Elsewhere (k = 0, or a transposed product at a
// level without GemmTransposeBias) C gets the two passes,
// biasReluRowGroup rows at a time, while those rows are in L1.
//
// Invalid sizes, leading dimensions or slices too short for them panic
// with a message naming the argument, before any assembly runs; so does a
// C that shares memory with A, B or bias.
func SgemmSerialBiasRelu(m, n, k int, a []float32, lda int, b []float32, ldb int, bias []float32, relu bool, c []float32, ldc int) {
	const fn = "SgemmSerialBiasRelu"
	checkGemm(fn, false, true, m, n, k, a, lda, b, ldb, c, ldc, 1, 0, 0, 0)
	checkGemmAliasing(fn, false, true, m, n, k, 1, a, lda, b, ldb, c, ldc, 1, 0, 0, 0)
	if m == 0 || n == 0 {
		return
	}
	checkAtLeast(fn, "bias", len(bias), n, "n")
	if overlap(c, (m-1)*ldc+n, bias, n) {
		panic(fmt.Sprintf("kernels: %s: bias shares memory with c; it must be a distinct array", fn))
	}
	lv := active
	out := gemmOut{bias: bias[:n], relu: relu}
	dual := k > 0 && gemmDual(lv, false, true, m, n, k, 1, 0)
	switch {
	case dual && gemmKernelFor(lv, 0).transposeBias != nil:
		sgemmDualOut(lv, 1, m, n, k, a, lda, b, ldb, 0, c, ldc, bias[:n], relu)
	case k > 0 && !dual:
		sgemmBlocked(lv, 1, false, true, m, n, k, 1, a, lda, b, ldb, 0, c, ldc, rowsDone{}, out)
	default:
		sgemm(1, false, true, m, n, k, 1, a, lda, b, ldb, 0, c, ldc)
		applyInRowGroups(&out, c, ldc, m, n)
	}
}

// applyInRowGroups applies out to the m x n matrix C after the product,
// biasReluRowGroup rows at a time, so that each group stays in L1 between
// the epilogue's passes.
func applyInRowGroups(out *gemmOut, c []float32, ldc, m, n int) {
	for r := 0; r < m; r += biasReluRowGroup {
		out.apply(active, c, ldc, r, min(biasReluRowGroup, m-r), 0, n)
	}
}

// SgemmSerialReluBackward computes on the calling goroutine the gradient
// with respect to the input of a ReLU that a linear layer follows:
// C = A·B (A m x k, B k x n, both row-major, not transposed: the output's
// gradient times the weights), then C = ReluBackward(C, x), each element
// kept where the ReLU's input x at its place is positive and 0 elsewhere,
// x laid out as C (element (i, j) at x[i*ldc + j]). With sum not nil it
// also sets sum[j] to the sum of column j of the result, its rows added in
// order (the layer's bias gradient). Its results are SgemmSerial(false,
// false, m, n, k, 1, a, lda, b, ldb, 0, c, ldc) followed by
// ReluBackwardStrided(c, c, x, m, n, ldc) and, with sum,
// SumRowsStrided(sum, c, m, n, ldc), bit for bit. On the blocked path each
// region of C gets ReLU's backward, and its rows go into the sum, as soon
// as it is final, while it is in L1 or L2 (sgemm_out.go), instead of in
// passes over C after the product.
//
// Invalid sizes, leading dimensions or slices too short for them panic
// with a message naming the argument, before any assembly runs; so do a
// C that shares memory with A, B or x, a sum shorter than n or sharing
// memory with C or x, and a sum with m = 0 (a sum of no rows).
func SgemmSerialReluBackward(m, n, k int, a []float32, lda int, b []float32, ldb int, x []float32, c []float32, ldc int, sum []float32) {
	const fn = "SgemmSerialReluBackward"
	checkGemm(fn, false, false, m, n, k, a, lda, b, ldb, c, ldc, 1, 0, 0, 0)
	checkGemmAliasing(fn, false, false, m, n, k, 1, a, lda, b, ldb, c, ldc, 1, 0, 0, 0)
	if sum != nil && m == 0 {
		panic(fmt.Sprintf("kernels: %s: m = 0 with a sum: a sum of no rows has no row order to keep", fn))
	}
	if m == 0 || n == 0 {
		return
	}
	span := (m-1)*ldc + n
	checkAtLeast(fn, "x", len(x), span, "(m-1)*ldc+n")
	if overlap(c, span, x, span) {
		panic(fmt.Sprintf("kernels: %s: x shares memory with c; it must be a distinct array", fn))
	}
	if sum != nil {
		checkAtLeast(fn, "sum", len(sum), n, "n")
		if overlap(sum, n, c, span) || overlap(sum, n, x, span) {
			panic(fmt.Sprintf("kernels: %s: sum shares memory with c or x; it must be a distinct array", fn))
		}
		sum = sum[:n]
	}
	lv := active
	out := gemmOut{x: x[:span], sum: sum}
	if k > 0 && !gemmDual(lv, false, false, m, n, k, 1, 0) {
		sgemmBlocked(lv, 1, false, false, m, n, k, 1, a, lda, b, ldb, 0, c, ldc, rowsDone{}, out)
		return
	}
	sgemm(1, false, false, m, n, k, 1, a, lda, b, ldb, 0, c, ldc)
	applyInRowGroups(&out, c, ldc, m, n)
}

// biasReluRowGroup is the rows of C that an epilogue after the product
// takes at a time: 16 rows of 512 columns are 32 KiB, in L1 between the two.
const biasReluRowGroup = 16
