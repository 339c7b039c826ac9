package nn

import (
	"fmt"
	"math"

	"github.com/vecgrad/vecgrad/kernels"
	"github.com/vecgrad/vecgrad/tensor"
)

// Linear is torch.nn.Linear: y = x·Wᵀ + b for x of shape [N, In], with the
// weight W of shape [Out, In] (torch's layout) and the bias b of shape [Out].
type Linear struct {
	In, Out int
	Weight  *tensor.Tensor // [Out, In]
	Bias    *tensor.Tensor // [Out], nil without bias
}

// NewLinear returns a Linear layer from in to out features, initialized as
// torch.nn.Linear's reset_parameters: the weight and then the bias drawn
// uniform in [-1/sqrt(in), 1/sqrt(in)) from g (kaiming_uniform_ with a =
// sqrt(5) reduces to that bound), each in row-major order. It panics with an *Error if in
// or out is not positive (a programming error, as a tensor shape mistake).
func NewLinear(in, out int, g *tensor.Generator) *Linear {
	if in <= 0 || out <= 0 {
		fail("NewLinear", "in = %d and out = %d: the feature counts must be positive", in, out)
	}
	bound := float32(1 / math.Sqrt(float64(in)))
	return &Linear{
		In:     in,
		Out:    out,
		Weight: tensor.Uniform(g, -bound, bound, out, in).SetRequiresGrad(true),
		Bias:   tensor.Uniform(g, -bound, bound, out).SetRequiresGrad(true),
	}
}

// Forward returns x·Wᵀ + b for x of shape [..., In].
//
// A 2-D x (the training case) goes through one custom operation that calls
// kernels.Sgemm with W in its stored [Out, In] layout as the transposed
// operand, so W is never copied, and whose backward writes dW = dYᵀ·X
// straight into W's gradient. It computes exactly what
// x.Matmul(W.Transpose(0, 1)) does, bit for bit (the same Sgemm calls),
// but x.Matmul on a transposed view of a heap parameter would allocate the
// view and its gradient on the Go heap every step, and route dW through a
// strided permute pass. Other ranks take that Matmul path.
func (l *Linear) Forward(x *tensor.Tensor) *tensor.Tensor {
	var y *tensor.Tensor
	if x.Dim() == 2 {
		y = linearNoBias(x, l.Weight)
	} else {
		y = x.Matmul(l.Weight.Transpose(0, 1))
	}
	if l.Bias != nil {
		y = y.Add(l.Bias)
	}
	return y
}

// Parameters returns "weight" and, if present, "bias".
func (l *Linear) Parameters() []Param {
	ps := []Param{{"weight", l.Weight}}
	if l.Bias != nil {
		ps = append(ps, Param{"bias", l.Bias})
	}
	return ps
}

// Train does nothing: Linear behaves alike in both modes.
func (l *Linear) Train(bool) {}

// String describes the layer as torch prints it.
func (l *Linear) String() string {
	return fmt.Sprintf("Linear(in_features=%d, out_features=%d, bias=%v)", l.In, l.Out, l.Bias != nil)
}

// linearNoBias returns x·wᵀ for x [n, in] and w [out, in], as a custom
// operation (see Linear.Forward).
func linearNoBias(x, w *tensor.Tensor) *tensor.Tensor {
	n, in := x.Size(0), x.Size(1)
	out := w.Size(0)
	if w.Size(1) != in {
		fail("Linear", "input of shape [%d %d] for a weight of shape [%d %d] (want %d input features)", n, in, out, w.Size(1), w.Size(1))
	}
	x = x.Contiguous()
	shape := [2]int{n, out}
	op := tensor.Custom(linearBackward{}, shape[:], 0, x, w)
	kernels.Sgemm(false, true, n, out, in, 1, x.Storage(), in, w.Storage(), in, 0, op.Out().Storage(), out)
	return op.Out()
}

// linearBackward: for y = x·wᵀ with upstream gradient g [n, out],
// dx = g·w and dw = gᵀ·x, accumulated with beta 1 when the buffer already
// holds a gradient.
type linearBackward struct{}

func (linearBackward) Backward(op tensor.CustomOp) {
	x, w := op.Input(0), op.Input(1)
	n, in, out := x.Size(0), x.Size(1), w.Size(0)
	g := op.Grad()
	if x.RequiresGrad() {
		dst, acc := op.InputGrad(0)
		kernels.Sgemm(false, false, n, in, out, 1, g, out, w.Storage(), in, beta(acc), dst, in)
	}
	if w.RequiresGrad() {
		dst, acc := op.InputGrad(1)
		kernels.Sgemm(true, false, out, in, n, 1, g, out, x.Storage(), in, beta(acc), dst, in)
	}
}

func beta(acc bool) float32 {
	if acc {
		return 1
	}
	return 0
}
