package tensor

import (
	"math"
	"math/big"
	"strconv"

	"github.com/vecgrad/vecgrad/kernels"
)

// MaxDims is the largest number of dimensions a tensor may have. Shapes and
// strides live inside the Tensor value (no separate allocation), which is
// what keeps a training step free of heap allocations.
const MaxDims = 16

// MaxElements is the most elements a tensor may have: 2^32, 16 GiB of
// float32. Shapes beyond it are refused with a *ShapeError before anything
// is allocated (by CheckShape, the constructors, every operation that makes
// a new tensor, Arange and Einsum), because an allocation that cannot
// succeed does not fail in Go: it kills the process ("out of memory", or a
// makeslice panic). The bound is far above what CPU training here uses and
// below what a machine of a few tens of GiB could hold twice.
const MaxElements = 1 << 32

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
// dimensions, none negative, and at most MaxElements elements. Use it on
// shapes that come from outside the program.
func CheckShape(shape []int) error {
	if len(shape) > MaxDims {
		return shapeErr("", "shape ", shapeStr(shape), " has ", itoa(len(shape)), " dimensions (at most ", itoa(MaxDims), " are supported)")
	}
	for i, d := range shape {
		if d < 0 {
			return shapeErr("", "shape ", shapeStr(shape), " has a negative size at dimension ", itoa(i))
		}
	}
	if _, ok := boundedNumel(shape); !ok {
		return tooLarge("", shape)
	}
	return nil
}

// boundedNumel returns the number of elements of shape (whose sizes are
// not negative), and false if it exceeds MaxElements. Each product is
// checked before it is formed, so no shape can overflow it.
func boundedNumel(shape []int) (int64, bool) {
	n := int64(1)
	for _, d := range shape {
		if d == 0 {
			return 0, true
		}
	}
	for _, d := range shape {
		if int64(d) > MaxElements/n {
			return 0, false
		}
		n *= int64(d)
	}
	return n, true
}

// tooLarge is the error of a shape over MaxElements.
func tooLarge(op string, shape []int) *ShapeError {
	return shapeErr(op, "shape ", shapeStr(shape), " has more than MaxElements = ", itoa(MaxElements),
		" elements (", elementCount(shape), "); a tensor that large cannot be allocated")
}

// elementCount spells the element count of shape exactly, even past int64.
func elementCount(shape []int) string {
	n := new(big.Int).SetInt64(1)
	for _, d := range shape {
		n.Mul(n, big.NewInt(int64(d)))
	}
	return n.String()
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
//
// It panics with a *ShapeError if shape has more than MaxElements elements:
// every operation's result comes through here, so a broadcast or a product
// too large to allocate fails with an error instead of killing the process.
func newTensor(ar *Arena, shape []int) *Tensor {
	if _, ok := boundedNumel(shape); !ok {
		panic(tooLarge("", shape))
	}
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
// is ceil((end-start)/step). It panics with a *ShapeError if step is 0, if
// start, end or step is not finite (NaN or an infinity: torch's "unsupported
// range"), or if the length exceeds MaxElements.
func Arange(start, end, step float64) *Tensor {
	if step == 0 || step != step {
		fail("Arange", "step must be nonzero, not ", strconv.FormatFloat(step, 'g', -1, 64))
	}
	for _, v := range [...]float64{start, end, step} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			fail("Arange", "the range ", strconv.FormatFloat(start, 'g', -1, 64), " to ", strconv.FormatFloat(end, 'g', -1, 64),
				" by ", strconv.FormatFloat(step, 'g', -1, 64), " is unsupported: start, end and step must be finite")
		}
	}
	n := 0
	if l := math.Ceil((end - start) / step); l > MaxElements || math.IsInf(l, 0) {
		fail("Arange", "the range ", strconv.FormatFloat(start, 'g', -1, 64), " to ", strconv.FormatFloat(end, 'g', -1, 64),
			" by ", strconv.FormatFloat(step, 'g', -1, 64), " has ", strconv.FormatFloat(l, 'g', -1, 64), " elements, more than MaxElements = ", itoa(MaxElements))
	} else if l > 0 {
		n = int(l)
	}
	t := newTensor(nil, []int{n})
	for i := range t.data {
		t.data[i] = float32(start + float64(float64(i)*step)) // product rounded: no fused multiply-add
	}
	return t
}

// Shape returns a copy of the tensor's shape.
func (t *Tensor) Shape() []int {
	nilReceiver("Shape", t)
	return append([]int(nil), t.shape...)
}

// Strides returns a copy of the tensor's strides, in elements.
func (t *Tensor) Strides() []int {
	nilReceiver("Strides", t)
	return append([]int(nil), t.strides...)
}

// Dim returns the number of dimensions (0 for a scalar).
func (t *Tensor) Dim() int {
	nilReceiver("Dim", t)
	return len(t.shape)
}

// Size returns the size of dimension d; a negative d counts from the end.
func (t *Tensor) Size(d int) int {
	nilReceiver("Size", t)
	return t.shape[t.normDim("Size", d)]
}

// Numel returns the number of elements.
func (t *Tensor) Numel() int {
	nilReceiver("Numel", t)
	return numel(t.shape)
}

// IsContiguous reports whether the elements lie in row-major order without
// gaps, so that Storage can return them as one slice.
func (t *Tensor) IsContiguous() bool {
	nilReceiver("IsContiguous", t)
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
	nilReceiver("Data", t)
	out := make([]float32, t.Numel())
	copyStrided(out, t)
	return out
}

// Storage returns the elements of a contiguous tensor as a slice of its
// storage (no copy: writing to it changes the tensor and every view sharing
// the storage). It panics if the tensor is not contiguous. Optimizers use it
// to update parameters in place with the kernels.
func (t *Tensor) Storage() []float32 {
	nilReceiver("Storage", t)
	if !t.IsContiguous() {
		fail("Storage", "tensor of shape ", shapeStr(t.shape), " and strides ", shapeStr(t.strides), " is not contiguous (call Contiguous first)")
	}
	n := t.Numel()
	return t.data[t.offset : t.offset+n : t.offset+n]
}

// Item returns the value of a tensor with exactly one element.
func (t *Tensor) Item() float32 {
	nilReceiver("Item", t)
	if t.Numel() != 1 {
		fail("Item", "tensor of shape ", shapeStr(t.shape), " has ", itoa(t.Numel()), " elements, not 1")
	}
	return t.data[t.offset]
}

// At returns the element at the given index, one entry per dimension
// (negative entries count from the end).
func (t *Tensor) At(index ...int) float32 {
	nilReceiver("At", t)
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
