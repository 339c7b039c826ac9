package kernels_test

import (
	"fmt"

	"github.com/vecgrad/vecgrad/kernels"
)

func ExampleSGDStep() {
	// Two steps of SGD with momentum 0.9 on three parameters: the first
	// step initialises the momentum buffer to the gradient.
	p := []float32{1, 2, 3}
	g := []float32{0.5, -1, 2}
	buf := make([]float32, len(p))
	h := kernels.SGDParams{LR: 0.1, Momentum: 0.9, FirstStep: true}
	kernels.SGDStep(p, g, buf, h)
	h.FirstStep = false
	kernels.SGDStep(p, g, buf, h)
	fmt.Printf("p = [%.4f %.4f %.4f], buf = %v\n", p[0], p[1], p[2], buf)
	// Output: p = [0.8550 2.2900 2.4200], buf = [0.95 -1.9 3.8]
}

func ExampleAdamStep() {
	// One AdamW step (t = 1): the bias corrections make the first update
	// lr * sign(g) (up to eps), after the decoupled decay p *= 1 - lr*wd.
	p := []float32{1, -1}
	g := []float32{0.25, -4}
	m, v := make([]float32, 2), make([]float32, 2)
	h := kernels.AdamParams{LR: 0.01, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: 0.01, Step: 1, Decoupled: true}
	kernels.AdamStep(p, g, m, v, nil, h)
	fmt.Printf("p = [%.5f %.5f], m = %v, v = %v\n", p[0], p[1], m, v)
	// Output: p = [0.98990 -0.98990], m = [0.025 -0.4], v = [6.25e-05 0.016]
}
