package tensor

// Views share storage with the tensor they come from; their backward maps
// the upstream gradient back through the same index transformation.

// inferShape resolves a single -1 in shape (written to out) for n elements.
func inferShape(op string, shape []int, n int, out *[MaxDims]int) []int {
	if len(shape) > MaxDims {
		fail(op, "shape ", shapeStr(shape), " has more than ", itoa(MaxDims), " dimensions")
	}
	infer := -1
	known := 1
	for i, d := range shape {
		switch {
		case d == -1 && infer < 0:
			infer = i
		case d == -1:
			fail(op, "only one dimension can be inferred (-1) in shape ", shapeStr(shape))
		case d < 0:
			fail(op, "invalid shape dimension ", itoa(d), " in ", shapeStr(shape))
		default:
			known *= d
		}
		out[i] = d
	}
	if infer >= 0 {
		if known == 0 || n%known != 0 {
			fail(op, "shape ", shapeStr(shape), " is invalid for input of size ", itoa(n))
		}
		out[infer] = n / known
	} else if known != n {
		fail(op, "shape ", shapeStr(shape), " is invalid for input of size ", itoa(n))
	}
	return out[:len(shape)]
}

// viewStrides computes the strides of a view of t with the new shape, as
// PyTorch's computeStride: it succeeds when every run of dimensions of t that
// the new shape splits or merges is contiguous in memory.
func (t *Tensor) viewStrides(shape []int, st *[MaxDims]int) bool {
	if len(t.shape) == 0 || t.Numel() == 0 {
		s := 1
		for i := len(shape) - 1; i >= 0; i-- {
			st[i] = s
			s *= max(shape[i], 1)
		}
		return true
	}
	oldShape, oldSt := t.shape, t.strides
	viewD := len(shape) - 1
	chunkBase := oldSt[len(oldSt)-1]
	tensorNumel, viewNumel := 1, 1
	for td := len(oldShape) - 1; td >= 0; td-- {
		tensorNumel *= oldShape[td]
		if td == 0 || (oldShape[td-1] != 1 && oldSt[td-1] != tensorNumel*chunkBase) {
			for viewD >= 0 && (viewNumel < tensorNumel || shape[viewD] == 1) {
				st[viewD] = viewNumel * chunkBase
				viewNumel *= shape[viewD]
				viewD--
			}
			if viewNumel != tensorNumel {
				return false
			}
			if td > 0 {
				chunkBase = oldSt[td-1]
				tensorNumel, viewNumel = 1, 1
			}
		}
	}
	return viewD == -1
}

// View returns a view with the given shape (one entry may be -1, inferred),
// sharing storage. It panics if the strides do not allow it; Reshape copies
// in that case.
func (t *Tensor) View(shape ...int) *Tensor {
	nilReceiver("View", t)
	var buf, st [MaxDims]int
	s := inferShape("View", shape, t.Numel(), &buf)
	if !t.viewStrides(s, &st) {
		fail("View", "view size ", shapeStr(s), " is not compatible with the input's size ", shapeStr(t.shape),
			" and stride ", shapeStr(t.strides), " (at least one dimension spans across two contiguous subspaces); use Reshape")
	}
	return t.reshaped(s, st[:len(s)], false)
}

// Reshape returns a tensor with the same elements in row-major order and the
// given shape (one entry may be -1): a view when the strides allow it, a
// copy otherwise, as torch.reshape.
func (t *Tensor) Reshape(shape ...int) *Tensor {
	nilReceiver("Reshape", t)
	var buf, st [MaxDims]int
	s := inferShape("Reshape", shape, t.Numel(), &buf)
	if t.viewStrides(s, &st) {
		return t.reshaped(s, st[:len(s)], false)
	}
	return t.reshaped(s, nil, true)
}

// reshaped makes the view (or, with cp, the contiguous copy) and records it.
func (t *Tensor) reshaped(shape, strides []int, cp bool) *Tensor {
	var out *Tensor
	if cp {
		out = newTensor(t.arena, shape)
		copyStrided(out.data, t)
	} else {
		out = t.view(shape, strides, t.offset)
	}
	record1(out, opReshape, t)
	return out
}

// reshapeBackward: the gradient has the input's elements in the same order.
func reshapeBackward(t *Tensor) {
	in := t.rec.in[0]
	g := svDense(t.grad.data, in.shape)
	addGrad(in, &g)
}

// Flatten merges dimensions start..end (inclusive, negative from the end)
// into one, as torch.flatten (a view when possible). A scalar becomes 1-D.
func (t *Tensor) Flatten(start, end int) *Tensor {
	nilReceiver("Flatten", t)
	if len(t.shape) == 0 {
		return t.Reshape(1)
	}
	s, e := t.normDim("Flatten", start), t.normDim("Flatten", end)
	if s > e {
		fail("Flatten", "start dimension ", itoa(start), " comes after end dimension ", itoa(end))
	}
	var buf [MaxDims]int
	n := 0
	for i := 0; i < len(t.shape); i++ {
		switch {
		case i < s || i > e:
			buf[n] = t.shape[i]
			n++
		case i == s:
			buf[n] = numel(t.shape[s : e+1])
			n++
		}
	}
	return t.Reshape(buf[:n]...)
}

// Squeeze removes the given dimensions where they have size 1 (others are
// left as they are, as torch.squeeze), or every size-1 dimension when none
// are given.
func (t *Tensor) Squeeze(dims ...int) *Tensor {
	nilReceiver("Squeeze", t)
	var drop [MaxDims]bool
	for _, d := range dims {
		if i := t.normDim("Squeeze", d); t.shape[i] == 1 {
			drop[i] = true
		}
	}
	var shape, st [MaxDims]int
	n := 0
	for i, d := range t.shape {
		if (len(dims) == 0 && d == 1) || drop[i] {
			continue
		}
		shape[n], st[n] = d, t.strides[i]
		n++
	}
	return t.reshaped(shape[:n], st[:n], false)
}

// Unsqueeze inserts a dimension of size 1 at position dim (in
// [-Dim()-1, Dim()]).
func (t *Tensor) Unsqueeze(dim int) *Tensor {
	nilReceiver("Unsqueeze", t)
	nd := len(t.shape)
	if nd+1 > MaxDims {
		fail("Unsqueeze", "the result would have more than ", itoa(MaxDims), " dimensions")
	}
	d := normDimN("Unsqueeze", dim, nd+1)
	var shape, st [MaxDims]int
	copy(shape[:d], t.shape[:d])
	copy(st[:d], t.strides[:d])
	shape[d] = 1
	st[d] = 1
	if d < nd {
		st[d] = t.strides[d] * t.shape[d]
	}
	copy(shape[d+1:], t.shape[d:])
	copy(st[d+1:], t.strides[d:])
	return t.reshaped(shape[:nd+1], st[:nd+1], false)
}

// Permute returns a view with the dimensions reordered: dimension i of the
// result is dimension dims[i] of t.
func (t *Tensor) Permute(dims ...int) *Tensor {
	nilReceiver("Permute", t)
	nd := len(t.shape)
	if len(dims) != nd {
		fail("Permute", "the number of dims ", itoa(len(dims)), " does not match the tensor's ", itoa(nd), " dimensions")
	}
	var perm, shape, st [MaxDims]int
	var seen [MaxDims]bool
	for i, d := range dims {
		p := t.normDim("Permute", d)
		if seen[p] {
			fail("Permute", "dimension ", itoa(p), " repeats in the permutation")
		}
		seen[p] = true
		perm[i], shape[i], st[i] = p, t.shape[p], t.strides[p]
	}
	out := t.view(shape[:nd], st[:nd], t.offset)
	if record1(out, opPermute, t) {
		out.rec.nargs = nd
		out.rec.args = perm
	}
	return out
}

// Transpose returns a view with dimensions d0 and d1 swapped.
func (t *Tensor) Transpose(d0, d1 int) *Tensor {
	nilReceiver("Transpose", t)
	var perm [MaxDims]int
	for i := range t.shape {
		perm[i] = i
	}
	a, b := t.normDim("Transpose", d0), t.normDim("Transpose", d1)
	perm[a], perm[b] = b, a
	return t.Permute(perm[:len(t.shape)]...)
}

// permuteBackward: the gradient of dimension i of the result goes to
// dimension perm[i] of the input.
func permuteBackward(t *Tensor) {
	in := t.rec.in[0]
	dense := svDense(t.grad.data, t.shape)
	g := sv{data: t.grad.data}
	for i := 0; i < t.rec.nargs; i++ {
		g.st[t.rec.args[i]] = dense.st[i]
	}
	addGrad(in, &g)
}

// Slice returns the view of elements start, start+step, ... below end along
// dim, as Python's t[start:end:step]: negative start and end count from the
// end and both are clamped to the dimension; step must be positive.
func (t *Tensor) Slice(dim, start, end, step int) *Tensor {
	nilReceiver("Slice", t)
	d := t.normDim("Slice", dim)
	if step <= 0 {
		fail("Slice", "step must be positive, not ", itoa(step))
	}
	n := t.shape[d]
	clamp := func(i int) int {
		if i < 0 {
			i += n
		}
		return min(max(i, 0), n)
	}
	s, e := clamp(start), clamp(end)
	length := 0
	if e > s {
		length = (e - s + step - 1) / step
	}
	return t.slice(d, s, length, step)
}

// Narrow returns the view of length elements from start along dim, as
// torch.narrow (start may be negative; the range must lie inside).
func (t *Tensor) Narrow(dim, start, length int) *Tensor {
	nilReceiver("Narrow", t)
	d := t.normDim("Narrow", dim)
	n := t.shape[d]
	if start < 0 {
		start += n
	}
	if start < 0 || length < 0 || start+length > n {
		fail("Narrow", "start ", itoa(start), " + length ", itoa(length), " exceeds dimension ", itoa(d), " of size ", itoa(n))
	}
	return t.slice(d, start, length, 1)
}

func (t *Tensor) slice(d, start, length, step int) *Tensor {
	var shape, st [MaxDims]int
	nd := len(t.shape)
	copy(shape[:], t.shape)
	copy(st[:], t.strides)
	shape[d] = length
	st[d] *= step
	off := t.offset
	if length > 0 {
		off += start * t.strides[d]
	}
	out := t.view(shape[:nd], st[:nd], off)
	if record1(out, opSlice, t) {
		out.rec.args[0], out.rec.args[1], out.rec.args[2] = d, start, step
	}
	return out
}

// sliceBackward: the gradient lands in the sliced part of a zero gradient.
func sliceBackward(t *Tensor) {
	in := t.rec.in[0]
	dst := in.gradZeroed()
	d, start, step := t.rec.args[0], t.rec.args[1], t.rec.args[2]
	dv := svDense(dst, in.shape)
	if t.shape[d] > 0 {
		dv.off = start * dv.st[d]
	}
	dv.st[d] *= step
	g := svDense(t.grad.data, t.shape)
	binaryLoop(opAdd, false, t.shape, &dv, &dv, &g)
}

// Expand returns a view in which size-1 dimensions are repeated (stride 0)
// to the given sizes, as torch.expand: -1 keeps a size, and new leading
// dimensions may be added.
func (t *Tensor) Expand(sizes ...int) *Tensor {
	nilReceiver("Expand", t)
	nd := len(t.shape)
	if len(sizes) < nd || len(sizes) > MaxDims {
		fail("Expand", "the number of sizes (", itoa(len(sizes)), ") must be at least the number of dimensions (", itoa(nd), ") and at most ", itoa(MaxDims))
	}
	var shape, st [MaxDims]int
	lead := len(sizes) - nd
	for i, s := range sizes {
		if i < lead {
			if s < 0 {
				fail("Expand", "size ", itoa(s), " is not allowed for the new leading dimension ", itoa(i))
			}
			shape[i], st[i] = s, 0
			continue
		}
		d := t.shape[i-lead]
		switch {
		case s == -1 || s == d:
			shape[i], st[i] = d, t.strides[i-lead]
		case d == 1 && s >= 0:
			shape[i], st[i] = s, 0
		default:
			fail("Expand", "the expanded size ", itoa(s), " must match the existing size ", itoa(d),
				" at non-singleton dimension ", itoa(i), "; target sizes ", shapeStr(sizes), ", tensor shape ", shapeStr(t.shape))
		}
	}
	out := t.view(shape[:len(sizes)], st[:len(sizes)], t.offset)
	record1(out, opExpand, t)
	return out
}

// expandBackward sums the gradient over the repeated dimensions.
func expandBackward(t *Tensor) { addGradReduce(t.arena, t.rec.in[0], t.grad) }

// Contiguous returns t itself if it is contiguous, else a contiguous copy.
func (t *Tensor) Contiguous() *Tensor {
	nilReceiver("Contiguous", t)
	if t.IsContiguous() {
		return t
	}
	out := newTensor(t.arena, t.shape)
	copyStrided(out.data, t)
	record1(out, opContiguous, t)
	return out
}

// Clone returns a contiguous copy that does not share storage (and is
// differentiable, as torch.clone).
func (t *Tensor) Clone() *Tensor {
	nilReceiver("Clone", t)
	out := newTensor(t.arena, t.shape)
	copyStrided(out.data, t)
	record1(out, opContiguous, t)
	return out
}

func contiguousBackward(t *Tensor) {
	g := svDense(t.grad.data, t.shape)
	addGrad(t.rec.in[0], &g)
}
