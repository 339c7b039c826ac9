package main

import (
	"github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"

	"github.com/vecgrad/vecgrad/internal/abi"
)

// unary group: Unary (op 0..7: Relu, Exp, Log, Sqrt, Tanh, Sigmoid, Sin, Cos) and
// ReluBackward.
//
// Register plan: Relu and Sqrt one vector at a time (plus the +0 vector of
// Relu for the whole call). The math ops (Exp, Log, Tanh, Sigmoid, Sin, Cos)
// take the vectors of a block in groups of g.mathG (AVX-512 4, AVX2 2) through
// the interleaved emitters of math.go: mathG * live vectors per group (the live
// counts of math.go), and the registers left over (of g.nvec) hold pinned
// constants for the whole loop. The remainder pass goes one vector at a time,
// with its tail mask, which fits in what the group leaves.
func unaryGroup(g *gen) {
	g.unary()
	g.reluBackward()
}

// mathOp is a math function of Unary with its register needs.
type mathOp struct {
	f     func(g *gen, x vg) vg
	live  int // vectors live per member
	pins  []kconst
	vmask int // of live, masks that are K registers on AVX-512
}

// free returns the registers left for pinned constants by groups of mathG.
func (m mathOp) free(g *gen) int {
	live := m.live
	if g.kmask {
		live -= m.vmask
	}
	return g.nvec - g.mathG*live
}

// unaryMath holds the math functions of Unary by op code; Relu and Sqrt,
// one instruction each, are in unary's stream loop.
var unaryMath = map[int]mathOp{
	abi.UnaryExp:     {(*gen).exp, expLive, expPins, 0},
	abi.UnaryLog:     {(*gen).log, logLive, logPins, 0},
	abi.UnaryTanh:    {(*gen).tanh, tanhLive, tanhPins, 1},
	abi.UnarySigmoid: {(*gen).sigmoid, sigLive, sigmoidPins, 0},
	abi.UnarySin:     {(*gen).sin, trigLive, trigPins, 0},
	abi.UnaryCos:     {(*gen).cos, trigLive, trigPins, 0},
}

func (g *gen) unary() {
	g.function("Unary", "func(op int, dst, x *float32, n int)",
		"Unary"+g.suffix+" sets dst[i] = g(op, x[i]) for i < n (n >= 1), g as in gen/KERNELS.md:",
		"0 Relu, 1 Exp (exp32), 2 Log (log32), 3 Sqrt, 4 Tanh (tanh32), 5 Sigmoid (sigmoid32),",
		"6 Sin, 7 Cos (trigReduced; |x| <= TrigMax, NaN and ±Inf).")
	op := g.arg("op")
	dst, x, n := g.arg("dst"), g.arg("x"), g.arg("n")
	g.dispatch(op, abi.UnaryOps, func(op int) {
		if m, ok := unaryMath[op]; ok {
			g.pin(m.free(g), m.pins)
			g.streamGroups(n, []reg.GPVirtual{dst, x}, g.unroll, g.mathG, func(ks []int, t reg.Register) {
				xs := make(vg, len(ks))
				for i, k := range ks {
					xs[i] = g.load(at(x, k*g.bytes()), t)
				}
				r := m.f(g, xs)
				for i, k := range ks {
					g.store(r[i], at(dst, k*g.bytes()), t)
				}
			})
			g.unpin()
			return
		}
		var zero reg.VecVirtual
		if op == abi.UnaryRelu {
			zero = g.zero()
		}
		g.stream(n, []reg.GPVirtual{dst, x}, g.unroll, func(_, off int, t reg.Register) {
			r := g.v()
			switch op {
			case abi.UnaryRelu: // Intel MAXPS 0, x = 0 > x ? 0 : x, x when NaN; -0 passes
				g.VMAXPS(g.src(at(x, off), t), zero, r)
			case abi.UnarySqrt:
				g.VSQRTPS(g.src(at(x, off), t), r)
			default:
				panic("unary: no code for op " + abi.UnaryNames[op])
			}
			g.store(r, at(dst, off), t)
		})
	})
}

func (g *gen) reluBackward() {
	g.function("ReluBackward", "func(dst, dy, x *float32, n int)",
		"ReluBackward"+g.suffix+" sets dst[i] = x[i] <= 0 ? +0 : dy[i] for i < n (n >= 1); NaN x passes dy.")
	dst, dy, x, n := g.arg("dst"), g.arg("dy"), g.arg("x"), g.arg("n")
	zero := g.zero()
	g.stream(n, []reg.GPVirtual{dst, dy, x}, g.unroll, func(_, off int, t reg.Register) {
		g.store(g.reluBackwardVec(at(dy, off), at(x, off), zero, t), at(dst, off), t)
	})
	g.ret()
}

// reluBackwardVec returns a new register holding ReluBackward's result for
// the vector of dy and x at those addresses (x <= 0 ? +0 : dy; NaN x passes
// dy), with zero a +0 vector and t the tail mask (nil: a full vector).
func (g *gen) reluBackwardVec(dy, x operand.Mem, zero reg.VecVirtual, t reg.Register) reg.VecVirtual {
	xv := g.load(x, t)
	r := g.v()
	if g.kmask {
		// keep = !(x <= 0) (and in the tail); zeroing load of dy.
		k := g.K()
		if t == nil {
			g.VCMPPS(u8(cmpNLE), zero, xv, k)
		} else {
			g.VCMPPS(u8(cmpNLE), zero, xv, t, k)
		}
		g.VMOVUPS_Z(dy, k, r)
	} else {
		m := g.cmp(cmpNLE, xv, zero)
		g.VANDPS(g.src(dy, t), m, r)
	}
	return r
}
