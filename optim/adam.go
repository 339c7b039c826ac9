package optim

import (
	"github.com/vecgrad/vecgrad/kernels"
	"github.com/vecgrad/vecgrad/tensor"
)

// AdamOptions are the hyper-parameters of torch.optim.Adam and AdamW.
//
// Start from DefaultAdam or DefaultAdamW (torch's defaults) and change what
// differs. A field left zero never silently means zero where that is a
// trap: the constructors and SetOptions reject lr 0 (the parameters would
// never move) and eps 0 (a zero gradient element divides 0 by 0: NaN), so
// AdamOptions{LR: 1e-3} is an error that names DefaultAdam, not NaN after
// one step. A zero beta is a legal choice (betas (0, 0.9) are common for
// GANs) and is kept. LoadStateDict accepts whatever torch accepts (a
// scheduler may have brought lr to 0).
//
// The options remember which of DefaultAdam and DefaultAdamW made them:
// NewAdamW refuses DefaultAdam()'s (their weight decay 0 is Adam's default,
// not AdamW's 0.01) and NewAdam refuses DefaultAdamW()'s (Adam would apply
// their 0.01 as an L2 term, not decoupled). Start from the matching one;
// AdamW without weight decay is DefaultAdamW() with WeightDecay set to 0.
type AdamOptions struct {
	LR          float64 // learning rate, >= 0
	Beta1       float64 // decay of the first moment m, in [0, 1) (torch's betas[0])
	Beta2       float64 // decay of the second moment v, in [0, 1) (torch's betas[1])
	Eps         float64 // added to the denominator, >= 0
	WeightDecay float64 // Adam: L2 term g += WeightDecay*p; AdamW: p *= 1 - LR*WeightDecay; >= 0
	AMSGrad     bool    // use the running maximum of v
	Maximize    bool    // ascend the objective instead

	origin string // "Adam" or "AdamW" from DefaultAdam and DefaultAdamW; "" from a literal
}

// DefaultAdam returns torch.optim.Adam's defaults: lr 1e-3, betas (0.9,
// 0.999), eps 1e-8, weight decay 0, no amsgrad, minimize.
func DefaultAdam() AdamOptions {
	return AdamOptions{LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, origin: "Adam"}
}

// DefaultAdamW returns torch.optim.AdamW's defaults: DefaultAdam with
// weight decay 0.01.
func DefaultAdamW() AdamOptions {
	o := DefaultAdam()
	o.WeightDecay, o.origin = 0.01, "AdamW"
	return o
}

// AdamGroup is a parameter group of Adam or AdamW with its own
// hyper-parameters (an entry of torch's param_groups).
type AdamGroup struct {
	Params []*tensor.Tensor
	AdamOptions
}

// Adam is the Adam optimizer, or AdamW (decoupled weight decay) when made by
// NewAdamW, exactly as torch.optim.Adam and torch.optim.AdamW compute them
// (single-tensor path). Each parameter p with gradient g counts its own steps
// t = 1, 2, ...; a step is, in this order:
//
//	if Maximize:                g = -g
//	AdamW:                      p = p * (1 - LR*WeightDecay)
//	Adam, if WeightDecay != 0:  g = g + WeightDecay*p
//	m = Beta1*m + (1-Beta1)*g
//	v = Beta2*v + (1-Beta2)*g*g
//	if AMSGrad: vmax = max(vmax, v), and vmax replaces v below
//	den = sqrt(v) / sqrt(1 - Beta2^t) + Eps
//	p = p - (LR / (1 - Beta1^t)) * m / den
//
// so that, as in PyTorch, eps is added after the square root of the second
// moment is divided by the square root of its bias correction, and the
// amsgrad maximum is taken over the raw (uncorrected) v. m, v and vmax start
// at zero.
//
// Each parameter's update is one call of kernels.AdamStep on the parameter's
// storage; the state is allocated at a parameter's first step and reused, so
// that Step allocates nothing afterwards.
type Adam struct {
	paramSet
	name  string // "Adam" or "AdamW"
	opts  []AdamOptions
	step  []int // per parameter: steps taken
	m, v  [][]float32
	vmax  [][]float32
	decay bool
}

// NewAdam returns an Adam optimizer over params, one group with the options
// opt (start from DefaultAdam()). The parameters must be distinct contiguous
// leaf tensors.
func NewAdam(params []*tensor.Tensor, opt AdamOptions) (*Adam, error) {
	return newAdam("Adam", false, []AdamGroup{{Params: params, AdamOptions: opt}})
}

// NewAdamGroups returns an Adam optimizer over parameter groups with their
// own options. Each group's options are checked: LR, Eps and WeightDecay
// must be >= 0 and finite, Beta1 and Beta2 in [0, 1), and not all zero.
func NewAdamGroups(groups ...AdamGroup) (*Adam, error) {
	return newAdam("Adam", false, groups)
}

// NewAdamW returns an AdamW optimizer (decoupled weight decay) over params,
// one group with the options opt (start from DefaultAdamW(), whose weight
// decay is 0.01).
func NewAdamW(params []*tensor.Tensor, opt AdamOptions) (*Adam, error) {
	return newAdam("AdamW", true, []AdamGroup{{Params: params, AdamOptions: opt}})
}

// NewAdamWGroups is NewAdamGroups for AdamW.
func NewAdamWGroups(groups ...AdamGroup) (*Adam, error) {
	return newAdam("AdamW", true, groups)
}

func newAdam(name string, decay bool, groups []AdamGroup) (*Adam, error) {
	ps := make([][]*tensor.Tensor, len(groups))
	for g := range groups {
		if err := groups[g].AdamOptions.checkNew(name, g, len(groups)); err != nil {
			return nil, err
		}
		ps[g] = groups[g].Params
	}
	s, err := collect(name, ps)
	if err != nil {
		return nil, err
	}
	n := len(s.params)
	o := &Adam{paramSet: s, name: name, decay: decay, step: make([]int, n),
		m: make([][]float32, n), v: make([][]float32, n), vmax: make([][]float32, n)}
	for _, g := range groups {
		o.opts = append(o.opts, g.AdamOptions)
	}
	return o, nil
}

// check validates the options of group g (of n) of optimizer name.
func (o *AdamOptions) check(name string, g, n int) error {
	op := groupOp(name, g, n)
	if *o == (AdamOptions{}) {
		return errorf(op, "all options are zero (lr 0, betas (0, 0), eps 0): start from optim.Default%s() and change what differs", name)
	}
	for _, c := range []struct {
		name string
		v    float64
	}{{"lr", o.LR}, {"eps", o.Eps}, {"weight_decay", o.WeightDecay}} {
		if err := checkNonNeg(op, c.name, c.v); err != nil {
			return err
		}
	}
	if err := checkUnit(op, "betas[0]", o.Beta1); err != nil {
		return err
	}
	return checkUnit(op, "betas[1]", o.Beta2)
}

// checkNew is check plus the rules for options given to a constructor or
// SetOptions (see AdamOptions): lr and eps must be positive, and options
// from DefaultAdam or DefaultAdamW go to the matching optimizer.
func (o *AdamOptions) checkNew(name string, g, n int) error {
	if err := o.check(name, g, n); err != nil {
		return err
	}
	op := groupOp(name, g, n)
	switch {
	case o.LR == 0:
		return errorf(op, "lr = 0: the parameters would never move (start from optim.Default%s(): lr 1e-3, betas (0.9, 0.999), eps 1e-8)", name)
	case o.Eps == 0:
		return errorf(op, "eps = 0: a zero gradient element would give 0/0 = NaN (start from optim.Default%s(): eps 1e-8)", name)
	case o.origin != "" && o.origin != name:
		wd := map[string]float64{"Adam": 0, "AdamW": 0.01}[name]
		return errorf(op, "options made by optim.Default%s() given to New%s: start from optim.Default%s() (torch's %s defaults, weight decay %v)",
			o.origin, name, name, name, wd)
	}
	return nil
}

// Step performs one Adam (AdamW) step on every parameter that has a
// gradient.
func (o *Adam) Step() {
	for i := range o.params {
		p, g, ok := o.grads(i)
		if !ok {
			continue
		}
		o.begin(i)
		kernels.AdamStep(p, g, o.m[i], o.v[i], o.vmax[i], o.hyper(i))
	}
}

// begin starts parameter i's step: its state allocated on its first step,
// its step count advanced.
func (o *Adam) begin(i int) {
	n := o.params[i].Numel()
	if o.m[i] == nil {
		o.m[i] = make([]float32, n)
		o.v[i] = make([]float32, n)
	}
	if o.opts[o.group[i]].AMSGrad && o.vmax[i] == nil {
		o.vmax[i] = make([]float32, n)
	}
	o.step[i]++
}

// hyper returns parameter i's hyper-parameters for its current step.
func (o *Adam) hyper(i int) kernels.AdamParams {
	opt := &o.opts[o.group[i]]
	return kernels.AdamParams{
		LR: opt.LR, Beta1: opt.Beta1, Beta2: opt.Beta2, Eps: opt.Eps,
		WeightDecay: opt.WeightDecay, Step: o.step[i],
		Decoupled: o.decay, AMSGrad: opt.AMSGrad, Maximize: opt.Maximize,
	}
}

// NumGroups returns the number of parameter groups.
func (o *Adam) NumGroups() int { return len(o.opts) }

// LR returns the learning rate of group i.
func (o *Adam) LR(i int) float64 { return o.opts[i].LR }

// SetLR sets the learning rate of group i (see Optimizer).
func (o *Adam) SetLR(i int, lr float64) {
	checkSetLR(o.name, len(o.opts), i, lr)
	o.opts[i].LR = lr
}

// Options returns the options of group i.
func (o *Adam) Options(i int) AdamOptions { return o.opts[i] }

// SetOptions replaces the options of group i after checking them as the
// constructors do. Turning AMSGrad on later starts the running maximum at
// zero.
func (o *Adam) SetOptions(i int, opt AdamOptions) error {
	if err := opt.checkNew(o.name, i, len(o.opts)); err != nil {
		return err
	}
	o.opts[i] = opt
	return nil
}

// StateDict returns a copy of the state: each group's hyper-parameters and
// each parameter's step count and moments (zero for a parameter that has
// not been stepped).
func (o *Adam) StateDict() *StateDict {
	sd := &StateDict{Optimizer: o.name, State: make([]ParamState, len(o.params))}
	for i, p := range o.params {
		sh := p.Shape()
		sd.State[i] = ParamState{Step: o.step[i], ExpAvg: copyState(o.m[i], sh),
			ExpAvgSq: copyState(o.v[i], sh), MaxExpAvgSq: copyState(o.vmax[i], sh)}
	}
	for g, opt := range o.opts {
		sd.ParamGroups = append(sd.ParamGroups, GroupState{
			Params: o.groupParams(g), LR: opt.LR, WeightDecay: opt.WeightDecay, Maximize: opt.Maximize,
			Betas: [2]float64{opt.Beta1, opt.Beta2}, Eps: opt.Eps, AMSGrad: opt.AMSGrad,
		})
	}
	return sd
}

// LoadStateDict replaces the hyper-parameters and per-parameter state by
// those of sd. It returns an error, changing nothing, if sd is not this
// optimizer's kind of state dict ("Adam" or "AdamW") for the same groups of
// parameters of the same shapes, or holds invalid hyper-parameters, a
// negative step, moments without a step (or the reverse), or SGD state.
func (o *Adam) LoadStateDict(sd *StateDict) error {
	if err := checkDict(o.name, sd, &o.paramSet); err != nil {
		return err
	}
	opts := make([]AdamOptions, len(o.opts))
	for g, gs := range sd.ParamGroups {
		opts[g] = AdamOptions{LR: gs.LR, Beta1: gs.Betas[0], Beta2: gs.Betas[1], Eps: gs.Eps,
			WeightDecay: gs.WeightDecay, AMSGrad: gs.AMSGrad, Maximize: gs.Maximize}
		if err := opts[g].check(o.name, g, len(opts)); err != nil {
			return inLoad(err)
		}
	}
	n := len(o.params)
	step, m, v, vmax := make([]int, n), make([][]float32, n), make([][]float32, n), make([][]float32, n)
	for i, st := range sd.State {
		const op = "LoadStateDict"
		if st.MomentumBuffer != nil {
			return errorf(op, "%s: state %d holds an SGD momentum_buffer", o.name, i)
		}
		if st.Step < 0 {
			return errorf(op, "%s: state %d has step = %d: must be >= 0", o.name, i, st.Step)
		}
		if (st.Step > 0) != (st.ExpAvg != nil && st.ExpAvgSq != nil) {
			return errorf(op, "%s: state %d has step = %d with exp_avg %s and exp_avg_sq %s (a stepped parameter has both, an unstepped one neither)",
				o.name, i, st.Step, presence(st.ExpAvg), presence(st.ExpAvgSq))
		}
		if st.Step == 0 && st.MaxExpAvgSq != nil {
			return errorf(op, "%s: state %d has max_exp_avg_sq but step = 0", o.name, i)
		}
		var err error
		step[i] = st.Step
		if m[i], err = loadState(op, i, "exp_avg", st.ExpAvg, o.params[i]); err != nil {
			return err
		}
		if v[i], err = loadState(op, i, "exp_avg_sq", st.ExpAvgSq, o.params[i]); err != nil {
			return err
		}
		if vmax[i], err = loadState(op, i, "max_exp_avg_sq", st.MaxExpAvgSq, o.params[i]); err != nil {
			return err
		}
	}
	o.opts, o.step, o.m, o.v, o.vmax = opts, step, m, v, vmax
	return nil
}

func presence(t *tensor.Tensor) string {
	if t == nil {
		return "absent"
	}
	return "present"
}
