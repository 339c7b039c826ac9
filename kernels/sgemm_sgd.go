package kernels

import (
	"fmt"

	"github.com/vecgrad/vecgrad/internal/abi"
)

// SgemmSerialSGD takes one SGD step on the calling goroutine with the
// gradient G = op(A)*op(B) (m x n; alpha 1): p and, with momentum, buf are
// laid out as G (row i's n elements at [i*ldp:]) and updated in place, bit
// for bit as SGDStepSerial on each row with G's row as its gradient would
// (SgemmSerial into a scratch, then the update). It is the training
// step's weight gradient with the optimizer fused into the product: where
// the level has GemmStripSGD (AVX-512), the product's tiles apply the
// update from their accumulators, and each tile's weights and momenta,
// prefetched when the tile starts (the momenta where k >= 32), come from
// L3 or DRAM during its FMAs instead of in a pass of their own; the rest
// of G (edge tiles, the product's first tiles, every tile at other
// levels) goes through scratch, min(m, maxRows) rows of n floats, a block
// of at most maxRows rows at a time (256 KiB of them stay in L2), and is
// applied from there.
//
// The fusion pays where p and buf come from L3: the tutorial's 512x784
// weight gradient and update at batch 16 took 87.3-87.9 µs against
// 97.7-98.8 for SgemmSerialBlocks with the update in done (Zen 5). From
// DRAM each tile's loads stall it: at 2048x2048, from batch 16 to 256,
// the fused step was 7-25% slower than SgemmSerialBlocks with p and buf
// named in its prefetch; the training step uses SgemmSerialSGDLagged
// there.
//
// It panics, as SgemmSerial and SGDStepSerial do, on invalid sizes (p and
// buf must hold (m-1)*ldp+n floats, ldp >= n) and on operands that share
// memory (p, buf, scratch, A and B must be distinct), and on maxRows < 1.
func SgemmSerialSGD(transA, transB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, p, buf []float32, ldp int, h SGDParams, scratch []float32, maxRows int) {
	const fn = "SgemmSerialSGD"
	checkMaxRows(fn, maxRows)
	rows := min(m, maxRows)
	checkGemmOperands(fn, transA, transB, m, n, k, a, lda, b, ldb, 1, 0, 0, 0)
	if len(scratch) < rows*n {
		panic(fmt.Sprintf("kernels: %s: len(scratch) = %d < min(m, maxRows)*n = %d (m = %d, maxRows = %d, n = %d)", fn, len(scratch), rows*n, m, maxRows, n))
	}
	checkOperand(fn, "p", "ldp", p, ldp, 0, m, n, 1, "m", "n")
	variant, s := h.sgdArgs()
	mom := abi.DecodeSGD(variant).Momentum()
	if !mom {
		buf = nil
	} else if need := (m-1)*ldp + n; m > 0 && n > 0 && len(buf) < need {
		panic(fmt.Sprintf("kernels: %s: len(buf) = %d < (m-1)*ldp + n = %d (m = %d, n = %d, ldp = %d): buf is laid out as p", fn, len(buf), need, m, n, ldp))
	}
	if m == 0 || n == 0 {
		return
	}
	checkSGDAliasing(fn, transA, transB, m, n, k, a, lda, b, ldb, p, buf, ldp, scratch, rows)
	u := gemmSGD{p: p, buf: buf, ldp: ldp, variant: variant, s: s}
	lv := active // captured once: the tiles and kernels must match
	// The fused path: one product, its rows a block at a time in the
	// scratch, strips that apply the update themselves, on packed A.
	if kern, ok := blocksInOneProduct(lv, transA, transB, m, n, k, 1, maxRows); ok && kern.stripSGD != nil && !gemmRowsAInPlace(kern, transA, n, 1, lda) {
		sgemmBlocked(lv, 1, transA, transB, m, n, k, 1, a, lda, b, ldb, 0, scratch, n,
			rowsDone{max: maxRows, scratch: scratch, ldc: n, n: n, sgd: u}, gemmOut{})
		return
	}
	u.byBlocks(transA, transB, m, n, k, a, lda, b, ldb, scratch, maxRows)
}

// checkMaxRows panics unless maxRows, the rows of a block of the SGD
// products (SgemmSerialSGD, SgemmSerialSGDLagged), is at least 1.
func checkMaxRows(fn string, maxRows int) {
	if maxRows < 1 {
		panic(fmt.Sprintf("kernels: %s: maxRows = %d: want maxRows >= 1", fn, maxRows))
	}
}

// byBlocks computes the gradient a block of at most maxRows rows at a
// time, each its own product into scratch, and applies u to each block
// after it: the path of products that do not run as one
// (blocksInOneProduct).
func (u *gemmSGD) byBlocks(transA, transB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, scratch []float32, maxRows int) {
	for lo := 0; lo < m; lo += maxRows {
		hi := min(m, lo+maxRows)
		c := scratch[:(hi-lo)*n]
		sgemm(1, transA, transB, hi-lo, n, k, 1, rowsOfA(a, lda, transA, lo, k > 0), lda, b, ldb, 0, c, n)
		u.apply(lo, hi-lo, 0, n, c, n)
	}
}

// checkSGDAliasing panics if any two of p, buf (nil: none), the scratch
// and the parts of A and B the product reads share memory.
func checkSGDAliasing(fn string, transA, transB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, p, buf []float32, ldp int, scratch []float32, rows int) {
	aLen, bLen := (m-1)*lda+k, (k-1)*ldb+n
	if transA {
		aLen = (k-1)*lda + m
	}
	if transB {
		bLen = (n-1)*ldb + k
	}
	if k == 0 {
		aLen, bLen = 0, 0
	}
	pLen := (m-1)*ldp + n
	ops := []struct {
		name string
		s    []float32
		n    int
	}{{"p", p, pLen}, {"buf", buf, pLen}, {"scratch", scratch, (rows-1)*n + n}, {"a", a, aLen}, {"b", b, bLen}}
	for i := range 3 { // the written ones against every other
		for j := i + 1; j < len(ops); j++ {
			if overlap(ops[i].s, ops[i].n, ops[j].s, ops[j].n) {
				panic(fmt.Sprintf("kernels: %s: %s and %s share memory; they must be distinct arrays", fn, ops[i].name, ops[j].name))
			}
		}
	}
}

// gemmSGD is SgemmSerialSGD's update: the optimizer's arrays, laid out as
// C (rows of the product at stride ldp), and its variant.
type gemmSGD struct {
	p, buf  []float32 // buf nil without momentum
	ldp     int
	variant int
	s       sgdScalars
}

// apply updates rows [row, row+rows) x columns [col, col+cols) of p and
// buf from g, those elements of the gradient at stride ldg: one SGDStep
// run per row (the update is element by element, so any cut gives the
// same bits).
func (u *gemmSGD) apply(row, rows, col, cols int, g []float32, ldg int) {
	for r := range rows {
		u.applyRange((row+r)*u.ldp+col, cols, g[r*ldg:][:cols])
	}
}

// applyRange updates the n elements of p and buf from offset off with
// gradient g, in assembly calls of at most stepTaskLen elements (Go
// cannot preempt assembly).
func (u *gemmSGD) applyRange(off, n int, g []float32) {
	for lo := 0; lo < n; lo += stepTaskLen {
		hi := min(n, lo+stepTaskLen)
		var buf []float32
		if u.buf != nil {
			buf = u.buf[off+lo : off+hi]
		}
		sgdStep(u.variant, u.p[off+lo:off+hi], g[lo:hi], buf, &u.s)
	}
}

// stripSGD runs the strip's tiles with the update fused (kern.stripSGD):
// tile t at (row+t*dRow, col+t*dCol) of the product, its p and buf cut
// from u's arrays to exactly the elements the tiles update.
func (u *gemmSGD) strip(j *gemmJob, n, kc int, a []float32, aStep int, b []float32, ldb, bStep, row, col, dRow, dCol int, far gemmFar) {
	mr, nr := j.mr, j.nr
	pStep := dRow*u.ldp + dCol
	off := row*u.ldp + col
	size := (n-1)*pStep + (mr-1)*u.ldp + nr
	p := u.p[off : off+size]
	buf := p // never read or written without momentum (the assembly needs a pointer)
	if u.buf != nil {
		buf = u.buf[off : off+size]
	}
	j.kern.stripSGD(j.kern, u.variant, n, kc, a, aStep, b, ldb, bStep, p, buf, u.ldp, pStep, &u.s, far)
}
