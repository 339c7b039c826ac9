//go:build !purego

package kernels

import (
	"github.com/vecgrad/vecgrad/asm"
	mc "github.com/vecgrad/vecgrad/internal/mathconst"
)

// The functions below are called with validated, non-empty arguments of at
// most mathconst.ChunkLen elements. They switch on the package-level active
// level and call the assembly directly.

func binaryRows(op BinaryOp, acc bool, dst, a, v []float32, rows, n int) {
	switch {
	case active == levelNEON && acc:
		asm.BinaryRowsAccNEON(int(op), &dst[0], &a[0], &v[0], rows, n)
	case active == levelNEON:
		asm.BinaryRowsNEON(int(op), &dst[0], &a[0], &v[0], rows, n)
	default:
		binaryRowsGeneric(op, acc, dst, a, v, rows, n)
	}
}

func binaryCols(op BinaryOp, acc bool, dst, a, c []float32, rows, n int) {
	switch {
	case active == levelNEON && acc:
		asm.BinaryColsAccNEON(int(op), &dst[0], &a[0], &c[0], rows, n)
	case active == levelNEON:
		asm.BinaryColsNEON(int(op), &dst[0], &a[0], &c[0], rows, n)
	default:
		binaryColsGeneric(op, acc, dst, a, c, rows, n)
	}
}

func axpyTo(dst []float32, alpha float32, x, y []float32) {
	switch active {
	case levelNEON:
		asm.AxpyToNEON(&dst[0], &x[0], &y[0], len(dst), alpha)
	default:
		axpyToGeneric(dst, alpha, x, y)
	}
}

func fill(dst []float32, v float32) {
	switch active {
	case levelNEON:
		asm.FillNEON(&dst[0], len(dst), v)
	default:
		fillGeneric(dst, v)
	}
}

func unary(op unaryOp, dst, x []float32) {
	switch active {
	case levelNEON:
		asm.UnaryNEON(int(op), &dst[0], &x[0], len(dst))
	default:
		unaryGeneric(op, dst, x)
	}
}

func reluBackward(dst, dy, x []float32) {
	switch active {
	case levelNEON:
		asm.ReluBackwardNEON(&dst[0], &dy[0], &x[0], len(dst))
	default:
		reluBackwardGeneric(dst, dy, x)
	}
}

func rowSum(dst, a []float32, rows, n int) {
	switch active {
	case levelNEON:
		asm.RowSumNEON(&dst[0], &a[0], rows, n)
	default:
		rowSumGeneric(dst, a, rows, n)
	}
}

func rowMax(dst, a []float32, rows, n int) {
	switch active {
	case levelNEON:
		asm.RowMaxNEON(&dst[0], &a[0], rows, n)
	default:
		rowMaxGeneric(dst, a, rows, n)
	}
}

func rowSumExp(dst, a, shift []float32, rows, n int) {
	switch active {
	case levelNEON:
		asm.RowSumExpNEON(&dst[0], &a[0], &shift[0], rows, n)
	default:
		rowSumExpGeneric(dst, a, shift, rows, n)
	}
}

func dot(a, b []float32) float32 {
	switch active {
	case levelNEON:
		return asm.DotNEON(&a[0], &b[0], len(a))
	}
	return dotGeneric(a, b)
}

func sumSq(a []float32) float32 {
	switch active {
	case levelNEON:
		return asm.SumSqNEON(&a[0], len(a))
	}
	return sumSqGeneric(a)
}

func argMax(a []float32) int {
	switch active {
	case levelNEON:
		return asm.ArgMaxNEON(&a[0], len(a))
	}
	return argMaxGeneric(a)
}

func fmaPeak(iters int) int {
	switch active {
	case levelNEON:
		return asm.FMAPeakNEON(iters)
	}
	return fmaPeakGeneric(iters)
}

func sqrtPeak(iters int) int {
	if active == levelNEON {
		return asm.SqrtPeakNEON(iters)
	}
	return sqrtPeakGeneric(iters)
}

func divPeak(iters int) int {
	if active == levelNEON {
		return asm.DivPeakNEON(iters)
	}
	return divPeakGeneric(iters)
}

// gemmKernelFor picks level lv's micro-kernel: NEON has one tile and no
// form beside gemmMicro (A and B are packed in Go, tiles run one call at a
// time, C = A·Bᵀ runs direct).
func gemmKernelFor(lv level, n int) gemmKernel {
	if lv == levelNEON {
		return gemmKernel{lv: lv, mr: mc.GemmMRNEON, nr: mc.GemmNRNEON, gemmForms: gemmNoForms}
	}
	return gemmGenericKernel(lv)
}

// gemmMicro runs micro-kernel k on packed A (lda is always 0 here); the
// slices are cut by the driver to exactly the elements the kernel touches.
func gemmMicro(k gemmKernel, kc int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int, beta float32, load int) {
	if k.lv == levelNEON {
		asm.GemmMicroNEON(kc, &a[0], &b[0], ldb, &c[0], ldc, beta, load)
		return
	}
	gemmMicroGeneric(k.mr, k.nr, kc, a, b, ldb, c, ldc, beta, load)
}

// sgdStep runs SGDStep's variant on one chunk; buf is nil for the modes
// without momentum (the assembly then gets p's pointer and never uses it).
func sgdStep(variant int, p, g, buf []float32, s *sgdScalars) {
	pb := &p[0]
	if buf != nil {
		pb = &buf[0]
	}
	switch active {
	case levelNEON:
		asm.SGDStepNEON(variant, &p[0], &g[0], pb, len(p), s.negLR, s.momentum, s.damp1, s.wd, s.sign)
	default:
		sgdStepGeneric(variant, p, g, buf, s)
	}
}

// adamDivisions is the correctly rounded divisions per element of the
// active level's AdamStep (AdamDividerWork): NEON and the generic loop divide twice.
func adamDivisions(bool) int { return 2 }

// adamStep runs AdamStep's variant on one chunk; vmax is nil without
// amsgrad (the assembly then gets v's pointer and never uses it).
func adamStep(variant int, p, g, m, v, vmax []float32, s *adamScalars) {
	px := &v[0]
	if vmax != nil {
		px = &vmax[0]
	}
	switch active {
	case levelNEON:
		asm.AdamStepNEON(variant, &p[0], &g[0], &m[0], &v[0], px, len(p),
			s.beta1, s.c1, s.beta2, s.c2, s.bc2s, s.eps, s.negStep, s.wd, s.decay, s.sign)
	default:
		adamStepGeneric(variant, p, g, m, v, vmax, s)
	}
}

// gemmOutAsm reports false: no GemmOut kernels here (the strided passes
// serve gemmOut.apply).
func gemmOutAsm(lv level, kind gemmOutKind, c []float32, ldc int, v []float32, rows, cols int, sum []float32, first bool) bool {
	return false
}
