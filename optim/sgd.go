package optim

import (
	"github.com/vecgrad/vecgrad/kernels"
	"github.com/vecgrad/vecgrad/tensor"
)

// SGDOptions are the hyper-parameters of torch.optim.SGD. The zero value is
// torch's defaults (momentum 0, dampening 0, weight decay 0, no Nesterov,
// minimize) except the learning rate, which torch requires: the
// constructors and SetOptions reject LR 0 (LoadStateDict accepts it, as a
// scheduler may have brought it there).
type SGDOptions struct {
	LR          float64 // learning rate, >= 0
	Momentum    float64 // >= 0; 0: plain SGD without a momentum buffer
	Dampening   float64 // the buffer adds (1 - Dampening)*g from the second step on; finite
	WeightDecay float64 // L2 penalty: g += WeightDecay*p; >= 0
	Nesterov    bool    // Nesterov momentum: needs Momentum > 0 and Dampening == 0
	Maximize    bool    // ascend the objective instead
}

// SGDGroup is a parameter group of SGD with its own hyper-parameters
// (an entry of torch's param_groups).
type SGDGroup struct {
	Params []*tensor.Tensor
	SGDOptions
}

// SGD is stochastic gradient descent with momentum, exactly as
// torch.optim.SGD computes it (single-tensor path). For each parameter p
// with gradient g, in this order:
//
//	if Maximize:          g = -g
//	if WeightDecay != 0:  g = g + WeightDecay*p
//	if Momentum != 0:
//	    buf = g                                      on the parameter's first step
//	    buf = Momentum*buf + (1-Dampening)*g         afterwards
//	    g = Nesterov ? g + Momentum*buf : buf
//	p = p - LR*g
//
// Each parameter's update is one call of kernels.SGDStep on the parameter's
// storage (one fused pass, PyTorch's float32 rounding order); the momentum
// buffers are allocated at a parameter's first step with momentum and
// reused, so that Step allocates nothing afterwards.
//
// With Dampening 0, SGD with momentum beta is Polyak's heavy ball and
// Nesterov is Nesterov's accelerated gradient, reparametrized (see the
// package documentation); with Momentum 0 on a full-batch gradient it is
// plain gradient descent.
type SGD struct {
	paramSet
	opts []SGDOptions // per group
	buf  [][]float32  // per parameter; nil before its first momentum step
	// hyper holds each parameter's hyper-parameters for the step BeginStep
	// started (Ranged).
	hyper []kernels.SGDParams
}

// NewSGD returns an SGD optimizer over params, one group with the options
// opt. The parameters must be distinct contiguous leaf tensors (the step
// updates their storage in place).
func NewSGD(params []*tensor.Tensor, opt SGDOptions) (*SGD, error) {
	return NewSGDGroups(SGDGroup{Params: params, SGDOptions: opt})
}

// NewSGDGroups returns an SGD optimizer over parameter groups with their
// own options. Each group's options are checked: LR, Momentum and
// WeightDecay must be >= 0 and finite, Dampening finite, and Nesterov needs
// Momentum > 0 and Dampening == 0.
func NewSGDGroups(groups ...SGDGroup) (*SGD, error) {
	ps := make([][]*tensor.Tensor, len(groups))
	for g := range groups {
		if err := groups[g].SGDOptions.checkNew(g, len(groups)); err != nil {
			return nil, err
		}
		ps[g] = groups[g].Params
	}
	s, err := collect("SGD", ps)
	if err != nil {
		return nil, err
	}
	o := &SGD{paramSet: s, buf: make([][]float32, len(s.params))}
	for _, g := range groups {
		o.opts = append(o.opts, g.SGDOptions)
	}
	return o, nil
}

// checkNew is check plus the rule for options given to a constructor or
// SetOptions: a learning rate must be set.
func (o *SGDOptions) checkNew(g, n int) error {
	if err := o.check(g, n); err != nil {
		return err
	}
	if o.LR == 0 {
		return errorf(groupOp("SGD", g, n), "lr = 0: SGD has no default learning rate (torch requires lr); set LR > 0")
	}
	return nil
}

// check validates the options of group g (of n).
func (o *SGDOptions) check(g, n int) error {
	op := groupOp("SGD", g, n)
	for _, c := range []struct {
		name string
		v    float64
	}{{"lr", o.LR}, {"momentum", o.Momentum}, {"weight_decay", o.WeightDecay}} {
		if err := checkNonNeg(op, c.name, c.v); err != nil {
			return err
		}
	}
	if !finite(o.Dampening) {
		return errorf(op, "dampening = %v: must be finite", o.Dampening)
	}
	if o.Nesterov && (o.Momentum <= 0 || o.Dampening != 0) {
		return errorf(op, "nesterov with momentum = %v and dampening = %v: Nesterov momentum requires momentum > 0 and dampening = 0", o.Momentum, o.Dampening)
	}
	return nil
}

// Step performs one SGD step on every parameter that has a gradient.
func (o *SGD) Step() {
	for i := range o.params {
		p, g, ok := o.grads(i)
		if !ok {
			continue
		}
		kernels.SGDStep(p, g, o.buf[i], o.begin(i))
	}
}

// begin starts parameter i's step and returns its hyper-parameters: the
// momentum buffer is allocated on its first momentum step (FirstStep: torch
// then initialises it to the gradient). This is the one place the options
// are copied into kernels.SGDParams: the two stay separate types because
// both are exported and built as composite literals by their users, which
// a shared embedded struct would break, and the kernel's adds the
// per-parameter FirstStep.
func (o *SGD) begin(i int) kernels.SGDParams {
	opt := &o.opts[o.group[i]]
	h := kernels.SGDParams{LR: opt.LR, Momentum: opt.Momentum, Dampening: opt.Dampening,
		WeightDecay: opt.WeightDecay, Nesterov: opt.Nesterov, Maximize: opt.Maximize}
	if opt.Momentum != 0 && o.buf[i] == nil {
		o.buf[i] = make([]float32, o.params[i].Numel())
		h.FirstStep = true
	}
	return h
}

// NumGroups returns the number of parameter groups.
func (o *SGD) NumGroups() int { return len(o.opts) }

// LR returns the learning rate of group i.
func (o *SGD) LR(i int) float64 { return o.opts[i].LR }

// SetLR sets the learning rate of group i (see Optimizer).
func (o *SGD) SetLR(i int, lr float64) {
	checkSetLR("SGD", len(o.opts), i, lr)
	o.opts[i].LR = lr
}

// Options returns the options of group i.
func (o *SGD) Options(i int) SGDOptions { return o.opts[i] }

// SetOptions replaces the options of group i after checking them as
// NewSGDGroups does (torch's param_groups[i].update(...)). Turning momentum
// on later starts each buffer afresh (buf = g), as torch does.
func (o *SGD) SetOptions(i int, opt SGDOptions) error {
	if err := opt.checkNew(i, len(o.opts)); err != nil {
		return err
	}
	o.opts[i] = opt
	return nil
}

// StateDict returns a copy of the state: each group's hyper-parameters and
// each parameter's momentum buffer (nil where there is none).
func (o *SGD) StateDict() *StateDict {
	sd := &StateDict{Optimizer: "SGD", State: make([]ParamState, len(o.params))}
	for i, p := range o.params {
		sd.State[i].MomentumBuffer = copyState(o.buf[i], p.Shape())
	}
	for g, opt := range o.opts {
		sd.ParamGroups = append(sd.ParamGroups, GroupState{
			Params: o.groupParams(g), LR: opt.LR, WeightDecay: opt.WeightDecay, Maximize: opt.Maximize,
			Momentum: opt.Momentum, Dampening: opt.Dampening, Nesterov: opt.Nesterov,
		})
	}
	return sd
}

// LoadStateDict replaces the hyper-parameters and momentum buffers by those
// of sd. It returns an error, changing nothing, if sd is not an SGD state
// dict for the same groups of parameters of the same shapes, or holds
// invalid hyper-parameters or Adam state.
func (o *SGD) LoadStateDict(sd *StateDict) error {
	if err := checkDict("SGD", sd, &o.paramSet); err != nil {
		return err
	}
	opts := make([]SGDOptions, len(o.opts))
	for g, gs := range sd.ParamGroups {
		opts[g] = SGDOptions{LR: gs.LR, Momentum: gs.Momentum, Dampening: gs.Dampening,
			WeightDecay: gs.WeightDecay, Nesterov: gs.Nesterov, Maximize: gs.Maximize}
		if err := opts[g].check(g, len(opts)); err != nil {
			return inLoad(err)
		}
	}
	buf := make([][]float32, len(o.params))
	for i, st := range sd.State {
		if st.Step != 0 || st.ExpAvg != nil || st.ExpAvgSq != nil || st.MaxExpAvgSq != nil {
			return errorf("LoadStateDict", "SGD: state %d holds Adam state (step, exp_avg, exp_avg_sq or max_exp_avg_sq)", i)
		}
		b, err := loadState("LoadStateDict", i, "momentum_buffer", st.MomentumBuffer, o.params[i])
		if err != nil {
			return err
		}
		buf[i] = b
	}
	o.opts, o.buf = opts, buf
	return nil
}
