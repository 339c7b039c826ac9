package main

func peakKernels() []Kernel {
	return []Kernel{
		{Func{Name: "FMAPeakNEON",
			Doc: "FMAPeakNEON runs iters iterations of 24 independent register-only FMLA chains\n" +
				"and returns the FLOPs done (2 per lane per FMA: 192 per iteration).",
			Params: []Arg{{"iters", "int"}}, Ret: "int"}, genFMAPeak},
	}
}

// Register plan: R0 iters, R1 count; V0-V23 the 24 chains, V24 and V25 the
// multiplicands (zero: no denormals, no overflow).
func genFMAPeak(e *Emitter, f *Func) {
	const iters, cnt, tmp Reg = 0, 1, 2
	const chains = 24
	e.MOVD(f.Arg("iters"), iters.String())
	zero := e.NewLabel("zero")
	e.CmpBranch(iters, 0, "LE", zero)
	for v := Vreg(0); v < chains+2; v++ {
		e.Zero(v)
	}
	e.MOVD(iters.String(), cnt.String())
	loop := e.NewLabel("loop")
	e.Label(loop)
	for v := Vreg(0); v < chains; v++ {
		e.VFMLA(v, chains, chains+1)
	}
	e.SubsImm(cnt, 1)
	e.Inst("BNE", loop)
	e.MOVD("$192", tmp.String()) // chains * 4 lanes * 2 FLOPs
	e.Inst("MUL", tmp.String(), iters.String(), iters.String())
	e.MOVD(iters.String(), f.Arg("ret"))
	e.RET()
	e.Label(zero)
	e.MOVD("ZR", f.Arg("ret"))
	e.RET()
}
