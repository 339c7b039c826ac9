package main

import (
	"fmt"

	"github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

// GemmPackB (gemm group, gen/KERNELS.md "GEMM B packing"): copies kc rows of
// `panels` full micro-panels of non-transposed B into the k-major packed
// layout the micro-kernel reads,
//
//	dst[q*kc*NR + p*NR + j] = b[p*ldb + q*NR + j]   p < kc, q < panels, j < NR
//
// with NR the level's GemmMicro tile width (AVX2 16 = 2 YMM, AVX-512
// 32 = 2 ZMM per row of a panel).
//
// Order: gemmPackRows (8) rows of B at a time, across all panels (row
// group outer, panel inner), then the remaining kc % 8 rows one at a time
// across all panels. Every row of B is read front to back in a few
// concurrent streams the hardware prefetchers follow, and each panel gets
// 8*NR consecutive floats (whole cache lines where dst is 64-byte aligned)
// per visit; walking one panel down all kc rows instead would hop a row
// stride per 64 bytes of B (docs/performance.md: 8 rows beat 4, 2 and 1).
//
// Plain VMOVUPS loads and stores, no arithmetic: the copy is bit exact (NaN
// payloads, signed zeros, denormals), and it reads exactly the kc x
// panels*NR floats of B and writes exactly dst[:panels*kc*NR] (no tails:
// panels are always full).
//
// Registers: each vector is stored right after its load (one vector
// register; renaming overlaps the copies). GP: dst, b, ldb*4, 3*ldb*4, kc
// (rows left), the panel stride kc*NR*4, panels, the two walking pointers,
// the panel counter and, for 8 rows, the base of rows 4..7: 11.
const gemmPackRows = 8 // 1 to 8 (rows 4..7 from a second base)

func (g *gen) gemmPackB() {
	nr := g.gemmTiles()[0].v * g.w // the GemmMicro tile
	nv := nr / g.w
	g.function("GemmPackB", "func(dst, b *float32, ldb, kc, panels int)",
		fmt.Sprintf("GemmPackB%s packs kc rows of panels full %d-float micro-panels of row-major B:", g.suffix, nr),
		fmt.Sprintf("dst[q*kc*%d + p*%d + j] = b[p*ldb + q*%d + j] for p < kc, q < panels, j < %d,", nr, nr, nr, nr),
		"a bit-exact copy read row by row across all panels. kc >= 1, panels >= 1,",
		fmt.Sprintf("ldb >= panels*%d (see gen/KERNELS.md).", nr))

	dst := g.arg("dst")
	b := g.arg("b")
	ldb := g.arg("ldb")
	g.SHLQ(operand.U8(2), ldb) // bytes
	ldb3 := g.GP64()
	g.LEAQ(operand.Mem{Base: ldb, Index: ldb, Scale: 2}, ldb3)
	rows := g.arg("kc")
	pstride := g.GP64() // bytes from one panel to the next
	g.IMUL3Q(operand.U32(nr*4), rows, pstride)
	panels := g.arg("panels")

	// pass emits one walk across all panels for rows rows of B starting at
	// b (row r at b + r*ldb), written to dst (row r at dst + r*NR).
	pass := func(rows int) {
		src, out, n := g.copyGP(b), g.copyGP(dst), g.copyGP(panels)
		var src4 reg.GPVirtual // row 4 of the group, for rows > 4
		if rows > 4 {
			src4 = g.GP64()
		}
		rowAt := func(r int) operand.Mem { return stridedRow(src, src4, ldb, ldb3, r) }
		panel := g.label("panel")
		g.Label(panel)
		if rows > 4 {
			g.LEAQ(operand.Mem{Base: src, Index: ldb, Scale: 4}, src4)
		}
		for r := 0; r < rows; r++ {
			for v := 0; v < nv; v++ {
				m := rowAt(r)
				m.Disp += v * g.bytes()
				x := g.mov(m)
				g.VMOVUPS(x, at(out, 4*(r*nr+v*g.w)))
			}
		}
		g.ADDQ(operand.U32(nr*4), src)
		g.ADDQ(pstride, out)
		g.DECQ(n)
		g.JNZ(operand.LabelRef(panel))
	}

	group, single, done := g.label("rowgroup"), g.label("rows1"), g.label("done")
	g.Label(group)
	g.CMPQ(rows, operand.U32(gemmPackRows))
	g.JB(operand.LabelRef(single))
	pass(gemmPackRows)
	switch gemmPackRows {
	case 1, 2, 4, 8:
		g.LEAQ(operand.Mem{Base: b, Index: ldb, Scale: gemmPackRows}, b)
	default:
		step := g.GP64()
		g.IMUL3Q(operand.U32(gemmPackRows), ldb, step)
		g.ADDQ(step, b)
	}
	g.ADDQ(operand.U32(gemmPackRows*nr*4), dst)
	g.SUBQ(operand.U32(gemmPackRows), rows)
	g.JMP(operand.LabelRef(group))

	g.Label(single)
	g.TESTQ(rows, rows)
	g.JZ(operand.LabelRef(done))
	pass(1)
	g.ADDQ(ldb, b)
	g.ADDQ(operand.U32(nr*4), dst)
	g.DECQ(rows)
	g.JMP(operand.LabelRef(single))

	g.Label(done)
	g.ret()
}

// GemmPackBT (gemm group, gen/KERNELS.md "GEMM B packing"): packs `panels`
// full micro-panels of transposed B (op(B) = Bᵀ: row n of the stored B is
// column n of op(B)) into the same k-major layout,
//
//	dst[q*kc*NR + p*NR + j] = b[(q*NR + j)*ldb + p]   p < kc, q < panels, j < NR
//
// i.e. panel q is the transpose of the NR x kc block of B at row q*NR.
//
// Both levels work on 8x8 blocks in YMM registers (AVX-512 with NR = 32 runs
// four row groups per panel where AVX2 with NR = 16 runs two): 8 rows of B,
// 8 floats each, go through the classic in-register transpose (VUNPCKLPS /
// VUNPCKHPS, VSHUFPS, then a 128-bit lane exchange: VPERM2F128 on AVX2,
// VSHUFF32X4 on AVX-512, whose EVEX form reaches Y16-Y31) and come out as
// 8 k-rows of 8 floats of the panel. Order: panel, then its blocks of 16
// k-rows (two 8x8 blocks of each group: every 64-byte line of B it loads
// is used whole, back to back), then a last block of 8 where kc/8 is odd,
// each filled by all the row groups in turn, so that the packed rows
// (NR floats) are written whole and in order while NR streams of B advance
// along k together. (Group by group, each walking the whole of k, wrote
// every packed row in 32-byte pieces NR/8 times over; at NR = 32 the
// panel's 32 KiB and its 32 KiB of B then overflowed a 48 KiB L1, and the
// AVX-512 pack ran at 5.7 G floats/s against 7.3 this way, on an Intel Xeon
// (family 6 model 207, Emerald Rapids), hot in L2.) The last kc % 8
// columns of a group are loaded with the remainder mask (VMASKMOVPS on AVX2,
// a zeroing K-masked VMOVUPS on AVX-512: both fault-suppressing, so nothing
// past float kc-1 of a row is read) and only the first kc % 8 transposed
// rows are stored.
//
// The pairs: rows of B a multiple of 4 KiB apart fall into one L1 set, and
// 8 k-rows at a time for all NR rows kept NR half-read lines of that set
// live (32 at AVX-512, over a 12-way L1), each fetched twice from L2: at
// ldb = 2048 (the wide MLP's 2048x2048 weights) the AVX-512 pack ran at
// 45-59 GB/s against 116 at ldb = 2056, 73 against 121 at 1024, on Zen 5,
// hot in L2.
//
// Only moves and shuffles: bit exact. It reads only the kc floats of each of
// the panels*NR rows of B and writes only dst[:panels*kc*NR].
func (g *gen) gemmPackBT() {
	nr := g.gemmTiles()[0].v * g.w
	g.function("GemmPackBT", "func(dst, b *float32, ldb, kc, panels int)",
		fmt.Sprintf("GemmPackBT%s packs panels full %d-float micro-panels of transposed B (kc floats of each row):", g.suffix, nr),
		fmt.Sprintf("dst[q*kc*%d + p*%d + j] = b[(q*%d + j)*ldb + p] for p < kc, q < panels, j < %d,", nr, nr, nr, nr),
		"a bit-exact 8x8-block transpose. kc >= 1, panels >= 1, ldb >= kc (see gen/KERNELS.md).")
	p := g.packBTPlan(nr)
	g.MOVQ(p.src, p.bases[0])

	panel := g.label("panel")
	g.Label(panel)
	for gi := 1; gi < len(p.bases); gi++ {
		g.LEAQ(operand.Mem{Base: p.bases[gi-1], Index: p.ld, Scale: 8}, p.bases[gi])
	}
	// Pairs of 8-blocks, then an odd one, then the masked remainder.
	n := g.copyGP(p.nblk)
	g.SHRQ(operand.U8(1), n)
	pairs, odd := g.label("pairs"), g.label("odd")
	g.JZ(operand.LabelRef(odd))
	g.Label(pairs)
	p.kRowPairs()
	g.DECQ(n)
	g.JNZ(operand.LabelRef(pairs))
	g.Label(odd)
	g.MOVQ(p.nblk, n)
	g.ANDQ(operand.U32(1), n)
	g.blockLoop(n, p.rem, "panelend", func(masked bool, end string) {
		if masked {
			p.remRows(end)
		} else {
			p.kRows()
		}
	}, func() {})
	p.nextPanel(n)
	g.DECQ(p.panels)
	g.JNZ(operand.LabelRef(panel))
	g.ret()
}

// packBT is GemmPackBT's register plan, shared by its emission steps.
type packBT struct {
	g  *gen
	nr int
	packRegs
	ldb5, ldb7 reg.GPVirtual   // multiples of ldb for rows 5 and 7 of a group (see groupRow)
	bases      []reg.GPVirtual // row 0 of each row group of the panel
}

// packRegs are the registers of GemmPackA and GemmPackBT: both pack panels
// of 8-float row groups along kc.
type packRegs struct {
	dst, src, ld reg.GPVirtual // arguments (src is a or b); ld (lda or ldb) in bytes
	ld3          reg.GPVirtual // 3*ld
	rem, nblk    reg.GPVirtual // kc % 8, and the full 8-value blocks per row group (kc / 8)
	panels       reg.GPVirtual
	tail         reg.Register // the first kc % 8 lanes of a YMM
}

// load loads dst, src and ld (the arguments of those names), ld in bytes,
// and 3*ld, and returns the argument kc.
func (r *packRegs) load(g *gen, src, ld string) reg.GPVirtual {
	r.dst = g.arg("dst")
	r.src = g.arg(src)
	r.ld = g.arg(ld)
	g.SHLQ(operand.U8(2), r.ld) // bytes
	r.ld3 = g.GP64()
	g.LEAQ(operand.Mem{Base: r.ld, Index: r.ld, Scale: 2}, r.ld3)
	return g.arg("kc")
}

// splitKC sets rem to kc % 8 and nblk to kc / 8, in kc's register.
func (r *packRegs) splitKC(g *gen, kc reg.GPVirtual) {
	r.rem = g.GP64()
	g.MOVQ(kc, r.rem)
	g.ANDQ(operand.U32(7), r.rem)
	r.nblk = kc
	g.SHRQ(operand.U8(3), r.nblk)
}

// packBTPlan loads GemmPackBT's arguments and derives its strides, mask and
// one base pointer per row group.
func (g *gen) packBTPlan(nr int) *packBT {
	p := &packBT{g: g, nr: nr}
	p.splitKC(g, p.load(g, "b", "ldb"))
	p.panels = g.arg("panels")
	p.tail = g.ymmMask(p.rem)

	// One base pointer per row group; rows 5 and 7 of a group need their
	// own multiples of the stride (the others are base + {0,1,2,4}*ldb,
	// + ldb3, + 2*ldb3).
	p.ldb5, p.ldb7 = g.GP64(), g.GP64()
	g.LEAQ(operand.Mem{Base: p.ld, Index: p.ld, Scale: 4}, p.ldb5)
	g.LEAQ(operand.Mem{Base: p.ldb5, Index: p.ld, Scale: 2}, p.ldb7)
	p.bases = make([]reg.GPVirtual, nr/8)
	for gi := range p.bases {
		p.bases[gi] = g.GP64()
	}
	return p
}

// block transposes 8x8 block kb (0 the current one, 1 the next along k)
// of row group gi into columns 8*gi.. of the 8 packed rows at dst + 8*kb
// rows (row c at dst + c*NR floats).
func (p *packBT) block(gi int, base reg.GPVirtual, kb int, masked bool, skip string) {
	g := p.g
	row := func(i int) operand.Mem {
		m := groupRow(base, p.ld, p.ld3, p.ldb5, p.ldb7, i)
		m.Disp += 32 * kb
		return m
	}
	g.transposeBlock(8, row, p.tail, p.rem, masked, skip, func(c int, col reg.VecVirtual) {
		g.VMOVUPS(col, operand.Mem{Base: p.dst, Disp: 4 * (8*gi + (8*kb+c)*p.nr)})
	})
}

// kRowPairs fills the 16 k-rows of the panel at dst, group by group, two
// 8x8 blocks each (a whole line of each of the group's rows of B), and
// steps dst and the bases past them.
func (p *packBT) kRowPairs() {
	g := p.g
	for gi, base := range p.bases {
		p.block(gi, base, 0, false, "")
		p.block(gi, base, 1, false, "")
		g.ADDQ(operand.U32(64), base)
	}
	g.ADDQ(operand.U32(16*p.nr*4), p.dst)
}

// kRows fills the 8 k-rows of the panel at dst, all its groups at once, so
// that each packed row (NR floats) is written whole before the next, and
// steps dst and the bases past them.
func (p *packBT) kRows() {
	g := p.g
	for gi, base := range p.bases {
		p.block(gi, base, 0, false, "")
		g.ADDQ(operand.U32(32), base)
	}
	g.ADDQ(operand.U32(8*p.nr*4), p.dst)
}

// remRows fills the panel's last rem k-rows, group by group, and ends at
// label next after the last group's stores.
func (p *packBT) remRows(next string) {
	g := p.g
	for gi, base := range p.bases {
		skip := next // after the last group's rem stores, the panel's end
		if gi+1 < len(p.bases) {
			skip = g.label("tailgroup")
		}
		p.block(gi, base, 0, true, skip)
		if skip != next {
			g.Label(skip)
		}
	}
}

// nextPanel steps dst, which is past the full blocks, over the remainder's
// rem k-rows to the next panel, and the first base from the last group's
// (moved nblk blocks along) to row NR. n, the block counter, is 0 here and
// free.
func (p *packBT) nextPanel(n reg.GPVirtual) {
	g := p.g
	g.MOVQ(p.rem, n)
	g.IMUL3Q(operand.U32(p.nr*4), n, n)
	g.ADDQ(n, p.dst)
	last := p.bases[len(p.bases)-1]
	g.MOVQ(p.nblk, n)
	g.SHLQ(operand.U8(5), n)
	g.SUBQ(n, last)
	g.LEAQ(operand.Mem{Base: last, Index: p.ld, Scale: 8}, p.bases[0])
}

// blockLoop emits the walk of a row group or band along its blocks of 8
// columns: n (counted down to 0) full blocks, each block(false, "") then
// step(), and then, where rem != 0, the partial block block(true, end),
// which jumps to end after its last stored row; end is a new label of
// that name, placed after it.
func (g *gen) blockLoop(n, rem reg.GPVirtual, end string, block func(masked bool, skip string), step func()) {
	loop, tail, done := g.label("cols"), g.label("coltail"), g.label(end)
	g.TESTQ(n, n)
	g.JZ(operand.LabelRef(tail))
	g.Label(loop)
	block(false, "")
	step()
	g.DECQ(n)
	g.JNZ(operand.LabelRef(loop))
	g.Label(tail)
	g.TESTQ(rem, rem)
	g.JZ(operand.LabelRef(done))
	block(true, done)
	g.Label(done)
}

// transposeBlock loads the first rows (1..8) rows of an 8x8 block of
// floats (row i at row(i); masked: only the first rem lanes, with the
// remainder mask tail, fault-suppressing), transposes it and calls
// store(c, col) with each transposed row c < 8 (c < rem when masked: then
// it jumps to skip after row rem-1). Lanes of rows past rows are garbage
// (those rows are not loaded): the caller does not store them.
func (g *gen) transposeBlock(rows int, row func(i int) operand.Mem, tail reg.Register, rem reg.GPVirtual, masked bool, skip string, store func(c int, col reg.VecVirtual)) {
	var r [8]reg.VecVirtual
	for i := range r {
		if i >= rows {
			r[i] = r[0] // not stored
			continue
		}
		r[i] = g.YMM()
		if masked {
			g.maskedLoad(row(i), tail, r[i])
		} else {
			g.VMOVUPS(row(i), r[i])
		}
	}
	o := g.transpose8x8(r)
	for c := 0; c < 8; c++ {
		if masked && c > 0 {
			g.CMPQ(rem, operand.U32(c))
			g.JE(operand.LabelRef(skip))
		}
		store(c, o[c])
	}
}

// transpose8x8 returns the transpose of the 8x8 block whose row i is r[i]
// (YMM): o[c] holds column c. The classic in-register transpose: VUNPCKLPS /
// VUNPCKHPS, VSHUFPS, then a 128-bit lane exchange (VPERM2F128 on AVX2,
// VSHUFF32X4 on AVX-512, whose EVEX form reaches Y16-Y31). r may repeat a
// register (rows whose lanes the caller does not store).
func (g *gen) transpose8x8(r [8]reg.VecVirtual) [8]reg.VecVirtual {
	var t, s [8]reg.VecVirtual
	for i := 0; i < 8; i += 2 {
		t[i], t[i+1] = g.YMM(), g.YMM()
		g.VUNPCKLPS(r[i+1], r[i], t[i])   // a0 b0 a1 b1 | a4 b4 a5 b5
		g.VUNPCKHPS(r[i+1], r[i], t[i+1]) // a2 b2 a3 b3 | a6 b6 a7 b7
	}
	for i := 0; i < 8; i += 4 {
		for h := 0; h < 2; h++ {
			lo, hi := g.YMM(), g.YMM()
			g.VSHUFPS(operand.U8(0x44), t[i+2+h], t[i+h], lo) // a0 b0 c0 d0 | a4 ..
			g.VSHUFPS(operand.U8(0xee), t[i+2+h], t[i+h], hi) // a1 b1 c1 d1 | a5 ..
			s[i+2*h], s[i+2*h+1] = lo, hi
		}
	}
	// s[c] (c < 4) holds rows 0-3 of columns c and c+4, s[4+c] rows 4-7.
	var o [8]reg.VecVirtual
	for c := 0; c < 4; c++ {
		o[c], o[c+4] = g.YMM(), g.YMM()
		if g.kmask {
			g.VSHUFF32X4(operand.U8(0x0), s[4+c], s[c], o[c])
			g.VSHUFF32X4(operand.U8(0x3), s[4+c], s[c], o[c+4])
		} else {
			g.VPERM2F128(operand.U8(0x20), s[4+c], s[c], o[c])
			g.VPERM2F128(operand.U8(0x31), s[4+c], s[c], o[c+4])
		}
	}
	return o
}
