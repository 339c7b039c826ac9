package tensor

import (
	"math"
	"slices"
)

// Masks are float32 tensors, as the comparisons (Eq, Lt, ...) return them:
// an element is true where it is nonzero (NaN counts as true).

// broadcastDense returns t's elements broadcast to shape in row-major
// order: t's own storage when it already has that shape and is contiguous,
// else a copy from ar.
func broadcastDense(ar *Arena, t *Tensor, shape []int) []float32 {
	if slices.Equal(t.shape, shape) && t.IsContiguous() {
		return t.Storage()
	}
	out := ar.floats(numel(shape))
	d, s := svDense(out, shape), svBroadcast(t, shape)
	copyLoop(shape, &d, &s)
	return out
}

// Where returns a where cond is true and b elsewhere, as torch.where(cond,
// a, b): the three shapes broadcast together. The gradient of a is the
// upstream gradient where cond is true (zero elsewhere), that of b the
// rest, each summed over the dimensions it was broadcast along; cond gets
// none. It panics with a *ShapeError if the shapes do not broadcast.
// Recording it costs one small heap allocation (a record holds two inputs
// in place; Where has three).
func Where(cond, a, b *Tensor) *Tensor {
	if cond == nil || a == nil || b == nil {
		fail("Where", "cond, a and b must not be nil")
	}
	var s1, s2 [MaxDims]int
	shape := mustBroadcast("Where", &s2, mustBroadcast("Where", &s1, cond.shape, a.shape), b.shape)
	op := Custom(whereFn{}, shape, 0, a, b, cond)
	out := op.Out()
	ar := out.arena
	c, x, y := broadcastDense(ar, cond, shape), broadcastDense(ar, a, shape), broadcastDense(ar, b, shape)
	for i := range out.data {
		if c[i] != 0 {
			out.data[i] = x[i]
		} else {
			out.data[i] = y[i]
		}
	}
	return out
}

// whereFn routes each upstream element to the side cond picked.
type whereFn struct{}

func (whereFn) Backward(op CustomOp) {
	t := op.t
	ar := t.arena
	c := broadcastDense(ar, t.rec.input(2), t.shape)
	g := t.grad.data
	for side := range 2 {
		in := t.rec.in[side]
		if !in.requiresGrad {
			continue
		}
		addMaskedGrad(ar, in, g, c, side == 0, t.shape)
	}
}

// addMaskedGrad adds to in's gradient the upstream gradient g where mask is
// nonzero (where != 0 is keep) and 0 elsewhere, reduced over the
// dimensions in was broadcast along: the backward of Where's two sides and
// of MaskedFill.
func addMaskedGrad(ar *Arena, in *Tensor, g, mask []float32, keep bool, shape []int) {
	tmp := newTensor(ar, shape)
	for i, v := range g {
		if (mask[i] != 0) != keep {
			v = 0
		}
		tmp.data[i] = v
	}
	addGradReduce(ar, in, tmp)
}

// MaskedFill returns t with v wherever mask is true, as torch.masked_fill:
// t and mask broadcast together. The gradient passes where mask is false.
// It panics with a *ShapeError if the shapes do not broadcast.
func (t *Tensor) MaskedFill(mask *Tensor, v float32) *Tensor {
	if mask == nil {
		fail("MaskedFill", "mask is nil")
	}
	var buf [MaxDims]int
	shape := mustBroadcast("MaskedFill", &buf, t.shape, mask.shape)
	op := Custom(maskedFillFn{}, shape, 0, t, mask)
	out := op.Out()
	ar := out.arena
	m, x := broadcastDense(ar, mask, shape), broadcastDense(ar, t, shape)
	for i := range out.data {
		if m[i] != 0 {
			out.data[i] = v
		} else {
			out.data[i] = x[i]
		}
	}
	return out
}

// maskedFillFn passes the upstream gradient where the mask was false.
type maskedFillFn struct{}

func (maskedFillFn) Backward(op CustomOp) {
	t := op.t
	ar := t.arena
	m := broadcastDense(ar, t.rec.in[1], t.shape)
	addMaskedGrad(ar, t.rec.in[0], t.grad.data, m, false, t.shape)
}

// Clamp returns t with every element limited to [lo, hi], as torch.clamp:
// min(max(x, lo), hi), so that every element is hi when lo > hi, and NaN
// stays NaN. Pass ±Inf for a one-sided clamp (float32(math.Inf(-1))). The
// gradient passes where lo <= x <= hi (the bounds included, as torch's).
// It panics with a *ShapeError if lo or hi is NaN.
func (t *Tensor) Clamp(lo, hi float32) *Tensor {
	if lo != lo || hi != hi {
		fail("Clamp", "bounds ", ftoa(lo), " and ", ftoa(hi), " must not be NaN")
	}
	op := Custom(clampFn{}, t.shape, 0, t)
	out := op.Out()
	args := op.Ints()
	args[0], args[1] = int(math.Float32bits(lo)), int(math.Float32bits(hi))
	x := broadcastDense(out.arena, t, t.shape)
	for i, v := range x {
		if v == v { // NaN passes through
			v = min(max(v, lo), hi)
		}
		out.data[i] = v
	}
	return out
}

// clampFn passes the gradient where the input lay within the bounds.
type clampFn struct{}

func (clampFn) Backward(op CustomOp) {
	t := op.t
	in := t.rec.in[0]
	lo := math.Float32frombits(uint32(t.rec.args[0]))
	hi := math.Float32frombits(uint32(t.rec.args[1]))
	x := broadcastDense(t.arena, in, in.shape)
	dst, acc := in.gradSlot()
	for i, g := range t.grad.data {
		if !(x[i] >= lo && x[i] <= hi) {
			g = 0
		}
		if acc {
			dst[i] += g
		} else {
			dst[i] = g
		}
	}
}
