package optim

import (
	"errors"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/vecgrad/vecgrad/tensor"
)

// model returns two fresh parameters (shapes [5, 7] and [7], from a fixed
// seed) and a function that sets their gradients for step k to a smooth
// function of the parameters and k (deterministic, so two runs that reach
// the same parameters see the same gradients).
func model() ([]*tensor.Tensor, func(k int)) {
	gen := tensor.NewGenerator(7)
	ps := []*tensor.Tensor{
		tensor.Randn(gen, 5, 7).SetRequiresGrad(true),
		tensor.Randn(gen, 7).SetRequiresGrad(true),
	}
	grads := [][]float32{make([]float32, 35), make([]float32, 7)}
	return ps, func(k int) {
		for i, p := range ps {
			for j, w := range p.Storage() {
				grads[i][j] = float32(math.Sin(float64(w)*1.7+float64(j)*0.3+float64(k)*0.11)) + 0.2*w
			}
			setGrad(p, grads[i])
		}
	}
}

type ctor func(ps []*tensor.Tensor) (Optimizer, error)

var optimizers = map[string]ctor{
	"SGD": func(ps []*tensor.Tensor) (Optimizer, error) {
		return NewSGDGroups(SGDGroup{ps[:1], SGDOptions{LR: 0.05, Momentum: 0.9, Nesterov: true, WeightDecay: 0.01}},
			SGDGroup{ps[1:], SGDOptions{LR: 0.1, Momentum: 0.5, Dampening: 0.3}})
	},
	"Adam": func(ps []*tensor.Tensor) (Optimizer, error) {
		o := DefaultAdam()
		o2 := o
		o2.AMSGrad, o2.WeightDecay, o2.LR = true, 0.1, 0.01
		return NewAdamGroups(AdamGroup{ps[:1], o}, AdamGroup{ps[1:], o2})
	},
	"AdamW": func(ps []*tensor.Tensor) (Optimizer, error) {
		o := DefaultAdamW()
		o.AMSGrad = true
		return NewAdamW(ps, o)
	},
}

// run takes steps k0..k1-1 of opt (and sched, if not nil) over ps.
func run(opt Optimizer, sched Scheduler, grads func(int), k0, k1 int) {
	for k := k0; k < k1; k++ {
		grads(k)
		opt.Step()
		if sched != nil {
			sched.Step()
		}
	}
}

// TestResume checks that N steps, a state dict, a new optimizer (and
// scheduler) loading it over a copy of the parameters and M more steps give
// the parameters of N+M uninterrupted steps bit for bit.
func TestResume(t *testing.T) {
	const n, m = 7, 9
	for name, mk := range optimizers {
		t.Run(name, func(t *testing.T) {
			ref, refGrads := model()
			refOpt, err := mk(ref)
			if err != nil {
				t.Fatal(err)
			}
			refSched, _ := NewCosineAnnealingLR(refOpt, 5, 1e-4)
			run(refOpt, refSched, refGrads, 0, n+m)

			ps, grads := model()
			opt, _ := mk(ps)
			sched, _ := NewCosineAnnealingLR(opt, 5, 1e-4)
			run(opt, sched, grads, 0, n)
			sd, ss := opt.StateDict(), sched.StateDict()
			saved := [][]float32{ps[0].Data(), ps[1].Data()}
			run(opt, sched, grads, n, n+3) // the dict is a copy: later steps do not change it

			ps2, grads2 := model()
			for i, p := range ps2 {
				copy(p.Storage(), saved[i])
			}
			opt2, _ := mk(ps2)
			sched2, _ := NewCosineAnnealingLR(opt2, 5, 1e-4)
			if err := opt2.LoadStateDict(sd); err != nil {
				t.Fatal(err)
			}
			if err := sched2.LoadStateDict(ss); err != nil {
				t.Fatal(err)
			}
			run(opt2, sched2, grads2, n, n+m)
			for i := range ref {
				if !slices.Equal(ref[i].Data(), ps2[i].Data()) {
					t.Errorf("parameter %d after resuming differs from the uninterrupted run", i)
				}
			}
			if !slices.Equal(refSched.LastLR(), sched2.LastLR()) {
				t.Errorf("learning rates %v after resuming, %v uninterrupted", sched2.LastLR(), refSched.LastLR())
			}
		})
	}
}

// TestStepAllocs checks that Step allocates nothing once the state exists.
func TestStepAllocs(t *testing.T) {
	for name, mk := range optimizers {
		ps, grads := model()
		opt, _ := mk(ps)
		sched, _ := NewStepLR(opt, 3, 0.9)
		grads(0)
		opt.Step()
		if a := testing.AllocsPerRun(20, func() { opt.Step(); sched.Step() }); a != 0 {
			t.Errorf("%s: %v allocations per Step and scheduler Step, want 0", name, a)
		}
	}
}

// TestSkipsNilGrad checks that a parameter without a gradient is left
// alone and gets no state, as in torch.
func TestSkipsNilGrad(t *testing.T) {
	for name, mk := range optimizers {
		ps, grads := model()
		opt, _ := mk(ps)
		grads(0)
		ps[1].ZeroGrad()
		before := ps[1].Data()
		opt.Step()
		if !slices.Equal(before, ps[1].Data()) {
			t.Errorf("%s: a parameter without a gradient changed", name)
		}
		st := opt.StateDict().State[1]
		if st != (ParamState{}) {
			t.Errorf("%s: a parameter without a gradient has state %+v", name, st)
		}
		if opt.StateDict().State[0] == (ParamState{}) {
			t.Errorf("%s: the stepped parameter has no state", name)
		}
	}
}

func TestZeroGrad(t *testing.T) {
	ps, grads := model()
	opt, _ := NewSGD(ps, SGDOptions{LR: 0.1})
	grads(0)
	opt.ZeroGrad()
	for i, p := range ps {
		if p.Grad() != nil {
			t.Errorf("parameter %d has a gradient after ZeroGrad", i)
		}
	}
}

func wantErr(t *testing.T, err error, substr string) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("got %v, want an *optim.Error containing %q", err, substr)
	}
	if !strings.Contains(err.Error(), substr) {
		t.Errorf("error %q does not contain %q", err, substr)
	}
}

func TestConstructionErrors(t *testing.T) {
	p := tensor.Zeros(3, 4).SetRequiresGrad(true)
	ps := []*tensor.Tensor{p}
	sgd := func(o SGDOptions) error { _, err := NewSGD(ps, o); return err }
	adam := func(f func(*AdamOptions)) error { o := DefaultAdam(); f(&o); _, err := NewAdam(ps, o); return err }
	for _, c := range []struct {
		err  error
		want string
	}{
		{sgd(SGDOptions{LR: -1}), "optim: SGD: lr = -1: must be >= 0"},
		{sgd(SGDOptions{LR: math.NaN()}), "lr = NaN: must be >= 0"},
		{sgd(SGDOptions{LR: 0.1, Momentum: -0.1}), "optim: SGD: momentum = -0.1: must be >= 0"},
		{sgd(SGDOptions{LR: 0.1, WeightDecay: -1e-4}), "weight_decay = -0.0001: must be >= 0"},
		{sgd(SGDOptions{LR: 0.1, Dampening: math.Inf(1)}), "dampening = +Inf: must be finite"},
		{sgd(SGDOptions{LR: 0.1, Nesterov: true}), "Nesterov momentum requires momentum > 0 and dampening = 0"},
		{sgd(SGDOptions{LR: 0.1, Momentum: 0.9, Dampening: 0.1, Nesterov: true}), "dampening = 0.1"},
		{adam(func(o *AdamOptions) { o.LR = -1e-3 }), "optim: Adam: lr = -0.001: must be >= 0"},
		{adam(func(o *AdamOptions) { o.Eps = -1 }), "eps = -1: must be >= 0"},
		{adam(func(o *AdamOptions) { o.WeightDecay = -1 }), "weight_decay = -1"},
		{adam(func(o *AdamOptions) { o.Beta1 = 1 }), "betas[0] = 1: must be in [0, 1)"},
		{adam(func(o *AdamOptions) { o.Beta2 = -0.5 }), "betas[1] = -0.5: must be in [0, 1)"},
		{adam(func(o *AdamOptions) { *o = AdamOptions{} }), "start from optim.DefaultAdam()"},
		{func() error { _, err := NewAdamW(ps, AdamOptions{}); return err }(), "optim: AdamW: all options are zero"},
		{func() error { _, err := NewSGD(nil, SGDOptions{LR: 0.1}); return err }(), "parameter group 0 is empty"},
		{func() error { _, err := NewSGDGroups(); return err }(), "no parameter groups"},
		{sgdErr(ps, SGDGroup{Params: []*tensor.Tensor{p}, SGDOptions: SGDOptions{LR: 1}}), "group 1 parameter 0 is the same tensor as parameter 0"},
		{sgdErr([]*tensor.Tensor{nil}), "group 0 parameter 0 is nil"},
		{sgdErr([]*tensor.Tensor{tensor.Zeros(3, 4).Transpose(0, 1)}), "is not contiguous"},
		{sgdErr([]*tensor.Tensor{p.MulScalar(2)}), "is not a leaf tensor"},
		{func() error {
			_, err := NewAdamGroups(AdamGroup{ps, DefaultAdam()}, AdamGroup{[]*tensor.Tensor{tensor.Zeros(2)}, AdamOptions{LR: 1, Beta1: 2}})
			return err
		}(), "optim: Adam: group 1: betas[0] = 2"},
		// Options without traps: a field left zero is rejected where zero
		// would never move the parameters or would give NaN.
		{sgd(SGDOptions{}), "optim: SGD: lr = 0: SGD has no default learning rate (torch requires lr); set LR > 0"},
		{sgd(SGDOptions{Momentum: 0.9}), "lr = 0"},
		{func() error { _, err := NewAdam(ps, AdamOptions{LR: 1e-3}); return err }(), "optim: Adam: eps = 0: a zero gradient element would give 0/0 = NaN (start from optim.DefaultAdam(): eps 1e-8)"},
		{func() error { _, err := NewAdam(ps, AdamOptions{Beta1: 0.9, Beta2: 0.999, Eps: 1e-8}); return err }(), "optim: Adam: lr = 0: the parameters would never move"},
		{func() error { _, err := NewAdamW(ps, DefaultAdam()); return err }(), "optim: AdamW: options made by optim.DefaultAdam() given to NewAdamW: start from optim.DefaultAdamW() (torch's AdamW defaults, weight decay 0.01)"},
		{func() error { _, err := NewAdam(ps, DefaultAdamW()); return err }(), "optim: Adam: options made by optim.DefaultAdamW() given to NewAdam: start from optim.DefaultAdam()"},
	} {
		wantErr(t, c.err, c.want)
	}
	// Zero betas are a choice, not a trap; so is AdamW without decay when
	// asked for from DefaultAdamW, and a literal with every field set.
	for _, o := range []func() (Optimizer, error){
		func() (Optimizer, error) { o := DefaultAdam(); o.Beta1 = 0; return NewAdam(ps, o) },
		func() (Optimizer, error) { o := DefaultAdamW(); o.WeightDecay = 0; return NewAdamW(ps, o) },
		func() (Optimizer, error) {
			return NewAdamW(ps, AdamOptions{LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: 0.01})
		},
	} {
		if _, err := o(); err != nil {
			t.Error(err)
		}
	}
	// SetOptions applies the constructors' rules; LoadStateDict does not (a
	// scheduler may have brought lr to 0).
	s, _ := NewSGD(ps, SGDOptions{LR: 0.1})
	wantErr(t, s.SetOptions(0, SGDOptions{}), "lr = 0")
	sd := s.StateDict()
	sd.ParamGroups[0].LR = 0
	if err := s.LoadStateDict(sd); err != nil {
		t.Errorf("loading a state dict with lr 0: %v", err)
	}
}

func sgdErr(ps []*tensor.Tensor, more ...SGDGroup) error {
	_, err := NewSGDGroups(append([]SGDGroup{{Params: ps, SGDOptions: SGDOptions{LR: 0.1}}}, more...)...)
	return err
}

func TestSchedulerErrors(t *testing.T) {
	opt, _ := NewSGD([]*tensor.Tensor{tensor.Zeros(2)}, SGDOptions{LR: 0.1})
	_, e := NewStepLR(opt, 0, 0.1)
	wantErr(t, e, "optim: StepLR: step_size = 0: must be >= 1")
	_, e = NewStepLR(opt, 2, -1)
	wantErr(t, e, "gamma = -1: must be >= 0")
	_, e = NewExponentialLR(opt, math.NaN())
	wantErr(t, e, "optim: ExponentialLR: gamma = NaN")
	_, e = NewCosineAnnealingLR(opt, 0, 0)
	wantErr(t, e, "T_max = 0: must be >= 1")
	_, e = NewCosineAnnealingLR(opt, 3, -1)
	wantErr(t, e, "eta_min = -1")
	_, e = NewLinearLR(opt, 0, 1, 5)
	wantErr(t, e, "start_factor = 0: must be in (0, 1]")
	_, e = NewLinearLR(opt, 0.5, 1.5, 5)
	wantErr(t, e, "end_factor = 1.5: must be in [0, 1]")
	_, e = NewLinearLR(opt, 0.5, 1, 0)
	wantErr(t, e, "total_iters = 0: must be >= 1")
	if opt.LR(0) != 0.1 {
		t.Errorf("a rejected scheduler changed the learning rate to %v", opt.LR(0))
	}
	s, _ := NewStepLR(opt, 2, 0.5)
	st := s.StateDict()
	st.Name = "LinearLR"
	wantErr(t, s.LoadStateDict(st), `the scheduler state is "LinearLR"'s, not StepLR's`)
	st = s.StateDict()
	st.BaseLRs = nil
	wantErr(t, s.LoadStateDict(st), "0 base and 1 last learning rates for 1 parameter groups")
}

func TestSetLRPanics(t *testing.T) {
	opt, _ := NewSGD([]*tensor.Tensor{tensor.Zeros(2)}, SGDOptions{LR: 0.1})
	for _, c := range []struct {
		g    int
		lr   float64
		want string
	}{{0, -1, "optim: SGD: SetLR: lr = -1: must be >= 0"}, {1, 0.1, "group 1 out of range [0, 1)"}} {
		func() {
			defer func() {
				if e, ok := recover().(*Error); !ok || !strings.Contains(e.Error(), c.want) {
					t.Errorf("SetLR(%d, %v): panic %v, want an *Error with %q", c.g, c.lr, e, c.want)
				}
			}()
			opt.SetLR(c.g, c.lr)
		}()
	}
}

// TestLoadStateDictErrors checks that bad state dicts are errors, leave the
// optimizer unchanged and never panic.
func TestLoadStateDictErrors(t *testing.T) {
	for name, mk := range optimizers {
		t.Run(name, func(t *testing.T) {
			ps, grads := model()
			opt, _ := mk(ps)
			run(opt, nil, grads, 0, 2)
			good := opt.StateDict()
			bad := func(f func(sd *StateDict)) error {
				sd := opt.StateDict()
				f(sd)
				return opt.LoadStateDict(sd)
			}
			wantErr(t, opt.LoadStateDict(nil), "nil state dict")
			wantErr(t, bad(func(sd *StateDict) { sd.Optimizer = "Other" }), `the state dict is "Other"'s`)
			wantErr(t, bad(func(sd *StateDict) { sd.ParamGroups = sd.ParamGroups[:0] }), "parameter groups")
			wantErr(t, bad(func(sd *StateDict) { sd.ParamGroups[0].Params = []int{5} }), "group 0 holds parameters [5]")
			wantErr(t, bad(func(sd *StateDict) { sd.State = sd.State[:1] }), "state for 1 parameters, the optimizer has 2")
			wantErr(t, bad(func(sd *StateDict) { sd.ParamGroups[0].LR = -1 }), "optim: LoadStateDict: "+name)
			wantErr(t, bad(func(sd *StateDict) {
				s := &sd.State[1]
				for _, p := range []**tensor.Tensor{&s.MomentumBuffer, &s.ExpAvg} {
					if *p != nil {
						*p = tensor.Zeros(3)
					}
				}
			}), "has shape [3], but parameter 1 has shape [7]")
			if name == "SGD" {
				wantErr(t, bad(func(sd *StateDict) { sd.State[0].Step = 3 }), "holds Adam state")
			} else {
				wantErr(t, bad(func(sd *StateDict) { sd.State[0].MomentumBuffer = tensor.Zeros(5, 7) }), "SGD momentum_buffer")
				wantErr(t, bad(func(sd *StateDict) { sd.State[0].Step = -1 }), "step = -1")
				wantErr(t, bad(func(sd *StateDict) { sd.State[0].ExpAvg = nil }), "exp_avg absent")
				wantErr(t, bad(func(sd *StateDict) { sd.State[0] = ParamState{MaxExpAvgSq: tensor.Zeros(5, 7)} }), "max_exp_avg_sq but step = 0")
			}
			// Nothing changed: stepping on from here matches a fresh load of good.
			after := opt.StateDict()
			if !equalDicts(good, after) {
				t.Fatal("a rejected LoadStateDict changed the optimizer")
			}
		})
	}
}

func equalDicts(a, b *StateDict) bool {
	if a.Optimizer != b.Optimizer || len(a.State) != len(b.State) || len(a.ParamGroups) != len(b.ParamGroups) {
		return false
	}
	eq := func(x, y *tensor.Tensor) bool {
		return (x == nil) == (y == nil) && (x == nil || slices.Equal(x.Data(), y.Data()))
	}
	for i := range a.State {
		s, u := a.State[i], b.State[i]
		if s.Step != u.Step || !eq(s.MomentumBuffer, u.MomentumBuffer) || !eq(s.ExpAvg, u.ExpAvg) ||
			!eq(s.ExpAvgSq, u.ExpAvgSq) || !eq(s.MaxExpAvgSq, u.MaxExpAvgSq) {
			return false
		}
	}
	return reflect.DeepEqual(a.ParamGroups, b.ParamGroups)
}
