package tensor

import "slices"

// NewCopy is New over a copy of data: the tensor owns its storage, so later
// writes to data do not change it, and an optimizer's in-place updates of
// the tensor do not change data (New and FromSlice share the slice). It
// panics with a *ShapeError as New does.
func NewCopy(data []float32, shape ...int) *Tensor {
	return New(slices.Clone(data), shape...)
}

// Set writes v at the given index (one entry per dimension, negative
// entries counting from the end), in place: every view sharing the storage
// sees it. As torch forbids in-place changes of a tensor that requires grad
// while recording, Set panics with a *ShapeError on such a tensor (write
// parameters inside NoGrad), and on a bad index.
func (t *Tensor) Set(v float32, index ...int) {
	nilReceiver("Set", t)
	if t.requiresGrad && GradEnabled() {
		fail("Set", "a tensor that requires grad cannot be changed in place while recording (call Set inside NoGrad)")
	}
	t.data[t.elementOffset("Set", index)] = v
}

// SetGrad sets the gradient of the leaf t to a copy of g (t's shape), as
// assigning torch's .grad: the next Backward adds to it, and an optimizer's
// Step reads it. A nil g clears the gradient, as ZeroGrad. It panics with a
// *ShapeError on a non-leaf or a shape mismatch.
func (t *Tensor) SetGrad(g *Tensor) {
	if !t.IsLeaf() {
		fail("SetGrad", "only a leaf tensor's gradient can be set (this one is the result of ", opNames[t.rec.op], ")")
	}
	if g == nil {
		t.ZeroGrad()
		return
	}
	if !slices.Equal(g.shape, t.shape) {
		fail("SetGrad", "gradient of shape ", shapeStr(g.shape), " for a tensor of shape ", shapeStr(t.shape))
	}
	dst, _ := t.gradSlot()
	copyStrided(dst, g)
}

// elementOffset returns the storage position of the element at index (one
// entry per dimension, negative entries counting from the end), panicking
// with a *ShapeError naming op on a bad index.
func (t *Tensor) elementOffset(op string, index []int) int {
	if len(index) != len(t.shape) {
		fail(op, "index of length ", itoa(len(index)), " for a tensor with ", itoa(len(t.shape)), " dimensions")
	}
	off := t.offset
	for i, x := range index {
		if x < 0 {
			x += t.shape[i]
		}
		if x < 0 || x >= t.shape[i] {
			fail(op, "index ", itoa(index[i]), " is out of range for dimension ", itoa(i), " of size ", itoa(t.shape[i]))
		}
		off += x * t.strides[i]
	}
	return off
}
