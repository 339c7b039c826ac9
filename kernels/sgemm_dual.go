package kernels

import (
	"github.com/vecgrad/vecgrad/internal/freelist"
	mc "github.com/vecgrad/vecgrad/internal/mathconst"
)

// The transposed NT product. C = A·Bᵀ with few rows m and many columns n
// (the forward pass X·Wᵀ of a linear layer, X a batch of m rows, W
// [out, in]) packs all n x k of B transposed, while each packed float is
// then used only m times, and GemmPackBT is shuffle-bound, so that the
// transposed product below runs closer to the FMA roof
// (docs/performance.md, "the transposed product"). Its
// transpose Cᵀ = B·Aᵀ reads B = W in place as its row-major A (no packing:
// alpha 1, and at most two of its micro-panels of columns, m <= 2*NR), packs
// only the m x k of A transposed as its B, and leaves Cᵀ, n x m, to be
// transposed into C: m*(k + n) floats moved instead of n*k.
//
// The arithmetic is that of the direct product, bit for bit: element (i, j)
// of Cᵀ is the same fma chain over p, in the same order, with the same KC
// restarts and the same fusion of beta*C (fma commutes its two factors
// exactly), so which of the two runs depends on nothing but speed.

// gemmDualMaxRows bounds the rows of Cᵀ (columns of C) of one transposed
// product, so that the scratch Cᵀ stays at most 4032 x 64 floats (1 MiB);
// wider products run as several, each on its own block of columns of C.
const gemmDualMaxRows = 4032

// gemmDual reports whether Sgemm at level lv computes C = op(A)·op(B) as
// the transposed product (sgemmDual): A not transposed and B transposed,
// alpha 1, a level with GemmTranspose, the transposed product reading its
// A in place, and at most half the floats moved: packing m x k and
// transposing m x n (twice where beta*C is read) against packing n x k.
func gemmDual(lv level, transA, transB bool, m, n, k int, alpha, beta float32) bool {
	if transA || !transB || alpha != 1 || !gemmHasTranspose(lv) {
		return false
	}
	if dk := gemmKernelFor(lv, m); !dk.rowsA || m > 2*dk.nr {
		return false
	}
	moved := m * n
	if beta != 0 {
		moved *= 2
	}
	return 2*(m*k+moved) <= n*k
}

// gemmHasTranspose reports whether level lv has GemmTranspose.
func gemmHasTranspose(lv level) bool { return gemmKernelFor(lv, 0).transpose != nil }

// gemmScratch holds one transposed product's Cᵀ; pooled so that the
// product allocates nothing in steady state.
type gemmScratch struct{ ct []float32 }

var gemmScratches freelist.List[gemmScratch]

// sgemmDual computes C = A·Bᵀ (A m x k, B n x k, both row-major; alpha 1)
// as Cᵀ = B·Aᵀ into a scratch block, gemmDualMaxRows columns of C at a
// time: C's block transposed in first where beta*C is read, the product on
// the usual blocked path (and threads), then the block transposed back.
func sgemmDual(lv level, threads, m, n, k int, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	sgemmDualOut(lv, threads, m, n, k, a, lda, b, ldb, beta, c, ldc, nil, false)
}

// sgemmDualOut is sgemmDual whose last transposes, with bias (n floats),
// add bias[j] to column j of C and, with relu, take Relu's max with 0 on
// their way out (SgemmSerialBiasRelu; beta 0 then).
func sgemmDualOut(lv level, threads, m, n, k int, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int, bias []float32, relu bool) {
	s := gemmScratches.Get()
	defer gemmScratches.Put(s)
	for j0 := 0; j0 < n; j0 += gemmDualMaxRows {
		w := min(gemmDualMaxRows, n-j0)
		s.ct = grow(s.ct, w*m)
		ct := s.ct // Cᵀ[j, i] at ct[j*m + i]
		cb := c[j0:][:(m-1)*ldc+w]
		if beta != 0 {
			gemmTranspose(lv, ct, m, cb, ldc, m, w)
		}
		sgemmBlocked(lv, threads, false, true, w, m, k, 1, b[j0*ldb:][:(w-1)*ldb+k], ldb, a, lda, beta, ct, m, rowsDone{}, gemmOut{})
		var blockBias []float32 // the bias of C's columns j0..j0+w, Cᵀ's rows here
		if bias != nil {
			blockBias = bias[j0 : j0+w]
		}
		gemmTransposeBias(lv, cb, ldc, ct, m, w, m, blockBias, relu)
	}
}

// gemmTranspose writes dst[j*ldd + i] = src[i*lds + j] for i < rows and
// j < cols with level lv's GemmTranspose, in calls of at most ChunkLen
// floats (Go cannot preempt assembly), or with the reference where the
// level has none.
func gemmTranspose(lv level, dst []float32, ldd int, src []float32, lds, rows, cols int) {
	gemmTransposeBias(lv, dst, ldd, src, lds, rows, cols, nil, false)
}

// gemmTransposeBias is gemmTranspose that, with bias (rows floats), adds
// bias[i] to the values of src's row i and, with relu, takes Relu's max
// with 0 on their way out (GemmTransposeBias, -BiasRelu).
func gemmTransposeBias(lv level, dst []float32, ldd int, src []float32, lds, rows, cols int, bias []float32, relu bool) {
	forms := gemmKernelFor(lv, cols).gemmForms
	colsPer := min(cols, mc.ChunkLen/8, transposeStripCols(ldd))
	rowsPer := max(8, mc.ChunkLen/colsPer/8*8)
	for i0 := 0; i0 < rows; i0 += rowsPer {
		r := min(rowsPer, rows-i0)
		for j0 := 0; j0 < cols; j0 += colsPer {
			w := min(colsPer, cols-j0)
			s := src[i0*lds+j0:][:(r-1)*lds+w]
			d := dst[j0*ldd+i0:][:(w-1)*ldd+r]
			switch {
			case bias == nil && forms.transpose != nil:
				forms.transpose(lv, d, ldd, s, lds, r, w)
			case bias == nil:
				gemmTransposeGeneric(d, ldd, s, lds, r, w)
			case forms.transposeBias != nil:
				forms.transposeBias(lv, d, ldd, s, lds, r, w, bias[i0:i0+r], relu)
			default:
				gemmTransposeBiasGeneric(d, ldd, s, lds, r, w, bias[i0:i0+r], relu)
			}
		}
	}
}

// transposeStripCols is the most columns of src (rows of dst) that one
// GemmTranspose call covers, for dst rows ldd floats apart. A call walks
// down src in groups of 8 rows and writes 32 bytes of each of its dst rows
// per group, so each dst line is completed by the next group: all the dst
// rows of a call must stay in L1 meanwhile. Rows a power-of-two stride
// apart fall into few L1 sets (an L1 way is 4 KiB on the x86 cores we
// target: 32 KiB 8-way, 48 KiB 12-way), so a call takes 8 dst rows per set
// its stride reaches. Measured on Zen 5 (AVX-512), transposing 512x64 into
// rows 512 floats apart (the transposed product's C at batch 64) took
// 14.5 µs in one call and 1.75 µs in strips of 16 columns; 2048x256 into
// rows 2048 apart, 356 µs and 83 µs in strips of 8.
func transposeStripCols(ldd int) int {
	const way, line = 4096, 64 // bytes
	stride := 4 * ldd
	g := way
	for stride%g != 0 { // the largest power of two dividing stride, at most way
		g /= 2
	}
	sets := way / line // a stride not a multiple of a line spreads over all of them
	if g >= line {
		sets = way / g
	}
	return 8 * sets
}
