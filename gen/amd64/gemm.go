package main

import (
	"fmt"

	"github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"

	"github.com/vecgrad/vecgrad/internal/mathconst"
)

// gemm group: GemmMicro, the GEMM micro-kernel of gen/KERNELS.md ("GEMM
// micro-kernel"): one MR x NR tile of row-major C, MR x 2 accumulator vectors
// (row i of the tile in acc[i][0], acc[i][1]), fed per k by 2 vectors of B and
// one broadcast element of A per row: the BLIS haswell shape (6x16, 12 YMM)
// and its AVX-512 doubling (12x32, 24 ZMM).
//
// Register plan (virtual registers; at most nvec live, so the AVX2 code stays
// in Y0-Y15 — the allocator only reaches Y16+ above 16 live):
//
//	loop:  MR*2 accumulators + 2 B vectors + 1 A broadcast
//	       = 15 YMM (AVX2) / 27 ZMM (AVX-512)
//	store: MR*2 accumulators + beta = 13 YMM / 25 ZMM
//	GP:    kc, a, b, ldb*4, 3*ldb*4, pb (B prefetch pointer), n (unrolled
//	       iterations), c row pointer, ldc*4, load.
//
// The A element is broadcast into a register (VBROADCASTSS, one load per row
// and k) rather than used as an embedded-broadcast operand of both FMAs,
// which would load it twice: per k that is 2 + MR loads for 2*MR FMAs on both
// levels, well under the load ports of any AVX2 or AVX-512 core.
//
// Order of operations, as gemmMicroGeneric: every accumulator starts at +0
// (not a*b: fma(a, b, +0) is +0 where a*b is -0) and takes one
// VFMADD231PS per k in order p = 0..kc-1; the store phase writes acc
// (load == 0, C not read) or fma(beta, C, acc) (VFMADD231PS with C as the
// memory operand: acc += beta*C, one rounding).
func gemmGroup(g *gen) {
	g.gemmMicro()
}

const (
	gemmUnroll = 4 // k steps per main-loop iteration
	gemmPfA    = 8 // A prefetch distance, k steps
	gemmPfB    = 8 // B prefetch distance, rows (k steps)
)

// gemmShape is the micro-tile of the level (mathconst): rows, columns.
func (is isa) gemmShape() (mr, nr int) {
	switch is.suffix {
	case "AVX512":
		mr, nr = mathconst.GemmMRAVX512, mathconst.GemmNRAVX512
	case "AVX2":
		mr, nr = mathconst.GemmMRAVX2, mathconst.GemmNRAVX2
	default:
		panic("gemmShape: unknown ISA " + is.suffix)
	}
	if nr != 2*is.w || 2*mr+3 > is.nvec {
		panic(fmt.Sprintf("GemmMicro%s is written for MR x 2 vectors in %d registers, mathconst says %dx%d",
			is.suffix, is.nvec, mr, nr))
	}
	return mr, nr
}

func (g *gen) gemmMicro() {
	mr, nr := g.gemmShape()
	g.function("GemmMicro", "func(kc int, a, b *float32, ldb int, c *float32, ldc int, beta float32, load int)",
		fmt.Sprintf("GemmMicro%s computes one %dx%d tile of row-major C: acc[i][j] = fma(a[p*%d+i], b[p*ldb+j], acc)",
			g.suffix, mr, nr, mr),
		"for p < kc in order from +0, then c[i*ldc+j] = acc (load == 0, C not read) or",
		"fma(beta, c[i*ldc+j], acc). kc >= 1, ldb >= NR, ldc >= NR (see gen/KERNELS.md).")

	kc, a, b := g.arg("kc"), g.arg("a"), g.arg("b")
	ldb := g.arg("ldb")
	g.SHLQ(operand.U8(2), ldb) // bytes
	ldb3 := g.GP64()
	g.LEAQ(operand.Mem{Base: ldb, Index: ldb, Scale: 2}, ldb3)
	c := g.arg("c")

	// C: prefetch the lines of the tile now, a whole k loop before the store
	// phase (a prefetch touches nothing: it neither faults nor writes).
	{
		ldc := g.arg("ldc")
		g.SHLQ(operand.U8(2), ldc)
		row := g.copyGP(c)
		for i := 0; i < mr; i++ {
			for off := 0; off < nr*4; off += 64 {
				g.PREFETCHT0(at(row, off))
			}
			g.PREFETCHT0(at(row, nr*4-1)) // last line of an unaligned row
			if i+1 < mr {
				g.ADDQ(ldc, row)
			}
		}
	}

	// pb runs gemmPfB rows ahead of b.
	pb := g.GP64()
	g.IMUL3Q(operand.U32(gemmPfB), ldb, pb)
	g.ADDQ(b, pb)

	acc := make([][2]reg.VecVirtual, mr)
	for i := range acc {
		acc[i] = [2]reg.VecVirtual{g.zero(), g.zero()}
	}

	// step is k step u of an iteration: B row at b + u*ldb, A column at
	// a + u*MR*4.
	bRow := func(u int) operand.Mem {
		switch u {
		case 0:
			return operand.Mem{Base: b}
		case 1:
			return operand.Mem{Base: b, Index: ldb, Scale: 1}
		case 2:
			return operand.Mem{Base: b, Index: ldb, Scale: 2}
		case 3:
			return operand.Mem{Base: b, Index: ldb3, Scale: 1}
		}
		panic("bRow")
	}
	step := func(u int) {
		m := bRow(u)
		b0 := g.mov(m)
		m.Disp += g.bytes()
		b1 := g.mov(m)
		for i := 0; i < mr; i++ {
			t := g.bcast(at(a, 4*(u*mr+i)))
			g.VFMADD231PS(b0, t, acc[i][0])
			g.VFMADD231PS(b1, t, acc[i][1])
		}
	}
	pfRow := func(u int) operand.Mem {
		switch u {
		case 0:
			return operand.Mem{Base: pb}
		case 1:
			return operand.Mem{Base: pb, Index: ldb, Scale: 1}
		case 2:
			return operand.Mem{Base: pb, Index: ldb, Scale: 2}
		case 3:
			return operand.Mem{Base: pb, Index: ldb3, Scale: 1}
		}
		panic("pfRow")
	}

	loop, tail, tailLoop, store := g.label("kloop"), g.label("ktail"), g.label("ktailloop"), g.label("store")
	n := g.copyGP(kc)
	g.SHRQ(operand.U8(2), n) // gemmUnroll = 4
	g.JZ(operand.LabelRef(tail))
	g.Label(loop)
	aBytes := gemmUnroll * mr * 4 // A consumed per iteration
	for u := 0; u < gemmUnroll; u++ {
		// Spread the prefetches over the steps: A lines first, then one
		// B row per step.
		if u*64 < aBytes {
			g.PREFETCHT0(at(a, gemmPfA*mr*4+u*64))
		}
		m := pfRow(u)
		for off := 0; off < nr*4; off += 64 {
			mm := m
			mm.Disp = off
			g.PREFETCHT0(mm)
		}
		step(u)
	}
	g.ADDQ(operand.U32(aBytes), a)
	g.LEAQ(operand.Mem{Base: b, Index: ldb, Scale: 4}, b)
	g.LEAQ(operand.Mem{Base: pb, Index: ldb, Scale: 4}, pb)
	g.DECQ(n)
	g.JNZ(operand.LabelRef(loop))

	g.Label(tail)
	g.ANDQ(operand.U32(gemmUnroll-1), kc)
	g.JZ(operand.LabelRef(store))
	g.Label(tailLoop)
	step(0)
	g.ADDQ(operand.U32(mr*4), a)
	g.ADDQ(ldb, b)
	g.DECQ(kc)
	g.JNZ(operand.LabelRef(tailLoop))

	g.Label(store)
	ldc := g.arg("ldc")
	g.SHLQ(operand.U8(2), ldc)
	load := g.arg("load")
	accumulate := g.label("accumulate")
	g.TESTQ(load, load)
	g.JNZ(operand.LabelRef(accumulate))
	// load == 0: C = acc, C not read.
	row := g.copyGP(c)
	for i := 0; i < mr; i++ {
		g.VMOVUPS(acc[i][0], at(row, 0))
		g.VMOVUPS(acc[i][1], at(row, g.bytes()))
		if i+1 < mr {
			g.ADDQ(ldc, row)
		}
	}
	g.ret()

	// load != 0: C = fma(beta, C, acc).
	g.Label(accumulate)
	beta := g.bcast(addr(g.Param("beta")))
	for i := 0; i < mr; i++ {
		for v := 0; v < 2; v++ {
			g.VFMADD231PS(at(c, v*g.bytes()), beta, acc[i][v]) // acc += beta*C
			g.VMOVUPS(acc[i][v], at(c, v*g.bytes()))
		}
		if i+1 < mr {
			g.ADDQ(ldc, c)
		}
	}
	g.ret()
}
