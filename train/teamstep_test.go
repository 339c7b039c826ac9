package train

import (
	"fmt"
	"math"
	"runtime"
	"strings"
	"testing"

	"github.com/vecgrad/vecgrad/kernels"
	"github.com/vecgrad/vecgrad/optim"
	"github.com/vecgrad/vecgrad/tensor"
	"github.com/vecgrad/vecgrad/train/data"
	"github.com/vecgrad/vecgrad/train/nn"
)

// randomBatches returns count batches of n rows of in features in [0, 1)
// with classes below classes, from seed.
func randomBatches(seed uint64, count, n, in, classes int) []*data.Batch {
	g := tensor.NewGenerator(seed)
	bs := make([]*data.Batch, count)
	for i := range bs {
		b := &data.Batch{X: make([]float32, n*in), Labels: make([]int, n), Targets: make([]float32, n),
			Indices: make([]int, n), Size: n, Features: in}
		for j := range b.X {
			b.X[j] = float32(g.Uint32()%1000) / 1000
		}
		for j := range n {
			b.Labels[j] = int(g.Uint32() % uint32(classes))
			b.Targets[j] = float32(b.Labels[j])
		}
		bs[i] = b
	}
	return bs
}

// teamOptimizers builds each optimizer variant the team step must match.
var teamOptimizers = []struct {
	name string
	make func([]*tensor.Tensor) (optim.Optimizer, error)
}{
	{"sgd", func(p []*tensor.Tensor) (optim.Optimizer, error) {
		return optim.NewSGD(p, optim.SGDOptions{LR: 0.05})
	}},
	{"sgd-momentum", func(p []*tensor.Tensor) (optim.Optimizer, error) {
		return optim.NewSGD(p, optim.SGDOptions{LR: 0.05, Momentum: 0.5})
	}},
	{"sgd-nesterov-wd", func(p []*tensor.Tensor) (optim.Optimizer, error) {
		return optim.NewSGD(p, optim.SGDOptions{LR: 0.05, Momentum: 0.9, Nesterov: true, WeightDecay: 1e-3})
	}},
	{"adam", func(p []*tensor.Tensor) (optim.Optimizer, error) {
		o := optim.DefaultAdam()
		o.LR = 1e-3
		return optim.NewAdam(p, o)
	}},
	{"adamw-amsgrad", func(p []*tensor.Tensor) (optim.Optimizer, error) {
		o := optim.DefaultAdamW()
		o.LR, o.AMSGrad, o.Maximize = 1e-3, true, true
		return optim.NewAdamW(p, o)
	}},
}

// trainSteps runs the batches through a fresh model of widths, with the team
// step at threads threads (threads 0: the autograd step), and returns the
// losses and the final parameters.
func trainSteps(t *testing.T, widths []int, newOpt func([]*tensor.Tensor) (optim.Optimizer, error), batches []*data.Batch, threads int) ([]float32, [][]float32) {
	t.Helper()
	model := MLP(7, widths...)
	opt, err := newOpt(nn.Tensors(model.Parameters()))
	if err != nil {
		t.Fatal(err)
	}
	s := newStepper(model, opt)
	if s.team == nil {
		t.Fatalf("%v: no team step for an MLP with %T", widths, opt)
	}
	var losses []float32
	for _, b := range batches {
		if threads == 0 {
			losses = append(losses, s.autogradStep(b))
		} else {
			losses = append(losses, s.team.step(b, threads))
		}
	}
	var ps [][]float32
	for _, p := range model.Parameters() {
		ps = append(ps, p.Tensor.Data())
	}
	return losses, ps
}

// TestTeamStepBitwise: the team step equals the autograd step bit for bit
// (losses and parameters after several steps), at 1 to 4 threads whatever
// the machine's core count, for every optimizer variant, on the tutorial's
// shapes and on widths that leave partial parts and edge tiles; SGD with
// its update inside the weight gradients' products (fuseSGD) at small
// batches and a block of rows behind them (SgemmSerialSGDLagged) at large
// ones, and, at 1 and 2 threads, a block behind at every batch.
func TestTeamStepBitwise(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4))
	savedFuse := fuseSGDMaxBytes
	defer func() { fuseSGDMaxBytes = savedFuse }()
	// Every optimizer variant on the small widths; the tutorial's shapes
	// (the costly ones at the generic level) with one SGD and one Adam.
	shapes := []struct {
		widths  []int
		n, step int
		opts    string
	}{
		{[]int{data.Features, Hidden, Hidden, data.NumClasses}, 16, 3, "sgd-momentum adamw-amsgrad"},
		{[]int{data.Features, Hidden, Hidden, data.NumClasses}, 67, 2, "sgd-nesterov-wd"},
		{[]int{45, 130, 97, 70}, 13, 3, ""},
		{[]int{70, 40, 100, 10}, 11, 3, ""}, // narrow layers (rows in the forward, columns of dW) inside and last
		{[]int{20, 5}, 9, 3, ""},
		// A hidden width of 1024: its activations and gradients at row
		// stride 1040 (kernels.RowStride), the next products reading them
		// in place.
		{[]int{40, 1024, 30}, 13, 2, ""},
		// A batch at which the weight gradients' strips carry SGD's update
		// of the block before (kernels.SGDLaggedCovers) on every path.
		{[]int{45, 130, 97, 70}, 100, 2, "sgd sgd-momentum sgd-nesterov-wd"},
	}
	if raceEnabled {
		shapes = shapes[2:] // the small widths still split every phase
	}
	for _, sh := range shapes {
		batches := randomBatches(3, sh.step, sh.n, sh.widths[0], sh.widths[len(sh.widths)-1])
		for _, o := range teamOptimizers {
			if sh.opts != "" && !strings.Contains(" "+sh.opts+" ", " "+o.name+" ") {
				continue
			}
			name := fmt.Sprintf("%v/n=%d/%s", sh.widths, sh.n, o.name)
			wantLoss, want := trainSteps(t, sh.widths, o.make, batches, 0)
			for run := range 6 {
				// 1-4 threads with SGD's update inside the products where it
				// fits in cache (fuseSGD), then 1 and 2 with it after them.
				threads, path := run%4+1, "fused where it fits"
				fuseSGDMaxBytes = savedFuse
				if run >= 4 {
					fuseSGDMaxBytes, path = 0, "not fused"
				}
				name := fmt.Sprintf("%s (SGD %s)", name, path)
				gotLoss, got := trainSteps(t, sh.widths, o.make, batches, threads)
				for i := range wantLoss {
					if math.Float32bits(gotLoss[i]) != math.Float32bits(wantLoss[i]) {
						t.Fatalf("%s, %d threads: loss of step %d is %v, want %v (autograd)", name, threads, i, gotLoss[i], wantLoss[i])
					}
				}
				for p := range want {
					for j := range want[p] {
						if math.Float32bits(got[p][j]) != math.Float32bits(want[p][j]) {
							t.Fatalf("%s, %d threads: parameter %d element %d is %v, want %v (autograd)", name, threads, p, j, got[p][j], want[p][j])
						}
					}
				}
			}
		}
	}
}

// TestTeamStepAllocs: a steady-state team step allocates nothing, with
// SGD fused into the products (fuseSGD) and lagged a block behind them.
func TestTeamStepAllocs(t *testing.T) {
	savedFuse := fuseSGDMaxBytes
	defer func() { fuseSGDMaxBytes = savedFuse }()
	for _, maxBytes := range []int{savedFuse, 0} { // SGD fused where it fits, and not
		fuseSGDMaxBytes = maxBytes
		model := NewMLP(1)
		opt, err := optim.NewSGD(nn.Tensors(model.Parameters()), optim.SGDOptions{LR: 0.01, Momentum: 0.5})
		if err != nil {
			t.Fatal(err)
		}
		s := newStepper(model, opt)
		b := randomBatches(1, 1, 32, data.Features, data.NumClasses)[0]
		s.step(b)
		if a := testing.AllocsPerRun(5, func() { s.step(b) }); a != 0 {
			t.Errorf("a steady-state step at %d threads (SGD fused up to %d bytes) allocates %v times, want 0", kernels.Threads(), maxBytes, a)
		}
	}
}

// TestTeamStepOnlyForMLPs: models the team step does not cover get the
// autograd step.
func TestTeamStepOnlyForMLPs(t *testing.T) {
	g := tensor.NewGenerator(1)
	noBias := nn.NewLinear(4, 3, g)
	noBias.Bias = nil
	for _, m := range []*nn.Sequential{
		nn.NewSequential(nn.NewLinear(4, 3, g), nn.ReLU{}),
		nn.NewSequential(nn.NewLinear(4, 3, g), nn.NewDropout(0.5, g), nn.NewLinear(3, 2, g)),
		nn.NewSequential(noBias),
	} {
		opt, err := optim.NewSGD(nn.Tensors(m.Parameters()), optim.SGDOptions{LR: 0.1})
		if err != nil {
			t.Fatal(err)
		}
		if newTeamStep(m, opt) != nil {
			t.Errorf("%v: got a team step, want the autograd step", m)
		}
	}
}

// BenchmarkStep times one training step (SGD with momentum) by model,
// path, batch size and thread count: the tutorial's MLP at batch 16, 64
// and 256, and the wide 784-2048-2048-10 MLP of vecgrad bench train at
// batch 256 (whose products and DRAM-bound update a CPU profile of this
// benchmark takes apart: go test -bench 'Step/wide' -cpuprofile).
func BenchmarkStep(b *testing.B) {
	models := []struct {
		name    string
		widths  []int
		batches []int
	}{
		{"tutorial", []int{data.Features, Hidden, Hidden, data.NumClasses}, []int{16, 64, 256}},
		{"wide", []int{data.Features, 2048, 2048, data.NumClasses}, []int{256}},
	}
	for _, m := range models {
		for _, n := range m.batches {
			batch := randomBatches(1, 1, n, data.Features, data.NumClasses)[0]
			for _, path := range []string{"autograd", "team"} {
				for threads := 1; threads <= runtime.GOMAXPROCS(0); threads++ {
					name := fmt.Sprintf("n=%d/%s/threads=%d", n, path, threads)
					if m.name != "tutorial" { // the tutorial's names as before, for benchstat across versions
						name = m.name + "/" + name
					}
					b.Run(name, func(b *testing.B) {
						defer kernels.SetThreads(kernels.Threads())
						kernels.SetThreads(threads)
						model := MLP(1, m.widths...)
						opt, err := optim.NewSGD(nn.Tensors(model.Parameters()), optim.SGDOptions{LR: 1e-3, Momentum: 0.5})
						if err != nil {
							b.Fatal(err)
						}
						s := newStepper(model, opt)
						if path == "autograd" {
							s.team = nil
						}
						for b.Loop() {
							s.step(batch)
						}
						b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "samples/s")
					})
				}
			}
		}
	}
}

// TestStepFlops: the tutorial's MLP costs 3,209,216 flops per sample:
// 6 per multiply-add (forward, input and weight gradients), 4 in the first
// layer (no input gradient), over 784*512 + 512*512 + 512*10 multiply-adds.
func TestStepFlops(t *testing.T) {
	if got, want := StepFlops([]int{784, 512, 512, 10}), 6.0*(784*512+512*512+512*10)-2*784*512; got != want || want != 3209216 {
		t.Errorf("StepFlops(tutorial) = %v, want %v", got, want)
	}
}
