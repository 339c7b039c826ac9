package train

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/vecgrad/vecgrad/train/dist"
)

// TestMeasureDistributedStep: on 2 in-process ranks, the measurement ends
// (the ranks take as many steps), gives every rank the same positive
// times, and a profile with time in the products and the sums; bad
// settings are errors.
func TestMeasureDistributedStep(t *testing.T) {
	step := StepBench{Widths: []int{784, 32, 10}, BatchSize: 8, Threads: 1, Optimizer: "sgd", MinTime: time.Millisecond}
	res, errs := runRanks(2, func(c dist.Comm) (DistStepResult, error) {
		return MeasureDistributedStep(DistStepBench{Step: step, Comm: c, Reps: 2})
	})
	for r, err := range errs {
		if err != nil {
			t.Fatalf("rank %d: %v", r, err)
		}
	}
	for r, got := range res {
		for name, v := range map[string]float64{"step": got.StepSeconds, "share": got.ShareSeconds, "share alone": got.ShareAloneSeconds} {
			if !(v > 0) || math.IsInf(v, 0) {
				t.Errorf("rank %d: %s seconds %v: want a positive time", r, name, v)
			}
		}
		if got.StepSeconds != res[0].StepSeconds || got.ShareSeconds != res[0].ShareSeconds {
			t.Errorf("rank %d: times %v, %v; rank 0's %v, %v", r, got.StepSeconds, got.ShareSeconds, res[0].StepSeconds, res[0].ShareSeconds)
		}
		if got.Ranks != 2 || math.Abs(got.SamplesPerSecond*got.StepSeconds-8) > 1e-9 {
			t.Errorf("rank %d: %d ranks, %v samples/s at %v s per step of 8", r, got.Ranks, got.SamplesPerSecond, got.StepSeconds)
		}
		if !(got.PhaseSeconds["gemm"] > 0) || !(got.PhaseSeconds["allreduce"] > 0) {
			t.Errorf("rank %d: phases %v: want time in gemm and allreduce", r, got.PhaseSeconds)
		}
	}
	for _, tc := range []struct {
		b    DistStepBench
		want string
	}{
		{DistStepBench{Step: step, Comm: dist.NewLocal(1)[0], Reps: 1}, "at least two ranks"},
		{DistStepBench{Step: step, Reps: 1}, "at least two ranks"},
	} {
		if _, err := MeasureDistributedStep(tc.b); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: error %v, want %q", tc.b, err, tc.want)
		}
	}
	odd := step
	odd.BatchSize = 9
	_, errs = runRanks(2, func(c dist.Comm) (DistStepResult, error) {
		return MeasureDistributedStep(DistStepBench{Step: odd, Comm: c, Reps: 1})
	})
	for r, err := range errs {
		if err == nil || !strings.Contains(err.Error(), "multiples of 2") {
			t.Errorf("rank %d, batch 9 on 2 ranks: error %v", r, err)
		}
	}
}
