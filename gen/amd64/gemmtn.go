package main

import (
	"fmt"

	"github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
	"github.com/vecgrad/vecgrad/internal/mathconst"
)

// GemmNarrowTN (gemm group, gen/KERNELS.md "GEMM narrow TN tile"): a tile
// of up to 16 rows x 16 columns (AVX2: 5) of C = Aᵀ·B with A read where it
// lies. In a TN product the 16 values A(i, p), i < 16, of one k step are
// consecutive floats of A's row p, so the tile holds one ZMM accumulator
// per column of C (16 rows in its lanes), fed per k by one masked load of A
// and one embedded-broadcast FMA per column: every lane is a row of C, where
// the narrow 24x16 tile (lanes as columns) uses 10 of its 16 lanes at
// n = 10, and nothing is packed. At the end a 16x16 register transpose turns
// the column accumulators into rows of C, stored K-masked to cols floats.
//
// The column count is a constant of each of 16 bodies (the entry branches
// on cols), so the loop has exactly cols FMAs per k step. Each accumulator
// starts at +0 and takes one VFMADD231PS per k in order p = 0..kc-1, then C
// = acc or fma(beta, C, acc): gemmMicroGeneric's chains, element for element.
//
// AVX2 (GemmNarrowTNAVX2) has 16 registers: its tile is 16 rows (two YMM
// per column) by at most mathconst.GemmNRNarrowTNAVX2 = 5 columns (10
// accumulators, 2 A vectors, a broadcast and 2 row masks), and the driver
// covers wider products in column blocks. Its accumulators go through a
// 320-byte frame buffer to two 8x8 transposes (transposeBlock), and rows
// are stored with exact stores of cols floats (storeFirst: no VMASKMOVPS
// store, slow on AMD).
func (g *gen) gemmNarrowTN() {
	const rowsMax = mathconst.GemmMRNarrowTN
	colsMax := mathconst.GemmNRNarrowTNAVX512
	body := g.gemmNarrowTNBody
	if !g.kmask {
		colsMax, body = mathconst.GemmNRNarrowTNAVX2, g.gemmNarrowTNBodyAVX2
	}
	g.function("GemmNarrowTN", "func(kc int, a *float32, lda int, b *float32, ldb int, c *float32, ldc int, beta float32, load, rows, cols int)",
		fmt.Sprintf("GemmNarrowTN%s computes rows x cols (1..%d x 1..%d) of row-major C: acc[i][j] = fma(a[p*lda+i], b[p*ldb+j], acc)", g.suffix, rowsMax, colsMax),
		"for p < kc in order from +0, then c[i*ldc+j] = acc (load == 0, C not read) or fma(beta, c[i*ldc+j], acc).",
		"Reads only a[p*lda+i] for i < rows, b[p*ldb+j] for j < cols; writes only those rows x cols of C (see gen/KERNELS.md).")
	var scratch operand.Mem
	if !g.kmask {
		scratch = g.AllocLocal(rowsMax * colsMax * 4)
	}
	cols := g.arg("cols")
	g.DECQ(cols)
	g.dispatch(cols, colsMax, func(i int) { body(i+1, scratch) })
}

// gemmNarrowTNBody is GemmNarrowTNAVX512's body for n columns.
func (g *gen) gemmNarrowTNBody(n int, _ operand.Mem) {
	const t = 16
	rowMask := g.K() // the first rows lanes: rows of A, and the rows of C stored
	rows := g.arg("rows")
	g.KMOVW(g.tailBase(rows).As32(), rowMask)
	colMask := g.K()
	bits := g.GP32()
	g.MOVL(operand.U32(1<<n-1), bits)
	g.KMOVW(bits, colMask)

	a, lda, lda3 := g.stridedArg("a", "lda")
	b, ldb, ldb3 := g.stridedArg("b", "ldb")

	acc := make([]reg.VecVirtual, n)
	for j := range acc {
		acc[j] = g.zero()
	}
	// step is k step u of an iteration: row u of A (its rows lanes) against
	// row u of B (each of its n floats broadcast).
	step := func(u int) {
		av := g.v()
		g.VMOVUPS_Z(stridedRow(a, nil, lda, lda3, u), rowMask, av)
		for j := range acc {
			m := stridedRow(b, nil, ldb, ldb3, u)
			m.Disp += 4 * j
			g.VFMADD231PS_BCST(m, av, acc[j])
		}
	}
	g.gemmNarrowTNLoop(a, lda, b, ldb, step)
	// Columns past n are copies of column 0: their lanes land in columns of
	// C that the masked stores leave alone.
	var in [t]reg.VecVirtual
	for j := range in {
		in[j] = acc[0]
		if j < n {
			in[j] = acc[j]
		}
	}
	out := g.transpose16x16(in)
	c, ldc := g.arg("c"), g.arg("ldc")
	g.SHLQ(operand.U8(2), ldc)
	// storeRows stores row r of the tile while r < rows.
	storeRows := func(one func(r int, row operand.Mem)) {
		done := g.label("tndone")
		row := g.copyGP(c)
		for r := range t {
			if r > 0 {
				g.CMPQ(rows, operand.U32(r))
				g.JE(operand.LabelRef(done))
				g.ADDQ(ldc, row)
			}
			one(r, operand.Mem{Base: row})
		}
		g.Label(done)
	}
	accumulate := g.label("tnaccumulate")
	load := g.arg("load")
	g.TESTQ(load, load)
	g.JNZ(operand.LabelRef(accumulate))
	storeRows(func(r int, row operand.Mem) { g.VMOVUPS(out[r], colMask, row) })
	g.ret()
	g.Label(accumulate)
	beta := g.bcast(addr(g.Param("beta")))
	storeRows(func(r int, row operand.Mem) {
		g.VFMADD231PS_Z(row, beta, colMask, out[r]) // C lanes past cols: not read
		g.VMOVUPS(out[r], colMask, row)
	})
}

// gemmNarrowTNBodyAVX2 is GemmNarrowTNAVX2's body for n <= 5 columns:
// rows 0-7 of column j in acc[j][0], rows 8-15 in acc[j][1].
func (g *gen) gemmNarrowTNBodyAVX2(n int, scratch operand.Mem) {
	rows := g.arg("rows")
	base := g.tailBase(rows)
	rowMask := [2]reg.Register{g.tailMask(base, 0), g.tailMask(base, 1)}

	a, lda, lda3 := g.stridedArg("a", "lda")
	b, ldb, ldb3 := g.stridedArg("b", "ldb")

	acc := make([][2]reg.VecVirtual, n)
	for j := range acc {
		acc[j] = [2]reg.VecVirtual{g.zero(), g.zero()}
	}
	step := func(u int) {
		var av [2]reg.VecVirtual
		for v := range av {
			m := stridedRow(a, nil, lda, lda3, u)
			m.Disp += 32 * v
			av[v] = g.load(m, rowMask[v])
		}
		for j := range acc {
			m := stridedRow(b, nil, ldb, ldb3, u)
			m.Disp += 4 * j
			bj := g.bcast(m)
			for v := range av {
				g.VFMADD231PS(av[v], bj, acc[j][v])
			}
		}
	}
	g.gemmNarrowTNLoop(a, lda, b, ldb, step)

	// Column j of the tile to scratch[j*16:], then each half of the rows
	// through an 8x8 transpose (columns past n: copies of column 0, never
	// stored).
	for j := range acc {
		for v := range 2 {
			g.VMOVUPS(acc[j][v], scratch.Offset(4*(16*j+8*v)))
		}
	}
	c, ldc := g.arg("c"), g.arg("ldc")
	g.SHLQ(operand.U8(2), ldc)
	load := g.arg("load")
	beta := g.bcast(addr(g.Param("beta")))
	colMask := g.tailMask(g.tailBase(g.arg("cols")), 0) // the first cols lanes
	done := g.label("tndone")
	row := g.copyGP(c)
	for v := range 2 {
		g.transposeBlock(8, func(j int) operand.Mem {
			if j >= n {
				j = 0
			}
			return scratch.Offset(4 * (16*j + 8*v))
		}, nil, nil, false, "", func(i int, out reg.VecVirtual) {
			r := 8*v + i
			if r > 0 {
				g.CMPQ(rows, operand.U32(r))
				g.JE(operand.LabelRef(done))
				g.ADDQ(ldc, row)
			}
			keep := g.label("tnkeep")
			g.TESTQ(load, load)
			g.JZ(operand.LabelRef(keep))
			cv := g.v()
			g.VMASKMOVPS(operand.Mem{Base: row}, colMask, cv) // C lanes past cols: not read
			g.VFMADD231PS(cv, beta, out)
			g.Label(keep)
			g.storeFirst(out, operand.Mem{Base: row}, n) // n <= 5 lanes
		})
	}
	g.Label(done)
}

// stridedArg loads pointer argument ptr and its row stride ld (floats),
// returning the pointer, the stride in bytes and 3 times it (the rows of
// an iteration of 4 are stridedRow(p, nil, ld, ld3, u)).
func (g *gen) stridedArg(ptr, ld string) (p, ldBytes, ld3 reg.GPVirtual) {
	p, ldBytes, ld3 = g.arg(ptr), g.arg(ld), g.GP64()
	g.SHLQ(operand.U8(2), ldBytes)
	g.LEAQ(operand.Mem{Base: ldBytes, Index: ldBytes, Scale: 2}, ld3)
	return p, ldBytes, ld3
}

// gemmNarrowTNLoop is the k loop of the narrow TN bodies (kLoop): step(u)
// per k step, A and B moved on by a row per step.
func (g *gen) gemmNarrowTNLoop(a, lda, b, ldb reg.GPVirtual, step func(u int)) {
	g.kLoop(step, func() { step(0) }, func(k int) {
		if k == 1 {
			g.ADDQ(lda, a)
			g.ADDQ(ldb, b)
			return
		}
		g.LEAQ(operand.Mem{Base: a, Index: lda, Scale: 4}, a)
		g.LEAQ(operand.Mem{Base: b, Index: ldb, Scale: 4}, b)
	})
}

// transpose16x16 returns the transpose of the 16x16 block of floats whose
// row j is in[j] (ZMM; rows may repeat a register): out[i] holds column i.
// Unpack pairs of rows (VUNPCKLPS/VUNPCKHPS), then pairs of pairs
// (VUNPCKLPD/VUNPCKHPD), so that lane L (128 bits) of s[4g+c] holds element
// c+4L of rows 4g..4g+3; two rounds of VSHUFF32X4 gather those lanes.
func (g *gen) transpose16x16(in [16]reg.VecVirtual) [16]reg.VecVirtual {
	var tt, s, out [16]reg.VecVirtual
	for j := 0; j < 16; j += 2 {
		tt[j], tt[j+1] = g.v(), g.v()
		g.VUNPCKLPS(in[j+1], in[j], tt[j])   // r0[0] r1[0] r0[1] r1[1] per lane
		g.VUNPCKHPS(in[j+1], in[j], tt[j+1]) // r0[2] r1[2] r0[3] r1[3]
	}
	for q := 0; q < 16; q += 4 {
		s[q], s[q+1], s[q+2], s[q+3] = g.v(), g.v(), g.v(), g.v()
		g.VUNPCKLPD(tt[q+2], tt[q], s[q])     // element 0 of rows q..q+3, per lane
		g.VUNPCKHPD(tt[q+2], tt[q], s[q+1])   // element 1
		g.VUNPCKLPD(tt[q+3], tt[q+1], s[q+2]) // element 2
		g.VUNPCKHPD(tt[q+3], tt[q+1], s[q+3]) // element 3
	}
	for c := 0; c < 4; c++ {
		u0, u1, v0, v1 := g.v(), g.v(), g.v(), g.v()
		g.VSHUFF32X4(operand.U8(0x44), s[4+c], s[c], u0) // s[c].L0 s[c].L1 s[4+c].L0 s[4+c].L1
		g.VSHUFF32X4(operand.U8(0xee), s[4+c], s[c], u1) // lanes 2, 3
		g.VSHUFF32X4(operand.U8(0x44), s[12+c], s[8+c], v0)
		g.VSHUFF32X4(operand.U8(0xee), s[12+c], s[8+c], v1)
		for L, pair := range [][2]reg.VecVirtual{{u0, v0}, {u0, v0}, {u1, v1}, {u1, v1}} {
			o := g.v()
			imm := uint8(0x88) // lanes 0, 2 of each: lane L = 0 or 2 of the rows
			if L%2 == 1 {
				imm = 0xdd // lanes 1, 3
			}
			g.VSHUFF32X4(operand.U8(imm), pair[1], pair[0], o)
			out[c+4*L] = o
		}
	}
	return out
}
