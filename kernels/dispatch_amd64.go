//go:build !purego

package kernels

import (
	"fmt"

	"github.com/vecgrad/vecgrad/asm"
	mc "github.com/vecgrad/vecgrad/internal/mathconst"
)

// The functions below are called with validated, non-empty arguments of at
// most mathconst.ChunkLen elements. They switch on the package-level active
// level and call the assembly directly.

func binaryRows(op BinaryOp, acc bool, dst, a, v []float32, rows, n int) {
	switch {
	case active == levelAVX512 && acc:
		asm.BinaryRowsAccAVX512(int(op), &dst[0], &a[0], &v[0], rows, n)
	case active == levelAVX512:
		asm.BinaryRowsAVX512(int(op), &dst[0], &a[0], &v[0], rows, n)
	case active == levelAVX2 && acc:
		asm.BinaryRowsAccAVX2(int(op), &dst[0], &a[0], &v[0], rows, n)
	case active == levelAVX2:
		asm.BinaryRowsAVX2(int(op), &dst[0], &a[0], &v[0], rows, n)
	default:
		binaryRowsGeneric(op, acc, dst, a, v, rows, n)
	}
}

func binaryCols(op BinaryOp, acc bool, dst, a, c []float32, rows, n int) {
	switch {
	case active == levelAVX512 && acc:
		asm.BinaryColsAccAVX512(int(op), &dst[0], &a[0], &c[0], rows, n)
	case active == levelAVX512:
		asm.BinaryColsAVX512(int(op), &dst[0], &a[0], &c[0], rows, n)
	case active == levelAVX2 && acc:
		asm.BinaryColsAccAVX2(int(op), &dst[0], &a[0], &c[0], rows, n)
	case active == levelAVX2:
		asm.BinaryColsAVX2(int(op), &dst[0], &a[0], &c[0], rows, n)
	default:
		binaryColsGeneric(op, acc, dst, a, c, rows, n)
	}
}

func axpyTo(dst []float32, alpha float32, x, y []float32) {
	switch active {
	case levelAVX512:
		asm.AxpyToAVX512(&dst[0], &x[0], &y[0], len(dst), alpha)
	case levelAVX2:
		asm.AxpyToAVX2(&dst[0], &x[0], &y[0], len(dst), alpha)
	default:
		axpyToGeneric(dst, alpha, x, y)
	}
}

func fill(dst []float32, v float32) {
	switch active {
	case levelAVX512:
		asm.FillAVX512(&dst[0], len(dst), v)
	case levelAVX2:
		asm.FillAVX2(&dst[0], len(dst), v)
	default:
		fillGeneric(dst, v)
	}
}

func unary(op unaryOp, dst, x []float32) {
	switch active {
	case levelAVX512:
		asm.UnaryAVX512(int(op), &dst[0], &x[0], len(dst))
	case levelAVX2:
		asm.UnaryAVX2(int(op), &dst[0], &x[0], len(dst))
	default:
		unaryGeneric(op, dst, x)
	}
}

func reluBackward(dst, dy, x []float32) {
	switch active {
	case levelAVX512:
		asm.ReluBackwardAVX512(&dst[0], &dy[0], &x[0], len(dst))
	case levelAVX2:
		asm.ReluBackwardAVX2(&dst[0], &dy[0], &x[0], len(dst))
	default:
		reluBackwardGeneric(dst, dy, x)
	}
}

func rowSum(dst, a []float32, rows, n int) {
	switch active {
	case levelAVX512:
		asm.RowSumAVX512(&dst[0], &a[0], rows, n)
	case levelAVX2:
		asm.RowSumAVX2(&dst[0], &a[0], rows, n)
	default:
		rowSumGeneric(dst, a, rows, n)
	}
}

func rowMax(dst, a []float32, rows, n int) {
	switch active {
	case levelAVX512:
		asm.RowMaxAVX512(&dst[0], &a[0], rows, n)
	case levelAVX2:
		asm.RowMaxAVX2(&dst[0], &a[0], rows, n)
	default:
		rowMaxGeneric(dst, a, rows, n)
	}
}

func rowSumExp(dst, a, shift []float32, rows, n int) {
	switch active {
	case levelAVX512:
		asm.RowSumExpAVX512(&dst[0], &a[0], &shift[0], rows, n)
	case levelAVX2:
		asm.RowSumExpAVX2(&dst[0], &a[0], &shift[0], rows, n)
	default:
		rowSumExpGeneric(dst, a, shift, rows, n)
	}
}

func dot(a, b []float32) float32 {
	switch active {
	case levelAVX512:
		return asm.DotAVX512(&a[0], &b[0], len(a))
	case levelAVX2:
		return asm.DotAVX2(&a[0], &b[0], len(a))
	}
	return dotGeneric(a, b)
}

func sumSq(a []float32) float32 {
	switch active {
	case levelAVX512:
		return asm.SumSqAVX512(&a[0], len(a))
	case levelAVX2:
		return asm.SumSqAVX2(&a[0], len(a))
	}
	return sumSqGeneric(a)
}

func argMax(a []float32) int {
	switch active {
	case levelAVX512:
		return asm.ArgMaxAVX512(&a[0], len(a))
	case levelAVX2:
		return asm.ArgMaxAVX2(&a[0], len(a))
	}
	return argMaxGeneric(a)
}

func fmaPeak(iters int) int {
	switch active {
	case levelAVX512:
		return asm.FMAPeakAVX512(iters)
	case levelAVX2:
		return asm.FMAPeakAVX2(iters)
	}
	return fmaPeakGeneric(iters)
}

func sqrtPeak(iters int) int {
	switch active {
	case levelAVX512:
		return asm.SqrtPeakAVX512(iters)
	case levelAVX2:
		return asm.SqrtPeakAVX2(iters)
	}
	return sqrtPeakGeneric(iters)
}

func divPeak(iters int) int {
	switch active {
	case levelAVX512:
		return asm.DivPeakAVX512(iters)
	case levelAVX2:
		return asm.DivPeakAVX2(iters)
	}
	return divPeakGeneric(iters)
}

// The kernels of the AVX-512 and AVX2 levels and the forms each has
// (gemmForms): the wide tiles have every form but the column-masked one;
// the narrow AVX-512 tile has its column-masked form, A packing and the
// transpose; the TN tiles their own call alone.
var (
	gemmTNAVX512 = gemmKernel{lv: levelAVX512, mr: mc.GemmMRNarrowTN, nr: mc.GemmNRNarrowTNAVX512,
		gemmForms: &gemmForms{microTN: gemmTNAVX}}
	gemmTNAVX2 = gemmKernel{lv: levelAVX2, mr: mc.GemmMRNarrowTN, nr: mc.GemmNRNarrowTNAVX2,
		gemmForms: &gemmForms{microTN: gemmTNAVX}}
	gemmWideAVX512 = gemmKernel{lv: levelAVX512, mr: mc.GemmMRAVX512, nr: mc.GemmNRAVX512, rowsA: true,
		gemmForms: &gemmForms{packA: gemmPackAAVX, packB: gemmPackBAVX, packBT: gemmPackBTAVX, strip: gemmStripAVX, stripSGD: gemmStripSGDAVX, stripLag: gemmStripLagAVX,
			microPackB: gemmMicroPackBAVX, edge: gemmEdgeAVX, edgeRows: mc.GemmEdgeRowsAVX512,
			tn: &gemmTNAVX512, transpose: gemmTransposeAVX, transposeBias: gemmTransposeBiasAVX}}
	gemmNarrowAVX512 = gemmKernel{lv: levelAVX512, mr: mc.GemmMRNarrowAVX512, nr: mc.GemmNRNarrowAVX512, narrow: true, rowsA: true,
		gemmForms: &gemmForms{packA: gemmPackAAVX, cols: gemmColsAVX, colsRows: mc.GemmEdgeRowsNarrowAVX512,
			tn: &gemmTNAVX512, transpose: gemmTransposeAVX, transposeBias: gemmTransposeBiasAVX}}
	gemmWideAVX2 = gemmKernel{lv: levelAVX2, mr: mc.GemmMRAVX2, nr: mc.GemmNRAVX2, rowsA: true,
		gemmForms: &gemmForms{packA: gemmPackAAVX, packB: gemmPackBAVX, packBT: gemmPackBTAVX, strip: gemmStripAVX,
			microPackB: gemmMicroPackBAVX, edge: gemmEdgeAVX, edgeRows: mc.GemmEdgeRowsAVX2,
			tn: &gemmTNAVX2, transpose: gemmTransposeAVX, transposeBias: gemmTransposeBiasAVX}}
)

// gemmKernelFor picks level lv's micro-kernel for a product with n
// columns: AVX-512 has a 24x16 tile for narrow products (the classifier's
// n = 10 would fill a third of a 32-wide tile).
func gemmKernelFor(lv level, n int) gemmKernel {
	switch {
	case lv == levelAVX512 && n <= mc.GemmNRNarrowAVX512:
		return gemmNarrowAVX512
	case lv == levelAVX512:
		return gemmWideAVX512
	case lv == levelAVX2:
		return gemmWideAVX2
	}
	return gemmGenericKernel(lv)
}

// gemmTNAVX runs the narrow TN tile (GemmNarrowTN, 16 rows by up to 16
// columns at AVX-512, 5 at AVX2) on rows x cols of C (a cut to
// (kc-1)*lda+rows floats, b to (kc-1)*ldb+cols, c to (rows-1)*ldc+cols).
func gemmTNAVX(k gemmKernel, kc int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int, beta float32, load, rows, cols int) {
	if k.lv == levelAVX512 {
		asm.GemmNarrowTNAVX512(kc, &a[0], lda, &b[0], ldb, &c[0], ldc, beta, load, rows, cols)
		return
	}
	asm.GemmNarrowTNAVX2(kc, &a[0], lda, &b[0], ldb, &c[0], ldc, beta, load, rows, cols)
}

// gemmMicro runs micro-kernel k on packed A (lda == 0) or on A in place
// (rows at stride lda); the slices are cut by the driver to exactly the
// elements the kernel reads and writes.
func gemmMicro(k gemmKernel, kc int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int, beta float32, load int) {
	switch {
	case k.lv == levelAVX512 && k.narrow:
		gemmColsAVX(k, k.mr, kc, a, lda, b, ldb, c, ldc, beta, load, k.nr)
	case k.lv == levelAVX512 && lda > 0:
		asm.GemmMicroRowsAAVX512(kc, &a[0], lda, &b[0], ldb, &c[0], ldc, beta, load)
	case k.lv == levelAVX512:
		asm.GemmMicroAVX512(kc, &a[0], &b[0], ldb, &c[0], ldc, beta, load)
	case k.lv == levelAVX2 && lda > 0:
		asm.GemmMicroRowsAAVX2(kc, &a[0], lda, &b[0], ldb, &c[0], ldc, beta, load)
	case k.lv == levelAVX2:
		asm.GemmMicroAVX2(kc, &a[0], &b[0], ldb, &c[0], ldc, beta, load)
	default:
		gemmMicroGeneric(k.mr, k.nr, kc, a, b, ldb, c, ldc, beta, load)
	}
}

// gemmStripAVX runs the wide tile of k's level on tiles full tiles in a
// row in one call (GemmStrip*, A packed where lda is 0, else in place at
// stride lda): tile t reads the A panel at a[t*aStep:], the B panel at
// b[t*bStep:] (rows at stride ldb) and writes the C tile at c[t*cStep:]
// (rows at stride ldc), the slices cut by the driver to exactly what the
// tiles read and write; on packed A it also prefetches far.
func gemmStripAVX(k gemmKernel, tiles, kc int, a []float32, lda, aStep int, b []float32, ldb, bStep int, c []float32, ldc, cStep int, beta float32, load int, far gemmFar) {
	pf := far.pointer(b)
	switch {
	case k.lv == levelAVX512 && lda > 0:
		asm.GemmStripRowsAAVX512(tiles, kc, &a[0], lda, aStep, &b[0], ldb, bStep, &c[0], ldc, cStep, beta, load, pf, far.pos, far.off, far.row, far.ld, far.n)
	case k.lv == levelAVX512:
		asm.GemmStripAVX512(tiles, kc, &a[0], aStep, &b[0], ldb, bStep, &c[0], ldc, cStep, beta, load, pf, far.pos, far.off, far.row, far.ld, far.n)
	case lda > 0:
		asm.GemmStripRowsAAVX2(tiles, kc, &a[0], lda, aStep, &b[0], ldb, bStep, &c[0], ldc, cStep, beta, load, pf, far.pos, far.off, far.row, far.ld, far.n)
	default:
		asm.GemmStripAVX2(tiles, kc, &a[0], aStep, &b[0], ldb, bStep, &c[0], ldc, cStep, beta, load, pf, far.pos, far.off, far.row, far.ld, far.n)
	}
}

// gemmStripSGDAVX runs the wide AVX-512 tile's strip with SGDStep's
// variant fused (GemmStripSGD): tile t reads A at a[t*aStep:] (packed), B
// at b[t*bStep:] and updates p and buf at [t*pStep:] (rows at stride ldp),
// the slices cut by the driver to exactly what the tiles read and write
// (buf is p without momentum: never touched); it prefetches far meanwhile.
func gemmStripSGDAVX(k gemmKernel, variant, tiles, kc int, a []float32, aStep int, b []float32, ldb, bStep int, p, buf []float32, ldp, pStep int, s *sgdScalars, far gemmFar) {
	pf := far.pointer(b)
	asm.GemmStripSGDAVX512(variant, tiles, kc, &a[0], aStep, &b[0], ldb, bStep, &p[0], &buf[0], ldp, pStep,
		s.negLR, s.momentum, s.damp1, s.wd, s.sign, pf, far.pos, far.off, far.row, far.ld, far.n)
}

// gemmStripLagAVX runs the wide AVX-512 tile's strip as gemmStripAVX does
// on packed A, and beside it SGDStep's variant on the units vectors of 16
// elements of p and buf with gradient g (GemmStripLagSGD), cut by the
// driver to exactly those elements (buf nil without momentum: then p is
// passed, never touched).
func gemmStripLagAVX(k gemmKernel, tiles, kc int, a []float32, aStep int, b []float32, ldb, bStep int, c []float32, ldc, cStep int, beta float32, load, variant int, p, g, buf []float32, units int, s *sgdScalars, far gemmFar) {
	pf := far.pointer(b)
	_, _ = p[16*units-1], g[16*units-1]
	pb := &p[0]
	if buf != nil {
		_ = buf[16*units-1]
		pb = &buf[0]
	}
	asm.GemmStripLagSGDAVX512(tiles, kc, &a[0], aStep, &b[0], ldb, bStep, &c[0], ldc, cStep, beta, load,
		variant, &p[0], &g[0], pb, 0, units, s.negLR, s.momentum, s.damp1, s.wd, s.sign, pf, far.pos, far.off, far.row, far.ld, far.n)
}

// GemmStripSGD prefetches its p and buf with PREFETCHW (gen/amd64,
// prefetchw.go). Every CPU with AVX-512 known has it; one without would
// run SgemmSerialSGD unfused (the same bits), rather than meet an
// instruction it may not decode.
func init() {
	if !hasPrefetchW() {
		gemmWideAVX512.stripSGD = nil
	}
}

// hasPrefetchW reports CPUID's PRFCHW bit (leaf 8000_0001h, ECX bit 8).
func hasPrefetchW() bool {
	if maxExt, _, _, _ := asm.CPUID(0x80000000, 0); maxExt < 0x80000001 {
		return false
	}
	_, _, ecx, _ := asm.CPUID(0x80000001, 0)
	return ecx&(1<<8) != 0
}

// gemmPackBAVX packs the kc rows of panels full micro-panels of
// non-transposed B (b[p*ldb + q*nr + j], b cut to exactly those floats) into
// dst (panel q at dst[q*kc*nr:], dst cut to panels*kc*nr) for the wide tile
// of k's level.
func gemmPackBAVX(k gemmKernel, dst, b []float32, ldb, kc, panels int) {
	if k.lv == levelAVX512 {
		asm.GemmPackBAVX512(&dst[0], &b[0], ldb, kc, panels)
		return
	}
	asm.GemmPackBAVX2(&dst[0], &b[0], ldb, kc, panels)
}

// gemmPackBTAVX packs panels full micro-panels of transposed B (panel q is the
// transpose of the nr x kc block at b[q*nr*ldb:], b cut to exactly the kc
// floats of each of its panels*nr rows) into dst (cut to panels*kc*nr) for
// the wide tile of k's level.
func gemmPackBTAVX(k gemmKernel, dst, b []float32, ldb, kc, panels int) {
	if k.lv == levelAVX512 {
		asm.GemmPackBTAVX512(&dst[0], &b[0], ldb, kc, panels)
		return
	}
	asm.GemmPackBTAVX2(&dst[0], &b[0], ldb, kc, panels)
}

// gemmTransposeAVX writes dst[j*ldd + i] = src[i*lds + j] for i < rows,
// j < cols with level lv's GemmTranspose (src cut to exactly its rows x
// cols floats, dst to its cols x rows, at most ChunkLen floats).
func gemmTransposeAVX(lv level, dst []float32, ldd int, src []float32, lds, rows, cols int) {
	if lv == levelAVX512 {
		asm.GemmTransposeAVX512(&dst[0], ldd, &src[0], lds, rows, cols)
		return
	}
	asm.GemmTransposeAVX2(&dst[0], ldd, &src[0], lds, rows, cols)
}

// gemmTransposeBiasAVX is gemmTransposeAVX adding bias[i] to the values
// of src's row i (bias cut to exactly rows floats) and, with relu, taking
// Relu's max with 0, on their way out (GemmTransposeBias, -BiasRelu).
func gemmTransposeBiasAVX(lv level, dst []float32, ldd int, src []float32, lds, rows, cols int, bias []float32, relu bool) {
	d, s, b := &dst[0], &src[0], &bias[0]
	switch {
	case lv == levelAVX512 && relu:
		asm.GemmTransposeBiasReluAVX512(d, ldd, s, lds, rows, cols, b, 0)
	case lv == levelAVX512:
		asm.GemmTransposeBiasAVX512(d, ldd, s, lds, rows, cols, b, 0)
	case relu:
		asm.GemmTransposeBiasReluAVX2(d, ldd, s, lds, rows, cols, b, 0)
	default:
		asm.GemmTransposeBiasAVX2(d, ldd, s, lds, rows, cols, b, 0)
	}
}

// gemmPackAAVX packs panels full micro-panels of alpha*op(A) for k's packed
// micro-kernel (panel q at dst[q*kc*mr:], dst cut to panels*kc*mr): A not
// transposed, rows q*mr+i at a[(q*mr+i)*lda:] (a cut to exactly the kc
// floats of each of the panels*mr rows), or transposed, k step p at
// a[p*lda:] (a cut to exactly the panels*mr floats of each of the kc rows).
func gemmPackAAVX(k gemmKernel, trans bool, dst, a []float32, lda, kc, panels int, alpha float32) {
	d, s := &dst[0], &a[0]
	switch {
	case k.lv == levelAVX512 && k.narrow && trans:
		asm.GemmPackATNarrowAVX512(d, s, lda, kc, panels, alpha)
	case k.lv == levelAVX512 && k.narrow:
		asm.GemmPackANarrowAVX512(d, s, lda, kc, panels, alpha)
	case k.lv == levelAVX512 && trans:
		asm.GemmPackATAVX512(d, s, lda, kc, panels, alpha)
	case k.lv == levelAVX512:
		asm.GemmPackAAVX512(d, s, lda, kc, panels, alpha)
	case trans:
		asm.GemmPackATAVX2(d, s, lda, kc, panels, alpha)
	default:
		asm.GemmPackAAVX2(d, s, lda, kc, panels, alpha)
	}
}

// gemmMicroPackBAVX is gemmMicro for a first tile of a B micro-panel read in
// place (b at stride ldb, cut as for gemmMicro), that also stores the panel
// packed into bp (cut to kc*nr floats): the wide tile's GemmMicro*PackB
// kernel, whose packed copy the later tiles of the panel read.
func gemmMicroPackBAVX(k gemmKernel, kc int, a []float32, lda int, b []float32, ldb int, bp, c []float32, ldc int, beta float32, load int) {
	switch {
	case k.lv == levelAVX512 && lda > 0:
		asm.GemmMicroRowsAPackBAVX512(kc, &a[0], lda, &b[0], ldb, &bp[0], &c[0], ldc, beta, load)
	case k.lv == levelAVX512:
		asm.GemmMicroPackBAVX512(kc, &a[0], &b[0], ldb, &bp[0], &c[0], ldc, beta, load)
	case lda > 0:
		asm.GemmMicroRowsAPackBAVX2(kc, &a[0], lda, &b[0], ldb, &bp[0], &c[0], ldc, beta, load)
	default:
		asm.GemmMicroPackBAVX2(kc, &a[0], &b[0], ldb, &bp[0], &c[0], ldc, beta, load)
	}
}

// gemmEdgeAVX runs the wide tile's edge strip of exactly rows rows (one
// of the level's mathconst.GemmEdgeRows*: GemmStripEdge*) on tiles tiles in
// a row: tile t reads the packed partial A panel at a[t*aStep:] (kc*mr
// floats, the full tile's layout), the B panel at b[t*bStep:] (rows at
// stride ldb) and writes rows full rows of C at c[t*cStep:] (rows at stride
// ldc), the slices cut by the driver to exactly what the tiles read and
// write.
func gemmEdgeAVX(k gemmKernel, rows, tiles, kc int, a []float32, aStep int, b []float32, ldb, bStep int, c []float32, ldc, cStep int, beta float32, load int) {
	pa, pb, pc := &a[0], &b[0], &c[0]
	switch {
	case k.lv == levelAVX512 && rows == 4:
		asm.GemmStripEdge4AVX512(tiles, kc, pa, aStep, pb, ldb, bStep, pc, ldc, cStep, beta, load)
	case k.lv == levelAVX512 && rows == 8:
		asm.GemmStripEdge8AVX512(tiles, kc, pa, aStep, pb, ldb, bStep, pc, ldc, cStep, beta, load)
	case k.lv == levelAVX2 && rows == 4:
		asm.GemmStripEdge4AVX2(tiles, kc, pa, aStep, pb, ldb, bStep, pc, ldc, cStep, beta, load)
	default:
		panic(fmt.Sprintf("kernels: no %d-row edge tile at %v (edgeRows lists the heights)", rows, k.lv))
	}
}

// gemmColsAVX runs the narrow AVX-512 tile (or its edge tile of exactly
// rows rows, one of mathconst.GemmEdgeRowsNarrowAVX512) in place on the
// first cols columns of C, reading the first cols columns of B (K-masked:
// nothing past them is touched, so B may be read in place and C needs no
// temporary tile): A packed (lda == 0, kc*mr floats) or in place (rows rows
// at stride lda), b cut to (kc-1)*ldb+cols, c to (rows-1)*ldc+cols.
func gemmColsAVX(k gemmKernel, rows, kc int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int, beta float32, load, cols int) {
	// Rows of A read in place a multiple of 256 floats apart share at most 4
	// L1 sets (32 lines on an 8-way L1): 16 or 24 row streams thrash them,
	// 8 do not, so such panels run as 8-row tiles (each row the same fma
	// chains; docs/performance.md has the gain).
	if lda > 0 && lda%256 == 0 && rows > 8 && rows%8 == 0 {
		for r := 0; r < rows; r += 8 {
			gemmColsAVX(k, 8, kc, a[r*lda:][:7*lda+kc], lda, b, ldb, c[r*ldc:][:7*ldc+cols], ldc, beta, load, cols)
		}
		return
	}
	pa, pb, pc := &a[0], &b[0], &c[0]
	switch {
	case rows == k.mr && lda > 0:
		asm.GemmMicroNarrowRowsAAVX512(kc, pa, lda, pb, ldb, pc, ldc, beta, load, cols)
	case rows == k.mr:
		asm.GemmMicroNarrowAVX512(kc, pa, pb, ldb, pc, ldc, beta, load, cols)
	case rows == 8 && lda > 0:
		asm.GemmMicroNarrowEdge8RowsAAVX512(kc, pa, lda, pb, ldb, pc, ldc, beta, load, cols)
	case rows == 8:
		asm.GemmMicroNarrowEdge8AVX512(kc, pa, pb, ldb, pc, ldc, beta, load, cols)
	case rows == 16 && lda > 0:
		asm.GemmMicroNarrowEdge16RowsAAVX512(kc, pa, lda, pb, ldb, pc, ldc, beta, load, cols)
	case rows == 16:
		asm.GemmMicroNarrowEdge16AVX512(kc, pa, pb, ldb, pc, ldc, beta, load, cols)
	default:
		panic(fmt.Sprintf("kernels: no %d-row narrow tile (colsRows lists the heights)", rows))
	}
}

// sgdStep runs SGDStep's variant on one chunk; buf is nil for the modes
// without momentum (the assembly then gets p's pointer and never uses it).
func sgdStep(variant int, p, g, buf []float32, s *sgdScalars) {
	pb := &p[0]
	if buf != nil {
		pb = &buf[0]
	}
	switch active {
	case levelAVX512:
		asm.SGDStepAVX512(variant, &p[0], &g[0], pb, len(p), s.negLR, s.momentum, s.damp1, s.wd, s.sign)
	case levelAVX2:
		asm.SGDStepAVX2(variant, &p[0], &g[0], pb, len(p), s.negLR, s.momentum, s.damp1, s.wd, s.sign)
	default:
		sgdStepGeneric(variant, p, g, buf, s)
	}
}

// adamDivisions is the correctly rounded divisions per element of the
// active level's AdamStep (AdamDividerWork): AVX-512, and AVX2 without
// amsgrad, divide by bc2s without the divider (gen/amd64 adamStep).
func adamDivisions(amsgrad bool) int {
	if active == levelAVX512 || active == levelAVX2 && !amsgrad {
		return 1
	}
	return 2
}

// adamStep runs AdamStep's variant on one chunk; vmax is nil without
// amsgrad (the assembly then gets v's pointer and never uses it).
func adamStep(variant int, p, g, m, v, vmax []float32, s *adamScalars) {
	px := &v[0]
	if vmax != nil {
		px = &vmax[0]
	}
	switch active {
	case levelAVX512:
		asm.AdamStepAVX512(variant, &p[0], &g[0], &m[0], &v[0], px, len(p),
			s.beta1, s.c1, s.beta2, s.c2, s.bc2s, s.rhi, s.rlo, s.eps, s.negStep, s.wd, s.decay, s.sign)
	case levelAVX2:
		asm.AdamStepAVX2(variant, &p[0], &g[0], &m[0], &v[0], px, len(p),
			s.beta1, s.c1, s.beta2, s.c2, s.bc2s, s.rhi, s.rlo, s.eps, s.negStep, s.wd, s.decay, s.sign)
	default:
		adamStepGeneric(variant, p, g, m, v, vmax, s)
	}
}

// gemmOutAsm runs level lv's GemmOut kernel of kind on the rows x cols
// block at c[0], rows ldc floats apart (c cut to exactly (rows-1)*ldc+cols
// floats; v the bias cut to cols floats, or for ReLU's backward x cut as
// c; sum, for gemmOutReluBackwardSum, cut to cols floats, started by the
// block's first row where first), and reports whether lv has the kernels
// (AVX-512 and AVX2).
func gemmOutAsm(lv level, kind gemmOutKind, c []float32, ldc int, v []float32, rows, cols int, sum []float32, first bool) bool {
	if lv != levelAVX512 && lv != levelAVX2 {
		return false
	}
	p, q := &c[0], &v[0]
	if kind == gemmOutReluBackwardSum {
		f := 0
		if first {
			f = 1
		}
		if lv == levelAVX512 {
			asm.GemmOutReluBackwardSumAVX512(p, ldc, q, rows, cols, &sum[0], f)
		} else {
			asm.GemmOutReluBackwardSumAVX2(p, ldc, q, rows, cols, &sum[0], f)
		}
		return true
	}
	table := &gemmOutAVX2
	if lv == levelAVX512 {
		table = &gemmOutAVX512
	}
	table[kind](p, ldc, q, rows, cols)
	return true
}

// The GemmOut kernels of each level with gemmOutAsm's common signature,
// by gemmOutKind.
var (
	gemmOutAVX512 = [3]func(c *float32, ldc int, v *float32, rows, cols int){
		gemmOutBias: asm.GemmOutBiasAVX512, gemmOutBiasRelu: asm.GemmOutBiasReluAVX512, gemmOutReluBackward: asm.GemmOutReluBackwardAVX512}
	gemmOutAVX2 = [3]func(c *float32, ldc int, v *float32, rows, cols int){
		gemmOutBias: asm.GemmOutBiasAVX2, gemmOutBiasRelu: asm.GemmOutBiasReluAVX2, gemmOutReluBackward: asm.GemmOutReluBackwardAVX2}
)
