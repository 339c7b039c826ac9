package einsum

import (
	"fmt"
	"slices"
)

// Operand is a strided float32 array: element (i0, i1, ...) is
// Data[Offset + i0*Strides[0] + i1*Strides[1] + ...]. Strides may be 0 (an
// expanded dimension) but not negative; nil Strides means contiguous
// row-major. Operands are only read.
type Operand struct {
	Data    []float32
	Shape   []int
	Strides []int
	Offset  int
}

// Contiguous returns the row-major strides of shape.
func Contiguous(shape []int) []int {
	st := make([]int, len(shape))
	n := 1
	for d := len(shape) - 1; d >= 0; d-- {
		st[d] = n
		n *= shape[d]
	}
	return st
}

// check panics, naming the argument and the values, when o does not match
// shape or its extent does not fit in Data.
func (o *Operand) check(fn string, i int, shape []int) {
	if !slices.Equal(o.Shape, shape) {
		panic(fmt.Sprintf("einsum: %s: operand %d has shape %v, the plan was made for %v", fn, i, o.Shape, shape))
	}
	if o.Strides != nil && len(o.Strides) != len(o.Shape) {
		panic(fmt.Sprintf("einsum: %s: operand %d has %d strides for %d dimensions", fn, i, len(o.Strides), len(o.Shape)))
	}
	if o.Offset < 0 {
		panic(fmt.Sprintf("einsum: %s: operand %d has offset %d < 0", fn, i, o.Offset))
	}
	last := o.Offset // offset of the last element
	for d, n := range o.Shape {
		if n == 0 {
			return // no element is read
		}
		s := o.stride(d)
		if s < 0 {
			panic(fmt.Sprintf("einsum: %s: operand %d has stride %d < 0 in dimension %d", fn, i, s, d))
		}
		last += (n - 1) * s
	}
	if last >= len(o.Data) {
		panic(fmt.Sprintf("einsum: %s: operand %d: len(Data) = %d <= offset of the last element = %d (shape %v, strides %v, offset %d)", fn, i, len(o.Data), last, o.Shape, o.Strides, o.Offset))
	}
}

func (o *Operand) stride(d int) int {
	if o.Strides == nil {
		s := 1
		for _, n := range o.Shape[d+1:] {
			s *= n
		}
		return s
	}
	return o.Strides[d]
}
