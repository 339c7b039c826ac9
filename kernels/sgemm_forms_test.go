package kernels

// The tests of the packing, strip and transpose kernels call them through
// these, which report false, doing nothing, where the kernel lacks the
// form (gemmForms), so that a test can skip the level.

func gemmPackB(k gemmKernel, dst, b []float32, ldb, kc, panels int) bool {
	if k.packB == nil {
		return false
	}
	k.packB(k, dst, b, ldb, kc, panels)
	return true
}

func gemmPackBT(k gemmKernel, dst, b []float32, ldb, kc, panels int) bool {
	if k.packBT == nil {
		return false
	}
	k.packBT(k, dst, b, ldb, kc, panels)
	return true
}

func gemmPackA(k gemmKernel, trans bool, dst, a []float32, lda, kc, panels int, alpha float32) bool {
	if k.packA == nil {
		return false
	}
	k.packA(k, trans, dst, a, lda, kc, panels, alpha)
	return true
}

func gemmMicroStrip(k gemmKernel, tiles, kc int, a []float32, lda, aStep int, b []float32, ldb, bStep int, c []float32, ldc, cStep int, beta float32, load int, far gemmFar) bool {
	if k.strip == nil {
		return false
	}
	k.strip(k, tiles, kc, a, lda, aStep, b, ldb, bStep, c, ldc, cStep, beta, load, far)
	return true
}

func gemmTransposeAsm(lv level, dst []float32, ldd int, src []float32, lds, rows, cols int) bool {
	t := gemmKernelFor(lv, cols).transpose
	if t == nil {
		return false
	}
	t(lv, dst, ldd, src, lds, rows, cols)
	return true
}
