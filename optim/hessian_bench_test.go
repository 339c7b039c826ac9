package optim_test

import (
	"testing"
	"time"

	"github.com/vecgrad/vecgrad/loss"
	"github.com/vecgrad/vecgrad/optim"
	"github.com/vecgrad/vecgrad/tensor"
	"github.com/vecgrad/vecgrad/train/nn"
)

// BenchmarkHVP times a Hessian-vector product (a reused HessianVector, as
// Newton-CG uses it) against a gradient
// evaluation on the tutorial's MLP (784-512-512-10, as train.NewMLP builds
// it, 669,706 parameters; built here from package nn because package train
// imports optim) with a batch of 64 and cross-entropy, and reports the ratio
// (the target is at most 3x: the HVP is two gradients plus O(n) float64
// work for the perturbation, the restore and the difference).
func BenchmarkHVP(b *testing.B) {
	g := tensor.NewGenerator(1)
	model := nn.NewSequential(
		nn.NewLinear(784, 512, g), nn.ReLU{},
		nn.NewLinear(512, 512, g), nn.ReLU{},
		nn.NewLinear(512, 10, g),
	)
	x := tensor.Rand(g, 64, 784)
	y := make([]float32, 64)
	for i := range y {
		y[i] = float32(i % 10)
	}
	yt := tensor.New(y, 64)
	params := nn.Tensors(model.Parameters())
	arena := tensor.NewArena()
	xa := arena.Zeros(64, 784)
	closure := func() (float64, error) {
		arena.Reset()
		xa = arena.Zeros(64, 784)
		copy(xa.Storage(), x.Storage())
		l, err := loss.CrossEntropy(model.Forward(xa), yt, loss.CrossEntropyOptions{})
		if err != nil {
			return 0, err
		}
		l.Backward()
		return float64(l.Item()), nil
	}
	n := 0
	for _, p := range params {
		n += p.Numel()
	}
	v := randVec(n, 2)
	hv := make([]float64, n)
	h, err := optim.NewHessianVector(params, closure)
	if err != nil {
		b.Fatal(err)
	}
	var tGrad, tHVP time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		tensor.ZeroGrad(params...)
		if _, err := closure(); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		if err := h.Apply(v, hv); err != nil {
			b.Fatal(err)
		}
		tGrad += t1.Sub(t0)
		tHVP += time.Since(t1)
	}
	b.ReportMetric(float64(tGrad.Microseconds())/float64(b.N), "µs/grad")
	b.ReportMetric(float64(tHVP.Microseconds())/float64(b.N), "µs/hvp")
	b.ReportMetric(float64(tHVP)/float64(tGrad), "hvp/grad")
}
