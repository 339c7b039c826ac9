package loss

import (
	"github.com/vecgrad/vecgrad/kernels"
	"github.com/vecgrad/vecgrad/tensor"
)

// MSE is torch.nn.functional.mse_loss: the squared error
//
//	l_i = (x_i - t_i)^2
//
// of input x and target t of the same shape, summed (Sum), averaged over
// all elements (Mean) or returned in the input's shape (None). Gradients
// flow to both: dx_i = 2*(x_i - t_i)*g_i (g over the element count for
// Mean) and dt_i = -dx_i. Tensors of different shapes are an *Error (torch
// would broadcast them, with a warning that this is likely a mistake).
func MSE(input, target *tensor.Tensor, r Reduction) (*tensor.Tensor, error) {
	o, xs, ts, err := pointwise("MSE", msePair{}, input, target, r)
	if err != nil {
		return nil, err
	}
	diff := o.Scratch(len(xs))
	kernels.Binary(kernels.OpSub, diff, xs, ts)
	out := o.Out().Storage()
	switch r {
	case None:
		kernels.Binary(kernels.OpMul, out, diff, diff)
	case Sum:
		out[0] = kernels.SumSq(diff)
	default:
		out[0] = float32(float64(kernels.SumSq(diff)) / float64(len(diff)))
	}
	return o.Out(), nil
}

type msePair struct{}

// Backward: dx = 2*f*g*(x - t), dt = -dx.
func (msePair) Backward(o tensor.CustomOp) {
	diff, g, f, none := pointwiseGrad(o)
	for i := 0; i < 2; i++ {
		if !o.Input(i).RequiresGrad() {
			continue
		}
		dst, acc := o.InputGrad(i)
		a := 2 * f
		if i == 1 {
			a = -a
		}
		switch {
		case none:
			tmp := o.Scratch(len(diff))
			kernels.Binary(kernels.OpMul, tmp, diff, g)
			scaleInto(dst, acc, a, tmp)
		default:
			scaleInto(dst, acc, a*g[0], diff)
		}
	}
}

// scaleInto sets or (acc) adds a*x to dst.
func scaleInto(dst []float32, acc bool, a float32, x []float32) {
	if acc {
		kernels.Axpy(dst, a, x)
	} else {
		kernels.Scale(dst, a, x)
	}
}

// pointwise checks and prepares the operands of MSE, L1 and KLDiv: equal
// shapes, contiguous copies where needed (recorded, so gradients flow back
// through them), the result of the reduction's shape; it returns the
// operation and the elements of both operands.
func pointwise(op string, fn tensor.Function, input, target *tensor.Tensor, r Reduction) (o tensor.CustomOp, xs, ts []float32, err error) {
	if input == nil || target == nil {
		return o, nil, nil, errorf(op, "input and target must not be nil")
	}
	if err := checkReduction(op, r, op == "KLDiv"); err != nil {
		return o, nil, nil, err
	}
	if !sameShape(input, target) {
		return o, nil, nil, errorf(op, "input of shape %v and target of shape %v differ (the shapes must be equal)", input.Shape(), target.Shape())
	}
	x, t := input.Contiguous(), target.Contiguous()
	var shape [tensor.MaxDims]int
	nd := 0
	if r == None {
		nd = input.Dim()
		for i := range nd {
			shape[i] = input.Size(i)
		}
	}
	// Saved: the factor of the reduction (1/n for Mean, 1/N for BatchMean).
	o = tensor.Custom(fn, shape[:nd], 1, x, t)
	f := 1.0
	switch r {
	case Mean:
		f = 1 / float64(x.Numel())
	case BatchMean:
		if input.Dim() > 0 {
			f = 1 / float64(input.Size(0))
		}
	}
	o.Saved()[0] = float32(f)
	o.Ints()[iNone] = b2i(r == None)
	return o, x.Storage(), t.Storage(), nil
}

// pointwiseGrad returns, in a backward of MSE or L1, x - t (recomputed),
// the upstream gradient, the reduction's factor and whether it is None.
func pointwiseGrad(o tensor.CustomOp) (diff, g []float32, f float32, none bool) {
	x, t := o.Input(0).Storage(), o.Input(1).Storage()
	diff = o.Scratch(len(x))
	kernels.Binary(kernels.OpSub, diff, x, t)
	return diff, o.Grad(), o.Saved()[0], o.Ints()[iNone] == 1
}
