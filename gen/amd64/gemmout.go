package main

import (
	"github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"

	"github.com/vecgrad/vecgrad/internal/abi"
)

// GemmOutBias, GemmOutBiasRelu, GemmOutReluBackward (gemm group,
// gen/KERNELS.md "GEMM output epilogues"): a product's epilogue on a
// rows x cols block of C whose rows lie ldc floats apart, which the
// blocked sweep applies to each region of C once it is final
// (kernels/sgemm_out.go):
//
//	GemmOutBias          c[r*ldc+j] = c[r*ldc+j] + v[j]
//	GemmOutBiasRelu      c[r*ldc+j] = max(c[r*ldc+j] + v[j], 0)
//	GemmOutReluBackward  c[r*ldc+j] = v[r*ldc+j] <= 0 ? +0 : c[r*ldc+j]
//	GemmOutReluBackwardSum  the same, and sum[j] = sum[j] + c[r*ldc+j]
//	                        for each row in turn (sum[j] = c[j] for the
//	                        first row where first != 0)
//
// (v the bias, or the ReLU's input x laid out as C), with the instructions
// and operand order of BinaryRows' add (binop: c first, so its NaN wins),
// Unary's Relu (Intel VMAXPS 0, v: v when NaN, -0 passes) and
// ReluBackward (reluBackwardVec: NaN x passes c), so that each equals those
// kernels' passes bit for bit. One call covers the block: the strided
// passes made an assembly call per row, which on a region of 12 rows of
// 256 floats cost more than the arithmetic. Rows in turn, each streamed as
// Unary streams (g.unroll vectors at a time, then the tail masked), so a
// call reads and writes only the cols floats at the start of each row (and
// reads v[:cols], or the same floats of x). The Sum variant also sums the
// result's rows into sum[:cols] as SumRowsStrided does (row 0 copied,
// then BinaryRows' add of each row, sum first), the layer's bias gradient
// while its rows are in registers: the sweep hands it the rows in order
// (kernels/sgemm_out.go).
type gemmOutKind int

const (
	gemmOutBias gemmOutKind = iota
	gemmOutBiasRelu
	gemmOutReluBackward
	gemmOutReluBackwardSum
)

func (g *gen) gemmOut(kind gemmOutKind) {
	name, what := "GemmOutBias", "c[r*ldc+j] + v[j]"
	sig := "func(c *float32, ldc int, v *float32, rows, cols int)"
	backward := kind == gemmOutReluBackward || kind == gemmOutReluBackwardSum
	switch kind {
	case gemmOutBiasRelu:
		name, what = "GemmOutBiasRelu", "max(c[r*ldc+j] + v[j], 0) (BinaryRows' add, Relu's max)"
	case gemmOutReluBackward:
		name, what = "GemmOutReluBackward", "(v[r*ldc+j] <= 0 ? +0 : c[r*ldc+j]) (ReluBackward)"
	case gemmOutReluBackwardSum:
		name, what = "GemmOutReluBackwardSum", "(v[r*ldc+j] <= 0 ? +0 : c[r*ldc+j]) (ReluBackward), and sums them into sum[j]"
		sig = "func(c *float32, ldc int, v *float32, rows, cols int, sum *float32, first int)"
	}
	g.function(name, sig,
		name+g.suffix+" sets c[r*ldc+j] = "+what,
		"for r < rows, j < cols (rows, cols >= 1, ldc >= cols; see gen/KERNELS.md).")
	c, ldc, v, rows, cols := g.arg("c"), g.arg("ldc"), g.arg("v"), g.arg("rows"), g.arg("cols")
	g.SHLQ(operand.U8(2), ldc) // bytes
	var zero reg.VecVirtual
	if kind != gemmOutBias {
		zero = g.zero()
	}
	var sum reg.GPVirtual
	if kind == gemmOutReluBackwardSum {
		sum = g.arg("sum")
	}
	// row emits one row; first: the row starts the sum (a copy, no add).
	row := func(first bool) {
		cp, vp := g.copyGP(c), g.copyGP(v) // v: the bias from its start on every row
		ptrs := []reg.GPVirtual{cp, vp}
		var sp reg.GPVirtual
		if sum != nil {
			sp = g.copyGP(sum)
			ptrs = append(ptrs, sp)
		}
		g.stream(g.copyGP(cols), ptrs, g.unroll, func(_, off int, t reg.Register) {
			var r reg.VecVirtual
			if backward {
				r = g.reluBackwardVec(at(cp, off), at(vp, off), zero, t)
			} else {
				r = g.binop(abi.BinaryAdd, g.load(at(cp, off), t), g.src(at(vp, off), t))
				if kind == gemmOutBiasRelu {
					m := g.v()
					g.VMAXPS(r, zero, m)
					r = m
				}
			}
			g.store(r, at(cp, off), t)
			if sp != nil {
				if !first { // sum + row, sum first (SumRowsStrided's BinaryRows)
					r = g.binop(abi.BinaryAdd, g.load(at(sp, off), t), r)
				}
				g.store(r, at(sp, off), t)
			}
		})
		g.ADDQ(ldc, c)
		if backward { // x moves on with C
			g.ADDQ(ldc, v)
		}
	}
	done := g.label("done")
	if sum != nil {
		rest := g.label("rest")
		g.CMPQ(g.arg("first"), operand.U32(0))
		g.JE(operand.LabelRef(rest))
		row(true)
		g.DECQ(rows)
		g.JZ(operand.LabelRef(done))
		g.Label(rest)
	}
	g.rowLoop(rows, func() { row(false) })
	g.Label(done)
	g.ret()
}
