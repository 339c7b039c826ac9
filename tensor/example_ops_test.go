package tensor_test

import (
	"fmt"

	"github.com/vecgrad/vecgrad/tensor"
)

// Joining, selecting and masking, with the gradient flowing back through
// each.
func ExampleCat() {
	a := tensor.New([]float32{1, 2, 3, 4}, 2, 2).SetRequiresGrad(true)
	b := tensor.New([]float32{5, 6}, 1, 2)
	c := tensor.Cat(0, a, b) // [3 2]
	fmt.Println(c.Data())

	// Pick one element per row (class scores at the labels, say).
	labels := tensor.New([]float32{1, 0, 1}, 3, 1)
	picked := c.Gather(1, labels)
	fmt.Println(picked.Data())

	// Keep the margins above 2.5, zero the others.
	d := picked.SubScalar(2.5)
	kept := tensor.Where(d.Gt(tensor.Scalar(0)), d, tensor.Scalar(0))
	fmt.Println(kept.Data())

	kept.Sum().Backward()
	fmt.Println(a.Grad().Data())
	// Output:
	// [1 2 3 4 5 6]
	// [2 3 6]
	// [0 0.5 3.5]
	// [0 0 1 0]
}

// New and FromSlice share the caller's slice; NewCopy does not.
func ExampleNewCopy() {
	data := []float32{1, 2, 3}
	shared, owned := tensor.New(data, 3), tensor.NewCopy(data, 3)
	data[0] = 100
	owned.Set(-1, 2)
	fmt.Println(shared.Data(), owned.Data())
	// Output: [100 2 3] [1 2 -1]
}
