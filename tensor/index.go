package tensor

import "math"

// Index tensors: Gather and IndexSelect take their indices as a float32
// tensor of whole numbers, as package loss takes class targets, so that an
// index computed by tensor operations (an argmax, a label column) needs no
// conversion. Every index is checked (a whole number in [0, size)) before
// anything is written.

// indexAt returns v as an index into a dimension of size n, panicking with
// a *ShapeError for a fraction, NaN or a value out of [0, n).
func indexAt(op string, v float32, n int) int {
	if !(v >= 0 && v < float32(n)) || float32(math.Trunc(float64(v))) != v {
		fail(op, "index ", ftoa(v), " is out of bounds for a dimension of size ", itoa(n), " (want a whole number in [0, ", itoa(n), "))")
	}
	return int(v)
}

// IndexSelect returns the entries of t at the given positions along dim, as
// torch.index_select: index is a 1-D tensor of whole numbers in
// [0, Size(dim)), repeats allowed, and the result has t's shape with
// Size(dim) replaced by index's length. Its gradient adds each selected
// slab back at its position (repeated positions accumulate). It panics with
// a *ShapeError on a bad dim or index.
func (t *Tensor) IndexSelect(dim int, index *Tensor) *Tensor {
	if index == nil {
		fail("IndexSelect", "index is nil")
	}
	if len(index.shape) > 1 {
		fail("IndexSelect", "index must be a 1-D tensor, not shape ", shapeStr(index.shape))
	}
	nd := max(len(t.shape), 1) // a scalar acts as a 1-element vector, as torch
	d := normDimN("IndexSelect", dim, nd)
	size := 1
	if len(t.shape) > 0 {
		size = t.shape[d]
	}
	idx := index.Data()
	if len(t.shape) == 0 && len(idx) != 1 {
		fail("IndexSelect", "a scalar takes an index of one element, not ", itoa(len(idx)))
	}
	for _, v := range idx {
		indexAt("IndexSelect", v, size)
	}
	var shape [MaxDims]int
	copy(shape[:], t.shape)
	if len(t.shape) > 0 {
		shape[d] = len(idx)
	}
	op := Custom(indexSelectFn{}, shape[:len(t.shape)], 0, t, index)
	out := op.Out()
	op.Ints()[0] = d
	dense := svDense(out.data, out.shape)
	for j, v := range idx {
		src := svOf(t)
		dv := dense
		if len(t.shape) > 0 {
			src.off += int(v) * t.strides[d]
			dv.off = j * dense.st[d]
		}
		copyLoop(slabShape(t.shape, d), &dv, &src)
	}
	return out
}

// slabShape returns shape with dimension d set to 1 (the shape of one
// selected entry), in a copy.
func slabShape(shape []int, d int) []int {
	s := append([]int(nil), shape...)
	if len(s) > 0 {
		s[d] = 1
	}
	return s
}

// indexSelectFn adds each slab of the gradient at its index's position.
type indexSelectFn struct{}

func (indexSelectFn) Backward(op CustomOp) {
	t := op.t
	in, index := t.rec.in[0], t.rec.in[1]
	d := t.rec.args[0]
	dst := in.gradZeroed()
	acc := svDense(dst, in.shape)
	g := svDense(t.grad.data, t.shape)
	slab := slabShape(in.shape, d)
	for j, v := range index.Data() {
		dv, gv := acc, g
		if len(in.shape) > 0 {
			dv.off = int(v) * acc.st[d]
			gv.off = j * g.st[d]
		}
		binaryLoop(opAdd, false, slab, &dv, &dv, &gv)
	}
}

// Gather returns the elements of t picked along dim by index, as
// torch.gather: for a 3-D t and dim 1, out[i][j][k] = t[i][index[i][j][k]][k].
// index has as many dimensions as t, no size larger than t's except along
// dim, and whole numbers in [0, Size(dim)); the result has index's shape.
// Its gradient is scattered back, adding where an element was picked more
// than once (torch's scatter_add). It panics with a *ShapeError on a bad
// dim, shape or index.
func (t *Tensor) Gather(dim int, index *Tensor) *Tensor {
	if index == nil {
		fail("Gather", "index is nil")
	}
	nd := len(t.shape)
	d := normDimN("Gather", dim, max(nd, 1))
	if len(index.shape) != nd {
		fail("Gather", "index ", shapeStr(index.shape), " and input ", shapeStr(t.shape), " must have the same number of dimensions")
	}
	for k := range nd {
		if k != d && index.shape[k] > t.shape[k] {
			fail("Gather", "size of index ", shapeStr(index.shape), " exceeds the input ", shapeStr(t.shape), " at dimension ", itoa(k),
				" (each size must be at most the input's, except along dim ", itoa(d), ")")
		}
	}
	src := gatherSources("Gather", t.shape, t.strides, t.offset, d, index)
	op := Custom(gatherFn{}, index.shape, 0, t, index)
	out := op.Out()
	op.Ints()[0] = d
	for p, s := range src {
		out.data[p] = t.data[s]
	}
	return out
}

// gatherSources returns, for each element of index in row-major order, the
// storage position of the element it picks from a tensor of the given
// layout; it checks every index first.
func gatherSources(op string, shape, strides []int, offset, d int, index *Tensor) []int {
	idx := index.Data()
	size := 1
	if len(shape) > 0 {
		size = shape[d]
	}
	pos := make([]int, len(idx))
	var at [MaxDims]int
	for p, v := range idx {
		i := indexAt(op, v, size)
		off := offset
		for k := range shape {
			if k == d {
				off += i * strides[k]
			} else {
				off += at[k] * strides[k]
			}
		}
		pos[p] = off
		for k := len(index.shape) - 1; k >= 0; k-- { // advance the row-major counter
			if at[k]++; at[k] < index.shape[k] {
				break
			}
			at[k] = 0
		}
	}
	return pos
}

// gatherFn scatters the gradient back, in index's row-major order.
type gatherFn struct{}

func (gatherFn) Backward(op CustomOp) {
	t := op.t
	in, index := t.rec.in[0], t.rec.in[1]
	dense := svDense(nil, in.shape)
	dst := in.gradZeroed()
	g := t.grad.data
	for p, s := range gatherSources("Gather", in.shape, dense.st[:len(in.shape)], 0, t.rec.args[0], index) {
		dst[s] += g[p]
	}
}
