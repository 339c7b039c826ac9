package train

import (
	"errors"
	"fmt"
	"time"

	"github.com/vecgrad/vecgrad/kernels"
	"github.com/vecgrad/vecgrad/optim"
	"github.com/vecgrad/vecgrad/tensor"
	"github.com/vecgrad/vecgrad/train/data"
	"github.com/vecgrad/vecgrad/train/nn"
)

// StepBench describes a measurement of the training step, as vecgrad bench
// train runs it: the step of Run (team or autograd, as Run would choose)
// on an MLP, fed by a shuffling Loader over a synthetic MNIST-shaped
// dataset (the values do not change the work).
type StepBench struct {
	// Widths are the layer widths, input first: {784, 512, 512, 10} is the
	// tutorial's MLP. Widths[0] must be data.Features.
	Widths []int
	// BatchSize is the samples per step.
	BatchSize int
	// Threads is the thread count (kernels.SetThreads), 1 to GOMAXPROCS.
	Threads int
	// Optimizer is "sgd" (lr 1e-3, momentum 0.5: the tutorial's) or "adam".
	Optimizer string
	// MinTime is the least time one measurement runs (after a warm-up of
	// as many steps).
	MinTime time.Duration
	// Autograd forces the autograd step, for comparison.
	Autograd bool
}

// StepBenchResult is one measurement.
type StepBenchResult struct {
	SamplesPerSecond float64 `json:"samples_per_second"`
	StepSeconds      float64 `json:"step_seconds"`
	// Team reports whether the team step ran (else the autograd step).
	Team bool `json:"team"`
	// PhaseSeconds is a profiled step's time by phase (see Profile): gemm,
	// elementwise, loss, optimizer, data and wait.
	PhaseSeconds map[string]float64 `json:"phase_seconds,omitempty"`
}

// StepFlops returns the floating-point operations of one training sample of
// an MLP of widths: 2*in*out per layer forward, as much again for the
// weight gradient and for the input gradient, except the first layer's,
// which nothing needs (biases, activations, the loss and the update are
// left out: they are O(out), not O(in*out)).
func StepFlops(widths []int) float64 {
	var f float64
	for i := 0; i+1 < len(widths); i++ {
		mac := float64(widths[i]) * float64(widths[i+1])
		f += 6 * mac
		if i == 0 {
			f -= 2 * mac
		}
	}
	return f
}

// stepBenchSamples is the synthetic dataset's size: several batches of the
// largest size, so that batches come from shuffled, non-adjacent rows.
const stepBenchSamples = 4096

// newBenchRun builds b's model, optimizer, stepper and loader.
func newBenchRun(b StepBench) (*stepper, *data.Loader, error) {
	switch {
	case len(b.Widths) < 2 || b.Widths[0] != data.Features:
		return nil, nil, fmt.Errorf("train: StepBench: widths %v: want at least two, the first %d (MNIST's features)", b.Widths, data.Features)
	case b.BatchSize < 1 || b.BatchSize > stepBenchSamples:
		return nil, nil, fmt.Errorf("train: StepBench: batch size %d: want 1 to %d", b.BatchSize, stepBenchSamples)
	case b.Widths[len(b.Widths)-1] > 256:
		return nil, nil, fmt.Errorf("train: StepBench: %d classes: want at most 256 (the synthetic labels are bytes)", b.Widths[len(b.Widths)-1])
	}
	for _, w := range b.Widths {
		if w < 1 {
			return nil, nil, fmt.Errorf("train: StepBench: widths %v: each must be positive", b.Widths)
		}
	}
	if err := kernels.CheckThreads(b.Threads); err != nil {
		return nil, nil, err
	}
	model := MLP(1, b.Widths...)
	params := nn.Tensors(model.Parameters())
	var opt optim.Optimizer
	var err error
	switch b.Optimizer {
	case "sgd":
		opt, err = optim.NewSGD(params, optim.SGDOptions{LR: 1e-3, Momentum: 0.5})
	case "adam":
		opt, err = optim.NewAdam(params, optim.DefaultAdam())
	default:
		err = fmt.Errorf("train: StepBench: optimizer %q: want sgd or adam", b.Optimizer)
	}
	if err != nil {
		return nil, nil, err
	}
	s := newStepper(model, opt)
	if b.Autograd {
		s.team = nil
	}
	ds := syntheticDataset(stepBenchSamples, b.Widths[len(b.Widths)-1])
	l, err := data.NewLoader(ds, data.LoaderOptions{BatchSize: b.BatchSize, Sampling: data.Shuffle, Seed: 1, DropLast: true, DeferX: s.team != nil})
	return s, l, err
}

// syntheticDataset returns n MNIST-shaped examples of random pixels and
// labels below classes.
func syntheticDataset(n, classes int) *data.Dataset {
	g := tensor.NewGenerator(1)
	img := &data.IDX{Dims: []int{n, data.Rows, data.Cols}, Data: make([]byte, n*data.Features)}
	lab := &data.IDX{Dims: []int{n}, Data: make([]byte, n)}
	for i := range img.Data {
		img.Data[i] = byte(g.Uint32())
	}
	for i := range lab.Data {
		lab.Data[i] = byte(g.Uint32() % uint32(classes))
	}
	ds, err := data.NewDataset(img, lab)
	if err != nil {
		panic(fmt.Sprintf("train: the synthetic dataset: %v", err)) // a bug: it is built valid
	}
	return ds
}

// MeasureStep runs b's steps for at least b.MinTime after a warm-up of as
// long, and returns the throughput.
func MeasureStep(b StepBench) (StepBenchResult, error) {
	s, l, err := newBenchRun(b)
	if err != nil {
		return StepBenchResult{}, err
	}
	defer kernels.SetThreads(kernels.Threads())
	kernels.SetThreads(b.Threads)
	run := func(d time.Duration) (steps int, elapsed time.Duration) {
		start := time.Now()
		for epoch := 0; ; epoch++ {
			for batch := range l.Epoch(epoch) {
				s.step(batch)
				steps++
			}
			if elapsed = time.Since(start); elapsed >= d {
				return steps, elapsed
			}
		}
	}
	run(b.MinTime)
	steps, elapsed := run(b.MinTime)
	sec := elapsed.Seconds() / float64(steps)
	return StepBenchResult{SamplesPerSecond: float64(b.BatchSize) / sec, StepSeconds: sec, Team: s.team != nil}, nil
}

// ProfileStep runs b's steps with the team step's phase clocks on and
// returns the mean time per step of each phase: for the phases inside the
// step, the mean over the threads of each thread's time in it (so that the
// phases add up to the step's time); data is the time the loop takes to
// deliver each batch. It needs the team step (not b.Autograd).
func ProfileStep(b StepBench) (map[string]float64, error) {
	s, l, err := newBenchRun(b)
	if err != nil {
		return nil, err
	}
	if s.team == nil {
		return nil, errors.New("train: ProfileStep: the model has no team step to profile")
	}
	defer kernels.SetThreads(kernels.Threads())
	kernels.SetThreads(b.Threads)
	s.team.clocks = &phaseClocks{threads: make([]phaseClock, b.Threads)}
	var dataTime time.Duration
	steps, start := 0, time.Now()
	for epoch := 0; time.Since(start) < 2*b.MinTime; epoch++ {
		t := time.Now()
		for batch := range l.Epoch(epoch) {
			dataTime += time.Since(t)
			s.step(batch)
			steps++
			t = time.Now()
		}
	}
	out := map[string]float64{}
	size := s.team.team.Size()
	for _, c := range s.team.clocks.threads[:size] {
		for p, d := range c.d {
			out[phaseNames[p]] += d.Seconds() / float64(steps*size)
		}
	}
	out[phaseNames[phaseData]] = dataTime.Seconds() / float64(steps)
	return out, nil
}
