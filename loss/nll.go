package loss

import (
	"slices"

	"github.com/vecgrad/vecgrad/kernels"
	"github.com/vecgrad/vecgrad/tensor"
)

// NLLOptions are torch.nn.NLLLoss's arguments. The zero value is torch's
// default: Mean, no weights, ignore index -100.
type NLLOptions struct {
	// Reduction is Mean (the zero value), Sum or None.
	Reduction Reduction
	// Weight, if not nil, is a tensor of shape [C]: the weight w_c of each
	// class. Gradients do not flow to it.
	Weight *tensor.Tensor
	// IgnoreIndex is the target value whose samples contribute nothing; it
	// applies when HasIgnoreIndex is true, otherwise DefaultIgnoreIndex
	// (-100) does, as in torch.
	IgnoreIndex    int
	HasIgnoreIndex bool
}

func (o *NLLOptions) ignore() int {
	if o.HasIgnoreIndex {
		return o.IgnoreIndex
	}
	return DefaultIgnoreIndex
}

// NLL is torch.nn.functional.nll_loss: input holds log-probabilities of
// shape [N, C], [C] (unbatched) or [N, C, d1, ...] (class dimension 1), and
// target the class indices, of the input's shape without the class
// dimension, as float32 integers in [0, C) or the ignore index. Sample n
// with class y contributes
//
//	l_n = -w_y * x[n, y]
//
// (w_y = 1 without Weight, l_n = 0 where the target is ignored). Sum adds
// them; Mean divides the sum by the sum of w_y over the non-ignored samples,
// so Mean over a batch whose targets are all ignored is NaN, as torch's
// (with gradient 0). None returns l of the target's shape. The gradient of
// x[n, y] is -w_y times the upstream gradient (over the denominator for
// Mean); every other element's is 0. Invalid arguments are an *Error:
// shapes that do not fit, a target that is not a class index or the ignore
// index, a weight of the wrong length.
func NLL(input, target *tensor.Tensor, opt NLLOptions) (*tensor.Tensor, error) {
	const op = "NLL"
	if input == nil || target == nil {
		return nil, errorf(op, "input and target must not be nil")
	}
	if err := checkReduction(op, opt.Reduction, false); err != nil {
		return nil, err
	}
	ci, err := classRows(op, "input", input)
	if err != nil {
		return nil, err
	}
	weight, err := classWeight(op, opt.Weight, ci.c)
	if err != nil {
		return nil, err
	}
	if !hasShape(target, ci.outShape()) {
		return nil, errorf(op, "target of shape %v does not fit input of shape %v (class indices need shape %v)",
			target.Shape(), input.Shape(), slices.Clone(ci.outShape()))
	}
	tg := target.Contiguous().Storage()
	ignore := opt.ignore()
	if err := checkIndices(op, tg, target, ci.c, ignore); err != nil {
		return nil, err
	}
	R, C := ci.rows, ci.c
	var shape []int
	if opt.Reduction == None {
		shape = ci.outShape()
	}
	// Saved: the factor of Mean (1/denominator, else 1), then w_y and y per row.
	o := tensor.Custom(nllFn{}, shape, 1+2*R, ci.x, target) // target: for its arena, as in CrossEntropy
	s := o.Saved()
	wy, y := s[1:1+R], s[1+R:1+2*R]
	d := fillIndices(tg, ignore, weight, y, wy)
	x := ci.x.Storage()
	l := o.Scratch(R)
	for r := range l {
		l[r] = 0
		if k := int(y[r]); k >= 0 {
			l[r] = -wy[r] * x[r*C+k]
		}
	}
	reduceTo(o.Out().Storage(), l, opt.Reduction, d)
	s[0] = 1
	if opt.Reduction == Mean {
		s[0] = float32(1 / d)
	}
	setClassInts(o, R, C, weight != nil, opt.Reduction)
	return o.Out(), nil
}

type nllFn struct{}

// Backward: dx[n, y] = -w_y * g * f, everything else 0.
func (nllFn) Backward(o tensor.CustomOp) {
	in := o.Ints()
	R, C, none := in[iRows], in[iClasses], in[iNone] == 1
	s := o.Saved()
	f, wy, y := s[0], s[1:1+R], s[1+R:1+2*R]
	g := o.Grad()
	dst, acc := o.InputGrad(0)
	if !acc {
		kernels.Fill(dst, 0)
	}
	for r := 0; r < R; r++ {
		if k := int(y[r]); k >= 0 {
			gr := g[0]
			if none {
				gr = g[r]
			}
			dst[r*C+k] -= wy[r] * (gr * f)
		}
	}
}
