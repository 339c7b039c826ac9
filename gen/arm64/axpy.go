package main

import "github.com/vecgrad/vecgrad/gen/internal/neon"

func axpyKernels() []Kernel {
	return []Kernel{
		{neon.Func{Name: "AxpyToNEON", Doc: "AxpyToNEON computes dst[i] = fma(alpha, x[i], y[i]) for i < n (one rounding).",
			Params: []neon.Arg{{Name: "dst", Type: "*float32"}, {Name: "x", Type: "*float32"}, {Name: "y", Type: "*float32"}, {Name: "n", Type: "int"}, {Name: "alpha", Type: "float32"}}},
			genAxpyTo},
		{neon.Func{Name: "FillNEON", Doc: "FillNEON sets dst[i] = v for i < n.",
			Params: []neon.Arg{{Name: "dst", Type: "*float32"}, {Name: "n", Type: "int"}, {Name: "v", Type: "float32"}}},
			genFill},
	}
}

// Register plan: R0 dst, R1 x, R2 y, R3 count; V0-V3 x, V4-V7 y (the FMLA
// accumulates into them and they are stored), V31 alpha broadcast.
func genAxpyTo(e *neon.Emitter, f *neon.Func) {
	const dst, x, y, cnt neon.Reg = 0, 1, 2, 3
	const alpha neon.Vreg = 31
	e.MOVD(f.Arg("dst"), dst.String())
	e.MOVD(f.Arg("x"), x.String())
	e.MOVD(f.Arg("y"), y.String())
	e.MOVD(f.Arg("n"), cnt.String())
	e.Inst("FMOVS", f.Arg("alpha"), alpha.F())
	e.DupLane(alpha, neon.Lane{V: alpha, I: 0})
	xv, yv := []neon.Vreg{0, 1, 2, 3}, []neon.Vreg{4, 5, 6, 7}
	e.Stream(cnt, func(s neon.Step) {
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
func genFill(e *neon.Emitter, f *neon.Func) {
	const dst, cnt neon.Reg = 0, 1
	e.MOVD(f.Arg("dst"), dst.String())
	e.MOVD(f.Arg("n"), cnt.String())
	e.Inst("FMOVS", f.Arg("v"), neon.Vreg(0).F())
	e.DupLane(0, neon.Lane{V: 0, I: 0})
	vs := []neon.Vreg{0, 1, 2, 3}
	for _, v := range vs[1:] {
		e.Mov(v, 0)
	}
	e.Stream(cnt, func(s neon.Step) { e.StoreStep(s, dst, vs) })
	e.RET()
}
