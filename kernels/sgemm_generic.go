package kernels

// gemmMicroGeneric is the micro-kernel contract (gen/KERNELS.md) for an
// mr x nr tile, and the generic level's micro-kernel: acc(i,j) is the fma
// chain over p in order from +0, then stored (load == 0) or fused with
// beta*C (load == 1).
func gemmMicroGeneric(mr, nr, kc int, a, b []float32, ldb int, c []float32, ldc int, beta float32, load int) {
	var accBuf [gemmMaxTile]float32
	acc := accBuf[:mr*nr]
	for p := 0; p < kc; p++ {
		ap, bp := a[p*mr:p*mr+mr], b[p*ldb:p*ldb+nr]
		for i, av := range ap {
			row := acc[i*nr : i*nr+nr]
			for j, bv := range bp {
				row[j] = fma32(av, bv, row[j])
			}
		}
	}
	for i := 0; i < mr; i++ {
		ci := c[i*ldc : i*ldc+nr]
		for j := range ci {
			if load == 0 {
				ci[j] = acc[i*nr+j]
			} else {
				ci[j] = fma32(beta, ci[j], acc[i*nr+j])
			}
		}
	}
}

// gemmTransposeGeneric is GemmTranspose's reference (gen/KERNELS.md):
// dst[j*ldd + i] = src[i*lds + j] for i < rows, j < cols.
func gemmTransposeGeneric(dst []float32, ldd int, src []float32, lds, rows, cols int) {
	for i := 0; i < rows; i++ {
		for j, v := range src[i*lds : i*lds+cols] {
			dst[j*ldd+i] = v
		}
	}
}

// gemmTransposeBiasGeneric is GemmTransposeBias(Relu)'s reference
// (gen/KERNELS.md): dst[j*ldd + i] = src[i*lds + j] + bias[i], then with
// relu Relu's max with 0 (applyUnary), for i < rows and j < cols.
func gemmTransposeBiasGeneric(dst []float32, ldd int, src []float32, lds, rows, cols int, bias []float32, relu bool) {
	for i := 0; i < rows; i++ {
		for j, v := range src[i*lds : i*lds+cols] {
			v += bias[i]
			if relu {
				v = applyUnary(unaryRelu, v)
			}
			dst[j*ldd+i] = v
		}
	}
}

// The generic level's micro-tile, and the largest tile of any level (the
// generic micro-kernel also serves as the oracle of the assembly ones).
const (
	gemmGenericMR, gemmGenericNR = 4, 8
	gemmMaxTile                  = 12 * 32
	gemmMaxMR                    = 24
)

// gemmGenericKernel is the generic level's kernel (reported as level lv):
// gemmMicroGeneric alone, every other step in Go.
func gemmGenericKernel(lv level) gemmKernel {
	return gemmKernel{lv: lv, mr: gemmGenericMR, nr: gemmGenericNR, gemmForms: gemmNoForms}
}

// scaleBeta is beta*c, with beta == 0 giving 0 whatever c holds (BLAS).
func scaleBeta(beta, c float32) float32 {
	if beta == 0 {
		return 0
	}
	return beta * c
}
