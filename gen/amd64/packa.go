package main

import (
	"fmt"

	"github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

// GemmPackA, GemmPackAT (gemm group, gen/KERNELS.md "GEMM A packing"): pack
// `panels` full micro-panels of alpha*op(A) into the k-major layout the
// packed micro-kernels read (dst[p*MR + i], MR the tile's rows):
//
//	GemmPackA   dst[q*kc*MR + p*MR + i] = alpha * a[(q*MR + i)*lda + p]
//	GemmPackAT  dst[q*kc*MR + p*MR + i] = alpha * a[p*lda + q*MR + i]
//
// for p < kc, q < panels, i < MR; one pair per tile height (AVX2 6,
// AVX-512 12, and 24 for the narrow tile: GemmPackANarrow,
// GemmPackATNarrow). Each product alpha*a is one VMULPS, the rounding of
// the Go reference (packA in kernels/sgemm.go), so the packed panel is the
// same bit for bit.
//
// GemmPackA transposes: the MR rows of a panel go in groups of 8 (the last
// group has MR % 8 rows where MR is not a multiple of 8: AVX2 6, AVX-512 12
// as 8 + 4) through transpose8x8, 8 k values per block, each group walked
// along k (up to 8 row streams the prefetchers follow); rows past the group's
// last are not loaded (their transposed lanes are not stored: a K-masked
// store on AVX-512; on AVX2 full stores in order that the next column's
// store overwrites, the block's last column stored exactly, see block
// below). The last kc % 8 values of each row are loaded with the remainder
// mask and only kc % 8 transposed rows stored, as in GemmPackBT. GemmPackAT copies: row p of the stored A holds the MR
// values of k step p, one (partly masked) vector store per row, on AVX2 a
// full store that the next row's overwrites (see gemmPackACols).
//
// Both read nothing but the kc x MR floats of each panel (masked lanes are
// fault-suppressing) and write nothing but dst[:panels*kc*MR].
func (g *gen) gemmPackA() {
	seen := map[int]bool{}
	for _, t := range g.gemmTiles() {
		if t.rowsA || t.apanel != t.mr || seen[t.mr] { // edge tiles read the full tile's panels
			continue
		}
		seen[t.mr] = true
		suffix := ""
		if t.name == "GemmMicroNarrow" {
			suffix = "Narrow"
		}
		g.gemmPackARows(t.mr, suffix)
		g.gemmPackACols(t.mr, suffix)
	}
}

// gemmPackARows emits GemmPackA<suffix> for tiles of mr rows (A not
// transposed: the panel is the transpose of mr rows of kc floats).
func (g *gen) gemmPackARows(mr int, suffix string) {
	g.function("GemmPackA"+suffix, "func(dst, a *float32, lda, kc, panels int, alpha float32)",
		fmt.Sprintf("GemmPackA%s%s packs panels full %d-row micro-panels of alpha*A (A not transposed):", suffix, g.suffix, mr),
		fmt.Sprintf("dst[q*kc*%d + p*%d + i] = alpha * a[(q*%d + i)*lda + p] for p < kc, q < panels, i < %d,", mr, mr, mr, mr),
		"one rounding per element. kc >= 1, panels >= 1, lda >= kc (see gen/KERNELS.md).")
	p := g.packARowsPlan(mr)
	panel := g.label("panel")
	g.Label(panel)
	grp := g.copyGP(p.src) // row 0 of the current group
	for gi := 0; gi*8 < mr; gi++ {
		if gi > 0 {
			g.LEAQ(operand.Mem{Base: grp, Index: p.ld, Scale: 8}, grp)
		}
		p.group(gi, grp)
	}
	g.ADDQ(p.astride, p.src)
	g.ADDQ(p.pstride, p.dst)
	g.DECQ(p.panels)
	g.JNZ(operand.LabelRef(panel))
	g.ret()
}

// packARows is GemmPackA's register plan, shared by its emission steps.
type packARows struct {
	g  *gen
	mr int
	packRegs
	pstride, astride reg.GPVirtual // bytes from one packed panel, and from one panel of A (mr rows), to the next
	alpha            reg.VecVirtual
	part             reg.Register // the rows of a partial last group (nil where mr % 8 == 0)
}

// packARowsPlan loads GemmPackA's arguments and derives its strides and masks.
func (g *gen) packARowsPlan(mr int) *packARows {
	p := &packARows{g: g, mr: mr}
	kc := p.load(g, "a", "lda")
	p.pstride = g.GP64()
	g.IMUL3Q(operand.U32(mr*4), kc, p.pstride)
	p.astride = g.GP64()
	g.IMUL3Q(operand.U32(mr), p.ld, p.astride)
	p.splitKC(g, kc)
	p.panels = g.arg("panels")
	p.alpha = g.YMM()
	g.VBROADCASTSS(addr(g.Param("alpha")), p.alpha)
	p.tail = g.ymmMask(p.rem)
	if r := mr % 8; r != 0 {
		n := g.GP64()
		g.MOVQ(operand.U32(r), n)
		p.part = g.ymmMask(n)
	}
	return p
}

// group packs row group gi of the panel (rows 8*gi.., row 0 at grp): its
// full 8-value blocks along k, then the kc % 8 remainder.
func (p *packARows) group(gi int, grp reg.GPVirtual) {
	g := p.g
	rows := min(8, p.mr-gi*8)
	s0, s4, out := g.copyGP(grp), reg.GPVirtual(nil), g.GP64()
	if rows > 4 {
		s4 = g.GP64()
		g.LEAQ(operand.Mem{Base: grp, Index: p.ld, Scale: 4}, s4)
	}
	g.LEAQ(at(p.dst, 32*gi), out)
	row := func(i int) operand.Mem { return stridedRow(s0, s4, p.ld, p.ld3, i) }
	g.blockLoop(g.copyGP(p.nblk), p.rem, "group", func(masked bool, skip string) {
		p.block(rows, row, out, masked, skip)
	}, func() {
		g.ADDQ(operand.U32(32), s0)
		if s4 != nil {
			g.ADDQ(operand.U32(32), s4)
		}
		g.ADDQ(operand.U32(8*p.mr*4), out)
	})
}

// block transposes the 8 x 8 block of group rows `rows` (row i at
// row(i)), scales it and stores its first 8 transposed rows (the first
// kc % 8 when masked) at out + c*mr floats.
//
// A partial group's columns are rows < 8 floats. Without K masks (AVX2)
// the full blocks store them unmasked, 8 floats each in order of c, so
// that column c's last 8 - rows lanes land on the first of column c+1,
// which its own store then overwrites; the block's last column is
// stored exactly (storeFirst). VMASKMOVPS stores are microcoded on AMD:
// one per column made the pack several times slower than the AVX-512
// packer (docs/performance.md).
func (p *packARows) block(rows int, row func(i int) operand.Mem, out reg.GPVirtual, masked bool, skip string) {
	g := p.g
	g.transposeBlock(rows, row, p.tail, p.rem, masked, skip, func(c int, col reg.VecVirtual) {
		g.VMULPS(p.alpha, col, col)
		m := at(out, 4*c*p.mr)
		switch {
		case rows == 8:
			g.VMOVUPS(col, m)
		case g.kmask || masked:
			g.store(col, m, p.part)
		case c < 7:
			g.VMOVUPS(col, m)
		default:
			g.storeFirst(col, m, rows)
		}
	})
}

// gemmPackACols emits GemmPackAT<suffix> for tiles of mr rows (A
// transposed: k step p of a panel is mr consecutive floats of row p).
func (g *gen) gemmPackACols(mr int, suffix string) {
	g.function("GemmPackAT"+suffix, "func(dst, a *float32, lda, kc, panels int, alpha float32)",
		fmt.Sprintf("GemmPackAT%s%s packs panels full %d-row micro-panels of alpha*Aᵀ (A transposed):", suffix, g.suffix, mr),
		fmt.Sprintf("dst[q*kc*%d + p*%d + i] = alpha * a[p*lda + q*%d + i] for p < kc, q < panels, i < %d,", mr, mr, mr, mr),
		fmt.Sprintf("one rounding per element. kc >= 1, panels >= 1, lda >= panels*%d (see gen/KERNELS.md).", mr))
	p := g.packAColsPlan(mr)
	p.blocks()
	// The rows past the blocks, one at a time.
	g.ANDQ(operand.U32(packAColsBlock-1), p.body)
	restL, restDone := g.label("rest"), g.label("restdone")
	g.JZ(operand.LabelRef(restDone))
	g.Label(restL)
	p.rowPass(false)
	g.DECQ(p.body)
	g.JNZ(operand.LabelRef(restL))
	g.Label(restDone)
	if p.spill {
		p.rowPass(true)
	}
	g.ret()
}

// packAColsBlock is the rows of A that GemmPackAT packs as one block.
const packAColsBlock = 8

// packACols is GemmPackAT's register plan, shared by its emission steps.
type packACols struct {
	g           *gen
	mr, full, r int           // mr = full vectors + r floats
	dst, a, lda reg.GPVirtual // arguments, advanced row by row; lda in bytes
	lda3        reg.GPVirtual // 3*lda
	panels      reg.GPVirtual
	pstride     reg.GPVirtual // bytes from one packed panel to the next
	body        reg.GPVirtual // rows packed in blocks and single rows
	alpha       reg.VecVirtual
	part        reg.Register // the last, partial vector of a row (nil where r == 0)
	spill       bool         // the last row is packed on its own, exactly (see packAColsPlan)
}

// packAColsPlan loads GemmPackAT's arguments and derives its strides and
// mask.
func (g *gen) packAColsPlan(mr int) *packACols {
	p := &packACols{g: g, mr: mr, full: mr / g.w, r: mr % g.w}
	p.dst = g.arg("dst")
	p.a = g.arg("a")
	p.lda = g.arg("lda")
	g.SHLQ(operand.U8(2), p.lda) // bytes
	p.panels = g.arg("panels")
	p.alpha = g.bcast(addr(g.Param("alpha")))
	if p.r != 0 {
		n := g.GP64()
		g.MOVQ(operand.U32(p.r), n)
		p.part = g.tailMask(g.tailBase(n), 0)
	}
	// The AVX2 overrun of the last row would land on the next panel, written
	// already: that row is packed on its own, exactly.
	p.spill = p.part != nil && !g.kmask

	p.lda3 = g.GP64()
	g.LEAQ(operand.Mem{Base: p.lda, Index: p.lda, Scale: 2}, p.lda3)
	p.pstride = g.GP64()
	g.IMUL3Q(operand.U32(mr*4), g.arg("kc"), p.pstride)
	p.body = g.arg("kc")
	if p.spill {
		g.DECQ(p.body)
	}
	return p
}

// chunk packs one k step of one panel: src is its mr floats of A, out
// its row of the packed panel. The full vectors, then the partial one:
// K-masked (AVX-512), or on AVX2 loaded with the lane mask and stored as
// a full vector whose last lanes land on the panel's next row, which its
// own store overwrites later (VMASKMOVPS stores are slow on AMD: see
// GemmPackA), except where exact (the panel's last row: storeFirst).
func (p *packACols) chunk(src, out operand.Mem, exact bool) {
	g := p.g
	for v := 0; v <= p.full; v++ {
		var t reg.Register
		if v == p.full {
			if p.part == nil {
				break
			}
			t = p.part
		}
		in, m := src, out
		in.Disp += v * g.bytes()
		m.Disp += v * g.bytes()
		x := g.load(in, t)
		g.VMULPS(p.alpha, x, x)
		switch {
		case t == nil:
			g.VMOVUPS(x, m)
		case g.kmask:
			g.store(x, m, t)
		case exact:
			g.storeFirst(x, m, p.r)
		default:
			g.VMOVUPS(x, m)
		}
	}
}

// blocks packs the rows of A in blocks of 8, every panel of a block in
// turn: the 8 rows' lines of A are read once each, in order along the
// rows, where panel by panel each panel read its kc rows' lines again, from
// L2 where the row stride is a multiple of 256 floats (its rows then share
// a few L1 sets: 2.5 G floats/s at lda 512, 10.8 at 520 on AVX2, 5.8 and
// 12.9 on AVX-512's 12-row panels), and each panel's 8 rows are written at
// once.
func (p *packACols) blocks() {
	g, mr := p.g, p.mr
	blocks := g.copyGP(p.body)
	g.SHRQ(operand.U8(3), blocks)
	blockL, blocksDone := g.label("block"), g.label("blocksdone")
	g.TESTQ(blocks, blocks)
	g.JZ(operand.LabelRef(blocksDone))
	g.Label(blockL)
	s0, s4, out, q := g.copyGP(p.a), g.GP64(), g.copyGP(p.dst), g.copyGP(p.panels)
	g.LEAQ(operand.Mem{Base: s0, Index: p.lda, Scale: 4}, s4)
	panelL := g.label("blockpanel")
	g.Label(panelL)
	for i := range packAColsBlock {
		p.chunk(stridedRow(s0, s4, p.lda, p.lda3, i), at(out, i*mr*4), false)
	}
	g.ADDQ(operand.U32(mr*4), s0)
	g.ADDQ(operand.U32(mr*4), s4)
	g.ADDQ(p.pstride, out)
	g.DECQ(q)
	g.JNZ(operand.LabelRef(panelL))
	g.LEAQ(operand.Mem{Base: p.a, Index: p.lda, Scale: 8}, p.a)
	g.ADDQ(operand.U32(packAColsBlock*mr*4), p.dst)
	g.DECQ(blocks)
	g.JNZ(operand.LabelRef(blockL))
	g.Label(blocksDone)
}

// rowPass packs one row of A into every panel.
func (p *packACols) rowPass(exact bool) {
	g, mr := p.g, p.mr
	src, out, q := g.copyGP(p.a), g.copyGP(p.dst), g.copyGP(p.panels)
	panelL := g.label("rowpanel")
	g.Label(panelL)
	p.chunk(at(src, 0), at(out, 0), exact)
	g.ADDQ(operand.U32(mr*4), src)
	g.ADDQ(p.pstride, out)
	g.DECQ(q)
	g.JNZ(operand.LabelRef(panelL))
	g.ADDQ(p.lda, p.a)
	g.ADDQ(operand.U32(mr*4), p.dst)
}

// ymmMask returns the mask of the first n (0..8) lanes of a YMM, n in a
// GP register: a K register on AVX-512, a lane mask vector on AVX2.
func (g *gen) ymmMask(n reg.GPVirtual) reg.Register {
	base := g.tailBase(n)
	if g.kmask {
		k := g.K()
		g.KMOVW(base.As32(), k)
		return k
	}
	m := g.YMM()
	g.VMOVDQU(operand.Mem{Base: base}, m)
	return m
}

// storeFirst stores the first n (1..7) lanes of YMM v at m exactly, with
// plain stores of 4, 2 and 1 floats: no mask, nothing written past them.
func (g *gen) storeFirst(v reg.VecVirtual, m operand.Mem, n int) {
	if n < 1 || n > 7 {
		panic(fmt.Sprintf("storeFirst: %d lanes", n))
	}
	x := v.AsX()
	if n >= 4 {
		g.VMOVUPS(x, m)
		n -= 4
		m.Disp += 16
		if n > 0 {
			hi := g.XMM()
			g.VEXTRACTF128(operand.U8(1), v, hi)
			x = hi
		}
	}
	if n >= 2 {
		g.VMOVLPS(x, m)
		n -= 2
		m.Disp += 8
		if n > 0 {
			g.VMOVHLPS(x, x, x)
		}
	}
	if n == 1 {
		g.VMOVSS(x, m)
	}
}
