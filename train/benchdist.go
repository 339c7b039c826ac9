package train

import (
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/vecgrad/vecgrad/kernels"
	"github.com/vecgrad/vecgrad/train/data"
	"github.com/vecgrad/vecgrad/train/dist"
)

// DistStepBench describes a measurement of the data-parallel step, as
// vecgrad bench train -distributed runs it on every rank of a job.
type DistStepBench struct {
	// Step is the model, global batch (split evenly among the ranks),
	// threads per rank, optimizer and least time of one repetition.
	Step StepBench
	// Comm is the job's communicator, of at least two ranks.
	Comm dist.Comm
	// NoSharedMemory and OneAllReduce are Options' (how the gradients are
	// summed).
	NoSharedMemory, OneAllReduce bool
	// Reps is the number of repetitions; the best counts.
	Reps int
}

// DistStepResult is a data-parallel step's time against the computation
// it holds: the ranks' single-process steps on their share of the batch,
// run at the same time (so that they share the machine's caches and
// memory as the ranks do), and, on its own, one such step with the machine
// otherwise idle.
type DistStepResult struct {
	Ranks int `json:"ranks"`
	// StepSeconds is the data-parallel step's time (the best repetition).
	StepSeconds      float64 `json:"step_seconds"`
	SamplesPerSecond float64 `json:"samples_per_second"`
	// ShareSeconds is the slowest rank's time of a single-process step on
	// its share of the batch, all ranks at once.
	ShareSeconds float64 `json:"share_step_seconds"`
	// ShareAloneSeconds is rank 0's time of a single-process step on its
	// share of the batch while the other ranks wait.
	ShareAloneSeconds float64 `json:"share_step_alone_seconds"`
	// PhaseSeconds is a profiled data-parallel step's time by phase on
	// this rank (see ProfileStep).
	PhaseSeconds map[string]float64 `json:"phase_seconds"`
}

// MeasureDistributedStep measures b on every rank of b.Comm (every rank
// calls it with the same b; every rank gets the same times, and its own
// phases). The ranks
// run the same number of steps, which rank 0 chooses from a warm-up so
// that a repetition lasts at least b.Step.MinTime.
func MeasureDistributedStep(b DistStepBench) (DistStepResult, error) {
	c := b.Comm
	if c == nil || c.Size() < 2 {
		return DistStepResult{}, errors.New("train: MeasureDistributedStep: needs a communicator of at least two ranks")
	}
	if b.Step.BatchSize%c.Size() != 0 {
		return DistStepResult{}, fmt.Errorf("train: MeasureDistributedStep: batch size %d does not split into %d ranks: accepted multiples of %d", b.Step.BatchSize, c.Size(), c.Size())
	}
	if b.Reps < 1 {
		return DistStepResult{}, fmt.Errorf("train: MeasureDistributedStep: %d repetitions: want at least 1", b.Reps)
	}
	defer kernels.SetThreads(kernels.Threads())
	kernels.SetThreads(b.Step.Threads)
	res := DistStepResult{Ranks: c.Size()}

	whole, err := newDistBenchRun(b)
	if err != nil {
		return res, err
	}
	defer whole.s.team.stopSums()
	share := b.Step
	share.BatchSize /= c.Size()
	alone, aloneLoader, err := newBenchRun(share)
	if err != nil {
		return res, err
	}
	shareRun := benchRun{alone, aloneLoader}

	n, err := whole.agreeSteps(c, b.Step.MinTime)
	if err != nil {
		return res, err
	}
	res.StepSeconds, res.ShareSeconds, res.ShareAloneSeconds = math.Inf(1), math.Inf(1), math.Inf(1)
	for range b.Reps {
		t, err := slowestRank(c, func() float64 { return whole.run(n) })
		if err != nil {
			return res, err
		}
		res.StepSeconds = min(res.StepSeconds, t)
		if t, err = slowestRank(c, func() float64 { return shareRun.run(n) }); err != nil {
			return res, err
		}
		res.ShareSeconds = min(res.ShareSeconds, t)
		if t, err = slowestRank(c, func() float64 {
			if c.Rank() == 0 {
				return shareRun.run(n)
			}
			return 0
		}); err != nil {
			return res, err
		}
		res.ShareAloneSeconds = min(res.ShareAloneSeconds, t)
	}
	res.SamplesPerSecond = float64(b.Step.BatchSize) / res.StepSeconds

	// A profiled run: the phase clocks of this rank's threads.
	whole.s.team.clocks = &phaseClocks{threads: make([]phaseClock, b.Step.Threads)}
	whole.run(n)
	res.PhaseSeconds = map[string]float64{}
	size := whole.s.team.team.Size()
	for _, clk := range whole.s.team.clocks.threads[:size] {
		for p, d := range clk.d {
			res.PhaseSeconds[phaseNames[p]] += d.Seconds() / float64(n*size)
		}
	}
	whole.s.team.clocks = nil
	return res, nil
}

// warmupSteps are the steps of each of agreeSteps' two warm-up runs.
const warmupSteps = 5

// benchRun is a stepper and its loader.
type benchRun struct {
	s *stepper
	l *data.Loader
}

// newDistBenchRun is newBenchRun with the step's sums across b.Comm's
// ranks.
func newDistBenchRun(b DistStepBench) (benchRun, error) {
	s, l, err := newBenchRun(b.Step)
	if err != nil {
		return benchRun{}, err
	}
	if s.team == nil {
		return benchRun{}, errors.New("train: MeasureDistributedStep: the model has no team step")
	}
	s.team.oneAllReduce = b.OneAllReduce
	return benchRun{s, l}, s.team.startSums(b.Comm, b.NoSharedMemory)
}

// run takes n steps and returns the seconds per step.
func (r benchRun) run(n int) float64 {
	start := time.Now()
	done := 0
	for epoch := 0; done < n; epoch++ {
		for batch := range r.l.Epoch(epoch) {
			r.s.step(batch)
			if done++; done == n {
				break
			}
		}
	}
	return time.Since(start).Seconds() / float64(n)
}

// agreeSteps warms r up and returns the steps that last d, as rank 0 times
// them, on every rank. The warm-up is a fixed count: the ranks' steps meet
// in collectives, so every rank must take as many.
func (r benchRun) agreeSteps(c dist.Comm, d time.Duration) (int, error) {
	r.run(warmupSteps)
	perStep := r.run(warmupSteps)
	n := []float32{float32(math.Ceil(d.Seconds() / perStep))}
	if err := c.Broadcast(n, 0); err != nil {
		return 0, err
	}
	return max(2, int(n[0])), nil
}

// slowestRank runs f on every rank after a barrier and returns the largest
// of the ranks' results.
func slowestRank(c dist.Comm, f func() float64) (float64, error) {
	if err := c.Barrier(); err != nil {
		return 0, err
	}
	return dist.MaxOverRanks(c, f())
}
