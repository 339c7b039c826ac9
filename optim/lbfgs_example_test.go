package optim_test

import (
	"fmt"

	"github.com/vecgrad/vecgrad/optim"
	"github.com/vecgrad/vecgrad/tensor"
)

// L-BFGS with the strong-Wolfe line search on the 2-d Rosenbrock function
// (minimum 0 at (1, 1)). As with torch.optim.LBFGS, Step takes a closure
// that computes the loss, calls Backward and returns the loss; Step clears
// the gradients before each call, and returns the loss at the start of the
// step.
func ExampleLBFGS() {
	x := tensor.New([]float32{-1.5, 2}, 2).SetRequiresGrad(true)
	opt := optim.DefaultLBFGS()
	opt.LineSearch = "strong_wolfe"
	o, err := optim.NewLBFGS([]*tensor.Tensor{x}, opt)
	if err != nil {
		panic(err)
	}
	closure := func() (float64, error) {
		x0, x1 := x.Slice(0, 0, 1, 1), x.Slice(0, 1, 2, 1)
		loss := x1.Sub(x0.Pow(2)).Pow(2).MulScalar(100).Add(x0.RSubScalar(1).Pow(2)).Sum()
		loss.Backward()
		return float64(loss.Item()), nil
	}
	for i := 0; i < 2; i++ {
		loss, err := o.Step(closure)
		if err != nil {
			panic(err)
		}
		fmt.Printf("step %d: loss at start %.4g, %d evaluations in all\n", i, loss, o.FuncEvals())
	}
	fmt.Printf("x = [%.4f %.4f]\n", x.At(0), x.At(1))
	// Output:
	// step 0: loss at start 12.5, 25 evaluations in all
	// step 1: loss at start 1.309, 50 evaluations in all
	// x = [1.0000 1.0000]
}
