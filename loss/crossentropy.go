package loss

import (
	"slices"

	"github.com/vecgrad/vecgrad/kernels"
	"github.com/vecgrad/vecgrad/tensor"
)

// CrossEntropyOptions are torch.nn.CrossEntropyLoss's arguments. The zero
// value is torch's default: Mean, no weights, ignore index -100, no label
// smoothing.
type CrossEntropyOptions struct {
	// Reduction is Mean (the zero value), Sum or None.
	Reduction Reduction
	// Weight, if not nil, is a tensor of shape [C]: the weight w_c of each
	// class (torch's weight). Gradients do not flow to it.
	Weight *tensor.Tensor
	// IgnoreIndex is the class-index target value whose samples contribute
	// nothing, neither to the loss nor to Mean's denominator (torch's
	// ignore_index). It applies when HasIgnoreIndex is true; otherwise the
	// ignore index is DefaultIgnoreIndex (-100), as in torch, so that the
	// zero value never ignores class 0.
	IgnoreIndex    int
	HasIgnoreIndex bool
	// LabelSmoothing is ε in [0, 1] (torch's label_smoothing): the target
	// distribution becomes (1-ε)*target + ε/C.
	LabelSmoothing float32
}

func (o *CrossEntropyOptions) ignore() int {
	if o.HasIgnoreIndex {
		return o.IgnoreIndex
	}
	return DefaultIgnoreIndex
}

// CrossEntropy is torch.nn.functional.cross_entropy: the negative
// log-likelihood of the targets under softmax(input) along the class
// dimension, from the logits, with log p_c = x_c - lse and
// lse = log(sum_c exp(x_c)) computed once per row, stably (bitwise as
// kernels.RowLogSumExp: the row maximum is subtracted first, so logits of
// ±1e4 neither overflow nor lose the small ones).
//
// input holds logits of shape [N, C], [C] (one unbatched sample) or
// [N, C, d1, ...] (class dimension 1, one distribution per position). The
// kind of target follows from its shape, as in torch:
//
// Class indices: target has the input's shape without the class dimension
// ([N], [] or [N, d1, ...]) and holds integers in [0, C) or the ignore index,
// as float32 values (exact below 2^24). With ε = LabelSmoothing and w_c the
// class weights (1 without Weight), each non-ignored sample n with class y
// contributes
//
//	l_n = (1-ε) * w_y * (lse - x_y) + (ε/C) * sum_c w_c * (lse - x_c)
//
// and an ignored one 0. Mean divides the sum of l_n by the sum of w_y over
// the non-ignored samples (their count without weights), so a batch whose
// targets are all ignored has the loss NaN, as torch's (and gradient 0).
//
// Class probabilities: target has the input's shape, t_c per sample and
// class (not checked to be a distribution); with t'_c = (1-ε)*t_c + ε/C,
//
//	l_n = sum_c w_c * t'_c * (lse - x_c)
//
// and Mean divides by the number of samples N*d1*... (not by weights). An
// ignore index of 0 or more is an error with probability targets, as torch's.
//
// The result is a scalar for Mean and Sum, of the target's index shape for
// None. The forward's log-sum-exp pass keeps e = exp(x - max) and its row
// sums s, and Backward takes softmax as p = e/s from them (softmax is never
// materialized, and the backward has no exponential): for class indices
// g * ((1-ε)*w_y*(p_c - [c = y]) + (ε/C)*(W*p_c - w_c)) with p = softmax(x),
// W = sum_c w_c and g the upstream gradient (divided by the denominator for
// Mean); for probabilities g * (p_c * sum_k w_k t'_k - w_c t'_c), and the
// target's gradient too when it requires grad. Invalid arguments are an
// *Error: a shape mismatch, a target that is not a class index or the ignore
// index, LabelSmoothing outside [0, 1], a weight of the wrong length, an
// ignore index with probability targets.
func CrossEntropy(input, target *tensor.Tensor, opt CrossEntropyOptions) (*tensor.Tensor, error) {
	const op = "CrossEntropy"
	if input == nil || target == nil {
		return nil, errorf(op, "input and target must not be nil")
	}
	if err := checkReduction(op, opt.Reduction, false); err != nil {
		return nil, err
	}
	if eps := opt.LabelSmoothing; !(eps >= 0 && eps <= 1) {
		return nil, errorf(op, "label_smoothing = %v is outside [0, 1]", eps)
	}
	ci, err := classRows(op, "input", input)
	if err != nil {
		return nil, err
	}
	weight, err := classWeight(op, opt.Weight, ci.c)
	if err != nil {
		return nil, err
	}
	if sameShape(target, input) {
		if opt.HasIgnoreIndex && opt.IgnoreIndex >= 0 {
			return nil, errorf(op, "ignore_index %d is not supported with class-probability targets (the target has the input's shape %v; use a negative ignore index or none)", opt.IgnoreIndex, input.Shape())
		}
		tr, err := classRows(op, "target", target)
		if err != nil {
			return nil, err
		}
		return ceProb(&ci, &tr, weight, opt), nil
	}
	if !hasShape(target, ci.outShape()) {
		return nil, errorf(op, "target of shape %v does not fit input of shape %v (class indices need shape %v, class probabilities %v)",
			target.Shape(), input.Shape(), slices.Clone(ci.outShape()), input.Shape())
	}
	tg := target.Contiguous().Storage()
	if err := checkIndices(op, tg, target, ci.c, opt.ignore()); err != nil {
		return nil, err
	}
	return ceIndex(&ci, target, tg, weight, opt), nil
}

// The saved state of a cross-entropy with class indices over R rows of C
// classes: three scalars, then R values each of lse, w_y, y and the row sums
// s of e = exp(x - max), the C class weights (if any), and e (R*C).
const (
	ceF1 = iota // (1-ε), divided by Mean's denominator
	ceF2        // ε/C, likewise
	ceW         // sum of the class weights (C without weights)
	ceHead
)

// Ints of the class-loss records: rows, classes, whether there are
// weights, whether the reduction is None (one upstream value per row).
const (
	iRows = iota
	iClasses
	iWeighted
	iNone
)

type ceIndexFn struct{}

// ceIndex is the forward with class indices (checked): the log-sum-exp of
// each row of logits (keeping exp(x - max) for the backward), the gathered
// x_y, and with smoothing one more pass for sum_c w_c*(x_c - lse).
func ceIndex(ci *classInput, target *tensor.Tensor, tg []float32, weight []float32, opt CrossEntropyOptions) *tensor.Tensor {
	R, C := ci.rows, ci.c
	var shape []int
	if opt.Reduction == None {
		shape = ci.outShape()
	}
	// The target is an input only so that the result goes to its arena when
	// the logits have none (it needs no gradient, and the backward reads the
	// saved copy).
	o := tensor.Custom(ceIndexFn{}, shape, ceHead+4*R+len(weight)+R*C, ci.x, target)
	s := o.Saved()
	lse, wy, y, se, ws, e := ceState(s, R, C, len(weight))
	copy(ws, weight)
	d := fillIndices(tg, opt.ignore(), weight, y, wy)
	x := ci.x.Storage()
	rowLogSumExp(lse, se, e, o.Scratch(R), x, R, C)

	nll := o.Scratch(R)
	for r := range nll {
		nll[r] = 0
		if k := int(y[r]); k >= 0 {
			nll[r] = wy[r] * (lse[r] - x[r*C+k])
		}
	}
	eps := float64(opt.LabelSmoothing)
	var smooth []float32 // sum_c w_c*(x_c - lse), 0 for ignored rows: minus the smoothing term
	if eps > 0 {
		tmp := o.Scratch(R * C)
		kernels.BinaryColVec(kernels.OpSub, tmp, x, lse, R, C)
		if weight != nil {
			kernels.BinaryRowVec(kernels.OpMul, tmp, tmp, ws, R, C)
		}
		smooth = o.Scratch(R)
		kernels.RowSum(smooth, tmp, R, C)
		for r := range smooth {
			if y[r] < 0 {
				smooth[r] = 0
			}
		}
	}
	f1, f2 := 1-eps, eps/float64(C)
	if opt.Reduction == Mean {
		f1, f2 = f1/d, f2/d
	}
	out := o.Out().Storage()
	switch {
	case opt.Reduction == None && eps == 0:
		copy(out, nll)
	case opt.Reduction == None:
		a, b := float32(1-eps), float32(eps/float64(C))
		for r := range out {
			out[r] = a*nll[r] - b*smooth[r]
		}
	default:
		v := f1 * float64(kernels.Sum(nll))
		if eps > 0 {
			v -= f2 * float64(kernels.Sum(smooth))
		}
		out[0] = float32(v)
	}
	w := float64(C)
	if weight != nil {
		w = 0
		for _, v := range weight {
			w += float64(v)
		}
	}
	s[ceF1], s[ceF2], s[ceW] = float32(f1), float32(f2), float32(w)
	setClassInts(o, R, C, weight != nil, opt.Reduction)
	return o.Out()
}

// ceState splits the saved values of ceIndex.
func ceState(s []float32, R, C, nw int) (lse, wy, y, se, ws, e []float32) {
	a := s[ceHead:]
	return a[:R], a[R : 2*R], a[2*R : 3*R], a[3*R : 4*R], a[4*R : 4*R+nw], a[4*R+nw : 4*R+nw+R*C]
}

func setClassInts(o tensor.CustomOp, rows, c int, weighted bool, r Reduction) {
	in := o.Ints()
	in[iRows], in[iClasses], in[iWeighted], in[iNone] = rows, c, b2i(weighted), b2i(r == None)
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Backward: dx_c = g * (A*p_c - (1-ε)' w_y [c = y] - (ε/C)' w_c) with
// A = (1-ε)' w_y + (ε/C)' W, the primed factors divided by Mean's
// denominator, p_c = e_c/s from the forward's saved exponentials (one pass
// over the row: e times A/s), ignored rows 0.
func (ceIndexFn) Backward(o tensor.CustomOp) {
	in := o.Ints()
	R, C, none := in[iRows], in[iClasses], in[iNone] == 1
	s := o.Saved()
	f1, f2, W := s[ceF1], s[ceF2], s[ceW]
	nw := 0
	if in[iWeighted] == 1 {
		nw = C
	}
	_, wy, y, se, ws, e := ceState(s, R, C, nw)
	g := o.Grad()
	dst, acc := o.InputGrad(0)
	// With acc the gradient is built in scratch memory and added at the end,
	// so that it is rounded exactly as when it is set.
	p := dst
	if acc {
		p = o.Scratch(R * C)
	}
	coefA, coefB := o.Scratch(R), o.Scratch(R)
	for r := 0; r < R; r++ {
		gr := g[0]
		if none {
			gr = g[r]
		}
		if y[r] < 0 {
			coefA[r], coefB[r] = 0, 0
			continue
		}
		coefA[r], coefB[r] = gr*(f1*wy[r]+f2*W)/se[r], gr*f2
	}
	kernels.BinaryColVec(kernels.OpMul, p, e, coefA, R, C)
	switch {
	case f2 == 0:
	case in[iWeighted] == 0:
		kernels.BinaryColVec(kernels.OpSub, p, p, coefB, R, C)
	case none:
		for r := 0; r < R; r++ {
			if coefB[r] != 0 {
				kernels.Axpy(p[r*C:(r+1)*C], -coefB[r], ws)
			}
		}
	default:
		// One g for all rows: subtract the row vector g*f2*w from every row
		// in one call, then clear the ignored rows again.
		bw := o.Scratch(C)
		kernels.BinaryScalar(kernels.OpMul, bw, ws, g[0]*f2)
		kernels.BinaryRowVec(kernels.OpSub, p, p, bw, R, C)
		for r := 0; r < R; r++ {
			if y[r] < 0 {
				kernels.Fill(p[r*C:(r+1)*C], 0)
			}
		}
	}
	for r := 0; r < R; r++ {
		if k := int(y[r]); k >= 0 {
			gr := g[0]
			if none {
				gr = g[r]
			}
			p[r*C+k] -= gr * f1 * wy[r]
		}
	}
	if acc {
		kernels.Binary(kernels.OpAdd, dst, dst, p)
	}
}
