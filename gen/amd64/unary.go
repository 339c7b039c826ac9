package main

import (
	"github.com/mmcloughlin/avo/reg"
)

// unary group: Unary (op 0..5: Relu, Exp, Log, Sqrt, Tanh, Sigmoid) and
// ReluBackward.
//
// Register plan: one vector at a time (loaded x, the temporaries of the
// function in math.go, at most 8 live), the +0 vector of Relu/ReluBackward for
// the whole call, the tail mask in the remainder pass. Constants are memory
// operands (full-vector tables), so AVX2 stays within Y0-Y15.
func unaryGroup(g *gen) {
	g.unary()
	g.reluBackward()
}

const unaryOps = 6

func (g *gen) unary() {
	g.function("Unary", "func(op int, dst, x *float32, n int)",
		"Unary"+g.suffix+" sets dst[i] = g(op, x[i]) for i < n (n >= 1), g as in gen/KERNELS.md:",
		"0 Relu, 1 Exp (exp32), 2 Log (log32), 3 Sqrt, 4 Tanh (tanh32), 5 Sigmoid (sigmoid32).")
	op := g.arg("op")
	dst, x, n := g.arg("dst"), g.arg("x"), g.arg("n")
	g.dispatch(op, unaryOps, func(op int) {
		var zero reg.VecVirtual
		if op == 0 {
			zero = g.zero()
		}
		g.stream(n, []reg.GPVirtual{dst, x}, g.unroll, func(_, off int, t reg.Register) {
			var r reg.VecVirtual
			switch op {
			case 0: // Relu: Intel MAXPS 0, x = 0 > x ? 0 : x, x when NaN; -0 passes
				r = g.v()
				g.VMAXPS(g.src(at(x, off), t), zero, r)
			case 1:
				r = g.exp(g.load(at(x, off), t))
			case 2:
				r = g.log(g.load(at(x, off), t))
			case 3:
				r = g.v()
				g.VSQRTPS(g.src(at(x, off), t), r)
			case 4:
				r = g.tanh(g.load(at(x, off), t))
			case 5:
				r = g.sigmoid(g.load(at(x, off), t))
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
		xv := g.load(at(x, off), t)
		r := g.v()
		if g.kmask {
			// keep = !(x <= 0) (and in the tail); zeroing load of dy.
			k := g.K()
			if t == nil {
				g.VCMPPS(u8(cmpNLE), zero, xv, k)
			} else {
				g.VCMPPS(u8(cmpNLE), zero, xv, t, k)
			}
			g.VMOVUPS_Z(at(dy, off), k, r)
		} else {
			m := g.cmp(cmpNLE, xv, zero)
			g.VANDPS(g.src(at(dy, off), t), m, r)
		}
		g.store(r, at(dst, off), t)
	})
	g.ret()
}
