package kernels

import (
	"fmt"

	mc "github.com/vecgrad/vecgrad/internal/mathconst"
)

// Binary sets dst[i] = op(a[i], b[i]). The three slices must have the same
// length; dst may be a or b (in place: the same slice, element for
// element) but must not otherwise share memory with them, or Binary panics
// (a shifted view would give results that depend on the level). a and b may
// overlap each other freely. The other Binary functions follow the same
// rule for dst and a; the vector of the RowVec and ColVec forms must not
// share memory with dst at all.
func Binary(op BinaryOp, dst, a, b []float32) {
	op.check("Binary")
	checkSameLen("Binary", []string{"dst", "a", "b"}, len(dst), len(a), len(b))
	checkInPlace2("Binary", dst, a, b)
	vectorChunks(op, false, dst, a, b)
}

// BinaryAcc adds: dst[i] += op(a[i], b[i]) (op rounded first, then the sum).
func BinaryAcc(op BinaryOp, dst, a, b []float32) {
	op.check("BinaryAcc")
	checkSameLen("BinaryAcc", []string{"dst", "a", "b"}, len(dst), len(a), len(b))
	checkInPlace2("BinaryAcc", dst, a, b)
	vectorChunks(op, true, dst, a, b)
}

// BinaryScalar sets dst[i] = op(a[i], s); with RSub and RDiv it computes
// s - a[i] and s / a[i]. len(dst) must equal len(a).
func BinaryScalar(op BinaryOp, dst, a []float32, s float32) {
	op.check("BinaryScalar")
	checkSameLen("BinaryScalar", []string{"dst", "a"}, len(dst), len(a))
	checkInPlace("BinaryScalar", "dst", dst, "a", a, len(dst))
	scalarChunks(op, false, dst, a, s)
}

// BinaryScalarAcc adds: dst[i] += op(a[i], s).
func BinaryScalarAcc(op BinaryOp, dst, a []float32, s float32) {
	op.check("BinaryScalarAcc")
	checkSameLen("BinaryScalarAcc", []string{"dst", "a"}, len(dst), len(a))
	checkInPlace("BinaryScalarAcc", "dst", dst, "a", a, len(dst))
	scalarChunks(op, true, dst, a, s)
}

// BinaryRowVec combines the row-major block a of shape [rows, n] with the
// n-vector v broadcast over the rows: dst[r*n+j] = op(a[r*n+j], v[j]).
// dst and a need at least rows*n elements, v at least n.
func BinaryRowVec(op BinaryOp, dst, a, v []float32, rows, n int) {
	checkBlock("BinaryRowVec", op, dst, a, v, rows, n, n, "n")
	rowVecChunks(op, false, dst, a, v, rows, n)
}

// BinaryRowVecAcc adds: dst[r*n+j] += op(a[r*n+j], v[j]).
func BinaryRowVecAcc(op BinaryOp, dst, a, v []float32, rows, n int) {
	checkBlock("BinaryRowVecAcc", op, dst, a, v, rows, n, n, "n")
	rowVecChunks(op, true, dst, a, v, rows, n)
}

// BinaryColVec combines the block a of shape [rows, n] with the column
// vector c of length rows broadcast along each row: dst[r*n+j] = op(a[r*n+j], c[r]).
func BinaryColVec(op BinaryOp, dst, a, c []float32, rows, n int) {
	checkBlock("BinaryColVec", op, dst, a, c, rows, n, rows, "rows")
	colVecChunks(op, false, dst, a, c, rows, n)
}

// BinaryColVecAcc adds: dst[r*n+j] += op(a[r*n+j], c[r]).
func BinaryColVecAcc(op BinaryOp, dst, a, c []float32, rows, n int) {
	checkBlock("BinaryColVecAcc", op, dst, a, c, rows, n, rows, "rows")
	colVecChunks(op, true, dst, a, c, rows, n)
}

func checkBlock(fn string, op BinaryOp, dst, a, vec []float32, rows, n, vecLen int, vecWhat string) {
	op.check(fn)
	checkShape(fn, rows, n)
	checkAtLeast(fn, "dst", len(dst), rows*n, "rows*n")
	checkAtLeast(fn, "a", len(a), rows*n, "rows*n")
	checkAtLeast(fn, "vector", len(vec), vecLen, vecWhat)
	checkInPlace(fn, "dst", dst, "a", a, rows*n)
	if overlap(dst, rows*n, vec, vecLen) {
		panic(fmt.Sprintf("kernels: %s: dst and the vector share memory; the vector is read for every row, so it must not be written", fn))
	}
}

// checkInPlace2 is checkInPlace of dst against both inputs of a
// same-length op.
func checkInPlace2(fn string, dst, a, b []float32) {
	checkInPlace(fn, "dst", dst, "a", a, len(dst))
	checkInPlace(fn, "dst", dst, "b", b, len(dst))
}

// vectorChunks runs a same-length op as one-row blocks of at most ChunkLen.
func vectorChunks(op BinaryOp, acc bool, dst, a, b []float32) {
	for lo := 0; lo < len(dst); lo += mc.ChunkLen {
		hi := min(lo+mc.ChunkLen, len(dst))
		binaryRows(op, acc, dst[lo:hi], a[lo:hi], b[lo:hi], 1, hi-lo)
	}
}

func scalarChunks(op BinaryOp, acc bool, dst, a []float32, s float32) {
	c := [1]float32{s}
	for lo := 0; lo < len(dst); lo += mc.ChunkLen {
		hi := min(lo+mc.ChunkLen, len(dst))
		binaryCols(op, acc, dst[lo:hi], a[lo:hi], c[:], 1, hi-lo)
	}
}

func rowVecChunks(op BinaryOp, acc bool, dst, a, v []float32, rows, n int) {
	if rows == 0 || n == 0 {
		return
	}
	if n >= mc.ChunkLen { // long rows: each row is a same-length op with v
		for r := 0; r < rows; r++ {
			vectorChunks(op, acc, dst[r*n:r*n+n], a[r*n:r*n+n], v[:n])
		}
		return
	}
	step := mc.ChunkLen / n
	for r := 0; r < rows; r += step {
		k := min(step, rows-r)
		binaryRows(op, acc, dst[r*n:(r+k)*n], a[r*n:(r+k)*n], v[:n], k, n)
	}
}

func colVecChunks(op BinaryOp, acc bool, dst, a, c []float32, rows, n int) {
	if rows == 0 || n == 0 {
		return
	}
	if n >= mc.ChunkLen {
		for r := 0; r < rows; r++ {
			for lo := 0; lo < n; lo += mc.ChunkLen {
				hi := min(lo+mc.ChunkLen, n)
				binaryCols(op, acc, dst[r*n+lo:r*n+hi], a[r*n+lo:r*n+hi], c[r:r+1], 1, hi-lo)
			}
		}
		return
	}
	step := mc.ChunkLen / n
	for r := 0; r < rows; r += step {
		k := min(step, rows-r)
		binaryCols(op, acc, dst[r*n:(r+k)*n], a[r*n:(r+k)*n], c[r:r+k], k, n)
	}
}
