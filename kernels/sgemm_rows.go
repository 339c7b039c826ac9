package kernels

import (
	"fmt"

	mc "github.com/vecgrad/vecgrad/internal/mathconst"
)

// SgemmSerialRows is SgemmSerial that hands C's rows to done as soon as
// they are final, while they are still in cache: done(lo, hi) is called
// for consecutive ranges of rows, in order, covering [0, m) once, each of
// at most maxRows rows where the product's blocking allows (it may report
// all of them at the end: products of more than one KC block of k, or of
// more columns than one NC block, finish their rows only in their last
// block). The training step applies the optimizer to each block of a
// weight gradient this way, in L2, instead of after the whole gradient has
// gone out to L3.
//
// C's values are SgemmSerial's, bit for bit: the row blocking changes no
// element's arithmetic. done must not touch C's rows beyond hi, A or B.
// It panics, as SgemmSerial does, on invalid sizes, and on maxRows < 1 or
// a nil done.
func SgemmSerialRows(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int, maxRows int, done func(lo, hi int)) {
	checkGemm("SgemmSerialRows", transA, transB, m, n, k, a, lda, b, ldb, c, ldc, 1, 0, 0, 0)
	checkGemmAliasing("SgemmSerialRows", transA, transB, m, n, k, alpha, a, lda, b, ldb, c, ldc, 1, 0, 0, 0)
	if maxRows < 1 || done == nil {
		panic(fmt.Sprintf("kernels: SgemmSerialRows: maxRows %d and done %v: want maxRows >= 1 and a function", maxRows, done != nil))
	}
	sgemmRows(1, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, rowsDone{f: done, max: maxRows})
}

// SgemmSerialBlocks computes C = alpha*op(A)*op(B) on the calling
// goroutine a block of at most maxRows consecutive rows at a time, each
// into scratch (row lo+i of C at scratch[i*ldc:], ldc >= n), and hands
// each block to done as soon as it is complete: done(lo, hi, c), c the
// block's rows [lo, hi) in scratch, for consecutive ranges covering [0, m)
// once. The next block overwrites the scratch, so C as a whole never
// exists: for a product whose rows are each wanted once (the weight
// gradient that the training step's optimizer consumes block by block)
// only the scratch's cache lines are written, where SgemmSerialRows writes
// every row of C out to memory, after reading it in for ownership (the
// wide MLP's 16 MB weight gradient, from and back to DRAM each step).
//
// prefetch names arrays laid out as C would be (row i's n elements at
// [i*ldc:], each at least (m-1)*ldc+n long) that done reads for its
// block's rows, or nil: while the product computes a block, it prefetches
// the block's rows of each into L2 as far as the FMAs leave time (the
// training step's weights and momentum, read by the update from L2
// instead of DRAM). A hint only: the arrays are not otherwise read or
// written, and no value depends on them.
//
// Each block holds SgemmSerial's values (with beta 0) bit for bit: a split
// by rows changes no element's arithmetic. Products of one KC block of k
// and one NC block of columns, the training step's weight gradients among
// them, are computed as one product (B packed once, the scratch's block
// of rows per MC block); others block by block, each its own product
// (prefetching nothing).
//
// It panics, as SgemmSerial does, on invalid sizes (scratch must hold
// min(m, maxRows) rows) and on a scratch that shares memory with A or B,
// and on maxRows < 1, a nil done or a short prefetch array. done must not
// write A or B.
func SgemmSerialBlocks(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, scratch []float32, ldc int, maxRows int, prefetch [][]float32, done func(lo, hi int, c []float32)) {
	const fn = "SgemmSerialBlocks"
	if maxRows < 1 || done == nil {
		panic(fmt.Sprintf("kernels: %s: maxRows %d and done %v: want maxRows >= 1 and a function", fn, maxRows, done != nil))
	}
	rows := min(m, maxRows)
	checkGemmOperands(fn, transA, transB, m, n, k, a, lda, b, ldb, 1, 0, 0, 0)
	checkOperand(fn, "c", "strideC", scratch, ldc, 0, rows, n, 1, "min(m, maxRows)", "n")
	checkGemmAliasing(fn, transA, transB, rows, n, k, alpha, a, lda, b, ldb, scratch, ldc, 1, 0, 0, 0)
	for i, p := range prefetch {
		if m > 0 && n > 0 && len(p) < (m-1)*ldc+n {
			panic(fmt.Sprintf("kernels: %s: len(prefetch[%d]) = %d < (m-1)*ldc + n = %d: want each array laid out as C (m = %d rows of n = %d at stride ldc = %d)",
				fn, i, len(p), (m-1)*ldc+n, m, n, ldc))
		}
	}
	if m == 0 || n == 0 {
		return
	}
	lv := active // captured once: the tiles and kernels must match
	if _, ok := blocksInOneProduct(lv, transA, transB, m, n, k, alpha, maxRows); ok {
		sgemmBlocked(lv, 1, transA, transB, m, n, k, alpha, a, lda, b, ldb, 0, scratch, ldc,
			rowsDone{max: maxRows, scratch: scratch, ldc: ldc, n: n, blockDone: done, prefetch: prefetch}, gemmOut{})
		return
	}
	for lo := 0; lo < m; lo += maxRows {
		hi := min(m, lo+maxRows)
		c := scratch[:(hi-lo-1)*ldc+n]
		sgemm(1, transA, transB, hi-lo, n, k, alpha, rowsOfA(a, lda, transA, lo, alpha != 0 && k > 0), lda, b, ldb, 0, c, ldc)
		done(lo, hi, c)
	}
}

// blocksInOneProduct reports whether a product handed over in blocks of
// at most maxRows rows (SgemmSerialBlocks, SgemmSerialSGD) runs as one
// product on the blocked path at level lv, and returns its kernel: that
// path finishes rows MC block by MC block where k is one KC block and the
// columns one NC block (not the narrow TN tile's path or the transposed
// NT product), and its MC blocks fit the scratch where maxRows holds a
// row panel (rowsDone.blockRows). Otherwise the blocks are products of
// their own.
func blocksInOneProduct(lv level, transA, transB bool, m, n, k int, alpha float32, maxRows int) (gemmKernel, bool) {
	if alpha == 0 || k == 0 || gemmDual(lv, transA, transB, m, n, k, alpha, 0) {
		return gemmKernel{}, false
	}
	kern := gemmJobKernel(lv, transA, transB, n, alpha)
	return kern, kern.microTN == nil && k <= mc.GemmKC && n <= gemmNC && maxRows >= kern.mr
}

// rowsOfA returns A from op(A)'s row lo on, for a product of those rows
// alone (a block of SgemmSerialBlocks or SgemmSerialSGD); a itself where
// the product reads no A (read is false: alpha or k is 0).
func rowsOfA(a []float32, lda int, transA bool, lo int, read bool) []float32 {
	switch {
	case !read:
		return a
	case transA:
		return a[lo:]
	}
	return a[lo*lda:]
}

// rowsDone reports a product's finished rows in order (SgemmSerialRows,
// SgemmSerialBlocks); the zero value reports nothing.
type rowsDone struct {
	f    func(lo, hi int)
	max  int // the most rows per report where the blocking allows
	next int // the rows reported so far
	// scratch is SgemmSerialBlocks' C, one MC block of rows (the job's
	// cRow0 its first) of n columns ldc apart, handed to blockDone with
	// each block.
	scratch   []float32
	ldc, n    int
	blockDone func(lo, hi int, c []float32)
	// prefetch are the arrays whose rows the strips of each MC block
	// prefetch (sgemm_far.go), laid out as C (ldc, n).
	prefetch [][]float32
	// sgd is SgemmSerialSGD's update, applied by the tiles (scratch is
	// then where the tiles without a fused form put theirs first); held
	// by value, so that a call allocates nothing, and reached through
	// update.
	sgd gemmSGD
	// lag is SgemmSerialSGDLagged's: each finished block goes to the
	// stream the next block's strips update (the job's C switching
	// between its scratch halves), the last at the product's end.
	lag gemmLag
}

// update returns SgemmSerialSGD's update, or nil for other products.
func (d *rowsDone) update() *gemmSGD {
	if d.sgd.p == nil {
		return nil
	}
	return &d.sgd
}

// blockRows returns the height of the driver's row blocks (MC): mc, or
// at most max rows rounded down to whole tiles of mr (at least one tile).
func (d *rowsDone) blockRows(mc, mr int) int {
	if d.f == nil && d.blockDone == nil && d.sgd.p == nil && !d.lag.on() {
		return mc
	}
	return min(mc, max(mr, d.max/mr*mr))
}

// report hands rows [next, hi) to f: a finished block, or at the end of
// the product (hi = m) the rows not yet reported, those of a path that
// reports nothing on its way.
func (d *rowsDone) report(hi int) {
	if d.lag.on() && hi > d.next {
		d.lag.blockDone(d.next, hi)
		d.next = hi
	}
	if (d.f == nil && d.blockDone == nil) || hi <= d.next {
		return
	}
	lo := d.next
	d.next = hi
	if d.blockDone != nil {
		d.blockDone(lo, hi, d.scratch[:(hi-lo-1)*d.ldc+d.n])
		return
	}
	d.f(lo, hi)
}
