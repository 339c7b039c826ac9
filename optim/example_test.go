package optim_test

import (
	"fmt"

	"github.com/vecgrad/vecgrad/optim"
	"github.com/vecgrad/vecgrad/tensor"
)

// Fit y = 3x - 1 by least squares with AdamW and a cosine schedule.
func Example() {
	x := tensor.New([]float32{-1, -0.5, 0, 0.5, 1}, 5)
	y := tensor.New([]float32{-4, -2.5, -1, 0.5, 2}, 5)
	w := tensor.Zeros(1).SetRequiresGrad(true)
	b := tensor.Zeros(1).SetRequiresGrad(true)

	o := optim.DefaultAdamW()
	o.LR, o.WeightDecay = 0.1, 0
	opt, err := optim.NewAdamW([]*tensor.Tensor{w, b}, o)
	if err != nil {
		panic(err)
	}
	sched, err := optim.NewCosineAnnealingLR(opt, 500, 1e-3)
	if err != nil {
		panic(err)
	}
	for range 500 {
		opt.ZeroGrad()
		r := x.Mul(w).Add(b).Sub(y)
		r.Mul(r).Mean().Backward()
		opt.Step()
		sched.Step()
	}
	fmt.Printf("w = %.3f, b = %.3f, lr = %.4f\n", w.Item(), b.Item(), opt.LR(0))
	// Output: w = 3.000, b = -1.000, lr = 0.0010
}

// An SGD optimizer with two parameter groups, and a checkpoint.
func ExampleNewSGDGroups() {
	w := tensor.Ones(2, 2).SetRequiresGrad(true)
	b := tensor.Zeros(2).SetRequiresGrad(true)
	opt, err := optim.NewSGDGroups(
		optim.SGDGroup{Params: []*tensor.Tensor{w}, SGDOptions: optim.SGDOptions{LR: 0.1, Momentum: 0.9, WeightDecay: 1e-4}},
		optim.SGDGroup{Params: []*tensor.Tensor{b}, SGDOptions: optim.SGDOptions{LR: 0.01}},
	)
	if err != nil {
		panic(err)
	}
	w.Sum().Add(b.Sum()).Backward()
	opt.Step()
	sd := opt.StateDict()
	fmt.Println(len(sd.ParamGroups), sd.ParamGroups[1].Params, sd.State[0].MomentumBuffer != nil, sd.State[1].MomentumBuffer != nil)

	_, err = optim.NewSGD([]*tensor.Tensor{w}, optim.SGDOptions{LR: 0.1, Momentum: -0.1})
	fmt.Println(err)
	// Output:
	// 2 [1] true false
	// optim: SGD: momentum = -0.1: must be >= 0 and finite
}
