package kernels

import (
	"math"

	mc "github.com/vecgrad/vecgrad/internal/mathconst"
)

// Sum returns the sum of x in a fixed order, the same at every instruction
// set: within each chunk of mathconst.ChunkLen (65536) elements, element i
// of the chunk is added to partial sum i mod 64, and the 64 partial sums are
// combined by halving (p[j] += p[j+h] for h = 32, 16, ..., 1); the chunk
// results are then added left to right. The sum of an empty slice is 0.
func Sum(x []float32) float32 {
	return chunkSum(len(x), func(lo, hi int) float32 {
		var part [1]float32
		rowSum(part[:], x[lo:hi], 1, hi-lo)
		return part[0]
	})
}

// Dot returns sum(a[i]*b[i]) in Sum's order, each product fused into its
// partial sum (fma). len(a) must equal len(b).
func Dot(a, b []float32) float32 {
	checkSameLen("Dot", []string{"a", "b"}, len(a), len(b))
	return chunkSum(len(a), func(lo, hi int) float32 { return dot(a[lo:hi], b[lo:hi]) })
}

// SumSq returns sum(x[i]^2), bitwise equal to Dot(x, x) and reading x once.
func SumSq(x []float32) float32 {
	return chunkSum(len(x), func(lo, hi int) float32 { return sumSq(x[lo:hi]) })
}

// chunkSum adds part(lo, hi) over the consecutive chunks [lo, hi) of at
// most ChunkLen of n elements, left to right from 0. (A chunk's lane sum is
// never -0, since every lane starts at +0, so 0 + part is part bit for bit.)
func chunkSum(n int, part func(lo, hi int) float32) float32 {
	var s float32
	for lo := 0; lo < n; lo += mc.ChunkLen {
		s += part(lo, min(lo+mc.ChunkLen, n))
	}
	return s
}

// Max returns the largest element of x, NaN if x holds a NaN (as torch.max).
// It panics on an empty slice. For a maximum of +0 and -0 it returns one of them.
func Max(x []float32) float32 {
	checkNonEmpty("Max", len(x))
	var m [1]float32
	rowMaxLong(m[:], x)
	return m[0]
}

// ArgMax returns the index of the first maximal element of x; a NaN counts
// as larger than every number, so the first NaN's index is returned if there
// is one (as torch.argmax). It panics on an empty slice.
func ArgMax(x []float32) int {
	checkNonEmpty("ArgMax", len(x))
	best := -1
	var bestV float32
	for lo := 0; lo < len(x); lo += mc.ChunkLen {
		hi := min(lo+mc.ChunkLen, len(x))
		i := lo + argMax(x[lo:hi])
		v := x[i]
		if v != v {
			return i
		}
		if best < 0 || v > bestV {
			best, bestV = i, v
		}
	}
	return best
}

// RowSum sets dst[r] to the sum of row r of the row-major block a of shape
// [rows, n], each row in Sum's order. dst needs rows elements, a rows*n.
func RowSum(dst, a []float32, rows, n int) {
	checkRows("RowSum", dst, a, rows, n)
	if n == 0 {
		clear(dst[:rows])
		return
	}
	if n > mc.ChunkLen {
		for r := 0; r < rows; r++ {
			dst[r] = Sum(a[r*n : r*n+n])
		}
		return
	}
	step := mc.ChunkLen / n
	for r := 0; r < rows; r += step {
		k := min(step, rows-r)
		rowSum(dst[r:r+k], a[r*n:(r+k)*n], k, n)
	}
}

// RowMax sets dst[r] to the maximum of row r of a ([rows, n]), NaN where the
// row holds a NaN. n must be at least 1 when rows > 0.
func RowMax(dst, a []float32, rows, n int) {
	checkRows("RowMax", dst, a, rows, n)
	if rows > 0 {
		checkNonEmpty("RowMax row", n)
	}
	if n > mc.ChunkLen {
		for r := 0; r < rows; r++ {
			rowMaxLong(dst[r:r+1], a[r*n:r*n+n])
		}
		return
	}
	for r := 0; r < rows; {
		k := min(mc.ChunkLen/n, rows-r)
		rowMax(dst[r:r+k], a[r*n:(r+k)*n], k, n)
		r += k
	}
}

// rowMaxLong sets m[0] to the maximum of the non-empty x, chunk by chunk.
func rowMaxLong(m []float32, x []float32) {
	var part [1]float32
	for lo := 0; lo < len(x); lo += mc.ChunkLen {
		hi := min(lo+mc.ChunkLen, len(x))
		rowMax(part[:], x[lo:hi], 1, hi-lo)
		if lo == 0 || part[0] != part[0] || part[0] > m[0] {
			m[0] = part[0]
		}
		if m[0] != m[0] {
			return
		}
	}
}

// RowLogSumExp sets dst[r] = log(sum_j exp(a[r*n+j])) for each row of the
// block a ([rows, n]), computed stably as m + log(sum_j exp(a[r*n+j] - m))
// with m the row maximum (m = 0 where the maximum is infinite, so a row of
// -Inf gives -Inf and a row holding +Inf gives +Inf; NaN gives NaN). The sum
// is in Sum's order. An empty row (n = 0) gives -Inf.
func RowLogSumExp(dst, a []float32, rows, n int) {
	checkRows("RowLogSumExp", dst, a, rows, n)
	if n == 0 {
		for r := range dst[:rows] {
			dst[r] = float32(math.Inf(-1))
		}
		return
	}
	// Rows go in batches so that the shifts and sums stay on the stack.
	const batch = 64
	var shift, sum [batch]float32
	for r := 0; r < rows; r += batch {
		k := min(batch, rows-r)
		block := a[r*n : (r+k)*n]
		RowMax(shift[:k], block, k, n)
		for i := range shift[:k] {
			if math.IsInf(float64(shift[i]), 0) || shift[i] != shift[i] {
				shift[i] = 0
			}
		}
		rowSumExpChunks(sum[:k], block, shift[:k], k, n)
		// One vector Log over the batch's sums (the level's Log is log32 bit
		// for bit, and a scalar log32 per row through the emulated fma costs
		// about 100 ns).
		Log(sum[:k], sum[:k])
		for i := range k {
			dst[r+i] = shift[i] + sum[i]
		}
	}
}

func rowSumExpChunks(dst, a, shift []float32, rows, n int) {
	if n > mc.ChunkLen {
		for r := 0; r < rows; r++ {
			row := a[r*n : r*n+n]
			dst[r] = chunkSum(n, func(lo, hi int) float32 {
				var part [1]float32
				rowSumExp(part[:], row[lo:hi], shift[r:r+1], 1, hi-lo)
				return part[0]
			})
		}
		return
	}
	step := mc.ChunkLen / n
	for r := 0; r < rows; r += step {
		k := min(step, rows-r)
		rowSumExp(dst[r:r+k], a[r*n:(r+k)*n], shift[r:r+k], k, n)
	}
}

func checkRows(fn string, dst, a []float32, rows, n int) {
	checkShape(fn, rows, n)
	checkAtLeast(fn, "dst", len(dst), rows, "rows")
	checkAtLeast(fn, "a", len(a), rows*n, "rows*n")
}
