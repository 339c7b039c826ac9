package loss

import (
	"github.com/vecgrad/vecgrad/kernels"
	"github.com/vecgrad/vecgrad/tensor"
)

// CrossEntropy with class-probability targets (see CrossEntropy).

// The saved state of a cross-entropy with probabilities: two scalars, R
// values each of lse, T = sum_c w_c t'_c and s, the C class weights (if
// any), and e = exp(x - max) (R*C).
const (
	cpF   = iota // 1/N for Mean, else 1
	cpEps        // ε
	cpHead
)

type ceProbFn struct{}

// ceProb is the forward with class probabilities tr (rows like ci).
func ceProb(ci *classInput, tr *classInput, weight []float32, opt CrossEntropyOptions) *tensor.Tensor {
	R, C := ci.rows, ci.c
	var shape []int
	if opt.Reduction == None {
		shape = ci.outShape()
	}
	o := tensor.Custom(ceProbFn{}, shape, cpHead+3*R+len(weight)+R*C, ci.x, tr.x)
	s := o.Saved()
	lse, T, se, ws, e := cpState(s, R, C, len(weight))
	copy(ws, weight)
	x := ci.x.Storage()
	rowLogSumExp(lse, se, e, o.Scratch(R), x, R, C)
	tw := o.Scratch(R * C)
	targetPrime(tw, tr.x.Storage(), opt.LabelSmoothing, ws, R, C)
	kernels.RowSum(T, tw, R, C)
	logp := o.Scratch(R * C)
	kernels.BinaryColVec(kernels.OpSub, logp, x, lse, R, C)
	kernels.Binary(kernels.OpMul, logp, logp, tw)
	l := o.Scratch(R)
	kernels.RowSum(l, logp, R, C)
	for r := range l {
		l[r] = -l[r]
	}
	f := 1.0
	if opt.Reduction == Mean {
		f = 1 / float64(R)
	}
	reduceTo(o.Out().Storage(), l, opt.Reduction, float64(R))
	s[cpF], s[cpEps] = float32(f), opt.LabelSmoothing
	setClassInts(o, R, C, weight != nil, opt.Reduction)
	return o.Out()
}

// cpState splits the saved values of ceProb.
func cpState(s []float32, R, C, nw int) (lse, T, se, ws, e []float32) {
	a := s[cpHead:]
	return a[:R], a[R : 2*R], a[2*R : 3*R], a[3*R : 3*R+nw], a[3*R+nw : 3*R+nw+R*C]
}

// targetPrime sets tw = ((1-ε)*t + ε/C) * w (w omitted when empty).
func targetPrime(tw, t []float32, eps float32, w []float32, R, C int) {
	if eps > 0 {
		kernels.BinaryScalar(kernels.OpMul, tw, t, 1-eps)
		kernels.BinaryScalar(kernels.OpAdd, tw, tw, eps/float32(C))
	} else {
		copy(tw, t)
	}
	if len(w) > 0 {
		kernels.BinaryRowVec(kernels.OpMul, tw, tw, w, R, C)
	}
}

// Backward: dx_c = g' * (p_c*T - w_c t'_c), p_c = e_c/s, and, for a target that requires
// grad, dt_c = -g' * (1-ε) * w_c * (x_c - lse), with g' the upstream
// gradient times 1/N for Mean.
func (ceProbFn) Backward(o tensor.CustomOp) {
	in := o.Ints()
	R, C, none := in[iRows], in[iClasses], in[iNone] == 1
	s := o.Saved()
	f, eps := s[cpF], s[cpEps]
	nw := 0
	if in[iWeighted] == 1 {
		nw = C
	}
	lse, T, se, ws, e := cpState(s, R, C, nw)
	x, t := o.Input(0).Storage(), o.Input(1).Storage()
	g := o.Grad()
	gf := o.Scratch(R) // g' per row
	for r := range gf {
		if none {
			gf[r] = g[r] * f
		} else {
			gf[r] = g[0] * f
		}
	}
	if o.Input(0).RequiresGrad() {
		dst, acc := o.InputGrad(0)
		p := o.Scratch(R * C)
		coef := o.Scratch(R)
		kernels.Binary(kernels.OpMul, coef, gf, T)
		kernels.Binary(kernels.OpDiv, coef, coef, se)
		kernels.BinaryColVec(kernels.OpMul, p, e, coef, R, C)
		tw := o.Scratch(R * C)
		targetPrime(tw, t, eps, ws, R, C)
		kernels.BinaryColVec(kernels.OpMul, tw, tw, gf, R, C)
		if acc {
			kernels.BinaryAcc(kernels.OpSub, dst, p, tw)
		} else {
			kernels.Binary(kernels.OpSub, dst, p, tw)
		}
	}
	if o.NumInputs() > 1 && o.Input(1).RequiresGrad() {
		dst, acc := o.InputGrad(1)
		lp := o.Scratch(R * C)
		kernels.BinaryColVec(kernels.OpSub, lp, x, lse, R, C)
		if len(ws) > 0 {
			kernels.BinaryRowVec(kernels.OpMul, lp, lp, ws, R, C)
		}
		for r := range gf {
			gf[r] *= -(1 - eps)
		}
		if acc {
			kernels.BinaryColVecAcc(kernels.OpMul, dst, lp, gf, R, C)
		} else {
			kernels.BinaryColVec(kernels.OpMul, dst, lp, gf, R, C)
		}
	}
}
