package nn

import (
	"fmt"
	"slices"
	"strings"

	"github.com/vecgrad/vecgrad/tensor"
)

// LayerNorm is torch.nn.LayerNorm: each sample normalized over its last
// len(Shape) dimensions, (x - mean)/sqrt(var + Eps) with the biased
// variance, then scaled by Weight and shifted by Bias (both of Shape; nil
// without elementwise affine).
type LayerNorm struct {
	Shape  []int
	Eps    float32
	Weight *tensor.Tensor // Shape, ones at first
	Bias   *tensor.Tensor // Shape, zeros at first
}

// NewLayerNorm returns a LayerNorm over the trailing dimensions shape with
// torch's defaults: eps 1e-5, an elementwise affine transform with weight
// ones and bias zeros. It panics with an *Error on an empty shape or a size
// that is not positive.
func NewLayerNorm(shape ...int) *LayerNorm {
	if len(shape) == 0 || len(shape) > tensor.MaxDims {
		fail("NewLayerNorm", "shape %v: want 1 to %d trailing dimensions", shape, tensor.MaxDims)
	}
	for _, d := range shape {
		if d <= 0 {
			fail("NewLayerNorm", "shape %v: every size must be positive", shape)
		}
	}
	return &LayerNorm{
		Shape:  slices.Clone(shape),
		Eps:    1e-5,
		Weight: tensor.Ones(shape...).SetRequiresGrad(true),
		Bias:   tensor.Zeros(shape...).SetRequiresGrad(true),
	}
}

// Forward normalizes x, whose trailing dimensions must equal Shape; it
// panics with an *Error otherwise. It is composed of tensor operations, so
// its gradients are theirs.
func (l *LayerNorm) Forward(x *tensor.Tensor) *tensor.Tensor {
	k, nd := len(l.Shape), x.Dim()
	if nd < k || !slices.Equal(x.Shape()[nd-k:], l.Shape) {
		fail("LayerNorm", "input of shape %v does not end in the normalized shape %v", x.Shape(), l.Shape)
	}
	var dims [tensor.MaxDims]int
	for i := range k {
		dims[i] = nd - k + i
	}
	xc := x.Sub(x.MeanDim(dims[:k], true))
	y := xc.Mul(xc.Mul(xc).MeanDim(dims[:k], true).AddScalar(l.Eps).Pow(-0.5))
	if l.Weight != nil {
		y = y.Mul(l.Weight)
	}
	if l.Bias != nil {
		y = y.Add(l.Bias)
	}
	return y
}

// Parameters returns "weight" and "bias" when present.
func (l *LayerNorm) Parameters() []Param { return affineParams(l.Weight, l.Bias) }

// Train does nothing: LayerNorm behaves alike in both modes.
func (l *LayerNorm) Train(bool) {}

// String is torch's "LayerNorm((4,), eps=1e-05, elementwise_affine=True)".
func (l *LayerNorm) String() string {
	return fmt.Sprintf("LayerNorm(%s, eps=%v, elementwise_affine=%s)", pyTuple(l.Shape), l.Eps, pyBool(l.Weight != nil))
}

// pyTuple formats sizes as a Python tuple: (4,) or (4, 5).
func pyTuple(s []int) string {
	if len(s) == 1 {
		return fmt.Sprintf("(%d,)", s[0])
	}
	parts := make([]string, len(s))
	for i, d := range s {
		parts[i] = fmt.Sprint(d)
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// pyBool is Python's True or False.
func pyBool(b bool) string {
	if b {
		return "True"
	}
	return "False"
}

// affineParams returns "weight" and "bias", each when not nil (the
// normalization layers' elementwise affine transform).
func affineParams(w, b *tensor.Tensor) []Param {
	var ps []Param
	if w != nil {
		ps = append(ps, Param{"weight", w})
	}
	if b != nil {
		ps = append(ps, Param{"bias", b})
	}
	return ps
}
