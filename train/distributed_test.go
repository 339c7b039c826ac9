package train

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/vecgrad/vecgrad/kernels"
	"github.com/vecgrad/vecgrad/optim"
	"github.com/vecgrad/vecgrad/train/data"
	"github.com/vecgrad/vecgrad/train/dist"
	"github.com/vecgrad/vecgrad/train/nn"
)

// runRanks runs f for every rank of an in-process communicator of size
// ranks at once and returns what each returned.
func runRanks[T any](size int, f func(c dist.Comm) (T, error)) ([]T, []error) {
	return runComms(dist.NewLocal(size), f)
}

// runComms runs f for every rank of comms at once and returns what each
// returned.
func runComms[T any](comms []dist.Comm, f func(c dist.Comm) (T, error)) ([]T, []error) {
	size := len(comms)
	out, errs := make([]T, size), make([]error, size)
	var wg sync.WaitGroup
	for r, c := range comms {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[r], errs[r] = f(c)
		}()
	}
	wg.Wait()
	return out, errs
}

// TestDistributedGradientBound: one data-parallel step on 2 and 4 ranks
// against one process on the same batch. Each row's loss gradient, at
// every layer, is bitwise the single process's (the ranks split the batch
// evenly, their count a power of two); each element of a summed weight or
// bias gradient differs from the single process's by at most
// 2*gamma(n)*sum_r |g_r||x_r| (two sums of the same n products, each
// within gamma(n) of the exact one), with the sums taken from the single
// process's own buffers.
func TestDistributedGradientBound(t *testing.T) {
	const n = 32
	widths := []int{data.Features, 64, 48, data.NumClasses}
	batch := randomBatches(5, 1, n, widths[0], widths[len(widths)-1])[0]
	newStep := func() *teamStep {
		model := MLP(3, widths...)
		opt, err := optim.NewSGD(nn.Tensors(model.Parameters()), optim.SGDOptions{LR: 0.1})
		if err != nil {
			t.Fatal(err)
		}
		return newTeamStep(model, opt)
	}
	single := newStep()
	single.step(batch, 1)
	// The single process's step hands its weight gradients to the
	// optimizer a block at a time from a scratch (rowUpdate) and leaves
	// none in dw: compute them as its product does (the same product, so
	// the same values: kernels' TestSgemmSerialBlocks).
	for i := range single.layers {
		l := &single.layers[i]
		kernels.SgemmSerial(true, false, l.out, l.in, n, 1, l.grad, l.out, single.input(i), l.in, 0, l.dw, l.in)
	}
	u := math.Ldexp(1, -24)
	gamma := float64(n) * u / (1 - float64(n)*u)
	for _, ranks := range []int{2, 4} {
		steps, errs := runRanks(ranks, func(c dist.Comm) (*teamStep, error) {
			s := newStep()
			// The summed gradients, which the sharded update of the
			// shared-memory sum leaves on no rank whole (TestDistributedRun
			// holds it to this sum's parameters bit for bit).
			if err := s.startSums(c, true); err != nil {
				return nil, err
			}
			defer s.stopSums()
			s.step(batch, 1)
			return s, s.err
		})
		for r, err := range errs {
			if err != nil {
				t.Fatalf("%d ranks, rank %d: %v", ranks, r, err)
			}
		}
		for r, s := range steps {
			for i := range s.layers {
				l, sl := &s.layers[i], &single.layers[i]
				for j, v := range l.grad[:s.n*l.out] {
					if want := sl.grad[s.lo*l.out+j]; math.Float32bits(v) != math.Float32bits(want) {
						t.Fatalf("%d ranks, rank %d, layer %d: row gradient %d is %v, one process's %v", ranks, r, i, j, v, want)
					}
				}
				x := batch.X
				if i > 0 {
					x = single.layers[i-1].act
				}
				for o := range l.out {
					var sumG float64
					for row := range n {
						sumG += math.Abs(float64(sl.grad[row*l.out+o]))
					}
					if d := math.Abs(float64(l.db[o]) - float64(sl.db[o])); d > 2*gamma*sumG {
						t.Fatalf("%d ranks, layer %d: bias gradient %d differs by %g, bound %g", ranks, i, o, d, 2*gamma*sumG)
					}
					for in := range l.in {
						var sum float64
						for row := range n {
							sum += math.Abs(float64(sl.grad[row*l.out+o]) * float64(x[row*l.in+in]))
						}
						if d := math.Abs(float64(l.dw[o*l.in+in]) - float64(sl.dw[o*l.in+in])); d > 2*gamma*sum {
							t.Fatalf("%d ranks, layer %d: weight gradient [%d,%d] differs by %g, bound %g", ranks, i, o, in, d, 2*gamma*sum)
						}
					}
				}
			}
		}
		if got, want := steps[0].loss, single.loss; math.Abs(float64(got-want)) > 4*gamma*float64(want) {
			t.Errorf("%d ranks: loss %v, one process %v", ranks, got, want)
		}
	}
}

// distRun trains cfg on sets with the in-process ranks of comms, with
// opt's Comm, LogEvery and CheckEvery set for each, and returns each rank's
// result.
func distRun(t *testing.T, cfg Config, sets Data, comms []dist.Comm, opt Options) []*Result {
	t.Helper()
	res, errs := runComms(comms, func(c dist.Comm) (*Result, error) {
		o := opt
		o.Comm, o.LogEvery, o.CheckEvery = c, 1, 1
		return Run(context.Background(), cfg, sets, o)
	})
	for r, err := range errs {
		if err != nil {
			t.Fatalf("%d ranks, rank %d: %v", len(comms), r, err)
		}
	}
	return res
}

// TestDistributedRun: two epochs on 2 and 4 in-process ranks. Every rank
// ends with bitwise the same parameters (and CheckEvery found them equal
// after every step); a second run is bitwise the first, and so are a run
// with one sum after the backward pass and a run without shared memory
// (all sums in rank order); rank 0 alone wrote the files, the loss log is
// the global batch's, and the test accuracy is within a few points of one
// process's. Two "machines" of two ranks (NewLocalMachines: the
// hierarchical sum's path across machines, on the reducer's goroutine)
// agree across ranks and runs, and with 4 ranks within the accuracy.
func TestDistributedRun(t *testing.T) {
	dir := t.TempDir()
	sets := synthetic(t, dir, 128, 64)
	cfg := tinyConfig()
	cfg.BatchSize = 16
	if raceEnabled {
		sets = synthetic(t, dir, 64, 16)
		cfg.Epochs = 1
	}
	single, err := Run(context.Background(), cfg, sets, Options{LogEvery: 1})
	if err != nil {
		t.Fatal(err)
	}
	rankCounts := []int{2, 4}
	if raceEnabled {
		rankCounts = rankCounts[:1] // a hundredfold slower under the race detector
	}
	for _, ranks := range rankCounts {
		out := filepath.Join(dir, "out", string(rune('0'+ranks)))
		a := distRun(t, cfg, sets, dist.NewLocal(ranks), Options{OutDir: out})
		b := distRun(t, cfg, sets, dist.NewLocal(ranks), Options{})
		one := distRun(t, cfg, sets, dist.NewLocal(ranks), Options{OneAllReduce: true})
		plain := distRun(t, cfg, sets, dist.NewLocal(ranks), Options{NoSharedMemory: true})
		for r := range a {
			sameBits(t, "rank 0 vs another rank", paramBits(a[0]), paramBits(a[r]))
			sameBits(t, "two runs", paramBits(a[r]), paramBits(b[r]))
			// Every sum is elementwise in rank order: per-layer buckets,
			// one sum and Local's AllReduceSum add the same terms in the
			// same order.
			sameBits(t, "per-layer buckets vs one sum", paramBits(a[r]), paramBits(one[r]))
			sameBits(t, "shared memory vs AllReduceSum", paramBits(a[r]), paramBits(plain[r]))
		}
		if _, err := os.Stat(filepath.Join(out, CheckpointFile)); err != nil {
			t.Errorf("%d ranks: rank 0 wrote no checkpoint: %v", ranks, err)
		}
		if len(a[0].Log.Loss) != len(single.Log.Loss) || a[0].Samples != single.Samples {
			t.Errorf("%d ranks: %d loss points over %d samples, one process %d over %d", ranks, len(a[0].Log.Loss), a[0].Samples, len(single.Log.Loss), single.Samples)
		}
		last := len(single.Epochs) - 1
		if d := math.Abs(a[0].Epochs[last].Accuracy - single.Epochs[last].Accuracy); d > 0.05 {
			t.Errorf("%d ranks: test accuracy %v, one process %v", ranks, a[0].Epochs[last].Accuracy, single.Epochs[last].Accuracy)
		}
		if ranks == 4 {
			m := distRun(t, cfg, sets, dist.NewLocalMachines(2, 2), Options{})
			m2 := distRun(t, cfg, sets, dist.NewLocalMachines(2, 2), Options{})
			for r := range m {
				sameBits(t, "2 machines: rank 0 vs another rank", paramBits(m[0]), paramBits(m[r]))
				sameBits(t, "2 machines: two runs", paramBits(m[r]), paramBits(m2[r]))
			}
			if d := math.Abs(m[0].Epochs[last].Accuracy - single.Epochs[last].Accuracy); d > 0.05 {
				t.Errorf("2 machines of 2 ranks: test accuracy %v, one process %v", m[0].Epochs[last].Accuracy, single.Epochs[last].Accuracy)
			}
		}
	}
}

// TestDistributedErrors: settings that differ between ranks and a batch
// that does not split are errors on every rank.
func TestDistributedErrors(t *testing.T) {
	dir := t.TempDir()
	sets := synthetic(t, dir, 64, 16)
	_, errs := runRanks(2, func(c dist.Comm) (*Result, error) {
		cfg := tinyConfig()
		cfg.Seed = uint64(1 + c.Rank())
		return Run(context.Background(), cfg, sets, Options{Comm: c})
	})
	for r, err := range errs {
		if err == nil || !strings.Contains(err.Error(), "rank(s) [1]") {
			t.Errorf("rank %d with different seeds: %v, want an error naming rank 1", r, err)
		}
	}
	_, errs = runRanks(3, func(c dist.Comm) (*Result, error) {
		cfg := tinyConfig() // batch 16
		return Run(context.Background(), cfg, sets, Options{Comm: c})
	})
	for r, err := range errs {
		if err == nil || !strings.Contains(err.Error(), "multiples of 3") {
			t.Errorf("rank %d, batch 16 on 3 ranks: %v, want an error", r, err)
		}
	}
}

// TestDistributedResume: with the optimizer sharded among the ranks (the
// shared-memory sum), one epoch, then a resumed second from rank 0's
// checkpoint, is bitwise two epochs in one run, for SGD with momentum and
// Adam, with weight decay: the checkpoint held every part of the optimizer's
// state, gathered from the ranks that own it, not rank 0's stale copies.
// 2 ranks, and 3 (each owning a third) without the race detector.
func TestDistributedResume(t *testing.T) {
	dir := t.TempDir()
	sets := synthetic(t, dir, 96, 16)
	ranks := []int{2, 3}
	if raceEnabled {
		ranks = ranks[:1]
	}
	for _, opt := range []string{"sgd", "adam"} {
		for _, n := range ranks {
			cfg := tinyConfig()
			cfg.BatchSize = 12
			cfg.Optimizer = opt
			cfg.WeightDecay = 0.01
			whole := distRun(t, cfg, sets, dist.NewLocal(n), Options{})
			out := filepath.Join(dir, fmt.Sprintf("%s-%d", opt, n))
			first := cfg
			first.Epochs = 1
			distRun(t, first, sets, dist.NewLocal(n), Options{OutDir: out})
			resumed := distRun(t, cfg, sets, dist.NewLocal(n), Options{OutDir: out, Resume: true})
			for r := range resumed {
				sameBits(t, fmt.Sprintf("%s, %d ranks, rank %d: resumed vs one run", opt, n, r), paramBits(whole[r]), paramBits(resumed[r]))
			}
		}
	}
}
