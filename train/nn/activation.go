package nn

import (
	"fmt"
	"math"

	"github.com/vecgrad/vecgrad/tensor"
)

// Tanh is torch.nn.Tanh: tanh(x) elementwise.
type Tanh struct{}

// Forward returns x.Tanh().
func (Tanh) Forward(x *tensor.Tensor) *tensor.Tensor { return x.Tanh() }

// Parameters returns none.
func (Tanh) Parameters() []Param { return nil }

// Train does nothing.
func (Tanh) Train(bool) {}

// String is torch's "Tanh()".
func (Tanh) String() string { return "Tanh()" }

// Sigmoid is torch.nn.Sigmoid: 1/(1+e^-x) elementwise.
type Sigmoid struct{}

// Forward returns x.Sigmoid().
func (Sigmoid) Forward(x *tensor.Tensor) *tensor.Tensor { return x.Sigmoid() }

// Parameters returns none.
func (Sigmoid) Parameters() []Param { return nil }

// Train does nothing.
func (Sigmoid) Train(bool) {}

// String is torch's "Sigmoid()".
func (Sigmoid) String() string { return "Sigmoid()" }

// Softmax is torch.nn.Softmax(dim): x.Softmax(Dim).
type Softmax struct{ Dim int }

// Forward returns x.Softmax(s.Dim).
func (s Softmax) Forward(x *tensor.Tensor) *tensor.Tensor { return x.Softmax(s.Dim) }

// Parameters returns none.
func (Softmax) Parameters() []Param { return nil }

// Train does nothing.
func (Softmax) Train(bool) {}

// String is torch's "Softmax(dim=1)".
func (s Softmax) String() string { return fmt.Sprintf("Softmax(dim=%d)", s.Dim) }

// LogSoftmax is torch.nn.LogSoftmax(dim): x.LogSoftmax(Dim).
type LogSoftmax struct{ Dim int }

// Forward returns x.LogSoftmax(s.Dim).
func (s LogSoftmax) Forward(x *tensor.Tensor) *tensor.Tensor { return x.LogSoftmax(s.Dim) }

// Parameters returns none.
func (LogSoftmax) Parameters() []Param { return nil }

// Train does nothing.
func (LogSoftmax) Train(bool) {}

// String is torch's "LogSoftmax(dim=1)".
func (s LogSoftmax) String() string { return fmt.Sprintf("LogSoftmax(dim=%d)", s.Dim) }

// LeakyReLU is torch.nn.LeakyReLU: x where x > 0, NegativeSlope*x elsewhere.
// The zero value has slope 0 (a ReLU); NewLeakyReLU gives torch's default.
type LeakyReLU struct{ NegativeSlope float32 }

// NewLeakyReLU returns a LeakyReLU with torch's default slope, 0.01.
func NewLeakyReLU() LeakyReLU { return LeakyReLU{NegativeSlope: 0.01} }

// Forward returns the leaky rectification of x; its gradient is the
// upstream gradient where x > 0 and NegativeSlope times it elsewhere (at 0
// too, as torch's).
func (l LeakyReLU) Forward(x *tensor.Tensor) *tensor.Tensor {
	return pointwise(leakyFn{}, x, l.NegativeSlope, func(v, s float32) float32 {
		if v > 0 {
			return v
		}
		return v * s
	})
}

type leakyFn struct{}

func (leakyFn) Backward(op tensor.CustomOp) {
	pointwiseBackward(op, func(x, g, s float32) float32 {
		if x > 0 {
			return g
		}
		return g * s
	})
}

// Parameters returns none.
func (LeakyReLU) Parameters() []Param { return nil }

// Train does nothing.
func (LeakyReLU) Train(bool) {}

// String is torch's "LeakyReLU(negative_slope=0.01)".
func (l LeakyReLU) String() string {
	return fmt.Sprintf("LeakyReLU(negative_slope=%v)", l.NegativeSlope)
}

// GELU is torch.nn.GELU: x·Φ(x) with Φ the standard normal distribution
// function, x/2·(1 + erf(x/√2)) (torch's approximate="none", the zero
// value), or with Approximate "tanh" x/2·(1 + tanh(√(2/π)·(x + 0.044715x³))).
// Each element is computed in float64 and rounded once, so it is within an
// ulp or two of torch's float32 result.
type GELU struct{ Approximate string }

// Forward returns GELU(x); its gradient is that of the chosen formula.
func (a GELU) Forward(x *tensor.Tensor) *tensor.Tensor {
	switch a.Approximate {
	case "", "none":
		return pointwise(geluFn{}, x, 0, func(v, _ float32) float32 { return float32(geluExact(float64(v))) })
	case "tanh":
		return pointwise(geluFn{}, x, 1, func(v, _ float32) float32 { return float32(geluTanh(float64(v))) })
	}
	fail("GELU", "approximate = %q: want \"none\" (or empty) or \"tanh\"", a.Approximate)
	return nil
}

func geluExact(x float64) float64 { return 0.5 * x * (1 + math.Erf(x/math.Sqrt2)) }

const geluK = 0.7978845608028654 // √(2/π)

// The float64() conversions round each product, so that no architecture
// fuses a multiply-add (the results must not depend on the ISA).
func geluTanh(x float64) float64 {
	return 0.5 * x * (1 + math.Tanh(geluK*(x+float64(0.044715*x*x*x))))
}

type geluFn struct{}

// Backward: d/dx x·Φ(x) = Φ(x) + x·φ(x); for the tanh form, with
// u = √(2/π)(x + 0.044715x³) and t = tanh(u),
// ½(1+t) + ½x(1-t²)·√(2/π)(1 + 3·0.044715x²).
func (geluFn) Backward(op tensor.CustomOp) {
	pointwiseBackward(op, func(x, g, tanhForm float32) float32 {
		v := float64(x)
		var d float64
		if tanhForm != 0 {
			t := math.Tanh(geluK * (v + float64(0.044715*v*v*v)))
			d = float64(0.5*(1+t)) + float64(0.5*v*(1-float64(t*t))*geluK*(1+float64(3*0.044715*v*v)))
		} else {
			d = float64(0.5*(1+math.Erf(v/math.Sqrt2))) + float64(v*math.Exp(-0.5*v*v)/math.Sqrt(2*math.Pi))
		}
		return float32(float64(g) * d)
	})
}

// String is torch's "GELU(approximate='none')".
func (a GELU) String() string {
	ap := a.Approximate
	if ap == "" {
		ap = "none"
	}
	return fmt.Sprintf("GELU(approximate='%s')", ap)
}

// Parameters returns none.
func (GELU) Parameters() []Param { return nil }

// Train does nothing.
func (GELU) Train(bool) {}

// pointwise applies f(v, p) to every element of x as a custom operation
// with backward fn, keeping p (in the operation's integers, as float32
// bits) for the backward.
func pointwise(fn tensor.Function, x *tensor.Tensor, p float32, f func(v, p float32) float32) *tensor.Tensor {
	x = x.Contiguous()
	var dims [tensor.MaxDims]int
	for i := range x.Dim() {
		dims[i] = x.Size(i)
	}
	op := tensor.Custom(fn, dims[:x.Dim()], 0, x)
	op.Ints()[0] = int(math.Float32bits(p))
	in, out := x.Storage(), op.Out().Storage()
	for i, v := range in {
		out[i] = f(v, p)
	}
	return op.Out()
}

// pointwiseBackward sets or adds d(x, g, p) to the input's gradient, for
// each input element x and upstream gradient g.
func pointwiseBackward(op tensor.CustomOp, d func(x, g, p float32) float32) {
	p := math.Float32frombits(uint32(op.Ints()[0]))
	x, g := op.Input(0).Storage(), op.Grad()
	dst, acc := op.InputGrad(0)
	for i := range dst {
		v := d(x[i], g[i], p)
		if acc {
			dst[i] += v
		} else {
			dst[i] = v
		}
	}
}
