package kernels

import "fmt"

// SgemmSerialBiasRelu computes a linear layer's forward on the calling
// goroutine: C = A·Bᵀ + bias, bias[j] added to column j of C (A m x k, B
// n x k, both row-major: X·Wᵀ + b), then with relu C = max(C, 0) as Relu
// does. Its results are SgemmSerial(false, true, m, n, k, 1, a, lda, b,
// ldb, 0, c, ldc) followed by BinaryRowVecStrided(OpAdd, ...) with bias
// and, with relu, ReluStrided, bit for bit.
//
// Where the product runs transposed (a batch of at most two tile widths
// of rows: Cᵀ = B·Aᵀ into a scratch, then transposed into C), the
// transpose adds the bias and applies the ReLU on its way out
// (GemmTransposeBias, -BiasRelu), which saves a pass over C: at two
// threads the tutorial's separate bias add took several times its
// one-thread time (docs/parallel-step.md). Elsewhere C gets the two
// passes, biasReluRowGroup rows at a time, while those rows are in L1.
//
// Invalid sizes, leading dimensions or slices too short for them panic
// with a message naming the argument, before any assembly runs; so does a
// C that shares memory with A, B or bias.
func SgemmSerialBiasRelu(m, n, k int, a []float32, lda int, b []float32, ldb int, bias []float32, relu bool, c []float32, ldc int) {
	const fn = "SgemmSerialBiasRelu"
	checkGemm(fn, false, true, m, n, k, a, lda, b, ldb, c, ldc, 1, 0, 0, 0)
	checkGemmAliasing(fn, false, true, m, n, k, 1, a, lda, b, ldb, c, ldc, 1, 0, 0, 0)
	if m == 0 || n == 0 {
		return
	}
	checkAtLeast(fn, "bias", len(bias), n, "n")
	if overlap(c, (m-1)*ldc+n, bias, n) {
		panic(fmt.Sprintf("kernels: %s: bias shares memory with c; it must be a distinct array", fn))
	}
	lv := active
	if k > 0 && gemmDual(lv, false, true, m, n, k, 1, 0) && gemmKernelFor(lv, 0).transposeBias != nil {
		sgemmDualOut(lv, 1, m, n, k, a, lda, b, ldb, 0, c, ldc, bias[:n], relu)
		return
	}
	sgemm(1, false, true, m, n, k, 1, a, lda, b, ldb, 0, c, ldc)
	for r := 0; r < m; r += biasReluRowGroup {
		rows := min(biasReluRowGroup, m-r)
		band := c[r*ldc : r*ldc+(rows-1)*ldc+n]
		BinaryRowVecStrided(OpAdd, band, band, bias[:n], rows, n, ldc)
		if relu {
			ReluStrided(band, band, rows, n, ldc)
		}
	}
}

// biasReluRowGroup is the rows of C that the unfused bias and ReLU take at
// a time: 16 rows of 512 columns are 32 KiB, in L1 between the two.
const biasReluRowGroup = 16
