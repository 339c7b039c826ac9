package optim

import (
	"fmt"
	"maps"
	"math"
	"slices"
)

// A Scheduler changes the learning rates of an optimizer's parameter groups
// between epochs (or steps), as torch.optim.lr_scheduler: call the
// optimizer's Step, then the scheduler's Step.
//
// The schedulers compute torch 1.13's chainable (recursive) form in
// float64: each Step multiplies or shifts every group's current learning
// rate, so changes made to it from outside (SetLR, another scheduler) carry
// on through the schedule, and the numbers are torch's (up to the last bits
// of math.Cos against the C library's cos). Creating a scheduler performs
// torch's initial step: it records every group's current learning rate as
// that group's base learning rate (torch's initial_lr), sets the epoch to 0
// and applies the epoch-0 rule (which changes the rate only for LinearLR).
type Scheduler interface {
	// Step advances the epoch by one and sets every group's learning rate.
	Step()
	// LastLR returns the learning rates the last Step (or the
	// construction) set, one per group (torch's get_last_lr()).
	LastLR() []float64
	// LastEpoch returns the epoch count: 0 after construction, +1 per Step.
	LastEpoch() int
	// StateDict returns the scheduler's state (see SchedulerState).
	StateDict() SchedulerState
	// LoadStateDict restores a state from StateDict of the same kind of
	// scheduler over an optimizer with as many groups.
	LoadStateDict(st SchedulerState) error
}

// SchedulerState is a scheduler's state, named after the entries of torch's
// scheduler state_dict(): LastEpoch is last_epoch, StepCount _step_count,
// BaseLRs base_lrs, LastLR _last_lr, and Hyper holds the constructor's
// hyper-parameters under torch's keys (step_size and gamma for StepLR;
// gamma for ExponentialLR; T_max and eta_min for CosineAnnealingLR;
// start_factor, end_factor and total_iters for LinearLR). The learning
// rates themselves live in the optimizer's state dict (its groups' LR).
type SchedulerState struct {
	Name      string // "StepLR", "ExponentialLR", "CosineAnnealingLR" or "LinearLR"
	LastEpoch int
	StepCount int
	BaseLRs   []float64
	LastLR    []float64
	// Hyper is fixed at construction: torch's load_state_dict overwrites
	// them, but here they are the scheduler's own, so LoadStateDict
	// refuses a state whose Hyper differs (a resume with another schedule
	// would silently change the run). A nil Hyper is not checked.
	Hyper map[string]float64
}

// schedBase is the bookkeeping torch's _LRScheduler does.
type schedBase struct {
	name      string
	opt       Optimizer
	lastEpoch int
	stepCount int
	base      []float64
	last      []float64
	rule      func(g int, lr float64) float64 // the next lr of group g at s.lastEpoch
	hyper     map[string]float64              // torch's keys: see SchedulerState.Hyper
}

func (s *schedBase) init(name string, opt Optimizer, hyper map[string]float64, rule func(int, float64) float64) {
	n := opt.NumGroups()
	s.name, s.opt, s.hyper, s.rule = name, opt, hyper, rule
	s.base, s.last = make([]float64, n), make([]float64, n)
	for g := range n {
		s.base[g] = opt.LR(g)
	}
	s.lastEpoch = -1
	s.Step()
}

// Step advances the epoch and sets every group's learning rate.
func (s *schedBase) Step() {
	s.stepCount++
	s.lastEpoch++
	for g := range s.last {
		s.last[g] = s.rule(g, s.opt.LR(g))
	}
	// torch computes every group's value before setting any.
	for g, lr := range s.last {
		s.opt.SetLR(g, lr)
	}
}

// LastLR returns the learning rates the last step set, one per group.
func (s *schedBase) LastLR() []float64 { return slices.Clone(s.last) }

// LastEpoch returns the epoch count.
func (s *schedBase) LastEpoch() int { return s.lastEpoch }

// StateDict returns the scheduler's state.
func (s *schedBase) StateDict() SchedulerState {
	return SchedulerState{Name: s.name, LastEpoch: s.lastEpoch, StepCount: s.stepCount,
		BaseLRs: slices.Clone(s.base), LastLR: slices.Clone(s.last), Hyper: maps.Clone(s.hyper)}
}

// LoadStateDict restores st, after checking that it is this kind of
// scheduler's state for as many groups, with this scheduler's
// hyper-parameters (when st has them).
func (s *schedBase) LoadStateDict(st SchedulerState) error {
	const op = "LoadStateDict"
	switch {
	case st.Name != s.name:
		return errorf(op, "the scheduler state is %q's, not %s's", st.Name, s.name)
	case len(st.BaseLRs) != len(s.base) || len(st.LastLR) != len(s.last):
		return errorf(op, "%s: the state has %d base and %d last learning rates for %d parameter groups", s.name, len(st.BaseLRs), len(st.LastLR), len(s.base))
	case st.LastEpoch < 0 || st.StepCount < 1:
		return errorf(op, "%s: last_epoch = %d, _step_count = %d: must be >= 0 and >= 1", s.name, st.LastEpoch, st.StepCount)
	}
	if st.Hyper != nil {
		for _, k := range slices.Sorted(maps.Keys(s.hyper)) {
			if v, ok := st.Hyper[k]; !ok || v != s.hyper[k] {
				return errorf(op, "%s: the state's %s is %s, this scheduler's %v (create the scheduler with the state's hyper-parameters)", s.name, k, hyperString(st.Hyper, k), s.hyper[k])
			}
		}
		for _, k := range slices.Sorted(maps.Keys(st.Hyper)) {
			if _, ok := s.hyper[k]; !ok {
				return errorf(op, "%s: the state has %s, which %s does not have", s.name, k, s.name)
			}
		}
	}
	for _, lr := range slices.Concat(st.BaseLRs, st.LastLR) {
		if !(lr >= 0) || math.IsInf(lr, 1) {
			return errorf(op, "%s: learning rate %v in the state: must be >= 0 and finite", s.name, lr)
		}
	}
	s.lastEpoch, s.stepCount = st.LastEpoch, st.StepCount
	copy(s.base, st.BaseLRs)
	copy(s.last, st.LastLR)
	return nil
}

func hyperString(h map[string]float64, k string) string {
	if v, ok := h[k]; ok {
		return fmt.Sprint(v)
	}
	return "missing"
}

// StepLR multiplies every group's learning rate by Gamma every StepSize
// epochs (torch.optim.lr_scheduler.StepLR): at epoch e > 0 with e a
// multiple of StepSize, lr = lr*Gamma; otherwise it is unchanged. Without
// outside changes, lr(e) = base*Gamma^floor(e/StepSize).
type StepLR struct{ schedBase }

// NewStepLR returns a StepLR over opt. stepSize must be >= 1 and gamma >= 0
// and finite (torch's default gamma is 0.1).
func NewStepLR(opt Optimizer, stepSize int, gamma float64) (*StepLR, error) {
	if stepSize < 1 {
		return nil, errorf("StepLR", "step_size = %d: must be >= 1", stepSize)
	}
	if err := checkNonNeg("StepLR", "gamma", gamma); err != nil {
		return nil, err
	}
	s := &StepLR{}
	s.init("StepLR", opt, map[string]float64{"step_size": float64(stepSize), "gamma": gamma}, func(_ int, lr float64) float64 {
		if s.lastEpoch == 0 || s.lastEpoch%stepSize != 0 {
			return lr
		}
		return lr * gamma
	})
	return s, nil
}

// ExponentialLR multiplies every group's learning rate by Gamma every epoch
// (torch.optim.lr_scheduler.ExponentialLR): lr = lr*Gamma at each epoch e >
// 0, so lr(e) = base*Gamma^e without outside changes.
type ExponentialLR struct{ schedBase }

// NewExponentialLR returns an ExponentialLR over opt; gamma must be >= 0
// and finite.
func NewExponentialLR(opt Optimizer, gamma float64) (*ExponentialLR, error) {
	if err := checkNonNeg("ExponentialLR", "gamma", gamma); err != nil {
		return nil, err
	}
	s := &ExponentialLR{}
	s.init("ExponentialLR", opt, map[string]float64{"gamma": gamma}, func(_ int, lr float64) float64 {
		if s.lastEpoch == 0 {
			return lr
		}
		return lr * gamma
	})
	return s, nil
}

// CosineAnnealingLR anneals every group's learning rate from its base
// value to EtaMin along half a cosine over TMax epochs
// (torch.optim.lr_scheduler.CosineAnnealingLR, without restarts):
//
//	lr(e) = EtaMin + (base - EtaMin) * (1 + cos(pi*e/TMax)) / 2
//
// computed, as torch does, recursively from the current lr at each epoch e
// > 0:
//
//	if (e - 1 - TMax) is a multiple of 2*TMax:  lr = lr + (base - EtaMin)*(1 - cos(pi/TMax))/2
//	otherwise:  lr = (1 + cos(pi*e/TMax)) / (1 + cos(pi*(e-1)/TMax)) * (lr - EtaMin) + EtaMin
//
// Past TMax the rate rises again along the cosine (period 2*TMax).
type CosineAnnealingLR struct{ schedBase }

// NewCosineAnnealingLR returns a CosineAnnealingLR over opt. tMax must be
// >= 1 and etaMin >= 0 and finite (torch's default etaMin is 0).
func NewCosineAnnealingLR(opt Optimizer, tMax int, etaMin float64) (*CosineAnnealingLR, error) {
	if tMax < 1 {
		return nil, errorf("CosineAnnealingLR", "T_max = %d: must be >= 1", tMax)
	}
	if err := checkNonNeg("CosineAnnealingLR", "eta_min", etaMin); err != nil {
		return nil, err
	}
	s := &CosineAnnealingLR{}
	T := float64(tMax)
	s.init("CosineAnnealingLR", opt, map[string]float64{"T_max": float64(tMax), "eta_min": etaMin}, func(g int, lr float64) float64 {
		e := s.lastEpoch
		switch {
		case e == 0:
			return lr
		case (e-1-tMax)%(2*tMax) == 0:
			// float64() keeps each product rounded (no fused multiply-add)
			// on every architecture, as Python computes it.
			return lr + float64(s.base[g]-etaMin)*(1-math.Cos(math.Pi/T))/2
		}
		r := (1 + math.Cos(float64(math.Pi*float64(e))/T)) / (1 + math.Cos(float64(math.Pi*float64(e-1))/T))
		return float64(r*(lr-etaMin)) + etaMin
	})
	return s, nil
}

// LinearLR scales every group's learning rate by a factor that goes
// linearly from StartFactor to EndFactor over TotalIters epochs, then stays
// (torch.optim.lr_scheduler.LinearLR, a linear warm-up when StartFactor <
// EndFactor):
//
//	lr(e) = base * (StartFactor + (EndFactor - StartFactor) * min(e, TotalIters) / TotalIters)
//
// computed, as torch does, recursively: lr = lr*StartFactor at epoch 0 (at
// construction), and at 0 < e <= TotalIters
//
//	lr = lr * (1 + (EndFactor - StartFactor) / (TotalIters*StartFactor + (e-1)*(EndFactor - StartFactor)))
type LinearLR struct{ schedBase }

// NewLinearLR returns a LinearLR over opt (torch's defaults are 1/3, 1 and
// 5). startFactor must be in (0, 1] (torch accepts 0 but then divides by
// zero at the first step), endFactor in [0, 1], totalIters >= 1.
func NewLinearLR(opt Optimizer, startFactor, endFactor float64, totalIters int) (*LinearLR, error) {
	const op = "LinearLR"
	if !(startFactor > 0 && startFactor <= 1) {
		return nil, errorf(op, "start_factor = %v: must be in (0, 1]", startFactor)
	}
	if !(endFactor >= 0 && endFactor <= 1) {
		return nil, errorf(op, "end_factor = %v: must be in [0, 1]", endFactor)
	}
	if totalIters < 1 {
		return nil, errorf(op, "total_iters = %d: must be >= 1", totalIters)
	}
	s := &LinearLR{}
	d := endFactor - startFactor
	s.init(op, opt, map[string]float64{"start_factor": startFactor, "end_factor": endFactor, "total_iters": float64(totalIters)}, func(_ int, lr float64) float64 {
		e := s.lastEpoch
		switch {
		case e == 0:
			return lr * startFactor
		case e > totalIters:
			return lr
		}
		return lr * (1 + d/(float64(float64(totalIters)*startFactor)+float64(float64(e-1)*d)))
	})
	return s, nil
}
