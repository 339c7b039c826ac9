package tensor

import (
	"math"
	"strconv"

	"github.com/vecgrad/vecgrad/kernels"
)

// MaxDims is the largest number of dimensions a tensor may have. Shapes and
// strides live inside the Tensor value (no separate allocation), which is
// what keeps a training step free of heap allocations.
const MaxDims = 16

// Tensor is a strided view of float32 storage: element (i0, ..., in-1) is
// storage[offset + i0*strides[0] + ... + in-1*strides[n-1]]. Views (Reshape,
// Transpose, Slice, Expand, ...) share storage with the tensor they come
// from; operations that compute new values return new, contiguous tensors.
//
// A Tensor also carries its autograd state: whether it requires a gradient,
// the record of the operation that produced it (for non-leaf tensors), and
// its accumulated gradient. See the package documentation. The zero Tensor
// is not usable: make tensors with the constructors.
type Tensor struct {
	data    []float32 // the whole storage, shared by views
	offset  int
	shape   []int // aliases dims[:n]
	strides []int // aliases dims[MaxDims:MaxDims+n]
	dims    [2 * MaxDims]int

	arena *Arena // where this tensor's storage and struct come from; nil: the Go heap

	// autograd state (autograd.go)
	requiresGrad bool
	gradSet      bool    // grad holds a value to add to (false: overwrite it)
	grad         *Tensor // contiguous, same shape; nil until first needed
	visit        uint64  // Backward's traversal mark
	rec          record  // how this tensor was computed; rec.op == opLeaf for leaves
}

// numel returns the number of elements of shape (1 for a scalar shape).
func numel(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

// CheckShape reports whether shape is a valid tensor shape: at most MaxDims
// dimensions, none negative, and an element count that fits in an int. Use
// it on shapes that come from outside the program.
func CheckShape(shape []int) error {
	if len(shape) > MaxDims {
		return shapeErr("", "shape ", shapeStr(shape), " has ", itoa(len(shape)), " dimensions (at most ", itoa(MaxDims), " are supported)")
	}
	n := 1
	for i, d := range shape {
		if d < 0 {
			return shapeErr("", "shape ", shapeStr(shape), " has a negative size at dimension ", itoa(i))
		}
		if d > 0 && n > int(^uint(0)>>1)/d {
			return shapeErr("", "shape ", shapeStr(shape), ": the element count overflows int")
		}
		n *= d
	}
	return nil
}

// mustShape panics with CheckShape's error.
func mustShape(op string, shape []int) {
	if err := CheckShape(shape); err != nil {
		e := err.(*ShapeError)
		e.Op = op
		panic(e)
	}
}

// setShape sets t's shape to shape with row-major contiguous strides.
func (t *Tensor) setShape(shape []int) {
	n := len(shape)
	t.shape = t.dims[:n:n]
	t.strides = t.dims[MaxDims : MaxDims+n : MaxDims+n]
	copy(t.shape, shape)
	s := 1
	for i := n - 1; i >= 0; i-- {
		t.strides[i] = s
		s *= shape[i]
	}
}

// setLayout sets t's shape and strides (copied).
func (t *Tensor) setLayout(shape, strides []int) {
	n := len(shape)
	t.shape = t.dims[:n:n]
	t.strides = t.dims[MaxDims : MaxDims+n : MaxDims+n]
	copy(t.shape, shape)
	copy(t.strides, strides)
}

// newTensor returns a contiguous tensor of the given shape whose storage comes
// from ar (uninitialized) or, when ar is nil, from the Go heap (zeroed).
func newTensor(ar *Arena, shape []int) *Tensor {
	t := ar.tensor()
	t.setShape(shape)
	t.data = ar.floats(numel(shape))
	return t
}

// newZeros is newTensor with the storage set to zero.
func newZeros(ar *Arena, shape []int) *Tensor {
	t := newTensor(ar, shape)
	if ar != nil {
		kernels.Fill(t.data, 0)
	}
	return t
}

// view returns a new tensor struct sharing t's storage, with the given layout.
func (t *Tensor) view(shape, strides []int, offset int) *Tensor {
	v := t.arena.tensor()
	v.data = t.data
	v.offset = offset
	v.setLayout(shape, strides)
	return v
}

// FromSlice returns a tensor of the given shape over data, which it shares
// (no copy; row-major order): writes to data change the tensor, and in-place
// updates of the tensor (an optimizer's Step on a parameter made this way)
// change data. NewCopy makes a tensor that owns a copy. It is an error if len(data) is not the number of
// elements of shape, or if the shape is invalid (see CheckShape). No shape
// means a scalar (zero dimensions), which needs one element.
func FromSlice(data []float32, shape ...int) (*Tensor, error) {
	return fromSlice(nil, data, shape)
}

func fromSlice(ar *Arena, data []float32, shape []int) (*Tensor, error) {
	if err := CheckShape(shape); err != nil {
		return nil, err
	}
	if n := numel(shape); n != len(data) {
		return nil, shapeErr("", "a slice of length ", itoa(len(data)), " cannot be a tensor of shape ", shapeStr(shape), " (", itoa(n), " elements)")
	}
	t := ar.tensor()
	t.setShape(shape)
	t.data = data
	return t, nil
}

// New is FromSlice for data and shapes known to be right: it shares data
// as FromSlice does, and panics with the *ShapeError that FromSlice would
// return.
func New(data []float32, shape ...int) *Tensor {
	t, err := FromSlice(data, shape...)
	if err != nil {
		panic(err)
	}
	return t
}

// Scalar returns a tensor with zero dimensions holding v.
func Scalar(v float32) *Tensor {
	t := newTensor(nil, nil)
	t.data[0] = v
	return t
}

// Zeros returns a new tensor of the given shape filled with zeros. It panics
// with a *ShapeError on an invalid shape (see CheckShape).
func Zeros(shape ...int) *Tensor {
	mustShape("Zeros", shape)
	return newTensor(nil, shape)
}

// Ones returns a new tensor of the given shape filled with ones.
func Ones(shape ...int) *Tensor { return Full(1, shape...) }

// Full returns a new tensor of the given shape with every element v.
func Full(v float32, shape ...int) *Tensor {
	mustShape("Full", shape)
	t := newTensor(nil, shape)
	kernels.Fill(t.data, v)
	return t
}

// Arange returns the 1-D tensor [start, start+step, ...] of the values below
// end (above it for a negative step), as torch.arange: element i is
// start + i*step computed in float64 and rounded to float32, and the length
// is ceil((end-start)/step). It panics if step is 0.
func Arange(start, end, step float64) *Tensor {
	if step == 0 || step != step {
		fail("Arange", "step must be nonzero, not ", strconv.FormatFloat(step, 'g', -1, 64))
	}
	n := 0
	if l := (end - start) / step; l > 0 {
		n = int(math.Ceil(l))
	}
	t := newTensor(nil, []int{n})
	for i := range t.data {
		t.data[i] = float32(start + float64(float64(i)*step)) // product rounded: no fused multiply-add
	}
	return t
}

// Shape returns a copy of the tensor's shape.
func (t *Tensor) Shape() []int { return append([]int(nil), t.shape...) }

// Strides returns a copy of the tensor's strides, in elements.
func (t *Tensor) Strides() []int { return append([]int(nil), t.strides...) }

// Dim returns the number of dimensions (0 for a scalar).
func (t *Tensor) Dim() int { return len(t.shape) }

// Size returns the size of dimension d; a negative d counts from the end.
func (t *Tensor) Size(d int) int { return t.shape[t.normDim("Size", d)] }

// Numel returns the number of elements.
func (t *Tensor) Numel() int { return numel(t.shape) }

// IsContiguous reports whether the elements lie in row-major order without
// gaps, so that Storage can return them as one slice.
func (t *Tensor) IsContiguous() bool {
	s := 1
	for i := len(t.shape) - 1; i >= 0; i-- {
		if t.shape[i] != 1 && t.strides[i] != s {
			return false
		}
		s *= t.shape[i]
	}
	return true
}

// Data returns a new slice holding the elements in row-major order.
func (t *Tensor) Data() []float32 {
	out := make([]float32, t.Numel())
	copyStrided(out, t)
	return out
}

// Storage returns the elements of a contiguous tensor as a slice of its
// storage (no copy: writing to it changes the tensor and every view sharing
// the storage). It panics if the tensor is not contiguous. Optimizers use it
// to update parameters in place with the kernels.
func (t *Tensor) Storage() []float32 {
	if !t.IsContiguous() {
		fail("Storage", "tensor of shape ", shapeStr(t.shape), " and strides ", shapeStr(t.strides), " is not contiguous (call Contiguous first)")
	}
	n := t.Numel()
	return t.data[t.offset : t.offset+n : t.offset+n]
}

// Item returns the value of a tensor with exactly one element.
func (t *Tensor) Item() float32 {
	if t.Numel() != 1 {
		fail("Item", "tensor of shape ", shapeStr(t.shape), " has ", itoa(t.Numel()), " elements, not 1")
	}
	return t.data[t.offset]
}

// At returns the element at the given index, one entry per dimension
// (negative entries count from the end).
func (t *Tensor) At(index ...int) float32 {
	return t.data[t.elementOffset("At", index)]
}

// normDim turns a possibly negative dimension into an index, panicking if it
// is out of range (as PyTorch's "Dimension out of range").
func (t *Tensor) normDim(op string, d int) int {
	return normDimN(op, d, len(t.shape))
}

func normDimN(op string, d, n int) int {
	if d < -n || d >= n {
		fail(op, "dimension out of range (expected to be in range of [", itoa(-n), ", ", itoa(n-1), "], but got ", itoa(d), ")")
	}
	if d < 0 {
		d += n
	}
	return d
}
