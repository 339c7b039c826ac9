package state

import (
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/vecgrad/vecgrad/loss"
	"github.com/vecgrad/vecgrad/optim"
	"github.com/vecgrad/vecgrad/tensor"
	"github.com/vecgrad/vecgrad/train/nn"
)

// setup is a model with parameters and buffers (BatchNorm1d's running
// statistics), an optimizer and schedulers over it, built from seed.
type setup struct {
	model  *nn.Sequential
	opt    optim.Optimizer
	scheds []optim.Scheduler
}

type optCtor func(ps []*tensor.Tensor) (optim.Optimizer, error)

// optimizers covers every optimizer and every kind of per-parameter state:
// SGD with and without momentum buffers, Nesterov and dampening, two groups;
// Adam with and without amsgrad (max_exp_avg_sq), maximize; AdamW.
var optimizers = map[string]optCtor{
	"SGD": func(ps []*tensor.Tensor) (optim.Optimizer, error) {
		return optim.NewSGDGroups(optim.SGDGroup{Params: ps[:2], SGDOptions: optim.SGDOptions{LR: 0.05, Momentum: 0.9, Nesterov: true, WeightDecay: 0.01}},
			optim.SGDGroup{Params: ps[2:], SGDOptions: optim.SGDOptions{LR: 0.1, Momentum: 0.5, Dampening: 0.3}})
	},
	"SGD plain": func(ps []*tensor.Tensor) (optim.Optimizer, error) {
		return optim.NewSGD(ps, optim.SGDOptions{LR: 0.1})
	},
	"Adam": func(ps []*tensor.Tensor) (optim.Optimizer, error) {
		o := optim.DefaultAdam()
		o2 := o
		o2.AMSGrad, o2.WeightDecay, o2.LR = true, 0.1, 0.01
		return optim.NewAdamGroups(optim.AdamGroup{Params: ps[:3], AdamOptions: o}, optim.AdamGroup{Params: ps[3:], AdamOptions: o2})
	},
	"AdamW": func(ps []*tensor.Tensor) (optim.Optimizer, error) {
		o := optim.DefaultAdamW()
		o.AMSGrad, o.Maximize = true, true
		return optim.NewAdamW(ps, o)
	},
}

type schedCtor func(o optim.Optimizer) ([]optim.Scheduler, error)

func one[S optim.Scheduler](s S, err error) ([]optim.Scheduler, error) {
	return []optim.Scheduler{s}, err
}

// schedulers covers every scheduler, none, and two chained.
var schedulers = map[string]schedCtor{
	"none":        func(o optim.Optimizer) ([]optim.Scheduler, error) { return nil, nil },
	"StepLR":      func(o optim.Optimizer) ([]optim.Scheduler, error) { return one(optim.NewStepLR(o, 2, 0.5)) },
	"Exponential": func(o optim.Optimizer) ([]optim.Scheduler, error) { return one(optim.NewExponentialLR(o, 0.9)) },
	"Cosine":      func(o optim.Optimizer) ([]optim.Scheduler, error) { return one(optim.NewCosineAnnealingLR(o, 4, 1e-4)) },
	"Linear":      func(o optim.Optimizer) ([]optim.Scheduler, error) { return one(optim.NewLinearLR(o, 0.25, 1, 5)) },
	"Linear+Step": func(o optim.Optimizer) ([]optim.Scheduler, error) {
		a, err := optim.NewLinearLR(o, 0.5, 1, 3)
		if err != nil {
			return nil, err
		}
		b, err := optim.NewStepLR(o, 3, 0.1)
		return []optim.Scheduler{a, b}, err
	},
}

func newSetup(t *testing.T, seed uint64, mkOpt optCtor, mkSched schedCtor) *setup {
	t.Helper()
	s, err := build(seed, mkOpt, mkSched)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func build(seed uint64, mkOpt optCtor, mkSched schedCtor) (*setup, error) {
	g := tensor.NewGenerator(seed)
	model := nn.NewSequential(nn.NewLinear(4, 8, g), nn.NewBatchNorm1d(8), nn.ReLU{}, nn.NewLinear(8, 3, g))
	opt, err := mkOpt(nn.Tensors(model.Parameters()))
	if err != nil {
		return nil, err
	}
	scheds, err := mkSched(opt)
	if err != nil {
		return nil, err
	}
	return &setup{model, opt, scheds}, nil
}

// steps takes steps k0..k1-1 on fixed batches (a function of k), each
// followed by every scheduler's step.
func (s *setup) steps(t *testing.T, k0, k1 int) {
	t.Helper()
	for k := k0; k < k1; k++ {
		g := tensor.NewGenerator(uint64(1000 + k))
		x := tensor.Randn(g, 6, 4)
		y := tensor.New([]float32{0, 1, 2, float32(k % 3), 1, 0}, 6)
		l, err := loss.CrossEntropy(s.model.Forward(x), y, loss.CrossEntropyOptions{})
		if err != nil {
			t.Fatal(err)
		}
		s.opt.ZeroGrad()
		l.Backward()
		s.opt.Step()
		for _, sc := range s.scheds {
			sc.Step()
		}
	}
}

// snapshot is everything Load may change, as plain values.
type snapshot struct {
	tensors map[string][]float32
	opt     *optim.StateDict
	scheds  []optim.SchedulerState
	lrs     []float64
}

func (s *setup) snapshot() snapshot {
	sn := snapshot{tensors: map[string][]float32{}, opt: s.opt.StateDict()}
	for _, p := range append(s.model.Parameters(), s.model.Buffers()...) {
		sn.tensors[p.Name] = p.Tensor.Data()
	}
	for _, sc := range s.scheds {
		sn.scheds = append(sn.scheds, sc.StateDict())
	}
	for g := range s.opt.NumGroups() {
		sn.lrs = append(sn.lrs, s.opt.LR(g))
	}
	return sn
}

func sameBits(a, b []float32) bool {
	return slices.EqualFunc(a, b, func(x, y float32) bool { return math.Float32bits(x) == math.Float32bits(y) })
}

// diff says how two snapshots differ, or "" if they are the same bit for
// bit.
func (a snapshot) diff(b snapshot) string {
	for name, x := range a.tensors {
		if !sameBits(x, b.tensors[name]) {
			return "model tensor " + name
		}
	}
	ta, tb := tensorsOf(a.opt), tensorsOf(b.opt)
	if len(ta) != len(tb) || !slices.Equal(stepsOf(a.opt), stepsOf(b.opt)) {
		return "optimizer state layout"
	}
	for i := range ta {
		if !sameBits(ta[i], tb[i]) {
			return "optimizer state tensor"
		}
	}
	if !slices.Equal(a.lrs, b.lrs) {
		return "learning rates"
	}
	ga, _ := optim.MarshalParamGroups(a.opt)
	gb, _ := optim.MarshalParamGroups(b.opt)
	if string(ga) != string(gb) {
		return "param groups"
	}
	if len(a.scheds) != len(b.scheds) {
		return "scheduler count"
	}
	for k := range a.scheds {
		x, y := a.scheds[k], b.scheds[k]
		if x.LastEpoch != y.LastEpoch || x.StepCount != y.StepCount || !slices.Equal(x.BaseLRs, y.BaseLRs) || !slices.Equal(x.LastLR, y.LastLR) {
			return "scheduler state"
		}
	}
	return ""
}

func tensorsOf(sd *optim.StateDict) [][]float32 {
	var out [][]float32
	for _, st := range sd.State {
		for _, t := range []*tensor.Tensor{st.MomentumBuffer, st.ExpAvg, st.ExpAvgSq, st.MaxExpAvgSq} {
			if t != nil {
				out = append(out, t.Data())
			}
		}
	}
	return out
}

func stepsOf(sd *optim.StateDict) []int {
	var out []int
	for _, st := range sd.State {
		out = append(out, st.Step)
	}
	return out
}

// TestResume: for every optimizer and scheduler, N steps, Save, Load into
// fresh objects (initialized from another seed, so that everything must
// come from the file) and M more steps end where N+M uninterrupted steps
// do, bit for bit: parameters, buffers, optimizer state, learning rates.
func TestResume(t *testing.T) {
	const n, m = 5, 6
	for oname, mkOpt := range optimizers {
		for sname, mkSched := range schedulers {
			t.Run(oname+"/"+sname, func(t *testing.T) {
				ref := newSetup(t, 1, mkOpt, mkSched)
				ref.steps(t, 0, n+m)

				first := newSetup(t, 1, mkOpt, mkSched)
				first.steps(t, 0, n)
				path := filepath.Join(t.TempDir(), "state.safetensors")
				if err := Save(path, first.model, first.opt, first.scheds...); err != nil {
					t.Fatal(err)
				}
				resumed := newSetup(t, 2, mkOpt, mkSched)
				if err := Load(path, resumed.model, resumed.opt, resumed.scheds...); err != nil {
					t.Fatal(err)
				}
				if d := first.snapshot().diff(resumed.snapshot()); d != "" {
					t.Fatalf("after Load, the %s differs from what was saved", d)
				}
				resumed.steps(t, n, n+m)
				if d := ref.snapshot().diff(resumed.snapshot()); d != "" {
					t.Errorf("after resuming, the %s differs from the uninterrupted run", d)
				}
			})
		}
	}
}

// TestLoadModelOnly loads a full file's model into a model without an
// optimizer, and saves and loads a model alone.
func TestLoadModelOnly(t *testing.T) {
	s := newSetup(t, 1, optimizers["Adam"], schedulers["StepLR"])
	s.steps(t, 0, 3)
	dir := t.TempDir()
	full, alone := filepath.Join(dir, "full.safetensors"), filepath.Join(dir, "model.safetensors")
	if err := Save(full, s.model, s.opt, s.scheds...); err != nil {
		t.Fatal(err)
	}
	if err := Save(alone, s.model, nil); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{full, alone} {
		other := newSetup(t, 2, optimizers["Adam"], schedulers["none"])
		if err := Load(path, other.model, nil); err != nil {
			t.Fatal(err)
		}
		want := s.snapshot().tensors
		for name, got := range other.snapshot().tensors {
			if !sameBits(got, want[name]) {
				t.Errorf("%s: tensor %s differs", filepath.Base(path), name)
			}
		}
	}
	other := newSetup(t, 2, optimizers["Adam"], schedulers["none"])
	err := Load(alone, other.model, other.opt)
	wantErr(t, err, alone, "holds no optimizer state (saved with a nil optimizer?), but an optimizer (Adam) was given")
}

func wantErr(t *testing.T, err error, wants ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want one containing %q", wants)
	}
	for _, w := range wants {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not contain %q", err, w)
		}
	}
}

// TestSubmodule checks that a model saved through Submodule has its names
// under the prefix, loads back through it, and that loading without it
// says so.
func TestSubmodule(t *testing.T) {
	s := newSetup(t, 1, optimizers["SGD"], schedulers["none"])
	s.steps(t, 0, 2)
	path := filepath.Join(t.TempDir(), "m.safetensors")
	if err := Save(path, Submodule("net", s.model), nil); err != nil {
		t.Fatal(err)
	}
	dst := newSetup(t, 2, optimizers["SGD"], schedulers["none"])
	err := Load(path, dst.model, nil)
	wantErr(t, err, `tensor "0.weight" of the model is missing (the file has "net.0.weight": saved under another prefix? see Submodule)`)
	if err := Load(path, Submodule("net", dst.model), nil); err != nil {
		t.Fatal(err)
	}
	for name, x := range s.snapshot().tensors {
		if !sameBits(x, dst.snapshot().tensors[name]) {
			t.Errorf("tensor %s differs after loading through Submodule", name)
		}
	}
	var names []string
	for _, p := range append(Submodule("net", s.model).Parameters(), nn.Buffers(Submodule("net", s.model))...) {
		names = append(names, p.Name)
	}
	if want := "net.0.weight net.0.bias net.1.weight net.1.bias net.3.weight net.3.bias net.1.running_mean net.1.running_var net.1.num_batches_tracked"; strings.Join(names, " ") != want {
		t.Errorf("names %v, want %s", names, want)
	}
}
