package main

import (
	"github.com/vecgrad/vecgrad/gen/internal/neon"
	"github.com/vecgrad/vecgrad/internal/abi"
)

// The fused optimizer steps SGDStep and AdamStep (kernels/optim_generic.go
// is the specification): one pass over a parameter tensor, the variant
// decoded once at entry into one specialised loop each, maximize applied as
// an EOR of the sign argument (-0 or +0) into every gradient vector.

func optimKernels() []Kernel {
	f32 := func(names ...string) []neon.Arg {
		var as []neon.Arg
		for _, n := range names {
			as = append(as, neon.Arg{Name: n, Type: "float32"})
		}
		return as
	}
	ptrs := func(names ...string) []neon.Arg {
		var as []neon.Arg
		for _, n := range names {
			as = append(as, neon.Arg{Name: n, Type: "*float32"})
		}
		return as
	}
	cat := func(parts ...[]neon.Arg) []neon.Arg {
		var as []neon.Arg
		for _, p := range parts {
			as = append(as, p...)
		}
		return as
	}
	return []Kernel{
		{neon.Func{Name: "SGDStepNEON",
			Doc: "SGDStepNEON runs variant 2*mode + wd of sgdStepGeneric (gen/KERNELS.md) over n >= 1 elements:\n" +
				"d = grad^sign; wd: d = fma(wd, p, d); modes 1-4: buf = first ? d : fma(damp1, d, momentum*buf),\n" +
				"d = nesterov ? fma(momentum, buf, d) : buf; then p = fma(negLR, d, p). Mode 0 does not touch buf.",
			Params: cat([]neon.Arg{{Name: "variant", Type: "int"}}, ptrs("p", "grad", "buf"), []neon.Arg{{Name: "n", Type: "int"}},
				f32("negLR", "momentum", "damp1", "wd", "sign"))},
			genSGDStep},
		{neon.Func{Name: "AdamStepNEON",
			Doc: "AdamStepNEON runs variant 3*amsgrad + decay of adamStepGeneric (gen/KERNELS.md) over n >= 1 elements:\n" +
				"d = grad^sign; decay 2: p = p*decay, decay 1: d = fma(wd, p, d); m = fma(c1, d, beta1*m);\n" +
				"v = fma(c2*d, d, beta2*v); amsgrad: vmax = max(vmax, v) (NaN from either side), used as v;\n" +
				"p = p + (negStep*m)/(sqrt(v)/bc2s + eps). Without amsgrad vmax is not touched.",
			Params: cat([]neon.Arg{{Name: "variant", Type: "int"}}, ptrs("p", "grad", "m", "v", "vmax"), []neon.Arg{{Name: "n", Type: "int"}},
				f32("beta1", "c1", "beta2", "c2", "bc2s", "eps", "negStep", "wd", "decay", "sign"))},
			genAdamStep},
	}
}

// scalarArg broadcasts the float32 argument name into every lane of v.
func scalarArg(e *neon.Emitter, f *neon.Func, name string, v neon.Vreg) {
	e.Inst("FMOVS", f.Arg(name), v.F())
	e.DupLane(v, neon.Lane{V: v, I: 0})
}

// each emits op once per vector of a step.
func each(s neon.Step, op func(i int)) {
	for i := 0; i < s.Vecs; i++ {
		op(i)
	}
}

// Register plan: R0 variant, R1/R2 p read/write, R3 grad, R4/R5 buf
// read/write, R6 count (the stores trail the loads through their own
// post-incremented pointers, so every operand is read and written in
// place). V0-V3 d (the gradient, then the direction), V4-V7 p, V8-V11 buf;
// V24 sign, V25 negLR, V26 wd, V27 momentum, V28 damp1, broadcast once at
// entry for every variant.
func genSGDStep(e *neon.Emitter, f *neon.Func) {
	const variant, pr, pw, gp, br, bw, cnt neon.Reg = 0, 1, 2, 3, 4, 5, 6
	const sign, negLR, wd, mom, damp neon.Vreg = 24, 25, 26, 27, 28
	e.MOVD(f.Arg("variant"), variant.String())
	e.MOVD(f.Arg("p"), pr.String())
	e.MOVD(pr.String(), pw.String())
	e.MOVD(f.Arg("grad"), gp.String())
	e.MOVD(f.Arg("buf"), br.String())
	e.MOVD(br.String(), bw.String())
	e.MOVD(f.Arg("n"), cnt.String())
	for _, a := range []struct {
		name string
		v    neon.Vreg
	}{{"sign", sign}, {"negLR", negLR}, {"wd", wd}, {"momentum", mom}, {"damp1", damp}} {
		scalarArg(e, f, a.name, a.v)
	}
	dv, pv, bv := []neon.Vreg{0, 1, 2, 3}, []neon.Vreg{4, 5, 6, 7}, []neon.Vreg{8, 9, 10, 11}
	e.SwitchOp(variant, abi.SGDVariants, func(code int) {
		f := abi.DecodeSGD(code)
		wdOn, mom0, first, nest := f.WeightDecay, f.Momentum(), f.First(), f.Nesterov()
		e.Comment("variant %d: weight decay %v, mode %d (momentum %v, first step %v, nesterov %v)", code, wdOn, f.Mode, mom0, first, nest)
		e.Stream(cnt, func(s neon.Step) {
			d := dv // the direction: d, or buf without Nesterov
			e.LoadStep(s, gp, d)
			each(s, func(i int) { e.EOR(d[i], d[i], sign) })
			e.LoadStep(s, pr, pv)
			if wdOn {
				each(s, func(i int) { e.VFMLA(d[i], wd, pv[i]) }) // d = fma(wd, p, d)
			}
			if mom0 {
				b := d // first step: buf = d
				if !first {
					b = bv
					e.LoadStep(s, br, bv)
					each(s, func(i int) {
						e.FMUL(bv[i], bv[i], mom)  // momentum*buf
						e.VFMLA(bv[i], damp, d[i]) // buf = fma(damp1, d, momentum*buf)
					})
				}
				e.StoreStep(s, bw, b)
				if nest {
					each(s, func(i int) { e.VFMLA(d[i], mom, b[i]) }) // d = fma(momentum, buf, d)
				} else {
					d = b
				}
			}
			each(s, func(i int) { e.VFMLA(pv[i], negLR, d[i]) }) // p = fma(negLR, d, p)
			e.StoreStep(s, pw, pv)
		})
		e.RET()
	})
}

// Register plan: R0 variant, R1/R2 p read/write, R3 grad, R4/R5 m, R6/R7 v,
// R8/R9 vmax (read/write pointers), R10 count. V0-V3 d (after v's update:
// the amsgrad maximum), V4-V7 p, V8-V11 m (then the numerator negStep*m and
// the quotient), V12-V15 v (then the denominator), V16-V19 c2*d (then
// vmax), V20 the NaN test of the maximum; V21 sign, V22 beta1, V23 c1,
// V24 beta2, V25 c2, V26 bc2s, V27 eps, V28 negStep, V29 wd, V30 decay,
// broadcast once at entry.
func genAdamStep(e *neon.Emitter, f *neon.Func) {
	const variant, pr, pw, gp, mr, mw, vr, vw, xr, xw, cnt neon.Reg = 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10
	const sign, beta1, c1, beta2, c2, bc2s, eps, negStep, wd, decay, tmp neon.Vreg = 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 20
	for _, a := range []struct {
		name string
		r    neon.Reg
	}{{"variant", variant}, {"p", pr}, {"grad", gp}, {"m", mr}, {"v", vr}, {"vmax", xr}, {"n", cnt}} {
		e.MOVD(f.Arg(a.name), a.r.String())
	}
	e.MOVD(pr.String(), pw.String())
	e.MOVD(mr.String(), mw.String())
	e.MOVD(vr.String(), vw.String())
	e.MOVD(xr.String(), xw.String())
	for _, a := range []struct {
		name string
		v    neon.Vreg
	}{{"sign", sign}, {"beta1", beta1}, {"c1", c1}, {"beta2", beta2}, {"c2", c2}, {"bc2s", bc2s},
		{"eps", eps}, {"negStep", negStep}, {"wd", wd}, {"decay", decay}} {
		scalarArg(e, f, a.name, a.v)
	}
	dv, pv, mv := []neon.Vreg{0, 1, 2, 3}, []neon.Vreg{4, 5, 6, 7}, []neon.Vreg{8, 9, 10, 11}
	vv, sq := []neon.Vreg{12, 13, 14, 15}, []neon.Vreg{16, 17, 18, 19}
	e.SwitchOp(variant, abi.AdamVariants, func(code int) {
		f := abi.DecodeAdam(code)
		dec, ams := f.Decay, f.AMSGrad
		e.Comment("variant %d: decay %d (0 none, 1 L2, 2 decoupled), amsgrad %v", code, dec, ams)
		e.Stream(cnt, func(s neon.Step) {
			e.LoadStep(s, gp, dv)
			each(s, func(i int) { e.EOR(dv[i], dv[i], sign) })
			e.LoadStep(s, pr, pv)
			switch dec {
			case abi.AdamL2:
				each(s, func(i int) { e.VFMLA(dv[i], wd, pv[i]) }) // d = fma(wd, p, d)
			case abi.AdamDecoupled:
				each(s, func(i int) { e.FMUL(pv[i], pv[i], decay) }) // p = p*decay
			}
			e.LoadStep(s, mr, mv)
			each(s, func(i int) {
				e.FMUL(mv[i], mv[i], beta1) // beta1*m
				e.VFMLA(mv[i], c1, dv[i])   // m = fma(c1, d, beta1*m)
			})
			e.StoreStep(s, mw, mv)
			e.LoadStep(s, vr, vv)
			each(s, func(i int) {
				e.FMUL(mv[i], mv[i], negStep) // numerator negStep*m
				e.FMUL(vv[i], vv[i], beta2)   // beta2*v
				e.FMUL(sq[i], c2, dv[i])      // c2*d
				e.VFMLA(vv[i], sq[i], dv[i])  // v = fma(c2*d, d, beta2*v)
			})
			e.StoreStep(s, vw, vv)
			src := vv
			if ams {
				e.LoadStep(s, xr, sq)
				each(s, func(i int) { binaryOp(e, abi.BinaryMax, dv[i], sq[i], vv[i], tmp) }) // max(vmax, v), NaN of vmax kept
				e.StoreStep(s, xw, dv)
				src = dv
			}
			each(s, func(i int) {
				e.FSQRT(vv[i], src[i])
				e.FDIV(vv[i], vv[i], bc2s)  // sqrt(v)/bc2s
				e.FADD(vv[i], vv[i], eps)   // + eps
				e.FDIV(mv[i], mv[i], vv[i]) // (negStep*m)/den
				e.FADD(pv[i], pv[i], mv[i]) // p + that
			})
			e.StoreStep(s, pw, pv)
		})
		e.RET()
	})
}
