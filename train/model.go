package train

import (
	"fmt"

	"github.com/vecgrad/vecgrad/optim"
	"github.com/vecgrad/vecgrad/tensor"
	"github.com/vecgrad/vecgrad/train/data"
	"github.com/vecgrad/vecgrad/train/nn"
)

// Hidden is the width of the MLP's two hidden layers.
const Hidden = 512

// NewMLP returns the tutorial's model, the Sequential
//
//	0: Linear(784, 512)  1: ReLU  2: Linear(512, 512)  3: ReLU  4: Linear(512, 10)
//
// initialized from a generator seeded with seed (layer by layer, each
// weight then its bias, as torch's constructors draw them). Its parameter
// names are "0.weight", "0.bias", "2.weight", "2.bias", "4.weight",
// "4.bias": the tutorial's model keeps this stack as its linear_relu_stack
// behind a Flatten, so these are its state_dict keys without the
// "linear_relu_stack." prefix. The Flatten is left out because the loader
// already delivers [N, 784] rows; putting it in the Sequential (as index 0)
// would shift every name by one and match no torch model of the tutorial.
func NewMLP(seed uint64) *nn.Sequential {
	return MLP(seed, data.Features, Hidden, Hidden, data.NumClasses)
}

// MLP returns the Sequential of Linear layers of the given widths (input
// first, at least two) with a ReLU between each two, initialized as NewMLP
// initializes the tutorial's (MLP(seed, 784, 512, 512, 10) is NewMLP(seed)).
// It panics on fewer than two widths or a width below 1.
func MLP(seed uint64, widths ...int) *nn.Sequential {
	if len(widths) < 2 {
		panic(fmt.Sprintf("train: MLP(%v): want at least two widths (inputs and outputs)", widths))
	}
	return stack(seed, widths, "relu", 0, nil)
}

// stack builds the Sequential of Linear layers of the given widths with
// the named activation between each two, each activation followed by a
// Dropout(p, drop) when p > 0. The Linear layers draw their initial weights
// in order from one generator seeded with seed.
func stack(seed uint64, widths []int, activation string, p float64, drop *tensor.Generator) *nn.Sequential {
	g := tensor.NewGenerator(seed)
	var ms []nn.Module
	for i := 0; i+1 < len(widths); i++ {
		if i > 0 {
			ms = append(ms, activationModule(activation))
			if p > 0 {
				ms = append(ms, nn.NewDropout(p, drop))
			}
		}
		ms = append(ms, nn.NewLinear(widths[i], widths[i+1], g))
	}
	return nn.NewSequential(ms...)
}

// newOptimizer builds c's optimizer over params.
func newOptimizer(c Config, params []*tensor.Tensor) (optim.Optimizer, error) {
	switch c.Optimizer {
	case "sgd":
		return optim.NewSGD(params, optim.SGDOptions{LR: c.LR, Momentum: c.Momentum, Nesterov: c.Nesterov, WeightDecay: c.WeightDecay})
	case "adam", "adamw":
		opt := optim.DefaultAdam()
		if c.Optimizer == "adamw" {
			opt = optim.DefaultAdamW()
		}
		opt.LR, opt.WeightDecay = c.LR, c.WeightDecay
		if c.Optimizer == "adam" {
			return optim.NewAdam(params, opt)
		}
		return optim.NewAdamW(params, opt)
	}
	return nil, fmt.Errorf("optimizer %q is unknown", c.Optimizer)
}
