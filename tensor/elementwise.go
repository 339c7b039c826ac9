package tensor

import (
	"slices"

	"github.com/vecgrad/vecgrad/kernels"
)

// binary is the forward of the broadcasting binary operations.
func (t *Tensor) binary(name string, op kernels.BinaryOp, b *Tensor) *Tensor {
	nilReceiver(name, t)
	nilArg(name, "b", b)
	var buf [MaxDims]int
	shape := mustBroadcast(name, &buf, t.shape, b.shape)
	ar := t.arena
	if ar == nil {
		ar = b.arena
	}
	out := newTensor(ar, shape)
	d, x, y := svDense(out.data, shape), svBroadcast(t, shape), svBroadcast(b, shape)
	binaryLoop(op, false, shape, &d, &x, &y)
	if record2(out, opBinary, t, b) {
		out.rec.bop = op
	}
	return out
}

// Add returns t + b, broadcasting as PyTorch (see BroadcastShapes); it panics
// with a *ShapeError naming both shapes if they do not broadcast.
func (t *Tensor) Add(b *Tensor) *Tensor { return t.binary("Add", kernels.OpAdd, b) }

// Sub returns t - b, broadcasting.
func (t *Tensor) Sub(b *Tensor) *Tensor { return t.binary("Sub", kernels.OpSub, b) }

// Mul returns the elementwise product t * b, broadcasting.
func (t *Tensor) Mul(b *Tensor) *Tensor { return t.binary("Mul", kernels.OpMul, b) }

// Div returns t / b, broadcasting.
func (t *Tensor) Div(b *Tensor) *Tensor { return t.binary("Div", kernels.OpDiv, b) }

// Maximum returns the elementwise maximum, broadcasting, as torch.maximum:
// NaN propagates from either side; the gradient of a tie is split evenly.
func (t *Tensor) Maximum(b *Tensor) *Tensor { return t.binary("Maximum", kernels.OpMax, b) }

// Minimum returns the elementwise minimum, broadcasting, as torch.minimum.
func (t *Tensor) Minimum(b *Tensor) *Tensor { return t.binary("Minimum", kernels.OpMin, b) }

// binaryBackward: d(a+b) = (g, g), d(a-b) = (g, -g), d(a*b) = (g*b, g*a),
// d(a/b) = (g/b, -g*a/b/b); maximum and minimum send g to the selected side
// and g/2 to each side of a tie. Each gradient is summed over the dimensions
// its input was broadcast along.
func binaryBackward(t *Tensor) {
	a, b := t.rec.in[0], t.rec.in[1]
	shape, ar := t.shape, t.arena
	g := t.grad
	for side, in := range [2]*Tensor{a, b} {
		if !in.requiresGrad {
			continue
		}
		other := b
		if side == 1 {
			other = a
		}
		op := t.rec.bop
		if op == kernels.OpAdd || (op == kernels.OpSub && side == 0) {
			addGradReduce(ar, in, g)
			continue
		}
		gs, os := svDense(g.data, shape), svBroadcast(other, shape)
		direct := slices.Equal(in.shape, shape)
		if direct && (op == kernels.OpMul || (op == kernels.OpDiv && side == 0)) {
			dst, acc := in.gradSlot()
			d := svDense(dst, shape)
			binaryLoop(op, acc, shape, &d, &gs, &os)
			continue
		}
		tmp := newTensor(ar, shape)
		d := svDense(tmp.data, shape)
		switch op {
		case kernels.OpSub: // side 1
			kernels.Scale(tmp.data, -1, g.data)
		case kernels.OpMul:
			binaryLoop(kernels.OpMul, false, shape, &d, &gs, &os)
		case kernels.OpDiv:
			if side == 0 {
				binaryLoop(kernels.OpDiv, false, shape, &d, &gs, &os)
			} else { // -g*a/b/b
				bs := svBroadcast(b, shape)
				binaryLoop(kernels.OpMul, false, shape, &d, &gs, &os)
				binaryLoop(kernels.OpDiv, false, shape, &d, &d, &bs)
				binaryLoop(kernels.OpDiv, false, shape, &d, &d, &bs)
				kernels.Scale(tmp.data, -1, tmp.data)
			}
		case kernels.OpMax, kernels.OpMin:
			self := svBroadcast(in, shape)
			kind := cmpMaxWeight
			if op == kernels.OpMin {
				kind = cmpMinWeight
			}
			cmpLoop(kind, shape, &d, &self, &os)
			binaryLoop(kernels.OpMul, false, shape, &d, &d, &gs)
		}
		addGradReduce(ar, in, tmp)
	}
}

// scalarOp is the forward of the operations with a scalar operand.
func (t *Tensor) scalar(name string, op kernels.BinaryOp, s float32) *Tensor {
	nilReceiver(name, t)
	out := newTensor(t.arena, t.shape)
	d, x := svDense(out.data, t.shape), svOf(t)
	if t.IsContiguous() {
		kernels.BinaryScalar(op, out.data, t.Storage(), s)
	} else {
		c := sv{data: []float32{s}}
		binaryLoop(op, false, t.shape, &d, &x, &c)
	}
	if record1(out, opScalar, t) {
		out.rec.bop, out.rec.f = op, s
	}
	return out
}

// AddScalar returns t + s.
func (t *Tensor) AddScalar(s float32) *Tensor { return t.scalar("AddScalar", kernels.OpAdd, s) }

// SubScalar returns t - s.
func (t *Tensor) SubScalar(s float32) *Tensor { return t.scalar("SubScalar", kernels.OpSub, s) }

// RSubScalar returns s - t.
func (t *Tensor) RSubScalar(s float32) *Tensor { return t.scalar("RSubScalar", kernels.OpRSub, s) }

// MulScalar returns t * s.
func (t *Tensor) MulScalar(s float32) *Tensor { return t.scalar("MulScalar", kernels.OpMul, s) }

// DivScalar returns t / s.
func (t *Tensor) DivScalar(s float32) *Tensor { return t.scalar("DivScalar", kernels.OpDiv, s) }

// scalarBackward: d(t+s) = d(t-s) = g, d(s-t) = -g, d(t*s) = g*s, d(t/s) = g/s.
func scalarBackward(t *Tensor) {
	in := t.rec.in[0]
	dst, acc := in.gradSlot()
	g := t.grad.data
	s := t.rec.f
	op := kernels.OpMul
	switch t.rec.bop {
	case kernels.OpAdd, kernels.OpSub:
		s = 1
	case kernels.OpRSub:
		s = -1
	case kernels.OpDiv:
		op = kernels.OpDiv
	}
	scalarOpSlice(op, acc, dst, g, s)
}

// scalarOpSlice sets or adds op(g, s), copying when the op is *1.
func scalarOpSlice(op kernels.BinaryOp, acc bool, dst, g []float32, s float32) {
	switch {
	case op == kernels.OpMul && s == 1 && !acc:
		copy(dst, g)
	case op == kernels.OpMul && s == 1:
		kernels.Binary(kernels.OpAdd, dst, dst, g)
	default:
		scalarOp(op, acc, dst, g, s)
	}
}

// cmpKind is a comparison (or a gradient weight built from one).
type cmpKind uint8

const (
	cmpEq cmpKind = iota
	cmpNe
	cmpLt
	cmpLe
	cmpGt
	cmpGe
	cmpMaxWeight // 1 where a > b, 0.5 where a == b, else 0
	cmpMinWeight // 1 where a < b, 0.5 where a == b, else 0
)

func cmpOne(kind cmpKind, x, y float32) float32 {
	var r bool
	switch kind {
	case cmpEq:
		r = x == y
	case cmpNe:
		r = x != y
	case cmpLt:
		r = x < y
	case cmpLe:
		r = x <= y
	case cmpGt:
		r = x > y
	case cmpGe:
		r = x >= y
	case cmpMaxWeight, cmpMinWeight:
		if x == y {
			return 0.5
		}
		r = (x > y) == (kind == cmpMaxWeight) && x == x && y == y
	}
	if r {
		return 1
	}
	return 0
}

// cmpLoop sets d = kind(a, b) elementwise over shape.
func cmpLoop(kind cmpKind, shape []int, d, a, b *sv) {
	if numel(shape) == 0 {
		return
	}
	var l loop
	l.init(shape, d, a, b)
	if l.n == 0 {
		d.data[d.off] = cmpOne(kind, a.data[a.off], b.data[b.off])
		return
	}
	n := l.n
	c := l.shape[n-1]
	ds, as, bs := l.st[0][n-1], l.st[1][n-1], l.st[2][n-1]
	o := l.odometer(n - 1)
	for {
		od, oa, ob := o.off[0], o.off[1], o.off[2]
		for i := 0; i < c; i++ {
			d.data[od+i*ds] = cmpOne(kind, a.data[oa+i*as], b.data[ob+i*bs])
		}
		if !o.next() {
			return
		}
	}
}

func (t *Tensor) compare(name string, kind cmpKind, b *Tensor) *Tensor {
	nilReceiver(name, t)
	nilArg(name, "b", b)
	var buf [MaxDims]int
	shape := mustBroadcast(name, &buf, t.shape, b.shape)
	ar := t.arena
	if ar == nil {
		ar = b.arena
	}
	out := newTensor(ar, shape)
	d, x, y := svDense(out.data, shape), svBroadcast(t, shape), svBroadcast(b, shape)
	cmpLoop(kind, shape, &d, &x, &y)
	return out
}

// Eq returns 1 where t == b and 0 elsewhere (a float32 mask), broadcasting.
// Comparisons are not differentiable.
func (t *Tensor) Eq(b *Tensor) *Tensor { return t.compare("Eq", cmpEq, b) }

// Ne returns 1 where t != b (NaN compares unequal), broadcasting.
func (t *Tensor) Ne(b *Tensor) *Tensor { return t.compare("Ne", cmpNe, b) }

// Lt returns 1 where t < b, broadcasting.
func (t *Tensor) Lt(b *Tensor) *Tensor { return t.compare("Lt", cmpLt, b) }

// Le returns 1 where t <= b, broadcasting.
func (t *Tensor) Le(b *Tensor) *Tensor { return t.compare("Le", cmpLe, b) }

// Gt returns 1 where t > b, broadcasting.
func (t *Tensor) Gt(b *Tensor) *Tensor { return t.compare("Gt", cmpGt, b) }

// Ge returns 1 where t >= b, broadcasting.
func (t *Tensor) Ge(b *Tensor) *Tensor { return t.compare("Ge", cmpGe, b) }
