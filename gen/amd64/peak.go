package main

import (
	"github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

// peak group: the throughput probes `vecgrad cpu` times. FMAPeak is the FMA
// roof; SqrtPeak and DivPeak are the divider's, the bound of a loop that
// takes a correctly rounded square root or division per element (AdamStep).
//
// Register plans: FMAPeak g.peakAccs accumulators (24 ZMM / 12 YMM: enough
// independent chains to cover FMA latency times FMA ports), two
// multiplicand registers, all +0 (no denormals, no overflow); 26 ZMM / 14
// YMM live. The divider probes: their one or two operands and the results,
// written and never read (no chain at all: the divider's throughput, not
// its latency). One loop counter each.
func peakGroup(g *gen) {
	g.fmaPeak()
	g.dividerPeak("SqrtPeak", "square roots", func() func(dst reg.VecVirtual) {
		x := g.bcast(g.kf("peak_x", 1.7))
		return func(dst reg.VecVirtual) { g.VSQRTPS(x, dst) }
	})
	g.dividerPeak("DivPeak", "divisions", func() func(dst reg.VecVirtual) {
		x, y := g.bcast(g.kf("peak_x", 1.7)), g.bcast(g.kf("peak_y", 3.3))
		return func(dst reg.VecVirtual) { g.VDIVPS(y, x, dst) } // x/y
	})
}

func (g *gen) fmaPeak() {
	g.function("FMAPeak", "func(iters int) int",
		"FMAPeak"+g.suffix+" runs iters iterations of independent register-only FMA chains",
		"and returns the floating-point operations done (2 per lane per FMA).")
	iters := g.arg("iters")
	flops := g.GP64()
	g.IMUL3Q(operand.U32(2*g.w*g.peakAccs), iters, flops)
	acc := g.zeros(g.peakAccs)
	x, y := g.zero(), g.zero()
	g.countedLoop(iters, func() {
		for _, a := range acc {
			g.VFMADD231PS(x, y, a)
		}
	})
	g.Store(flops, g.ReturnIndex(0))
	g.ret()
}

// dividerOps is the number of independent divider instructions per
// iteration of SqrtPeak and DivPeak: enough to hide the loop's own two.
const dividerOps = 8

// dividerPeak emits name, a loop of dividerOps independent divider
// instructions per iteration that returns the lanes done (one result each).
// setup loads the operands and returns the instruction: 1.7 and 3.3, normal
// numbers with long significands, no special value a divider might finish
// early. The results are never read, so avo gives them one register;
// renaming keeps the writes independent.
func (g *gen) dividerPeak(name, what string, setup func() func(dst reg.VecVirtual)) {
	g.function(name, "func(iters int) int",
		name+g.suffix+" runs iters iterations of independent register-only "+what,
		"(correctly rounded, on the divider) and returns the lanes done.")
	iters := g.arg("iters")
	lanes := g.GP64()
	g.IMUL3Q(operand.U32(g.w*dividerOps), iters, lanes)
	op := setup()
	g.countedLoop(iters, func() {
		for range dividerOps {
			op(g.v())
		}
	})
	g.Store(lanes, g.ReturnIndex(0))
	g.ret()
}

// countedLoop emits body iters times (none when iters <= 0); iters is
// counted down to 0.
func (g *gen) countedLoop(iters reg.GPVirtual, body func()) {
	loop, done := g.label("loop"), g.label("done")
	g.TESTQ(iters, iters)
	g.JLE(operand.LabelRef(done))
	g.Label(loop)
	body()
	g.DECQ(iters)
	g.JNZ(operand.LabelRef(loop))
	g.Label(done)
}
