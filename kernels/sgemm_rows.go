package kernels

import "fmt"

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

// rowsDone reports a product's finished rows in order (SgemmSerialRows);
// the zero value reports nothing.
type rowsDone struct {
	f    func(lo, hi int)
	max  int // the most rows per report where the blocking allows
	next int // the rows reported so far
}

// blockRows returns the height of the driver's row blocks (MC): mc, or
// at most max rows rounded down to whole tiles of mr (at least one tile).
func (d *rowsDone) blockRows(mc, mr int) int {
	if d.f == nil {
		return mc
	}
	return min(mc, max(mr, d.max/mr*mr))
}

// report hands rows [next, hi) to f: a finished block, or at the end of
// the product (hi = m) the rows not yet reported, those of a path that
// reports nothing on its way.
func (d *rowsDone) report(hi int) {
	if d.f == nil || hi <= d.next {
		return
	}
	lo := d.next
	d.next = hi
	d.f(lo, hi)
}
