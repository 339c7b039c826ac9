package tensor

import "slices"

// Cat returns the tensors joined along dimension dim, as torch.cat: every
// tensor must have the same number of dimensions and the same sizes except
// along dim (dim may be negative, counting from the end). The result is a
// new contiguous tensor; its gradient is sliced back to each input. Cat
// panics with a *ShapeError on an empty list or mismatched shapes.
func Cat(dim int, ts ...*Tensor) *Tensor {
	if len(ts) == 0 {
		fail("Cat", "expected a non-empty list of tensors")
	}
	for i, t := range ts {
		if t == nil {
			fail("Cat", "tensor ", itoa(i), " is nil")
		}
	}
	first := ts[0]
	if len(first.shape) == 0 {
		fail("Cat", "zero-dimensional tensor (at position 0) cannot be concatenated (Unsqueeze or use Stack)")
	}
	d := first.normDim("Cat", dim)
	var shape [MaxDims]int
	nd := copy(shape[:], first.shape)
	shape[d] = 0
	for i, t := range ts {
		if len(t.shape) != nd {
			fail("Cat", "tensors must have the same number of dimensions: got ", itoa(nd), " and ", itoa(len(t.shape)), " (tensor ", itoa(i), ")")
		}
		for k := range nd {
			if k != d && t.shape[k] != first.shape[k] {
				fail("Cat", "sizes of tensors must match except in dimension ", itoa(d), ": expected size ", itoa(first.shape[k]),
					" but got size ", itoa(t.shape[k]), " for tensor number ", itoa(i), " in the list (shapes ", shapeStr(first.shape), " and ", shapeStr(t.shape), ")")
			}
		}
		shape[d] += t.shape[d]
	}
	op := Custom(catFn{}, shape[:nd], 0, ts...)
	out := op.Out()
	op.Ints()[0] = d
	dense := svDense(out.data, out.shape)
	at := 0
	for _, t := range ts {
		dv := dense
		dv.off = at * dense.st[d]
		s := svOf(t)
		copyLoop(t.shape, &dv, &s)
		at += t.shape[d]
	}
	return out
}

// catFn is Cat's backward: input i receives the slab of the gradient that
// its elements occupied in the result.
type catFn struct{}

func (catFn) Backward(op CustomOp) {
	t := op.t
	d := t.rec.args[0]
	dense := svDense(t.grad.data, t.shape)
	at := 0
	for i, n := 0, t.rec.numInputs(); i < n; i++ {
		in := t.rec.input(i)
		if in.requiresGrad {
			g := dense
			g.off = at * dense.st[d]
			addGrad(in, &g)
		}
		at += in.shape[d]
	}
}

// Stack returns the tensors, all of one shape, joined along a new dimension
// dim (in [-Dim()-1, Dim()]), as torch.stack: Cat of each tensor
// unsqueezed at dim.
func Stack(dim int, ts ...*Tensor) *Tensor {
	if len(ts) == 0 {
		fail("Stack", "expected a non-empty list of tensors")
	}
	us := make([]*Tensor, len(ts))
	for i, t := range ts {
		if t == nil {
			fail("Stack", "tensor ", itoa(i), " is nil")
		}
		if !slices.Equal(t.shape, ts[0].shape) {
			fail("Stack", "stack expects each tensor to be equal size, but got ", shapeStr(ts[0].shape), " at entry 0 and ", shapeStr(t.shape), " at entry ", itoa(i))
		}
		us[i] = t.Unsqueeze(normDimN("Stack", dim, len(t.shape)+1))
	}
	return Cat(dim, us...)
}
