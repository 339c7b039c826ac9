package tensor

import (
	"math"

	"github.com/vecgrad/vecgrad/kernels"
)

// unaryKind is an elementwise function of one tensor.
type unaryKind uint8

const (
	uNeg unaryKind = iota
	uExp
	uLog
	uSqrt
	uRelu
	uSigmoid
	uTanh
	uAbs
	uPow
	uSin
	uCos
)

var unaryNames = [...]string{uNeg: "Neg", uExp: "Exp", uLog: "Log", uSqrt: "Sqrt", uRelu: "Relu",
	uSigmoid: "Sigmoid", uTanh: "Tanh", uAbs: "Abs", uPow: "Pow", uSin: "Sin", uCos: "Cos"}

// unary is the forward of every elementwise function: the kernels where
// they have the function, a Go loop otherwise.
func (t *Tensor) unary(k unaryKind, p float32) *Tensor {
	nilReceiver(unaryNames[k], t)
	ar := t.arena
	out := newTensor(ar, t.shape)
	y := out.data
	switch k {
	case uNeg, uExp, uLog, uSqrt, uRelu, uSigmoid, uTanh, uSin, uCos:
		x := t.contiguousData(ar)
		switch k {
		case uNeg:
			kernels.Scale(y, -1, x)
		case uExp:
			kernels.Exp(y, x)
		case uLog:
			kernels.Log(y, x)
		case uSqrt:
			kernels.Sqrt(y, x)
		case uRelu:
			kernels.Relu(y, x)
		case uSigmoid:
			kernels.Sigmoid(y, x)
		case uTanh:
			kernels.Tanh(y, x)
		case uSin:
			kernels.Sin(y, x)
		case uCos:
			kernels.Cos(y, x)
		}
	default:
		d, x := svDense(y, t.shape), svOf(t)
		mapLoop(t.shape, &d, &x, mapKind(k), p)
	}
	if record1(out, opUnary, t) {
		out.rec.uk, out.rec.f = k, p
	}
	return out
}

// Neg returns -t.
func (t *Tensor) Neg() *Tensor { return t.unary(uNeg, 0) }

// Exp returns e^t elementwise (kernels.Exp: at most 1.011 ulp from exact).
func (t *Tensor) Exp() *Tensor { return t.unary(uExp, 0) }

// Log returns the natural logarithm elementwise (NaN below 0, -Inf at 0).
func (t *Tensor) Log() *Tensor { return t.unary(uLog, 0) }

// Sqrt returns the square root elementwise, correctly rounded.
func (t *Tensor) Sqrt() *Tensor { return t.unary(uSqrt, 0) }

// Relu returns max(t, 0) elementwise, as torch.relu (NaN passes through).
func (t *Tensor) Relu() *Tensor { return t.unary(uRelu, 0) }

// Sigmoid returns 1/(1+e^-t) elementwise.
func (t *Tensor) Sigmoid() *Tensor { return t.unary(uSigmoid, 0) }

// Tanh returns tanh(t) elementwise.
func (t *Tensor) Tanh() *Tensor { return t.unary(uTanh, 0) }

// Sin returns sin(t) elementwise, radians (kernels.Sin: at most 1.560 ulp
// from exact; sin(-0) = -0, NaN and ±Inf give NaN). Its gradient is g*cos(t).
func (t *Tensor) Sin() *Tensor { return t.unary(uSin, 0) }

// Cos returns cos(t) elementwise, radians (kernels.Cos: at most 1.562 ulp
// from exact; NaN and ±Inf give NaN). Its gradient is
// -g*sin(t).
func (t *Tensor) Cos() *Tensor { return t.unary(uCos, 0) }

// Abs returns |t| elementwise; its gradient at 0 is 0, as torch's.
func (t *Tensor) Abs() *Tensor { return t.unary(uAbs, 0) }

// Pow returns t^p elementwise, as torch.pow with a scalar exponent: x*x for
// p = 2, x*x*x for 3, sqrt for 0.5, 1/sqrt for -0.5, 1/x for -1, 1/(x*x) for
// -2 (the exponents PyTorch special-cases), otherwise math.Pow in float64
// rounded to float32 (within an ulp of PyTorch's powf).
func (t *Tensor) Pow(p float32) *Tensor { return t.unary(uPow, p) }

// mapKind is a Go-loop elementwise function (the unaryKinds the kernels lack).
type mapKind unaryKind

func mapOne(k mapKind, x, p float32) float32 {
	switch unaryKind(k) {
	case uAbs:
		return math.Float32frombits(math.Float32bits(x) &^ (1 << 31))
	case uPow:
		return pow32(x, p)
	}
	panic("tensor: unknown map kind")
}

func pow32(x, p float32) float32 {
	switch p {
	case 0:
		return 1
	case 1:
		return x
	case 2:
		return x * x
	case 3:
		return float32(x*x) * x
	case 0.5:
		return float32(math.Sqrt(float64(x)))
	case -0.5:
		return 1 / float32(math.Sqrt(float64(x)))
	case -1:
		return 1 / x
	case -2:
		return 1 / float32(x*x)
	}
	return float32(math.Pow(float64(x), float64(p)))
}

// unaryBackward: d(-x) = -g, d(e^x) = g*y, d(log x) = g/x,
// d(sqrt x) = g/(2y), d(relu x) = g where x > 0, d(sigmoid x) = g*y*(1-y),
// d(tanh x) = g*(1-y*y), d(|x|) = g*sign(x), d(x^p) = g*p*x^(p-1),
// d(sin x) = g*cos(x), d(cos x) = g*(-sin(x)) (torch's grad * -sin: the
// product of g and the negated sine); y is the forward's result.
func unaryBackward(t *Tensor) {
	in := t.rec.in[0]
	ar := t.arena
	g, y := t.grad.data, t.data[t.offset:t.offset+t.Numel()]
	dst, acc := in.gradSlot()
	k, p := t.rec.uk, t.rec.f
	switch k {
	case uNeg:
		scalarOpSlice(kernels.OpMul, acc, dst, g, -1)
		return
	case uExp:
		binarySlice(kernels.OpMul, acc, dst, g, y)
		return
	case uRelu:
		if !acc {
			kernels.ReluBackward(dst, g, y)
			return
		}
		tmp := ar.floats(len(g))
		kernels.ReluBackward(tmp, g, y)
		kernels.Binary(kernels.OpAdd, dst, dst, tmp)
		return
	case uLog:
		binarySlice(kernels.OpDiv, acc, dst, g, in.contiguousData(ar))
		return
	case uSin, uCos:
		x := in.contiguousData(ar)
		d := ar.floats(len(g))
		if k == uSin {
			kernels.Cos(d, x)
		} else {
			kernels.Sin(d, x)
			kernels.Scale(d, -1, d)
		}
		binarySlice(kernels.OpMul, acc, dst, g, d)
		return
	}
	var x []float32
	if k == uAbs || k == uPow {
		x = in.contiguousData(ar)
	}
	for i := range g {
		var v float32
		switch k {
		case uSqrt:
			v = g[i] / float32(2*y[i])
		case uSigmoid:
			v = float32(g[i]*y[i]) * float32(1-y[i])
		case uTanh:
			v = g[i] * float32(1-float32(y[i]*y[i]))
		case uAbs:
			switch {
			case x[i] > 0:
				v = g[i]
			case x[i] < 0:
				v = -g[i]
			case x[i] == 0:
				v = 0
			default:
				v = x[i] // NaN
			}
		case uPow:
			if p == 0 {
				v = 0
			} else {
				v = g[i] * float32(p*pow32(x[i], p-1))
			}
		}
		if acc {
			dst[i] += float32(v) // the conversion keeps v rounded: no fused multiply-add on any architecture
		} else {
			dst[i] = v
		}
	}
}

// binarySlice sets or adds op(a, b) on equal-length contiguous slices.
func binarySlice(op kernels.BinaryOp, acc bool, dst, a, b []float32) {
	if acc {
		kernels.BinaryAcc(op, dst, a, b)
	} else {
		kernels.Binary(op, dst, a, b)
	}
}
