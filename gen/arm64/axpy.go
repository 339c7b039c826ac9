package main

func axpyKernels() []Kernel {
	return []Kernel{
		{Func{Name: "AxpyToNEON", Doc: "AxpyToNEON computes dst[i] = fma(alpha, x[i], y[i]) for i < n (one rounding).",
			Params: []Arg{{"dst", "*float32"}, {"x", "*float32"}, {"y", "*float32"}, {"n", "int"}, {"alpha", "float32"}}},
			genAxpyTo},
		{Func{Name: "FillNEON", Doc: "FillNEON sets dst[i] = v for i < n.",
			Params: []Arg{{"dst", "*float32"}, {"n", "int"}, {"v", "float32"}}},
			genFill},
	}
}

// Register plan: R0 dst, R1 x, R2 y, R3 count; V0-V3 x, V4-V7 y (the FMLA
// accumulates into them and they are stored), V31 alpha broadcast.
func genAxpyTo(e *Emitter, f *Func) {
	const dst, x, y, cnt Reg = 0, 1, 2, 3
	const alpha Vreg = 31
	e.MOVD(f.Arg("dst"), dst.String())
	e.MOVD(f.Arg("x"), x.String())
	e.MOVD(f.Arg("y"), y.String())
	e.MOVD(f.Arg("n"), cnt.String())
	e.Inst("FMOVS", f.Arg("alpha"), alpha.F())
	e.DupLane(alpha, Lane{alpha, 0})
	xv, yv := []Vreg{0, 1, 2, 3}, []Vreg{4, 5, 6, 7}
	e.Stream(cnt, func(s Step) {
		e.LoadStep(s, x, xv)
		e.LoadStep(s, y, yv)
		for i := 0; i < s.Vecs; i++ {
			e.VFMLA(yv[i], alpha, xv[i]) // y = fma(alpha, x, y)
		}
		e.StoreStep(s, dst, yv)
	})
	e.RET()
}

// Register plan: R0 dst, R1 count; V0-V3 v broadcast.
func genFill(e *Emitter, f *Func) {
	const dst, cnt Reg = 0, 1
	e.MOVD(f.Arg("dst"), dst.String())
	e.MOVD(f.Arg("n"), cnt.String())
	e.Inst("FMOVS", f.Arg("v"), Vreg(0).F())
	e.DupLane(0, Lane{0, 0})
	vs := []Vreg{0, 1, 2, 3}
	for _, v := range vs[1:] {
		e.Mov(v, 0)
	}
	e.Stream(cnt, func(s Step) { e.StoreStep(s, dst, vs) })
	e.RET()
}
