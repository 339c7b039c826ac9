package tensor

import (
	"math"
	"strconv"
)

// Norm returns the p-norm of all elements, as a tensor with zero dimensions:
// torch.linalg.vector_norm(t, p). See NormDim.
func (t *Tensor) Norm(p float64) *Tensor {
	nilReceiver("Norm", t)
	return t.NormDim(p, nil, false)
}

// NormDim returns the p-norm over the given dimensions (all of them if dims
// is empty; negative dims count from the end), keeping them with size 1 if
// keepdim, as torch.linalg.vector_norm(t, p, dims, keepdim):
//
//	p = +Inf:   max |x| (NaN if any x is NaN)
//	p = 1:      sum |x|
//	p = 2:      sqrt(sum x²)
//	other p > 0: (sum |x|^p)^(1/p)
//
// The sums run in float64 and the result is rounded once to float32, so
// unlike PyTorch (whose float32 accumulator overflows to +Inf from |x| of
// about 1.8e19 at p = 2, and underflows to 0 for tiny x) no float32 input
// overflows or underflows an intermediate: the norm of [1e30, 1e30] is
// 1.4142135e30, of [1e-30, 1e-30] 1.4142135e-30. Elsewhere the values agree
// with PyTorch's within float32 rounding.
//
// The gradient is torch 1.13's norm_backward, with its conventions where the
// norm is not differentiable: p = 1: sgn(x)·g (0 at x = 0); p = 2:
// g·x/‖x‖, 0 where the norm is 0; p = +Inf: the gradient is shared evenly
// among the elements whose |x| equals the norm (or is NaN), sgn(x)·g/count
// there, 0 elsewhere; p < 1: sgn(x)·|x|^(p-1)·g·‖x‖^(1-p), 0 at x = 0;
// other p: sgn(x)·|x|^(p-1)·g/‖x‖^(p-1), 0 where the norm is 0.
//
// It panics with a *ShapeError unless p > 0 (p = 0 and negative p, which
// torch also accepts, are not supported), on a bad dimension, and for
// p = +Inf over a dimension of size 0 (no maximum, as torch).
func (t *Tensor) NormDim(p float64, dims []int, keepdim bool) *Tensor {
	nilReceiver("NormDim", t)
	const op = "Norm"
	if !(p > 0) {
		fail(op, "p = ", strconv.FormatFloat(p, 'g', -1, 64), " is not supported (p must be > 0: 1, 2, +Inf or any positive number)")
	}
	var red [MaxDims]bool
	var oshape [MaxDims]int
	shape := t.reduceDims(op, dims, keepdim, &red, &oshape)
	if math.IsInf(p, 1) {
		for i, d := range t.shape {
			if red[i] && d == 0 {
				fail(op, "cannot take the inf-norm over a dimension of size 0 (it has no maximum); the shape is ", shapeStr(t.shape))
			}
		}
	}
	o := Custom(normFunction{}, shape, 0, t)
	mask := 0
	for i := range t.shape {
		if red[i] {
			mask |= 1 << i
		}
	}
	ints := o.Ints()
	ints[0], ints[1] = mask, int(math.Float64bits(p))
	x := t.contiguousData(t.arena)
	y := o.Out().data
	acc := make([]float64, len(y))
	switch {
	case math.IsInf(p, 1):
		forEachKept(t.shape, &red, func(i, j int) {
			if a := math.Abs(float64(x[i])); a != a || a > acc[j] {
				acc[j] = a
			}
		})
	case p == 1:
		forEachKept(t.shape, &red, func(i, j int) { acc[j] += math.Abs(float64(x[i])) })
	case p == 2:
		forEachKept(t.shape, &red, func(i, j int) { v := float64(x[i]); acc[j] += v * v })
	default:
		forEachKept(t.shape, &red, func(i, j int) { acc[j] += math.Pow(math.Abs(float64(x[i])), p) })
	}
	for j, s := range acc {
		switch {
		case p == 2:
			s = math.Sqrt(s)
		case p != 1 && !math.IsInf(p, 1):
			s = math.Pow(s, 1/p)
		}
		y[j] = float32(s)
	}
	return o.Out()
}

// normFunction is the backward of NormDim (Ints: the mask of reduced
// dimensions, the bits of p).
type normFunction struct{}

func (normFunction) Backward(o CustomOp) {
	in := o.Input(0)
	if !in.requiresGrad {
		return
	}
	var red [MaxDims]bool
	mask := o.Ints()[0]
	for i := range in.shape {
		red[i] = mask&(1<<i) != 0
	}
	p := math.Float64frombits(uint64(o.Ints()[1]))
	x := in.contiguousData(in.arena)
	norm, g := o.Out().data, o.Grad()
	dst, acc := o.InputGrad(0)
	put := func(i int, v float64) {
		if acc {
			dst[i] += float32(v)
		} else {
			dst[i] = float32(v)
		}
	}
	var count []float64
	if math.IsInf(p, 1) {
		count = make([]float64, len(norm))
		forEachKept(in.shape, &red, func(i, j int) {
			if a := math.Abs(float64(x[i])); a == float64(norm[j]) || a != a {
				count[j]++
			}
		})
	}
	forEachKept(in.shape, &red, func(i, j int) {
		v, n, gj := float64(x[i]), float64(norm[j]), float64(g[j])
		a := math.Abs(v)
		var d float64
		switch {
		case math.IsInf(p, 1):
			if a == n || a != a {
				d = sgn(v) * gj / count[j]
			}
		case p == 1:
			d = sgn(v) * gj
		case p == 2:
			if n != 0 {
				d = gj * (v / n)
			}
		case p < 1:
			if v != 0 {
				d = sgn(v) * math.Pow(a, p-1) * gj * math.Pow(n, 1-p)
			}
		default:
			if n != 0 {
				d = sgn(v) * math.Pow(a, p-1) * (gj / math.Pow(n, p-1))
			}
		}
		put(i, d)
	})
}

// sgn is torch.sgn for reals: -1, 0 or 1, NaN for NaN.
func sgn(v float64) float64 {
	switch {
	case v > 0:
		return 1
	case v < 0:
		return -1
	case v == 0:
		return 0
	}
	return v
}

// forEachKept calls f(i, j) for every element i (row-major) of a tensor of
// the given shape with j the row-major index of its output once the
// dimensions marked in red are reduced (kept or not: the same order).
func forEachKept(shape []int, red *[MaxDims]bool, f func(i, j int)) {
	nd := len(shape)
	var ost, idx [MaxDims]int
	s := 1
	for d := nd - 1; d >= 0; d-- {
		if !red[d] {
			ost[d] = s
			s *= shape[d]
		}
	}
	n := numel(shape)
	j := 0
	for i := 0; i < n; i++ {
		f(i, j)
		for d := nd - 1; d >= 0; d-- {
			idx[d]++
			j += ost[d]
			if idx[d] < shape[d] {
				break
			}
			j -= ost[d] * shape[d]
			idx[d] = 0
		}
	}
}
