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
// 8 k-rows of 8 floats of the panel. Order: panel, then its blocks of 8
// k-rows, each filled by all the row groups in turn, so that the packed rows
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
// Only moves and shuffles: bit exact. It reads only the kc floats of each of
// the panels*NR rows of B and writes only dst[:panels*kc*NR].
func (g *gen) gemmPackBT() {
	nr := g.gemmTiles()[0].v * g.w
	groups := nr / 8
	g.function("GemmPackBT", "func(dst, b *float32, ldb, kc, panels int)",
		fmt.Sprintf("GemmPackBT%s packs panels full %d-float micro-panels of transposed B (kc floats of each row):", g.suffix, nr),
		fmt.Sprintf("dst[q*kc*%d + p*%d + j] = b[(q*%d + j)*ldb + p] for p < kc, q < panels, j < %d,", nr, nr, nr, nr),
		"a bit-exact 8x8-block transpose. kc >= 1, panels >= 1, ldb >= kc (see gen/KERNELS.md).")

	dst := g.arg("dst")
	b := g.arg("b")
	ldb := g.arg("ldb")
	g.SHLQ(operand.U8(2), ldb) // bytes
	ldb3 := g.GP64()
	g.LEAQ(operand.Mem{Base: ldb, Index: ldb, Scale: 2}, ldb3)
	kc := g.arg("kc")
	rem := g.GP64()
	g.MOVQ(kc, rem)
	g.ANDQ(operand.U32(7), rem)
	nblk := kc // full 8-column blocks per row group
	g.SHRQ(operand.U8(3), nblk)
	panels := g.arg("panels")
	tail := g.ymmMask(rem) // the first rem lanes of a YMM

	// One base pointer per row group; rows 5 and 7 of a group need their
	// own multiples of the stride (the others are base + {0,1,2,4}*ldb,
	// + ldb3, + 2*ldb3).
	ldb5, ldb7 := g.GP64(), g.GP64()
	g.LEAQ(operand.Mem{Base: ldb, Index: ldb, Scale: 4}, ldb5)
	g.LEAQ(operand.Mem{Base: ldb5, Index: ldb, Scale: 2}, ldb7)
	row := func(base reg.GPVirtual) func(i int) operand.Mem {
		return func(i int) operand.Mem { return groupRow(base, ldb, ldb3, ldb5, ldb7, i) }
	}
	bases := make([]reg.GPVirtual, groups)
	for gi := range bases {
		bases[gi] = g.GP64()
	}
	// block transposes the current 8x8 block of row group gi into columns
	// 8*gi.. of the 8 packed rows at dst (row c at dst + c*NR floats).
	block := func(gi int, base reg.GPVirtual, masked bool, skip string) {
		g.transposeBlock(8, row(base), tail, rem, masked, skip, func(c int, col reg.VecVirtual) {
			g.VMOVUPS(col, operand.Mem{Base: dst, Disp: 4 * (8*gi + c*nr)})
		})
	}

	g.MOVQ(b, bases[0])

	panel := g.label("panel")
	g.Label(panel)
	for gi := 1; gi < groups; gi++ {
		g.LEAQ(operand.Mem{Base: bases[gi-1], Index: ldb, Scale: 8}, bases[gi])
	}
	loop, tailL, next := g.label("cols"), g.label("coltail"), g.label("panelend")
	n := g.copyGP(nblk)
	g.TESTQ(n, n)
	g.JZ(operand.LabelRef(tailL))
	g.Label(loop)
	// The 8 k-rows of the panel this block fills, all its groups at once,
	// so that each packed row (NR floats) is written whole before the next.
	for gi, base := range bases {
		block(gi, base, false, "")
		g.ADDQ(operand.U32(32), base)
	}
	g.ADDQ(operand.U32(8*nr*4), dst)
	g.DECQ(n)
	g.JNZ(operand.LabelRef(loop))
	g.Label(tailL)
	g.TESTQ(rem, rem)
	g.JZ(operand.LabelRef(next))
	for gi, base := range bases {
		skip := next // after the last group's rem stores, the panel's end
		if gi+1 < groups {
			skip = g.label("tailgroup")
		}
		block(gi, base, true, skip)
		if skip != next {
			g.Label(skip)
		}
	}
	g.Label(next)
	// dst is past the full blocks: step it over the remainder's rem k-rows
	// to the next panel, and the first base from the last group's (moved
	// nblk blocks along) to row NR (n is 0 here and free).
	g.MOVQ(rem, n)
	g.IMUL3Q(operand.U32(nr*4), n, n)
	g.ADDQ(n, dst)
	last := bases[groups-1]
	g.MOVQ(nblk, n)
	g.SHLQ(operand.U8(5), n)
	g.SUBQ(n, last)
	g.LEAQ(operand.Mem{Base: last, Index: ldb, Scale: 8}, bases[0])
	g.DECQ(panels)
	g.JNZ(operand.LabelRef(panel))
	g.ret()
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
