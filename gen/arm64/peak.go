package main

import (
	"fmt"
	"math"

	"github.com/vecgrad/vecgrad/gen/internal/neon"
)

func peakKernels() []Kernel {
	return []Kernel{
		{neon.Func{Name: "FMAPeakNEON",
			Doc: "FMAPeakNEON runs iters iterations of 24 independent register-only FMLA chains\n" +
				"and returns the FLOPs done (2 per lane per FMA: 192 per iteration).",
			Params: []neon.Arg{{Name: "iters", Type: "int"}}, Ret: "int"}, genFMAPeak},
		{neon.Func{Name: "SqrtPeakNEON",
			Doc: "SqrtPeakNEON runs iters iterations of independent register-only square roots\n" +
				"(FSQRT, correctly rounded, on the divider) and returns the lanes done.",
			Params: []neon.Arg{{Name: "iters", Type: "int"}}, Ret: "int"},
			func(e *neon.Emitter, f *neon.Func) { genDividerPeak(e, f, func(d, x, _ neon.Vreg) { e.FSQRT(d, x) }) }},
		{neon.Func{Name: "DivPeakNEON",
			Doc: "DivPeakNEON runs iters iterations of independent register-only divisions\n" +
				"(FDIV, correctly rounded, on the divider) and returns the lanes done.",
			Params: []neon.Arg{{Name: "iters", Type: "int"}}, Ret: "int"},
			func(e *neon.Emitter, f *neon.Func) { genDividerPeak(e, f, func(d, x, y neon.Vreg) { e.FDIV(d, x, y) }) }},
	}
}

// Register plan: R0 iters, R1 count, R2 scratch; V0-V23 the 24 chains,
// V24 and V25 the multiplicands (zero: no denormals, no overflow).
func genFMAPeak(e *neon.Emitter, f *neon.Func) {
	const chains = 24
	peakLoop(e, f, chains*4*2, func(neon.Reg) {
		for v := neon.Vreg(0); v < chains+2; v++ {
			e.Zero(v)
		}
	}, func() {
		for v := neon.Vreg(0); v < chains; v++ {
			e.VFMLA(v, chains, chains+1)
		}
	})
}

// dividerOps is the number of independent divider instructions per
// iteration of SqrtPeakNEON and DivPeakNEON (as gen/amd64's).
const dividerOps = 8

// genDividerPeak emits a loop of dividerOps independent op(d, x, y) per
// iteration, d = V0-V7 written and never read (no chain: the divider's
// throughput, not its latency), x = 1.7 in V8 and y = 3.3 in V9: normal
// numbers with long significands, no special value a divider might finish
// early.
func genDividerPeak(e *neon.Emitter, f *neon.Func, op func(d, x, y neon.Vreg)) {
	const x, y neon.Vreg = dividerOps, dividerOps + 1
	peakLoop(e, f, dividerOps*4, func(tmp neon.Reg) {
		e.Const32(tmp, math.Float32bits(1.7))
		e.DupR(x, tmp)
		e.Const32(tmp, math.Float32bits(3.3))
		e.DupR(y, tmp)
	}, func() {
		for d := neon.Vreg(0); d < dividerOps; d++ {
			op(d, x, y)
		}
	})
}

// peakLoop emits a probe's frame: setup (given a scratch register), then
// body iters times, and the return value iters*perIter (0 when iters <= 0,
// and nothing run). Register plan: R0 iters, R1 count, R2 scratch.
func peakLoop(e *neon.Emitter, f *neon.Func, perIter int, setup func(tmp neon.Reg), body func()) {
	const iters, cnt, tmp neon.Reg = 0, 1, 2
	e.MOVD(f.Arg("iters"), iters.String())
	zero := e.NewLabel("zero")
	e.CmpBranch(iters, 0, "LE", zero)
	setup(tmp)
	e.MOVD(iters.String(), cnt.String())
	loop := e.NewLabel("loop")
	e.Label(loop)
	body()
	e.SubsImm(cnt, 1)
	e.Inst("BNE", loop)
	e.MOVD(fmt.Sprintf("$%d", perIter), tmp.String())
	e.Inst("MUL", tmp.String(), iters.String(), iters.String())
	e.MOVD(iters.String(), f.Arg("ret"))
	e.RET()
	e.Label(zero)
	e.MOVD("ZR", f.Arg("ret"))
	e.RET()
}
