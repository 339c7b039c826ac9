package main

import (
	"github.com/mmcloughlin/avo/reg"
)

// axpy group: AxpyTo (dst = fma(alpha, x, y)) and Fill (dst = v).
//
// Register plan: alpha (or v) broadcast in one register for the whole call;
// per vector x loaded and overwritten by the FMA, y a memory operand (loaded
// only in the tail).
func axpyGroup(g *gen) {
	g.axpyTo()
	g.fill()
}

func (g *gen) axpyTo() {
	g.function("AxpyTo", "func(dst, x, y *float32, n int, alpha float32)",
		"AxpyTo"+g.suffix+" sets dst[i] = fma(alpha, x[i], y[i]) for i < n (n >= 1), one rounding.")
	dst, x, y, n := g.arg("dst"), g.arg("x"), g.arg("y"), g.arg("n")
	alpha := g.bcast(addr(g.Param("alpha")))
	g.stream(n, []reg.GPVirtual{dst, x, y}, g.unroll, func(_, off int, t reg.Register) {
		r := g.load(at(x, off), t)
		g.VFMADD213PS(g.src(at(y, off), t), alpha, r) // r = alpha*r + y
		g.store(r, at(dst, off), t)
	})
	g.ret()
}

func (g *gen) fill() {
	g.function("Fill", "func(dst *float32, n int, v float32)",
		"Fill"+g.suffix+" sets dst[i] = v for i < n (n >= 1).")
	dst, n := g.arg("dst"), g.arg("n")
	v := g.bcast(addr(g.Param("v")))
	g.stream(n, []reg.GPVirtual{dst}, g.unroll, func(_, off int, t reg.Register) {
		g.store(v, at(dst, off), t)
	})
	g.ret()
}
