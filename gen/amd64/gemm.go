package main

import (
	"fmt"

	"github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"

	"github.com/vecgrad/vecgrad/internal/abi"
	"github.com/vecgrad/vecgrad/internal/mathconst"
)

// gemm group: the GEMM micro-kernels of gen/KERNELS.md ("GEMM micro-kernel")
// and the B packing kernels GemmPackB, GemmPackBT (pack.go, "GEMM B packing"); the tiles
// all from one emitter (gemmMicro) for a tile of MR rows x V vectors of C:
// row i of the tile in acc[i][0..V-1], fed per k by V vectors of B and one
// broadcast element of A per row. Tiles (mathconst):
//
//	GemmMicro        AVX2 6x16 (6 x 2 YMM, the BLIS haswell shape),
//	                 AVX-512 12x32 (12 x 2 ZMM)
//	GemmMicroNarrow  AVX-512 24x16 (24 x 1 ZMM), for small n (n = 10)
//
// and each tile in two A layouts: packed (GemmMicro*, a[p*MR+i], a k-major
// micro-panel) and in place (GemmMicro*RowsA, a[i*lda+p], row-major A read
// where it lies: MR rows at stride lda, kc consecutive floats each).
//
// Register plan (virtual registers; at most nvec live, so the AVX2 code stays
// in Y0-Y15 — the allocator only reaches Y16+ above 16 live):
//
//	loop:  MR*V accumulators + V B vectors + 1 A broadcast
//	       = 15 YMM (AVX2 6x2) / 27 ZMM (AVX-512 12x2);
//	       V == 1 on AVX-512 (Narrow 24x1): 24 + 1 = 25 ZMM, the A element
//	       an embedded broadcast of the FMA (VFMADD231PS.BCST).
//	store: MR*V accumulators + beta = 13 YMM / 25 ZMM / 25 ZMM.
//	GP:    n (unrolled iterations), b, ldb*4, 3*ldb*4, pb (B prefetch
//	       pointer) and A: the pointer a (packed) or the row bases and
//	       lda*4 (and 3*lda*4) of gemmRowsPlan (RowsA: 6 rows 2 bases + 1,
//	       12 rows 3 bases + 2, 24 rows 4 bases + 2); kc and c are reloaded
//	       after the loop; at most 11 of the 14 GP registers.
//
// With V >= 2 the A element is broadcast into a register (VBROADCASTSS, one
// load per row and k) rather than used as an embedded-broadcast operand of
// the V FMAs, which would load it V times: per k that is V + MR loads for
// V*MR FMAs. With V == 1 each A element feeds one FMA, so the embedded
// broadcast costs the same load and saves the separate instruction (the
// narrow tile does 1 A load per FMA; a separate VBROADCASTSS would make it
// front-end bound).
//
// RowsA addresses row i as base + index*scale + 4*u (u = k step of the
// iteration) with few base pointers, each advanced by 16 bytes per
// iteration (4 per tail step): it reads exactly the MR x kc floats of A
// (no A prefetch: A is a few KiB, re-read from L1/L2 by every tile of the
// band, and the loads run ahead of the FMA chains).
//
// Order of operations, as gemmMicroGeneric: every accumulator starts at +0
// (not a*b: fma(a, b, +0) is +0 where a*b is -0) and takes one
// VFMADD231PS per k in order p = 0..kc-1; the store phase writes acc
// (load == 0, C not read) or fma(beta, C, acc) (VFMADD231PS with C as the
// memory operand: acc += beta*C, one rounding). The A layout changes only
// where the same a(i, p) is loaded from.
func gemmGroup(g *gen) {
	for _, t := range g.gemmTiles() {
		g.gemmMicro(t)
	}
	g.gemmPackB()    // pack.go
	g.gemmPackBT()   // pack.go
	g.gemmPackA()    // packa.go
	g.gemmNarrowTN() // gemmtn.go
	for _, ep := range []transposeEpilogue{transposeOnly, transposeBias, transposeBiasRelu} {
		g.gemmTranspose(ep) // transpose.go
	}
	for _, kind := range []gemmOutKind{gemmOutBias, gemmOutBiasRelu, gemmOutReluBackward, gemmOutReluBackwardSum} {
		g.gemmOut(kind) // gemmout.go
	}
}

const (
	gemmUnroll = 4 // k steps per main-loop iteration
	gemmPfA    = 8 // A prefetch distance, k steps (packed A)
	gemmPfB    = 8 // B prefetch distance, rows (k steps)
)

// kLoop emits the k loop of the GEMM tiles: iterations of gemmUnroll k
// steps (iter(u) for each, then next(gemmUnroll) to move the operands on),
// then the last kc % gemmUnroll steps one at a time (tail(), next(1)).
func (g *gen) kLoop(iter func(u int), tail func(), next func(k int)) {
	loop, rest, restLoop, done := g.label("kloop"), g.label("ktail"), g.label("ktailloop"), g.label("kdone")
	n := g.arg("kc")
	g.SHRQ(operand.U8(2), n) // gemmUnroll = 4
	g.JZ(operand.LabelRef(rest))
	g.Label(loop)
	for u := range gemmUnroll {
		iter(u)
	}
	next(gemmUnroll)
	g.DECQ(n)
	g.JNZ(operand.LabelRef(loop))
	g.Label(rest)
	left := g.arg("kc")
	g.ANDQ(operand.U32(gemmUnroll-1), left)
	g.JZ(operand.LabelRef(done))
	g.Label(restLoop)
	tail()
	next(1)
	g.DECQ(left)
	g.JNZ(operand.LabelRef(restLoop))
	g.Label(done)
}

// gemmTile is one micro-kernel: MR rows x V vectors of C, A packed or in
// place.
type gemmTile struct {
	name   string // without the ISA suffix
	mr, v  int    // NR = v*w
	apanel int    // rows of a packed A panel (floats per k step): mr, or the full tile's MR for an edge tile
	rowsA  bool   // A row-major at stride lda (else packed k-major)
	packB  bool   // also store every B row it loads at bp (packed, NR floats a row)
	cols   bool   // a cols argument: only the first cols columns of B and C are read and written (K-masked)
	strip  bool   // tiles tiles in a row, tile t at a+t*aStep, b+t*bStep, c+t*cStep (GemmStrip)
	// sgd: a strip whose tiles, instead of storing C, apply an SGD step
	// with it to p and buf (GemmStripSGD): the optimizer fused into the
	// weight gradient's product (gemmStoreSGD).
	sgd bool
	// lag: a strip (on packed A, storing C) whose k loop also applies an
	// SGD step to a stream of other elements, one vector per iteration
	// (GemmStripLagSGD: the previous block's update, gemmLagStep).
	lag bool
}

// far reports whether the tile prefetches a far stream in its k loop
// (gemmFarPrefetch): the full tiles' strips, on packed A and on A in place
// (whose k loop, with A's row bases and strides, still leaves the far step
// its one register: 11 of the 14). The edge strips run a block's last row
// panel alone, which the driver does not hand the stream.
func (t gemmTile) far() bool { return t.strip && t.mr == t.apanel }

// gemmTiles are the kernels of the level, shapes from mathconst.
func (is isa) gemmTiles() []gemmTile {
	type shape struct {
		name   string
		mr, nr int
		edges  []int // edge tile heights
	}
	var shapes []shape
	switch is.suffix {
	case "AVX512":
		shapes = []shape{
			{"GemmMicro", mathconst.GemmMRAVX512, mathconst.GemmNRAVX512, mathconst.GemmEdgeRowsAVX512},
			{"GemmMicroNarrow", mathconst.GemmMRNarrowAVX512, mathconst.GemmNRNarrowAVX512, mathconst.GemmEdgeRowsNarrowAVX512},
		}
	case "AVX2":
		shapes = []shape{{"GemmMicro", mathconst.GemmMRAVX2, mathconst.GemmNRAVX2, mathconst.GemmEdgeRowsAVX2}}
	default:
		panic("gemmTiles: unknown ISA " + is.suffix)
	}
	var tiles []gemmTile
	for _, s := range shapes {
		v := s.nr / is.w
		// The narrow tile masks its columns: with n <= 16 every tile but
		// n == 16's is a column edge, which runs in place on B and C.
		narrow := s.name == "GemmMicroNarrow"
		t := gemmTile{name: s.name, mr: s.mr, v: v, apanel: s.mr, cols: narrow}
		if narrow && (v != 1 || !is.kmask) {
			panic("gemmTiles: the column-masked narrow tile is one ZMM wide")
		}
		if v < 1 || v*is.w != s.nr || s.mr*v+v+is.gemmBcastRegs(v) > is.nvec {
			panic(fmt.Sprintf("%s%s: %dx%d is not MR rows x V vectors in %d registers",
				s.name, is.suffix, s.mr, s.nr, is.nvec))
		}

		base := t
		tiles = append(tiles, t)
		if s.name == "GemmMicro" { // the wide tile's strip of tiles
			st := t
			st.name, st.strip = "GemmStrip", true
			tiles = append(tiles, st)
			if is.kmask { // and with SGD fused (its scalars as embedded broadcasts)
				lag := st
				st.name, st.sgd = "GemmStripSGD", true
				tiles = append(tiles, st)
				lag.name, lag.lag = "GemmStripLagSGD", true // and with SGD on a stream beside
				tiles = append(tiles, lag)
			}
		}
		t.name += "RowsA"
		t.rowsA = true
		tiles = append(tiles, t)
		if s.name == "GemmMicro" { // and on A in place
			st := t
			st.name, st.strip = "GemmStripRowsA", true
			tiles = append(tiles, st)
		}
		if s.name == "GemmMicro" { // the wide tile's B is packed by its first tile
			for _, t := range []gemmTile{base, t} {
				t.name += "PackB"
				t.packB = true
				tiles = append(tiles, t)
			}
		}
		// Edge tiles, over packed panels and, for the narrow tile, over A in
		// place (a narrow product reads A in place where alpha is 1, its
		// last row panel too when it has an edge tile's height). The wide
		// tile's are strips (GemmStripEdge<E>): a last row panel of E rows
		// runs along a row of B panels in one call, as the full panels do.
		for _, e := range s.edges {
			if e < 1 || e >= s.mr {
				panic(fmt.Sprintf("%s%s: edge height %d not in 1..%d", s.name, is.suffix, e, s.mr-1))
			}
			et := gemmTile{name: fmt.Sprintf("%sEdge%d", s.name, e), mr: e, v: v, apanel: s.mr, cols: narrow}
			if !narrow {
				et.name, et.strip = fmt.Sprintf("GemmStripEdge%d", e), true
			}
			tiles = append(tiles, et)
			if narrow {
				et.name += "RowsA"
				et.rowsA, et.apanel = true, e
				tiles = append(tiles, et)
			}
		}
	}
	return tiles
}

// gemmEmbedded: the A element is an embedded-broadcast operand of the FMA
// (one FMA per element: V == 1, AVX-512 only).
func (is isa) gemmEmbedded(v int) bool { return v == 1 && is.kmask }

// gemmBcastRegs is the number of registers holding A broadcasts in the loop.
func (is isa) gemmBcastRegs(v int) int {
	if is.gemmEmbedded(v) {
		return 0
	}
	return 1
}

// gemmRowAddr reaches row i of in-place A: base pointer rows[base] plus
// index (0: none, 1: lda*4, 3: 3*lda*4) times scale.
type gemmRowAddr struct {
	base, index int
	scale       uint8
}

// gemmRowsPlan chooses the base pointers (rows of A) and index registers
// from which every row 0..mr-1 is one addressing mode away: row
// base + s for s in {0, 1, 2, 4, 8} (lda*scale) or, with 3*lda too,
// {3, 6, 12, 24}. It takes the fewest GP registers, then the fewest bases
// (pointer increments per iteration), then the first set in lexicographic
// order, so the plan is deterministic: 6 rows {0, 1} + lda; 12 rows
// {0, 1, 7} + lda, 3*lda; 24 rows {0, 3, 10, 17} + lda, 3*lda.
func gemmRowsPlan(mr int) (bases []int, useL3 bool, rows []gemmRowAddr) {
	type off struct {
		index int
		scale uint8
	}
	offsets := func(l3 bool) map[int]off {
		m := map[int]off{0: {0, 1}, 1: {1, 1}, 2: {1, 2}, 4: {1, 4}, 8: {1, 8}}
		if l3 {
			m[3], m[6], m[12], m[24] = off{3, 1}, off{3, 2}, off{3, 4}, off{3, 8}
		}
		return m
	}
	// cover returns the addressing of every row from bases, or nil.
	cover := func(bases []int, l3 bool) []gemmRowAddr {
		offs := offsets(l3)
		rows := make([]gemmRowAddr, mr)
		for i := range rows {
			best := -1
			for bi, b := range bases {
				d := i - b
				if _, ok := offs[d]; ok && d >= 0 && (best < 0 || d < i-bases[best]) {
					best = bi
				}
			}
			if best < 0 {
				return nil
			}
			o := offs[i-bases[best]]
			rows[i] = gemmRowAddr{best, o.index, o.scale}
		}
		return rows
	}
	// first returns the first nb-subset of 1..mr-1, with row 0 in front,
	// that covers every row.
	var first func(set []int, from, nb int, l3 bool) ([]int, []gemmRowAddr)
	first = func(set []int, from, nb int, l3 bool) ([]int, []gemmRowAddr) {
		if len(set) == nb {
			if r := cover(set, l3); r != nil {
				return append([]int(nil), set...), r
			}
			return nil, nil
		}
		for b := from; b < mr; b++ {
			if s, r := first(append(set, b), b+1, nb, l3); s != nil {
				return s, r
			}
		}
		return nil, nil
	}
	for regs := 2; regs <= mr+1; regs++ {
		for _, l3 := range []bool{true, false} { // at equal cost, fewer bases
			nb := regs - 1
			if l3 {
				nb--
			}
			if nb < 1 {
				continue
			}
			if s, r := first([]int{0}, 1, nb, l3); s != nil {
				return s, l3, r
			}
		}
	}
	panic("gemmRowsPlan: no plan")
}

// gemmMicro emits tile t's function: its signature, the strip's loop over
// tiles around the body (t.strip), the operands' setup (B, the prefetches
// of C, A's addressing), the k loop and the stores of C.
func (g *gen) gemmMicro(t gemmTile) {
	g.gemmMicroSignature(t)
	// leave ends the store phase's first path, last ends its second: both
	// return, or in a strip go on to the next tile.
	leave, last := g.ret, g.ret
	if t.strip {
		l := g.gemmStripPrologue(t)
		leave = func() { g.JMP(operand.LabelRef(l.done)) }
		last = func() { g.gemmStripEpilogue(t, l) }
	}
	o := gemmOperands{t: t, nr: t.v * g.w}
	if t.cols {
		km := g.K()
		g.KMOVW(g.tailBase(g.arg("cols")).As32(), km)
		o.colMask = km
	}
	o.b = g.arg("b")
	o.ldb = g.arg("ldb")
	g.SHLQ(operand.U8(2), o.ldb) // bytes
	o.ldb3 = g.GP64()
	g.LEAQ(operand.Mem{Base: o.ldb, Index: o.ldb, Scale: 2}, o.ldb3)
	if t.sgd {
		g.gemmPrefetchSGD(t.mr, o.nr)
	} else {
		g.gemmPrefetchC(t.mr, o.nr, "ldc", false, "c")
	}
	o.a = g.arg("a")
	g.gemmAddressA(&o)
	acc := g.gemmKSteps(&o)
	if t.sgd {
		g.gemmStoreSGD(&o, acc, leave, last)
	} else {
		g.gemmStoreC(&o, acc, leave, last)
	}
	if o.farBlock != nil { // after the last return: reached only by a jump
		o.farBlock()
	}
	if o.lagBlock != nil {
		o.lagBlock()
	}
}

// gemmMicroSignature declares tile t's function with its doc comment.
func (g *gen) gemmMicroSignature(t gemmTile) {
	mr, nr := t.mr, t.v*g.w
	aArgs, aElem := "a *float32", fmt.Sprintf("a[p*%d+i]", t.apanel)
	if t.rowsA {
		aArgs, aElem = "a *float32, lda int", "a[i*lda+p]"
	}
	doc := []string{
		fmt.Sprintf("%s%s computes one %dx%d tile of row-major C: acc[i][j] = fma(%s, b[p*ldb+j], acc)",
			t.name, g.suffix, mr, nr, aElem),
		"for p < kc in order from +0, then c[i*ldc+j] = acc (load == 0, C not read) or",
		"fma(beta, c[i*ldc+j], acc). kc >= 1, ldb >= NR, ldc >= NR (see gen/KERNELS.md).",
	}
	if t.rowsA {
		doc = append(doc, fmt.Sprintf("A is read in place: %d rows at stride lda >= kc, kc floats each.", mr))
	}
	bArgs := "b *float32, ldb int"
	if t.packB {
		bArgs += ", bp *float32"
		doc = append(doc, fmt.Sprintf("Every row of B it reads is also stored at bp[p*%d:]: the packed panel, kc*%d floats.", nr, nr))
	}
	sig := "func(kc int, " + aArgs + ", " + bArgs + ", c *float32, ldc int, beta float32, load int"
	if t.strip {
		one, lda := "GemmMicro"+g.suffix, ""
		if t.rowsA {
			one, lda = "GemmMicroRowsA"+g.suffix, "lda, "
		}
		if t.mr != t.apanel {
			one = fmt.Sprintf("the %dx%d edge tile (GemmMicro%s's chains on the first %d rows of its %d-row packed panel, a[p*%d+i])",
				mr, nr, g.suffix, mr, t.apanel, t.apanel)
		}
		sig = "func(tiles, kc int, a *float32, " + lda + "aStep int, b *float32, ldb, bStep int, c *float32, ldc, cStep int, beta float32, load int"
		doc = []string{
			fmt.Sprintf("%s%s runs %s on tiles >= 1 tiles in turn: tile t reads A at a[t*aStep:],",
				t.name, g.suffix, one),
			"B at b[t*bStep:] (rows at stride ldb) and writes C at c[t*cStep:] (rows at stride ldc),",
			"exactly as that many GemmMicro calls would (see gen/KERNELS.md). The steps are in floats.",
		}
		if t.sgd {
			sig = "func(variant, tiles, kc int, a *float32, aStep int, b *float32, ldb, bStep int, p, buf *float32, ldp, pStep int, negLR, momentum, damp1, wd, sign float32"
			doc = []string{
				fmt.Sprintf("%s%s runs GemmStrip%s's tiles, but instead of storing a tile, with G = acc it applies",
					t.name, g.suffix, g.suffix),
				"variant (SGDStep's) to p and buf at p[t*pStep:] and buf[t*pStep:] (rows at stride ldp)",
				"exactly as SGDStep on those elements with grad G would (see gen/KERNELS.md).",
			}
		}
		if t.lag {
			sig += ", variant int, up, ug, ubuf *float32, uOff, uUnits int, negLR, momentum, damp1, wd, sign float32"
			doc = append(doc,
				"Beside the tiles, one vector per k loop iteration while uUnits > 0, it applies variant",
				"(SGDStep's) to the elements at byte offset uOff of up and ubuf with gradient ug, exactly as",
				"SGDStep would, then uOff += 64, uUnits--: the stream is uUnits vectors of 16 floats",
				"from up, ug and ubuf as the caller passes uOff (ubuf is not touched without momentum).",
				fmt.Sprintf("While more than %d vectors are left, it prefetches the stream that many ahead.", gemmLagAhead))
		}
		if t.far() {
			sig += ", pf *float32, pfPos, pfOff, pfRow, pfLd, pfUnits int"
			doc = append(doc,
				"Meanwhile it prefetches a far stream, memory a later call will read: per k loop iteration,",
				"while pfUnits > 0, the two lines at pf+pfPos+pfOff (bytes), then pfOff += 128 and, where",
				"pfOff reaches pfRow, pfOff = 0 and pfPos += pfLd (the next row). A prefetch neither",
				"faults nor changes a result.")
		}
	}
	if t.cols {
		sig += ", cols int"
		doc = append(doc, fmt.Sprintf("Only columns j < cols (1 <= cols <= %d) of B and C are read and written (K-masked).", nr))
	}
	g.function(t.name, sig+")", doc...)
}

// gemmStripLabels are the labels of a strip's loop over its tiles.
type gemmStripLabels struct{ tile, done, end string }

// gemmStripArgs are the strip's pointer arguments that move on by a step
// per tile, and their steps.
func gemmStripArgs(t gemmTile) (ptrs, steps []string) {
	if t.sgd {
		return []string{"a", "b", "p", "buf"}, []string{"aStep", "bStep", "pStep", "pStep"}
	}
	return []string{"a", "b", "c"}, []string{"aStep", "bStep", "cStep"}
}

// gemmStripPrologue starts a strip's loop over its tiles. The strip's state
// lives in its argument slots, not in registers (the in-place-A tile needs
// every GP register in its k loop): the steps turned into bytes, the tile
// count counted down, and the pointers moved on to the next tile (never
// past the last one), so each tile loads its a, b and c as a lone call
// would.
func (g *gen) gemmStripPrologue(t gemmTile) gemmStripLabels {
	_, steps := gemmStripArgs(t)
	for i, name := range steps {
		if i == 0 || name != steps[i-1] { // buf's step is p's
			g.SHLQ(operand.U8(2), addr(g.Param(name)))
		}
	}
	l := gemmStripLabels{g.label("tile"), g.label("tiledone"), g.label("stripend")}
	g.Label(l.tile)
	return l
}

// gemmStripEpilogue ends a tile of a strip: the next tile, or return after
// the last.
func (g *gen) gemmStripEpilogue(t gemmTile, l gemmStripLabels) {
	g.Label(l.done)
	g.DECQ(addr(g.Param("tiles")))
	g.JZ(operand.LabelRef(l.end))
	ptrs, steps := gemmStripArgs(t)
	for i, name := range ptrs {
		g.ADDQ(g.arg(steps[i]), addr(g.Param(name)))
	}
	g.JMP(operand.LabelRef(l.tile))
	g.Label(l.end)
	g.ret()
}

// gemmOperands are the registers and addressing one tile's k loop and
// stores share.
type gemmOperands struct {
	t               gemmTile
	nr              int
	colMask         reg.Register  // the first cols lanes (t.cols)
	a, b, ldb, ldb3 reg.GPVirtual // ldb and ldb3 in bytes
	// aMem(i, u) is a(i, p) for k step u of an iteration; advance(k)
	// moves A on by k steps.
	aMem    func(i, u int) operand.Mem
	advance func(k int)
	// farBlock emits the far prefetch's out-of-line block (t.far()), and
	// lagBlock the lagged update's (t.lag).
	farBlock, lagBlock func()
}

// gemmPrefetchC prefetches the lines of the mr x nr tile of C now, a whole
// k loop before the store phase (a prefetch touches nothing: it neither
// faults nor writes): of each of the arrays ptrs laid out as C, ld the
// name of their row stride. GemmStripSGD's p and buf (write, true) come
// from L3 and arrive during the FMAs, with PREFETCHW: at two threads the
// other core has read this core's rows of the weights in the input
// gradient, and a plain prefetch would fetch them shared, each store then
// waiting for the other core to give them up (priced in
// docs/parallel-step.md, "The weights' lines between the cores").
func (g *gen) gemmPrefetchC(mr, nr int, ld string, write bool, ptrs ...string) {
	ldc := g.arg(ld)
	g.SHLQ(operand.U8(2), ldc)
	for _, name := range ptrs {
		var row reg.Register
		var prefetch func(off int)
		if write { // PREFETCHW's bytes address from a fixed register
			row, prefetch = prefetchWBase, g.prefetchW
			g.MOVQ(addr(g.Param(name)), row)
		} else {
			r := g.arg(name)
			row, prefetch = r, func(off int) { g.PREFETCHT0(at(r, off)) }
		}
		for i := 0; i < mr; i++ {
			for off := 0; off < nr*4; off += 64 {
				prefetch(off)
			}
			prefetch(nr*4 - 1) // last line of an unaligned row
			if i+1 < mr {
				g.ADDQ(ldc, row)
			}
		}
	}
}

// gemmSGDPrefetchBufMinK is the least kc at which GemmStripSGD's tiles
// prefetch buf beside p (gemmPrefetchSGD).
const gemmSGDPrefetchBufMinK = 32

// gemmPrefetchSGD prefetches GemmStripSGD's tile of p (PREFETCHW, see
// gemmPrefetchC) and, where kc >= gemmSGDPrefetchBufMinK, of buf. With
// fewer k steps the tile's FMAs last about as long as the update's
// traffic with L3 (192 cycles against 6 KiB per 12x32 tile at k = 16),
// and the 36 prefetches of buf, lines no other core holds, cost more
// than the hardware's stream prefetch of its rows: the tutorial's step
// at batch 16 ran 1.5% faster on one Zen 5 thread and 0.9% on two (12
// and 14 rounds of test binaries alternated), where dropping p's
// prefetch too lost 1.7% on two threads (the other core has read p's
// lines). At k = 64 the prefetch of both pays (the 512x784 gradient
// and update alone: 2-6% slower without).
func (g *gen) gemmPrefetchSGD(mr, nr int) {
	pOnly, done := g.label("pfponly"), g.label("pfdone")
	g.CMPQ(addr(g.Param("kc")), operand.U8(gemmSGDPrefetchBufMinK))
	g.JB(operand.LabelRef(pOnly))
	g.gemmPrefetchC(mr, nr, "ldp", true, "p", "buf")
	g.JMP(operand.LabelRef(done))
	g.Label(pOnly)
	g.gemmPrefetchC(mr, nr, "ldp", true, "p")
	g.Label(done)
}

// gemmAddressA sets o.aMem and o.advance: packed A, k-major from o.a, or A
// in place, its rows reached from the bases and index registers of
// gemmRowsPlan.
func (g *gen) gemmAddressA(o *gemmOperands) {
	t, a := o.t, o.a
	if !t.rowsA {
		o.aMem = func(i, u int) operand.Mem { return at(a, 4*(u*t.apanel+i)) }
		o.advance = func(k int) { g.ADDQ(operand.U32(k*t.apanel*4), a) }
		return
	}
	baseRows, useL3, rows := gemmRowsPlan(t.mr)
	lda := g.arg("lda")
	g.SHLQ(operand.U8(2), lda)
	index := map[int]reg.GPVirtual{1: lda}
	if useL3 {
		lda3 := g.GP64()
		g.LEAQ(operand.Mem{Base: lda, Index: lda, Scale: 2}, lda3)
		index[3] = lda3
	}
	bases := []reg.GPVirtual{a}
	for _, r := range baseRows[1:] {
		p := g.GP64()
		switch r {
		case 1, 2, 4, 8:
			g.LEAQ(operand.Mem{Base: a, Index: lda, Scale: uint8(r)}, p)
		default:
			g.IMUL3Q(operand.U32(r), lda, p)
			g.ADDQ(a, p)
		}
		bases = append(bases, p)
	}
	o.aMem = func(i, u int) operand.Mem {
		r := rows[i]
		m := operand.Mem{Base: bases[r.base], Disp: 4 * u}
		if r.index != 0 {
			m.Index, m.Scale = index[r.index], r.scale
		}
		return m
	}
	o.advance = func(k int) {
		for _, p := range bases {
			g.ADDQ(operand.U32(4*k), p)
		}
	}
}

// gemmKSteps emits the k loop of tile o.t and returns its accumulators,
// acc[i][v] for row i and vector v of the tile.
func (g *gen) gemmKSteps(o *gemmOperands) [][]reg.VecVirtual {
	t, nr, a, b, ldb := o.t, o.nr, o.a, o.b, o.ldb
	mr, nv := t.mr, t.v
	// pb runs gemmPfB rows ahead of b.
	pb := g.GP64()
	g.IMUL3Q(operand.U32(gemmPfB), ldb, pb)
	g.ADDQ(b, pb)

	acc := make([][]reg.VecVirtual, mr)
	for i := range acc {
		acc[i] = make([]reg.VecVirtual, nv)
		for v := range acc[i] {
			acc[i][v] = g.zero()
		}
	}

	var bp reg.GPVirtual // the packed copy of B (packB)
	if t.packB {
		bp = g.arg("bp")
	}

	// kRow is row u of an iteration of B (base b) or of its prefetch (pb).
	kRow := func(base reg.GPVirtual, u int) operand.Mem { return stridedRow(base, nil, ldb, o.ldb3, u) }
	// step is k step u of an iteration: B row u, A column u.
	step := func(u int) {
		bv := make([]reg.VecVirtual, nv)
		for v := range bv {
			m := kRow(b, u)
			m.Disp += v * g.bytes()
			if t.cols {
				bv[v] = g.v()
				g.VMOVUPS_Z(m, o.colMask, bv[v]) // lanes past cols: not read, +0
			} else {
				bv[v] = g.mov(m)
			}
			if t.packB {
				g.VMOVUPS(bv[v], at(bp, 4*(u*nr+v*g.w)))
			}
		}
		for i := 0; i < mr; i++ {
			if g.gemmEmbedded(nv) {
				g.VFMADD231PS_BCST(o.aMem(i, u), bv[0], acc[i][0])
				continue
			}
			ai := g.bcast(o.aMem(i, u))
			for v := range bv {
				g.VFMADD231PS(bv[v], ai, acc[i][v])
			}
		}
	}

	aBytes := gemmUnroll * t.apanel * 4 // packed A consumed per iteration
	g.kLoop(func(u int) {
		// Spread the prefetches over the steps: packed A lines first,
		// then one B row per step.
		if !t.rowsA && u*64 < aBytes {
			g.PREFETCHT0(at(a, gemmPfA*t.apanel*4+u*64))
		}
		m := kRow(pb, u)
		for off := 0; off < nr*4; off += 64 {
			mm := m
			mm.Disp = off
			g.PREFETCHT0(mm)
		}
		step(u)
	}, func() { step(0) }, func(k int) {
		if t.far() && k == gemmUnroll {
			o.farBlock = g.gemmFarPrefetch()
		}
		if t.lag && k == gemmUnroll {
			o.lagBlock = g.gemmLagStep()
		}
		o.advance(k)
		if t.packB {
			g.ADDQ(operand.U32(k*nr*4), bp)
		}
		if k == 1 {
			g.ADDQ(ldb, b)
			return
		}
		g.LEAQ(operand.Mem{Base: b, Index: ldb, Scale: 4}, b)
		g.LEAQ(operand.Mem{Base: pb, Index: ldb, Scale: 4}, pb)
	})
	return acc
}

// gemmFarPrefetch emits one step of a strip's far stream, once per k loop
// iteration: while pfUnits > 0, prefetch the two lines at
// pf+pfPos+pfOff and move on by 128 bytes, to the next row (pfPos +=
// pfLd) where pfOff reaches pfRow. The stream's state lives in its
// argument slots, so it runs on across the strip's tiles; the pointer
// argument itself never moves (only integer offsets do). The driver uses
// it to bring in, during compute-bound tiles, what a later call would
// otherwise wait for (kernels/sgemm_far.go: the next block of B that its
// first tiles pack from where it lies). PREFETCHT1: into L2, not L1,
// where the tile's own A and B panels are.
//
// Inline it is a test and a branch not taken where there is nothing to
// prefetch (most products, and a strip's last iterations); the step
// itself is the returned block, to be emitted after the function's last
// return, which jumps back.
func (g *gen) gemmFarPrefetch() (block func()) {
	return g.gemmLoopStep("far", "pfUnits", func(units operand.Mem, back string) {
		p := g.arg("pf")
		g.ADDQ(addr(g.Param("pfPos")), p)
		g.ADDQ(addr(g.Param("pfOff")), p)
		g.PREFETCHT1(at(p, 0))
		g.PREFETCHT1(at(p, 64))
		g.DECQ(units)
		off := addr(g.Param("pfOff"))
		g.ADDQ(operand.Imm(128), off)
		g.MOVQ(off, p)
		g.CMPQ(p, addr(g.Param("pfRow")))
		g.JLT(operand.LabelRef(back))
		g.MOVQ(operand.I32(0), off)
		g.MOVQ(addr(g.Param("pfLd")), p)
		g.ADDQ(p, addr(g.Param("pfPos")))
	})
}

// gemmLoopStep emits the inline part of an optional step of a k loop
// iteration, a test of the argument units and a branch to the step, not
// taken while units is 0, and returns the step's out-of-line block: body
// (which may also jump back to label back) and a jump back, to be emitted
// after the function's last return.
func (g *gen) gemmLoopStep(name, units string, body func(units operand.Mem, back string)) (block func()) {
	step, back := g.label(name+"step"), g.label(name+"back")
	u := addr(g.Param(units))
	g.CMPQ(u, operand.Imm(0))
	g.JG(operand.LabelRef(step))
	g.Label(back)
	return func() {
		g.Label(step)
		body(u, back)
		g.JMP(operand.LabelRef(back))
	}
}

// gemmLagAhead is how many vectors ahead of the one it updates
// GemmStripLagSGD's stream prefetches its three arrays: 32 k loop
// iterations, some 1,500 cycles of FMAs, longer than a load from DRAM.
const gemmLagAhead = 32

// gemmLagStep emits one step of GemmStripLagSGD's update stream, once
// per k loop iteration: while uUnits > 0, SGDStep's variant on the vector
// at byte offset uOff of up, ug and ubuf (sgdElement, the scalars as
// embedded broadcasts from the argument frame, as GemmStripSGD's store
// phase runs it), then uOff += 64 and uUnits--. The update's loads and
// stores go to the load and store ports, which the tile's k loop leaves
// mostly idle, so a block's update costs few cycles beside the next
// block's FMAs, where a pass of its own costs its every load from L2 or
// DRAM. Its state lives in the argument slots, and the pointers never
// move. Like the far step, inline it is a test and a branch not taken
// when the stream is empty; the returned block, emitted after the last
// return, does the work and jumps back.
func (g *gen) gemmLagStep() (block func()) {
	return g.gemmLoopStep("lag", "uUnits", func(units operand.Mem, _ string) {
		off := g.GP64()
		g.MOVQ(addr(g.Param("uOff")), off)
		ptrs := map[string]reg.GPVirtual{}
		for _, name := range []string{"up", "ug", "ubuf"} {
			r := g.arg(name)
			g.ADDQ(off, r)
			ptrs[name] = r
		}
		ahead := g.label("lagnear")
		g.CMPQ(units, operand.Imm(gemmLagAhead))
		g.JLE(operand.LabelRef(ahead))
		for _, name := range []string{"up", "ug", "ubuf"} {
			g.PREFETCHT0(at(ptrs[name], gemmLagAhead*64))
		}
		g.Label(ahead)
		s := g.sgdScalarsInArgs()
		done := g.label("lagdone")
		for code, label := range g.sgdVariantBranch(addr(g.Param("variant")), "lagsgd") {
			g.Label(label)
			d := g.mov(at(ptrs["ug"], 0))
			g.VPXORD_BCST(s.sign.mem, d, d) // G^sign
			g.sgdElement(abi.DecodeSGD(code), s, d, at(ptrs["up"], 0), at(ptrs["ubuf"], 0), nil)
			if code+1 < abi.SGDVariants {
				g.JMP(operand.LabelRef(done))
			}
		}
		g.Label(done)
		g.ADDQ(operand.Imm(64), addr(g.Param("uOff")))
		g.DECQ(units)
	})
}

// gemmStoreSGD is GemmStripSGD's store phase: with each accumulator as
// the gradient G of its element, SGDStep's variant (branching on the
// variant argument, one body each) updates p and buf, laid out as C would
// be, exactly as SGDStep would (sgdElement, the same instructions with
// the scalars as embedded broadcasts: the 24 accumulators leave no
// registers for them), ending with leave, the last body with last.
func (g *gen) gemmStoreSGD(o *gemmOperands, acc [][]reg.VecVirtual, leave, last func()) {
	mr, nv := o.t.mr, o.t.v
	variant := g.arg("variant")
	p, buf, ldp := g.arg("p"), g.arg("buf"), g.arg("ldp")
	g.SHLQ(operand.U8(2), ldp)
	s := g.sgdScalarsInArgs()
	labels := g.sgdVariantBranch(variant, "sgd")
	for code, label := range labels {
		g.Label(label)
		f := abi.DecodeSGD(code)
		pr, br := g.copyGP(p), g.copyGP(buf)
		for i := 0; i < mr; i++ {
			for v := 0; v < nv; v++ {
				d := acc[i][v]
				g.VPXORD_BCST(s.sign.mem, d, d) // G^sign
				g.sgdElement(f, s, d, at(pr, v*g.bytes()), at(br, v*g.bytes()), nil)
			}
			if i+1 < mr {
				g.ADDQ(ldp, pr)
				g.ADDQ(ldp, br)
			}
		}
		if code+1 < len(labels) {
			leave()
		} else {
			last()
		}
	}
}

// sgdVariantBranch emits a branch on variant (a register or memory) to
// one label per SGD variant, a chain of compares, and returns the labels
// (prefix and the variant's code), for the bodies to follow: the Go side
// passes only valid variants, so the last needs no test.
func (g *gen) sgdVariantBranch(variant operand.Op, prefix string) []string {
	labels := make([]string, abi.SGDVariants)
	for code := range labels {
		labels[code] = g.label(fmt.Sprintf("%s%d", prefix, code))
		if code+1 < len(labels) {
			g.CMPQ(variant, operand.U32(code))
			g.JE(operand.LabelRef(labels[code]))
		}
	}
	g.JMP(operand.LabelRef(labels[len(labels)-1]))
	return labels
}

// sgdScalarsInArgs addresses SGDStep's five scalars where they lie, in
// the argument frame, as embedded-broadcast operands, through one
// register that LEAQ points at the first of them. Naming them directly
// (sign+112(FP)) would assemble the same, but go vet's asmdecl takes the
// operand size from the opcode's last letter (VFMADD231PS.BCST reads as
// "VFMADD", an 8-byte access) and rejects every 4-byte argument; an
// address taken with LEAQ is not size-checked.
func (g *gen) sgdScalarsInArgs() sgdScalars {
	first := addr(g.Param("negLR"))
	base := g.GP64()
	g.LEAQ(first, base)
	at := func(name string) sgdScalar {
		return sgdScalar{mem: operand.Mem{Base: base, Disp: addr(g.Param(name)).Disp - first.Disp}}
	}
	return sgdScalars{sign: at("sign"), negLR: at("negLR"), mom: at("momentum"), damp: at("damp1"), wd: at("wd")}
}

// gemmStoreC stores the accumulators into C: C = acc where load is 0 (C
// not read), ending with leave, else C = fma(beta, C, acc), ending with
// last; column-masked for a cols tile.
func (g *gen) gemmStoreC(o *gemmOperands, acc [][]reg.VecVirtual, leave, last func()) {
	t, mr, nv := o.t, o.t.mr, o.t.v
	c := g.arg("c")
	ldc := g.arg("ldc")
	g.SHLQ(operand.U8(2), ldc)
	load := g.arg("load")
	accumulate := g.label("accumulate")
	g.TESTQ(load, load)
	g.JNZ(operand.LabelRef(accumulate))
	// load == 0: C = acc, C not read.
	row := g.copyGP(c)
	for i := 0; i < mr; i++ {
		for v := 0; v < nv; v++ {
			if t.cols {
				g.VMOVUPS(acc[i][v], o.colMask, at(row, v*g.bytes()))
				continue
			}
			g.VMOVUPS(acc[i][v], at(row, v*g.bytes()))
		}
		if i+1 < mr {
			g.ADDQ(ldc, row)
		}
	}
	leave()

	// load != 0: C = fma(beta, C, acc).
	g.Label(accumulate)
	beta := g.bcast(addr(g.Param("beta")))
	for i := 0; i < mr; i++ {
		for v := 0; v < nv; v++ {
			if t.cols { // C lanes past cols: not read (fault-suppressed), not written
				g.VFMADD231PS_Z(at(c, v*g.bytes()), beta, o.colMask, acc[i][v])
				g.VMOVUPS(acc[i][v], o.colMask, at(c, v*g.bytes()))
				continue
			}
			g.VFMADD231PS(at(c, v*g.bytes()), beta, acc[i][v]) // acc += beta*C
			g.VMOVUPS(acc[i][v], at(c, v*g.bytes()))
		}
		if i+1 < mr {
			g.ADDQ(ldc, c)
		}
	}
	last()
}
