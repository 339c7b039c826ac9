package kernels

import (
	"fmt"

	"github.com/vecgrad/vecgrad/internal/abi"
)

// SgemmSerialSGDLagged takes one SGD step on the calling goroutine with
// the gradient G = op(A)*op(B) (m x n; alpha 1), as SgemmSerialSGD does,
// for p and buf (with momentum; nil otherwise) of m*n elements, row i of
// G updating elements [i*n, (i+1)*n): bit for bit SGDStepSerial on each
// row with G's row as its gradient. The product runs a block of at most
// maxRows rows at a time into one half of scratch (2*min(m, maxRows)*n
// floats), and where the level has GemmStripLagSGD (AVX-512) the strips
// of each block apply the previous block's update, a vector per k loop
// iteration, from the other half: the update's loads and stores share the
// load and store ports the FMAs leave idle instead of taking a pass of
// their own, and each vector is prefetched some 1,500 cycles before it is
// updated. What the strips leave of a block's update (the last block's
// whole, and any part where a block has too few k iterations) goes
// through SGDStep at the end of the next block. Elsewhere each block is
// updated by SGDStep right after it is computed, its rows of p and buf
// prefetched while it is (SgemmSerialBlocks' prefetch).
//
// This is the training step's weight gradient and update where the
// parameters and momenta come from DRAM (SgemmSerialSGD's fused store
// phase stalls there): the wide MLP's 784x2048 and 2048x2048 layers at
// batch 256 took 2.0% less time on one Zen 5 core and 2.9-4.3% less on
// two than with SgemmSerialBlocks handing each block to SGDStep, its rows
// of p and buf prefetched by the strips meanwhile (in-process rounds). The
// strips' far stream prefetches nothing here: prefetching each block's p
// and buf during the block as well cost 0.6% on one core and 1.8% on two,
// and the stream's own prefetch, 32 vectors ahead, is what keeps the
// strips from waiting on DRAM (without it, 2.2% slower on one core than
// the blocks).
//
// It panics, as SgemmSerialSGD does, on invalid sizes (p and buf must
// hold m*n floats) and on operands that share memory (p, buf, scratch, A
// and B must be distinct), and on maxRows < 1.
func SgemmSerialSGDLagged(transA, transB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, p, buf []float32, h SGDParams, scratch []float32, maxRows int) {
	const fn = "SgemmSerialSGDLagged"
	checkMaxRows(fn, maxRows)
	rows := min(m, maxRows)
	checkGemmOperands(fn, transA, transB, m, n, k, a, lda, b, ldb, 1, 0, 0, 0)
	if len(scratch) < 2*rows*n {
		panic(fmt.Sprintf("kernels: %s: len(scratch) = %d < 2*min(m, maxRows)*n = %d (m = %d, maxRows = %d, n = %d): a block's rows and the previous block's",
			fn, len(scratch), 2*rows*n, m, maxRows, n))
	}
	if len(p) < m*n {
		panic(fmt.Sprintf("kernels: %s: len(p) = %d < m*n = %d (m = %d, n = %d): p holds the product's rows, n elements each", fn, len(p), m*n, m, n))
	}
	variant, s := h.sgdArgs()
	if !abi.DecodeSGD(variant).Momentum() {
		buf = nil
	} else if len(buf) < m*n {
		panic(fmt.Sprintf("kernels: %s: len(buf) = %d < m*n = %d (m = %d, n = %d): buf is laid out as p", fn, len(buf), m*n, m, n))
	}
	if m == 0 || n == 0 {
		return
	}
	checkSGDAliasing(fn, transA, transB, m, n, k, a, lda, b, ldb, p, buf, n, scratch, 2*rows)
	u := gemmSGD{p: p, buf: buf, ldp: n, variant: variant, s: s}
	lv := active // captured once: the tiles and kernels must match
	if kern, ok := blocksInOneProduct(lv, transA, transB, m, n, k, 1, maxRows); ok {
		lag := gemmLag{u: u, scratch: [2][]float32{scratch[:rows*n], scratch[rows*n : 2*rows*n]},
			now: kern.stripLag == nil || gemmRowsAInPlace(kern, transA, n, 1, lda)}
		if lag.now { // the strips prefetch each block's p and buf for its update
			lag.nowPrefetch, lag.nPrefetch = [2][]float32{p, buf}, 2
			if buf == nil {
				lag.nPrefetch = 1
			}
		}
		sgemmBlocked(lv, 1, transA, transB, m, n, k, 1, a, lda, b, ldb, 0, lag.scratch[0], n,
			rowsDone{max: maxRows, scratch: lag.scratch[0], ldc: n, n: n, lag: lag}, gemmOut{})
		return
	}
	u.byBlocks(transA, transB, m, n, k, a, lda, b, ldb, scratch, maxRows)
}

// gemmLagTrace, where tests set it, sees the vectors each strip call takes
// from the stream.
var gemmLagTrace func(units int)

// SGDLaggedCovers reports whether, at inner dimension k on the active
// level, SgemmSerialSGDLagged's strips apply the whole of each block's
// update but the last: a tile of MR x NR elements runs k/4 k loop
// iterations, each applying a vector of 16 elements, so k must reach
// MR*NR/4 (96 on AVX-512). Below it the rest of each block goes through
// SGDStep, and where the parameters and momenta fit in cache
// SgemmSerialSGD's fused store phase does better (the tutorial's weight
// gradients at batch 64: 0.7% and 0.8% faster on one and two Zen 5 cores
// than lagged; at batch 256 lagged won by 2.5% and 0.9%). False on levels
// without GemmStripLagSGD.
func SGDLaggedCovers(k int) bool {
	kern := gemmKernelFor(active, gemmNC) // the wide tile
	return kern.stripLag != nil && k/4*16 >= kern.mr*kern.nr
}

// gemmLag is SgemmSerialSGDLagged's update: the optimizer's arrays (rows
// of n elements, contiguous), the two halves of the scratch the blocks
// are computed into in turn, and the stream the strips of the block being
// computed update: elements [lo, hi) of p and buf, with gradient g (g[0]
// is element lo's). The zero value is off. Held by value in rowsDone, so
// that a call allocates nothing.
type gemmLag struct {
	u       gemmSGD
	scratch [2][]float32
	next    int // the half the block being computed goes into
	lo, hi  int
	g       []float32
	// now: the level has no strip for the stream (or A is read in place),
	// so each block is updated as soon as it is computed, its rows of p
	// and buf (nowPrefetch[:nPrefetch]) prefetched by the strips while it
	// is, as SgemmSerialBlocks' prefetch does.
	now         bool
	nowPrefetch [2][]float32
	nPrefetch   int
}

// prefetch returns the arrays the strips of each block prefetch the
// block's rows of: p and buf where each block is updated after it, none
// where the next block's strips update it (prefetching them during the
// block as well cost the wide MLP's step 0.6% on one Zen 5 core and 1.8%
// on two).
func (l *gemmLag) prefetch() [][]float32 { return l.nowPrefetch[:l.nPrefetch] }

// on reports whether the product runs SgemmSerialSGDLagged's update.
func (l *gemmLag) on() bool { return l.u.p != nil }

// blockDone hands rows [lo, hi) of G, just computed into the current
// half, to the stream, after the rest of the last block's update, and
// switches the next block to the other half.
func (l *gemmLag) blockDone(lo, hi int) {
	l.flush()
	n := l.u.ldp
	l.lo, l.hi, l.g = lo*n, hi*n, l.scratch[l.next][:(hi-lo)*n]
	l.next ^= 1
	if l.now {
		l.flush()
	}
}

// flush applies what is left of the stream.
func (l *gemmLag) flush() {
	if l.lo < l.hi {
		l.u.applyRange(l.lo, l.hi-l.lo, l.g)
		l.lo = l.hi
	}
}

// take returns the next units (at most max, none where fewer than 16
// elements are left) vectors of 16 elements of the stream, as p, g and
// buf (buf nil without momentum) cut to exactly them, and moves past them.
func (l *gemmLag) take(max int) (p, g, buf []float32, units int) {
	units = min(max, (l.hi-l.lo)/16)
	if units < 1 {
		return nil, nil, nil, 0
	}
	if gemmLagTrace != nil {
		gemmLagTrace(units)
	}
	e := 16 * units
	p, g = l.u.p[l.lo:l.lo+e], l.g[:e]
	if l.u.buf != nil {
		buf = l.u.buf[l.lo : l.lo+e]
	}
	l.lo, l.g = l.lo+e, l.g[e:]
	return p, g, buf, units
}
