package main

import (
	"github.com/mmcloughlin/avo/operand"
)

// peak group: FMAPeak, the FMA throughput probe.
//
// Register plan: g.peakAccs accumulators (24 ZMM / 12 YMM: enough independent
// chains to cover FMA latency times FMA ports), two multiplicand registers,
// all +0 (no denormals, no overflow); one loop counter. 26 ZMM / 14 YMM live.
func peakGroup(g *gen) {
	g.function("FMAPeak", "func(iters int) int",
		"FMAPeak"+g.suffix+" runs iters iterations of independent register-only FMA chains",
		"and returns the floating-point operations done (2 per lane per FMA).")
	iters := g.arg("iters")
	flops := g.GP64()
	g.IMUL3Q(operand.U32(2*g.w*g.peakAccs), iters, flops)
	acc := g.zeros(g.peakAccs)
	x, y := g.zero(), g.zero()
	loop, done := g.label("loop"), g.label("done")
	g.TESTQ(iters, iters)
	g.JLE(operand.LabelRef(done))
	g.Label(loop)
	for _, a := range acc {
		g.VFMADD231PS(x, y, a)
	}
	g.DECQ(iters)
	g.JNZ(operand.LabelRef(loop))
	g.Label(done)
	g.Store(flops, g.ReturnIndex(0))
	g.ret()
}
