package main

import (
	"fmt"
	"math"
)

func peakKernels() []Kernel {
	return []Kernel{
		{Func{Name: "FMAPeakNEON",
			Doc: "FMAPeakNEON runs iters iterations of 24 independent register-only FMLA chains\n" +
				"and returns the FLOPs done (2 per lane per FMA: 192 per iteration).",
			Params: []Arg{{"iters", "int"}}, Ret: "int"}, genFMAPeak},
		{Func{Name: "SqrtPeakNEON",
			Doc: "SqrtPeakNEON runs iters iterations of independent register-only square roots\n" +
				"(FSQRT, correctly rounded, on the divider) and returns the lanes done.",
			Params: []Arg{{"iters", "int"}}, Ret: "int"},
			func(e *Emitter, f *Func) { genDividerPeak(e, f, func(d, x, _ Vreg) { e.FSQRT(d, x) }) }},
		{Func{Name: "DivPeakNEON",
			Doc: "DivPeakNEON runs iters iterations of independent register-only divisions\n" +
				"(FDIV, correctly rounded, on the divider) and returns the lanes done.",
			Params: []Arg{{"iters", "int"}}, Ret: "int"},
			func(e *Emitter, f *Func) { genDividerPeak(e, f, func(d, x, y Vreg) { e.FDIV(d, x, y) }) }},
	}
}

// Register plan: R0 iters, R1 count, R2 scratch; V0-V23 the 24 chains,
// V24 and V25 the multiplicands (zero: no denormals, no overflow).
func genFMAPeak(e *Emitter, f *Func) {
	const chains = 24
	peakLoop(e, f, chains*4*2, func(Reg) {
		for v := Vreg(0); v < chains+2; v++ {
			e.Zero(v)
		}
	}, func() {
		for v := Vreg(0); v < chains; v++ {
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
func genDividerPeak(e *Emitter, f *Func, op func(d, x, y Vreg)) {
	const x, y Vreg = dividerOps, dividerOps + 1
	peakLoop(e, f, dividerOps*4, func(tmp Reg) {
		e.Const32(tmp, math.Float32bits(1.7))
		e.DupR(x, tmp)
		e.Const32(tmp, math.Float32bits(3.3))
		e.DupR(y, tmp)
	}, func() {
		for d := Vreg(0); d < dividerOps; d++ {
			op(d, x, y)
		}
	})
}

// peakLoop emits a probe's frame: setup (given a scratch register), then
// body iters times, and the return value iters*perIter (0 when iters <= 0,
// and nothing run). Register plan: R0 iters, R1 count, R2 scratch.
func peakLoop(e *Emitter, f *Func, perIter int, setup func(tmp Reg), body func()) {
	const iters, cnt, tmp Reg = 0, 1, 2
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
