package main

import (
	"strings"

	"github.com/vecgrad/vecgrad/gen/internal/neon"
	"github.com/vecgrad/vecgrad/internal/abi"
)

func unaryKernels() []Kernel {
	return []Kernel{
		{neon.Func{Name: "UnaryNEON",
			Doc: "UnaryNEON computes dst[i] = g(op, x[i]) for i < n: 0 Relu, 1 Exp, 2 Log, 3 Sqrt, 4 Tanh, 5 Sigmoid,\n" +
				"6 Sin, 7 Cos (|x| <= TrigMax, NaN and ±Inf) " +
				"(gen/KERNELS.md; bit for bit the references of kernels/exp_generic.go).",
			Params: []neon.Arg{{Name: "op", Type: "int"}, {Name: "dst", Type: "*float32"}, {Name: "x", Type: "*float32"}, {Name: "n", Type: "int"}}},
			genUnary},
		{neon.Func{Name: "ReluBackwardNEON", Doc: "ReluBackwardNEON computes dst[i] = x[i] <= 0 ? +0 : dy[i] for i < n.",
			Params: []neon.Arg{{Name: "dst", Type: "*float32"}, {Name: "dy", Type: "*float32"}, {Name: "x", Type: "*float32"}, {Name: "n", Type: "int"}}},
			genReluBackward},
	}
}

// unaryOp describes one op of the Unary kernel: its constants, how many
// vectors its routine interleaves (bounded by the registers it needs), and
// the routine, which works in place.
type unaryOp struct {
	needs Needs
	group int
	apply func(e *neon.Emitter, c *Consts, xs []neon.Vreg)
}

// unaryOps holds the ops of Unary by op code.
var unaryOps = [abi.UnaryOps]unaryOp{
	abi.UnaryRelu: {Needs{}, 4, func(e *neon.Emitter, c *Consts, xs []neon.Vreg) {
		for _, x := range xs {
			t := e.Alloc()
			e.FCMLT0(t, x) // x < 0 (false for NaN and -0, which pass through)
			e.BIC(x, x, t) // +0 there
			e.Free(t)
		}
	}},
	abi.UnaryExp: {expNeeds, 4, func(e *neon.Emitter, c *Consts, xs []neon.Vreg) { c.Exp(xs) }},
	abi.UnaryLog: {logNeeds, 2, func(e *neon.Emitter, c *Consts, xs []neon.Vreg) { c.Log(xs) }},
	abi.UnarySqrt: {Needs{}, 4, func(e *neon.Emitter, c *Consts, xs []neon.Vreg) {
		for _, x := range xs {
			e.FSQRT(x, x)
		}
	}},
	abi.UnaryTanh:    {tanhNeeds, 2, func(e *neon.Emitter, c *Consts, xs []neon.Vreg) { c.Tanh(xs) }},
	abi.UnarySigmoid: {sigmoidNeeds, 4, func(e *neon.Emitter, c *Consts, xs []neon.Vreg) { c.Sigmoid(xs) }},
	abi.UnarySin:     {trigNeeds, 2, func(e *neon.Emitter, c *Consts, xs []neon.Vreg) { c.Trig(xs, false) }},
	abi.UnaryCos:     {trigNeeds, 2, func(e *neon.Emitter, c *Consts, xs []neon.Vreg) { c.Trig(xs, true) }},
}

// Register plan: R0 op, R1 dst, R2 x, R3 count, R4 scratch for constants;
// V0-V3 the elements (loaded, transformed in place, stored); the op's
// constants and scratch registers are allocated from V4 up.
func genUnary(e *neon.Emitter, f *neon.Func) {
	const op, dst, x, cnt, tmp neon.Reg = 0, 1, 2, 3, 4
	e.MOVD(f.Arg("op"), op.String())
	e.MOVD(f.Arg("dst"), dst.String())
	e.MOVD(f.Arg("x"), x.String())
	e.MOVD(f.Arg("n"), cnt.String())
	xv := []neon.Vreg{0, 1, 2, 3}
	e.Take(xv...)
	e.SwitchOp(op, len(unaryOps), func(o int) {
		u := unaryOps[o]
		e.Comment("op %d: %s", o, strings.ToLower(abi.UnaryNames[o]))
		c := LoadConsts(e, u.needs, tmp)
		e.Stream(cnt, func(s neon.Step) {
			e.LoadStep(s, x, xv)
			for g := 0; g < s.Vecs; g += u.group {
				u.apply(e, c, xv[g:min(g+u.group, s.Vecs)])
			}
			e.StoreStep(s, dst, xv)
		})
		e.RET()
		c.Free()
	})
}

// Register plan: R0 dst, R1 dy, R2 x, R3 count; V0-V3 dy, V4-V7 x, V8-V11 masks.
func genReluBackward(e *neon.Emitter, f *neon.Func) {
	const dst, dy, x, cnt neon.Reg = 0, 1, 2, 3
	e.MOVD(f.Arg("dst"), dst.String())
	e.MOVD(f.Arg("dy"), dy.String())
	e.MOVD(f.Arg("x"), x.String())
	e.MOVD(f.Arg("n"), cnt.String())
	dv, xv, mv := []neon.Vreg{0, 1, 2, 3}, []neon.Vreg{4, 5, 6, 7}, []neon.Vreg{8, 9, 10, 11}
	e.Stream(cnt, func(s neon.Step) {
		e.LoadStep(s, dy, dv)
		e.LoadStep(s, x, xv)
		for i := 0; i < s.Vecs; i++ {
			e.FCMLE0(mv[i], xv[i])     // x <= 0 (false for NaN)
			e.BIC(dv[i], dv[i], mv[i]) // +0 there, dy elsewhere
		}
		e.StoreStep(s, dst, dv)
	})
	e.RET()
}
