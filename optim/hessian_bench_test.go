package optim_test

import (
	"testing"
	"time"

	"github.com/vecgrad/vecgrad/loss"
	"github.com/vecgrad/vecgrad/optim"
	"github.com/vecgrad/vecgrad/tensor"
	// Upward, in this external test package only: the benchmark times the
	// tutorial's MLP, which train/nn builds (train/nn does not import optim).
	"github.com/vecgrad/vecgrad/train/nn"
)

// BenchmarkHVP times a Hessian-vector product (a reused HessianVector, as
// Newton-CG uses it, with float32 vectors: Apply32; and with float64
// vectors: Apply, which adds the two conversions) against a gradient
// evaluation on the tutorial's MLP (784-512-512-10, as train.NewMLP builds
// it, 669,706 parameters; built here from package nn because package train
// imports optim) with a batch of 64 and cross-entropy, and reports the
// ratios (the target is at most 3x for the product Newton-CG computes,
// hvp32/grad: two gradients plus the O(n) vector passes for the step, the
// perturbations, the difference and the restore; hvp64/grad adds reading
// and writing float64 vectors of 5.4 MB each).
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
	v32, hv32 := make([]float32, n), make([]float32, n)
	for i, x := range v {
		v32[i] = float32(x)
	}
	h, err := optim.NewHessianVector(params, closure)
	if err != nil {
		b.Fatal(err)
	}
	// The three are interleaved, so that the ratios hold on a noisy host.
	var tGrad, tHVP32, tHVP64 time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		tensor.ZeroGrad(params...)
		if _, err := closure(); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		if err := h.Apply32(v32, hv32); err != nil {
			b.Fatal(err)
		}
		t2 := time.Now()
		if err := h.Apply(v, hv); err != nil {
			b.Fatal(err)
		}
		tGrad += t1.Sub(t0)
		tHVP32 += t2.Sub(t1)
		tHVP64 += time.Since(t2)
	}
	b.ReportMetric(float64(tGrad.Microseconds())/float64(b.N), "µs/grad")
	b.ReportMetric(float64(tHVP32.Microseconds())/float64(b.N), "µs/hvp32")
	b.ReportMetric(float64(tHVP32)/float64(tGrad), "hvp32/grad")
	b.ReportMetric(float64(tHVP64)/float64(tGrad), "hvp64/grad")
}
