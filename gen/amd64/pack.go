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
// stride per 64 bytes of B. (On Zen 3, AVX2, 256 x 512 floats from L2/L3:
// 8 rows 0.15 ns per float, 4 rows 0.16, 1 or 2 rows 0.21; the Go loop 0.55.)
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
		rowAt := func(r int) operand.Mem {
			base := src
			if r >= 4 {
				base, r = src4, r-4
			}
			switch r {
			case 0:
				return operand.Mem{Base: base}
			case 1:
				return operand.Mem{Base: base, Index: ldb, Scale: 1}
			case 2:
				return operand.Mem{Base: base, Index: ldb, Scale: 2}
			case 3:
				return operand.Mem{Base: base, Index: ldb3, Scale: 1}
			}
			panic("gemmPackB: rowAt")
		}
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
