package kernels

import mc "github.com/vecgrad/vecgrad/internal/mathconst"

// sgemmReference is the definition every level reproduces bit for bit:
// C(i,j) = alpha*op(A)*op(B) + beta*C as the blocked driver computes it.
// Each a(i,p) is scaled by alpha (one rounding), products are fused into an
// accumulator that restarts at +0 every mathconst.GemmKC values of p; the
// first block's sum is stored (beta == 0) or fused with beta*C, later blocks
// are added to C. alpha == 0 or k == 0 gives beta*C (0 when beta == 0, C
// unread).
func sgemmReference(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	at := func(i, p int) float32 {
		if transA {
			return a[p*lda+i]
		}
		return a[i*lda+p]
	}
	bt := func(p, j int) float32 {
		if transB {
			return b[j*ldb+p]
		}
		return b[p*ldb+j]
	}
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			cij := &c[i*ldc+j]
			if alpha == 0 || k == 0 {
				*cij = scaleBeta(beta, *cij)
				continue
			}
			for p0 := 0; p0 < k; p0 += mc.GemmKC {
				var acc float32
				for p := p0; p < min(p0+mc.GemmKC, k); p++ {
					acc = fma32(alpha*at(i, p), bt(p, j), acc)
				}
				switch {
				case p0 > 0:
					*cij += acc
				case beta == 0:
					*cij = acc
				default:
					*cij = fma32(beta, *cij, acc)
				}
			}
		}
	}
}
