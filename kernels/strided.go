package kernels

import (
	"fmt"
	"math"

	mc "github.com/vecgrad/vecgrad/internal/mathconst"
)

// The strided forms apply an elementwise kernel to a block of rows rows of
// n floats whose first elements are stride floats apart (stride >= n): a
// band of columns of a row-major matrix, such as the columns one thread of
// a training step owns. Each is the loop of its contiguous form over the
// rows, bit for bit, in one call: the checks run once, not on every row
// (per row they cost more than the work of a row of a few hundred floats).
// A block spans (rows-1)*stride + n floats; the floats between its rows are
// neither read nor written. dst may be an input itself (the same slice
// start: in place) but must not otherwise share memory with it, or the
// function panics.

// BinaryRowVecStrided sets dst[r*stride+j] = op(a[r*stride+j], v[j]) for
// r < rows, j < n: BinaryRowVec on rows stride floats apart. v must not
// share memory with dst's block.
func BinaryRowVecStrided(op BinaryOp, dst, a, v []float32, rows, n, stride int) {
	const fn = "BinaryRowVecStrided"
	op.check(fn)
	span := checkStrided(fn, rows, n, stride, []string{"dst", "a"}, dst, a)
	checkAtLeast(fn, "v", len(v), n, "n")
	if overlap(dst, span, v, n) {
		panic(fmt.Sprintf("kernels: %s: v shares memory with dst; it must be a distinct array", fn))
	}
	if stride == n || rows <= 1 {
		rowVecChunks(op, false, dst, a, v, rows, n)
		return
	}
	for r := range rows {
		o := r * stride
		rowVecChunks(op, false, dst[o:o+n], a[o:o+n], v, 1, n)
	}
}

// ReluStrided sets dst[r*stride+j] = max(x[r*stride+j], 0) as Relu does,
// for r < rows, j < n.
func ReluStrided(dst, x []float32, rows, n, stride int) {
	span := checkStrided("ReluStrided", rows, n, stride, []string{"dst", "x"}, dst, x)
	stridedRows(span, rows, n, stride, func(lo, hi int) { unary(unaryRelu, dst[lo:hi], x[lo:hi]) })
}

// ReluBackwardStrided sets dst[r*stride+j] as ReluBackward does from dy
// and x at the same place, for r < rows, j < n. dst may be dy or x.
func ReluBackwardStrided(dst, dy, x []float32, rows, n, stride int) {
	span := checkStrided("ReluBackwardStrided", rows, n, stride, []string{"dst", "dy", "x"}, dst, dy, x)
	stridedRows(span, rows, n, stride, func(lo, hi int) { reluBackward(dst[lo:hi], dy[lo:hi], x[lo:hi]) })
}

// SumRowsStrided sets dst[j] to the sum of a[r*stride+j] over r < rows,
// added in order of r (dst = row 0, then dst += row r, each sum rounded:
// Binary with OpAdd row after row, and the order in which a broadcast's
// gradient sums its rows). rows must be at least 1; dst must not share
// memory with a's block.
func SumRowsStrided(dst, a []float32, rows, n, stride int) {
	const fn = "SumRowsStrided"
	if rows < 1 {
		panic(fmt.Sprintf("kernels: %s: rows = %d: want at least 1 (a sum of no rows has no row order to keep)", fn, rows))
	}
	span := checkStrided(fn, rows, n, stride, []string{"a"}, a)
	checkAtLeast(fn, "dst", len(dst), n, "n")
	if overlap(dst, n, a, span) {
		panic(fmt.Sprintf("kernels: %s: dst shares memory with a; it must be a distinct array", fn))
	}
	sumRowsInto(dst[:n], a, rows, n, stride, true)
}

// sumRowsInto adds the rows rows of a (n floats each, stride apart) into
// dst[:n] in order, dst + row with dst first (BinaryRows' add); where
// first, row 0 is copied instead, starting the sum. SumRowsStrided, and
// the input gradient's epilogue on a level without GemmOut kernels, which
// hands it each region's rows in turn (gemmOut.passes).
func sumRowsInto(dst, a []float32, rows, n, stride int, first bool) {
	r := 0
	if first {
		copy(dst[:n], a[:n])
		r = 1
	}
	for ; r < rows; r++ {
		vectorChunks(OpAdd, false, dst, dst, a[r*stride:r*stride+n])
	}
}

// checkStrided checks a strided block's shape, that each of the slices
// holds its span, and the in-place rule between the first (the output,
// where there are several) and the others, and returns the span.
func checkStrided(fn string, rows, n, stride int, names []string, s ...[]float32) int {
	checkShape(fn, rows, n)
	if rows > 1 && stride < n {
		panic(fmt.Sprintf("kernels: %s: stride = %d < n = %d: rows of the block would overlap", fn, stride, n))
	}
	if rows == 0 || n == 0 {
		return 0
	}
	if rows > 1 && stride > (math.MaxInt-n)/(rows-1) {
		panic(fmt.Sprintf("kernels: %s: (rows-1)*stride + n overflows int (rows = %d, n = %d, stride = %d)", fn, rows, n, stride))
	}
	span := (rows-1)*stride + n
	for i, x := range s {
		checkAtLeast(fn, names[i], len(x), span, "(rows-1)*stride + n")
	}
	for i, x := range s[1:] {
		checkInPlace(fn, names[0], s[0], names[i+1], x, span)
	}
	return span
}

// stridedRows calls f on [lo, hi) ranges of at most ChunkLen floats that
// cover the block's rows: the whole span at once where the rows are
// contiguous.
func stridedRows(span, rows, n, stride int, f func(lo, hi int)) {
	if stride == n || rows <= 1 {
		for lo := 0; lo < span; lo += mc.ChunkLen {
			f(lo, min(lo+mc.ChunkLen, span))
		}
		return
	}
	for r := range rows {
		for lo := r * stride; lo < r*stride+n; lo += mc.ChunkLen {
			f(lo, min(lo+mc.ChunkLen, r*stride+n))
		}
	}
}
