package optim_test

import (
	"fmt"

	"github.com/vecgrad/vecgrad/optim"
	"github.com/vecgrad/vecgrad/tensor"
)

// Minimize f(w) = (w₀ − 1)² + 10(w₁ + 2)² + w₀w₁, a quadratic: one Newton
// step from any point lands on the minimum.
func ExampleNewton() {
	w := tensor.Zeros(2).SetRequiresGrad(true)
	c := tensor.New([]float32{1, -2}, 2)
	k := tensor.New([]float32{1, 10}, 2)
	closure := func() (float64, error) {
		d := w.Sub(c)
		l := d.Mul(d).Mul(k).Sum().Add(w.Narrow(0, 0, 1).Mul(w.Narrow(0, 1, 1)).Sum())
		l.Backward()
		return float64(l.Item()), nil
	}
	opt, err := optim.NewNewton([]*tensor.Tensor{w}, optim.NewtonOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	f, err := opt.Step(closure)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("loss before %.4f, w = [%.4f %.4f]\n", f, w.At(0), w.At(1))
	// Output: loss before 41.0000, w = [2.0512 -2.1025]
}
