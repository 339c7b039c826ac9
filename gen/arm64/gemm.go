package main

import (
	"fmt"

	"github.com/vecgrad/vecgrad/gen/internal/neon"
	"github.com/vecgrad/vecgrad/internal/mathconst"
)

// The GEMM micro-kernel of gen/KERNELS.md ("GEMM micro-kernel"): one MR x NR
// = 8 x 12 tile of row-major C, 24 accumulators (8 rows x 3 Q vectors) fed by
// FMLA by element, the BLIS ARMv8 shape.

const (
	gemmMR = mathconst.GemmMRNEON // rows of the tile: 2 Q registers of A per k
	gemmNR = mathconst.GemmNRNEON // columns of the tile: 3 Q registers of B per k
	gemmNV = gemmNR / 4           // Q vectors per row of C
)

func gemmKernels() []Kernel {
	ptr := func(n string) neon.Arg { return neon.Arg{Name: n, Type: "*float32"} }
	num := func(n string) neon.Arg { return neon.Arg{Name: n, Type: "int"} }
	return []Kernel{
		{neon.Func{Name: "GemmMicroNEON",
			Doc: "GemmMicroNEON computes one 8x12 tile of row-major C: acc[i][j] = fma(a[p*8+i], b[p*ldb+j], acc) for\n" +
				"p < kc in order from +0, then c[i*ldc+j] = acc (load == 0, C not read) or fma(beta, c[i*ldc+j], acc).",
			Params: []neon.Arg{num("kc"), ptr("a"), ptr("b"), num("ldb"), ptr("c"), num("ldc"), {Name: "beta", Type: "float32"}, num("load")}},
			genGemmMicro},
	}
}

// gemmAcc is the accumulator of row i, columns 4v..4v+3 of the tile.
func gemmAcc(i, v int) neon.Vreg { return neon.Vreg(gemmNV*i + v) }

// Register plan: R0 k counter, R1 a (advances 32 bytes per k), R2 b (advances
// ldb*4 bytes per k), R3 ldb*4, R4 c row pointer (advances ldc*4 per row), R5
// ldc*4, R6 load. V0-V23 accumulators (row i in V(3i)..V(3i+2)), V24-V25 the
// 8 values of A for one k, V26-V28 the 12 values of B for one k (the row of C
// in the store phase), V29 beta in lane 0. The k loop is unrolled by 2.
func genGemmMicro(e *neon.Emitter, f *neon.Func) {
	if gemmMR != 8 || gemmNR != 12 {
		panic(fmt.Sprintf("GemmMicroNEON is written for 8x12, mathconst says %dx%d", gemmMR, gemmNR))
	}
	const kc, a, b, ldb, c, ldc, load neon.Reg = 0, 1, 2, 3, 4, 5, 6
	const beta neon.Vreg = 29
	av := []neon.Vreg{24, 25}
	bv := []neon.Vreg{26, 27, 28}
	for i := 0; i < gemmMR; i++ {
		for v := 0; v < gemmNV; v++ {
			e.Take(gemmAcc(i, v))
		}
	}
	e.Take(av...)
	e.Take(bv...)
	e.Take(beta)

	e.MOVD(f.Arg("kc"), kc.String())
	e.MOVD(f.Arg("a"), a.String())
	e.MOVD(f.Arg("b"), b.String())
	e.MOVD(f.Arg("ldb"), ldb.String())
	e.Inst("LSL", "$2", ldb.String(), ldb.String())
	e.MOVD(f.Arg("c"), c.String())
	e.MOVD(f.Arg("ldc"), ldc.String())
	e.Inst("LSL", "$2", ldc.String(), ldc.String())
	e.MOVD(f.Arg("load"), load.String())

	e.Comment("acc = +0")
	for i := 0; i < gemmMR; i++ {
		for v := 0; v < gemmNV; v++ {
			e.Zero(gemmAcc(i, v))
		}
	}

	// step is one k: acc[i][v] = fma(B[v], A[i], acc[i][v]), one rounding.
	step := func() {
		e.LoadP(a, av...)
		e.Inst("VLD1.P", fmt.Sprintf("(%s)(%s)", b, ldb), neon.RegList(bv)) // b += ldb*4
		for v := 0; v < gemmNV; v++ {
			for i := 0; i < gemmMR; i++ {
				e.FMLAE(gemmAcc(i, v), bv[v], neon.Lane{V: av[i/4], I: i % 4})
			}
		}
	}

	loop, tail, store := e.NewLabel("kloop"), e.NewLabel("ktail"), e.NewLabel("store")
	e.CmpBranch(kc, 2, "LT", tail)
	e.Label(loop)
	e.Comment("two k steps")
	step()
	step()
	e.SubImm(kc, 2)
	e.CmpBranch(kc, 2, "GE", loop)
	e.Label(tail)
	e.CmpBranch(kc, 1, "LT", store)
	e.Comment("last k step (kc odd)")
	step()

	e.Label(store)
	storeOnly := e.NewLabel("storeonly")
	e.CBZ(load, storeOnly)
	e.Comment("C = fma(C, beta, acc), one rounding per element")
	e.Inst("FMOVS", f.Arg("beta"), beta.F())
	for i := 0; i < gemmMR; i++ {
		row := []neon.Vreg{gemmAcc(i, 0), gemmAcc(i, 1), gemmAcc(i, 2)}
		e.Load(c, bv...)
		for v := 0; v < gemmNV; v++ {
			e.FMLAE(row[v], bv[v], neon.Lane{V: beta, I: 0})
		}
		storeRow(e, c, ldc, row)
	}
	e.RET()

	e.Label(storeOnly)
	e.Comment("C = acc, C not read")
	for i := 0; i < gemmMR; i++ {
		storeRow(e, c, ldc, []neon.Vreg{gemmAcc(i, 0), gemmAcc(i, 1), gemmAcc(i, 2)})
	}
	e.RET()
}

// storeRow stores one row of the tile at (c) and moves c to the next row
// (register post-index).
func storeRow(e *neon.Emitter, c, ldc neon.Reg, row []neon.Vreg) {
	e.Inst("VST1.P", neon.RegList(row), fmt.Sprintf("(%s)(%s)", c, ldc)) // c += ldc*4
}
