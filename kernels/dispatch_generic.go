//go:build purego || !(amd64 || arm64)

package kernels

// Without assembly every kernel runs its pure-Go reference.

func binaryRows(op BinaryOp, acc bool, dst, a, v []float32, rows, n int) {
	binaryRowsGeneric(op, acc, dst, a, v, rows, n)
}

func binaryCols(op BinaryOp, acc bool, dst, a, c []float32, rows, n int) {
	binaryColsGeneric(op, acc, dst, a, c, rows, n)
}

func axpyTo(dst []float32, alpha float32, x, y []float32) { axpyToGeneric(dst, alpha, x, y) }
func fill(dst []float32, v float32)                       { fillGeneric(dst, v) }
func unary(op unaryOp, dst, x []float32)                  { unaryGeneric(op, dst, x) }
func reluBackward(dst, dy, x []float32)                   { reluBackwardGeneric(dst, dy, x) }
func rowSum(dst, a []float32, rows, n int)                { rowSumGeneric(dst, a, rows, n) }
func rowMax(dst, a []float32, rows, n int)                { rowMaxGeneric(dst, a, rows, n) }
func rowSumExp(dst, a, shift []float32, rows, n int)      { rowSumExpGeneric(dst, a, shift, rows, n) }
func dot(a, b []float32) float32                          { return dotGeneric(a, b) }
func sumSq(a []float32) float32                           { return sumSqGeneric(a) }
func argMax(a []float32) int                              { return argMaxGeneric(a) }
func fmaPeak(iters int) int                               { return fmaPeakGeneric(iters) }
func sqrtPeak(iters int) int                              { return sqrtPeakGeneric(iters) }
func divPeak(iters int) int                               { return divPeakGeneric(iters) }

func gemmKernelFor(lv level, n int) gemmKernel { return gemmGenericKernel(lv) }

func gemmMicro(k gemmKernel, kc int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int, beta float32, load int) {
	gemmMicroGeneric(k.mr, k.nr, kc, a, b, ldb, c, ldc, beta, load)
}

func sgdStep(variant int, p, g, buf []float32, s *sgdScalars) {
	sgdStepGeneric(variant, p, g, buf, s)
}

// adamDivisions is the correctly rounded divisions per element of the
// active level's AdamStep (AdamDividerWork): the generic loop divides twice.
func adamDivisions(bool) int { return 2 }

func adamStep(variant int, p, g, m, v, vmax []float32, s *adamScalars) {
	adamStepGeneric(variant, p, g, m, v, vmax, s)
}

// gemmOutAsm reports false: no GemmOut kernels here (the strided passes
// serve gemmOut.apply).
func gemmOutAsm(lv level, kind gemmOutKind, c []float32, ldc int, v []float32, rows, cols int, sum []float32, first bool) bool {
	return false
}
