package kernels

import "fmt"

// SgemmSerialAdam takes one Adam (or AdamW) step on the calling goroutine
// with the gradient G = op(A)*op(B) (m x n; alpha 1): p, mm, v and, with
// h.AMSGrad, vmax are laid out as G (row i's n elements at [i*ldp:]) and
// updated in place, bit for bit as AdamStepSerial on each row with G's row
// as its gradient would (SgemmSerial into a scratch, then the update). It
// is SgemmSerialSGD for Adam: where the level has GemmStripAdam (AVX-512),
// the product's tiles apply the step from their accumulators, each tile's
// parameters and moments prefetched when it starts, so that the step's
// square roots and divisions run beside the next tile's FMAs instead of
// in a pass of their own; the rest of G (edge tiles, the product's first
// tiles, every tile at other levels) goes through scratch, min(m, maxRows)
// rows of n floats, and is applied from there.
//
// It panics, as SgemmSerial and AdamStepSerial do, on invalid sizes (p,
// mm, v and with amsgrad vmax must hold (m-1)*ldp+n floats, ldp >= n),
// invalid hyper-parameters (Step >= 1, betas in [0, 1)), on operands that
// share memory (p, mm, v, vmax, scratch, A and B must be distinct), and on
// maxRows < 1. Without amsgrad vmax is not touched and may be nil.
func SgemmSerialAdam(transA, transB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, p, mm, v, vmax []float32, ldp int, h AdamParams, scratch []float32, maxRows int) {
	const fn = "SgemmSerialAdam"
	if maxRows < 1 {
		panic(fmt.Sprintf("kernels: %s: maxRows = %d: want maxRows >= 1", fn, maxRows))
	}
	rows := min(m, maxRows)
	checkGemmOperands(fn, transA, transB, m, n, k, a, lda, b, ldb, 1, 0, 0, 0)
	if len(scratch) < rows*n {
		panic(fmt.Sprintf("kernels: %s: len(scratch) = %d < min(m, maxRows)*n = %d (m = %d, maxRows = %d, n = %d)", fn, len(scratch), rows*n, m, maxRows, n))
	}
	checkOperand(fn, "p", "ldp", p, ldp, 0, m, n, 1, "m", "n")
	state := []namedArray{{"m", mm}, {"v", v}, {"vmax", vmax}}
	if !h.AMSGrad {
		state, vmax = state[:2], nil
	}
	for _, s := range state {
		if need := (m-1)*ldp + n; m > 0 && n > 0 && len(s.s) < need {
			panic(fmt.Sprintf("kernels: %s: len(%s) = %d < (m-1)*ldp + n = %d (m = %d, n = %d, ldp = %d): %s is laid out as p", fn, s.name, len(s.s), need, m, n, ldp, s.name))
		}
	}
	if h.Step < 1 || !(h.Beta1 >= 0 && h.Beta1 < 1) || !(h.Beta2 >= 0 && h.Beta2 < 1) {
		panic(fmt.Sprintf("kernels: %s: Step = %d, Beta1 = %g, Beta2 = %g: want Step >= 1 and betas in [0, 1)", fn, h.Step, h.Beta1, h.Beta2))
	}
	if m == 0 || n == 0 {
		return
	}
	written := []namedArray{{"p", p}, {"m", mm}, {"v", v}, {"vmax", vmax}}
	checkUpdateAliasing(fn, transA, transB, m, n, k, a, lda, b, ldb, written, ldp, scratch, rows)
	variant, s := h.adamArgs()
	sgemmUpdate(transA, transB, m, n, k, a, lda, b, ldb, scratch, maxRows,
		rowsDone{adam: gemmAdam{p: p, m: mm, v: v, vmax: vmax, ldp: ldp, variant: variant, s: s}})
}

// gemmAdam is SgemmSerialAdam's update: the parameters and moments, laid
// out as C (rows of the product at stride ldp), and the variant.
type gemmAdam struct {
	p, m, v, vmax []float32 // vmax nil without amsgrad
	ldp           int
	variant       int
	s             adamScalars
}

// apply updates rows [row, row+rows) x columns [col, col+cols) from g,
// those elements of the gradient at stride ldg: one AdamStep run per row
// (the step is element by element, so any cut gives the same bits).
func (u *gemmAdam) apply(row, rows, col, cols int, g []float32, ldg int) {
	for r := range rows {
		off := (row+r)*u.ldp + col
		var vmax []float32
		if u.vmax != nil {
			vmax = u.vmax[off : off+cols]
		}
		adamStep(u.variant, u.p[off:off+cols], g[r*ldg:][:cols], u.m[off:off+cols], u.v[off:off+cols], vmax, &u.s)
	}
}

// strip runs the strip's tiles with the update fused (kern.stripAdam):
// tile t at (row+t*dRow, col+t*dCol) of the product, p and the moments cut
// from u's arrays to exactly the elements the tiles update.
func (u *gemmAdam) strip(j *gemmJob, n, kc int, a []float32, aStep int, b []float32, ldb, bStep, row, col, dRow, dCol int, far gemmFar) {
	mr, nr := j.mr, j.nr
	pStep := dRow*u.ldp + dCol
	off := row*u.ldp + col
	size := (n-1)*pStep + (mr-1)*u.ldp + nr
	var vmax []float32
	if u.vmax != nil {
		vmax = u.vmax[off : off+size]
	}
	j.kern.stripAdam(j.kern, u.variant, n, kc, a, aStep, b, ldb, bStep, u.p[off:off+size], u.m[off:off+size], u.v[off:off+size], vmax, u.ldp, pStep, &u.s, far)
}
