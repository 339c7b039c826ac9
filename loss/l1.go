package loss

import (
	"github.com/vecgrad/vecgrad/kernels"
	"github.com/vecgrad/vecgrad/tensor"
)

// L1 is torch.nn.functional.l1_loss: the absolute error
//
//	l_i = |x_i - t_i|
//
// of input x and target t of the same shape, summed (Sum), averaged over
// all elements (Mean) or returned in the input's shape (None). Gradients
// flow to both: dx_i = sign(x_i - t_i)*g_i (sign(0) = 0, as torch's; g over
// the element count for Mean) and dt_i = -dx_i. Tensors of different shapes
// are an *Error.
func L1(input, target *tensor.Tensor, r Reduction) (*tensor.Tensor, error) {
	o, xs, ts, err := pointwise("L1", l1Pair{}, input, target, r)
	if err != nil {
		return nil, err
	}
	diff := o.Scratch(len(xs))
	kernels.Binary(kernels.OpSub, diff, xs, ts)
	for i, v := range diff {
		if v < 0 {
			diff[i] = -v
		}
	}
	reduceTo(o.Out().Storage(), diff, r, float64(len(diff)))
	return o.Out(), nil
}

type l1Pair struct{}

// Backward: dx = sign(x - t)*g*f, dt = -dx.
func (l1Pair) Backward(o tensor.CustomOp) {
	diff, g, f, none := pointwiseGrad(o)
	for i, v := range diff {
		gi := g[0]
		if none {
			gi = g[i]
		}
		switch {
		case v > 0:
			diff[i] = gi * f
		case v < 0:
			diff[i] = -(gi * f)
		case v == 0:
			diff[i] = 0
		} // NaN stays NaN
	}
	for i := 0; i < 2; i++ {
		if !o.Input(i).RequiresGrad() {
			continue
		}
		dst, acc := o.InputGrad(i)
		a := float32(1)
		if i == 1 {
			a = -1
		}
		scaleInto(dst, acc, a, diff)
	}
}
