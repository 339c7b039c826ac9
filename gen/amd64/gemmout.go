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
// reads v[:cols], or the same floats of x).
type gemmOutKind int

const (
	gemmOutBias gemmOutKind = iota
	gemmOutBiasRelu
	gemmOutReluBackward
)

func (g *gen) gemmOut(kind gemmOutKind) {
	name, what := "GemmOutBias", "c[r*ldc+j] + v[j]"
	switch kind {
	case gemmOutBiasRelu:
		name, what = "GemmOutBiasRelu", "max(c[r*ldc+j] + v[j], 0) (BinaryRows' add, Relu's max)"
	case gemmOutReluBackward:
		name, what = "GemmOutReluBackward", "(v[r*ldc+j] <= 0 ? +0 : c[r*ldc+j]) (ReluBackward)"
	}
	g.function(name, "func(c *float32, ldc int, v *float32, rows, cols int)",
		name+g.suffix+" sets c[r*ldc+j] = "+what,
		"for r < rows, j < cols (rows, cols >= 1, ldc >= cols; see gen/KERNELS.md).")
	c, ldc, v, rows, cols := g.arg("c"), g.arg("ldc"), g.arg("v"), g.arg("rows"), g.arg("cols")
	g.SHLQ(operand.U8(2), ldc) // bytes
	var zero reg.VecVirtual
	if kind != gemmOutBias {
		zero = g.zero()
	}
	g.rowLoop(rows, func() {
		cp, vp := g.copyGP(c), g.copyGP(v) // v: the bias from its start on every row
		g.stream(g.copyGP(cols), []reg.GPVirtual{cp, vp}, g.unroll, func(_, off int, t reg.Register) {
			if kind == gemmOutReluBackward {
				g.store(g.reluBackwardVec(at(cp, off), at(vp, off), zero, t), at(cp, off), t)
				return
			}
			r := g.binop(abi.BinaryAdd, g.load(at(cp, off), t), g.src(at(vp, off), t))
			if kind == gemmOutBiasRelu {
				m := g.v()
				g.VMAXPS(r, zero, m)
				r = m
			}
			g.store(r, at(cp, off), t)
		})
		g.ADDQ(ldc, c)
		if kind == gemmOutReluBackward { // x moves on with C
			g.ADDQ(ldc, v)
		}
	})
	g.ret()
}
