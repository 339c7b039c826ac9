package optim

import (
	"fmt"
	"math"

	"github.com/vecgrad/vecgrad/tensor"
)

// Optimizer is what SGD and Adam (and AdamW, an *Adam) have in common, as
// torch.optim.Optimizer: a step that updates the parameters in place from
// their gradients, ZeroGrad, per-group learning rates (what schedulers
// change) and the state dict.
type Optimizer interface {
	// Step performs one update of every parameter that has a gradient
	// (parameters whose Grad is nil are skipped, as in torch).
	Step()
	// ZeroGrad clears every parameter's gradient (torch's
	// zero_grad(set_to_none=True)).
	ZeroGrad()
	// NumGroups returns the number of parameter groups.
	NumGroups() int
	// LR returns the learning rate of group i.
	LR(i int) float64
	// SetLR sets the learning rate of group i for the following steps
	// (torch's param_groups[i]['lr'] = lr). It panics with an *Error if lr
	// is negative, infinite or NaN, or i is out of range: a programming
	// error, as a tensor shape mistake.
	SetLR(i int, lr float64)
	// Params returns the parameters, numbered as in the state dict: group
	// by group, in the order they were given.
	Params() []*tensor.Tensor
	// StateDict returns a deep copy of the optimizer's state.
	StateDict() *StateDict
	// LoadStateDict replaces the optimizer's state (hyper-parameters and
	// per-parameter state) by a copy of sd, after checking that it fits.
	LoadStateDict(sd *StateDict) error
}

// paramSet is the parameter bookkeeping shared by the optimizers: the
// parameters in state-dict order and, for each, its group.
type paramSet struct {
	params []*tensor.Tensor
	group  []int // group of params[i]
	starts []int // group g holds params[starts[g]:starts[g+1]]
}

// collect validates the groups' parameters: at least one in all, none nil,
// every one a contiguous leaf tensor, none repeated (within or across groups).
func collect(op string, groups [][]*tensor.Tensor) (paramSet, error) {
	var s paramSet
	if len(groups) == 0 {
		return s, errorf(op, "no parameter groups (give at least one group with parameters)")
	}
	seen := map[*tensor.Tensor]int{}
	s.starts = append(s.starts, 0)
	for g, ps := range groups {
		if len(ps) == 0 {
			return s, errorf(op, "parameter group %d is empty (every group needs at least one parameter)", g)
		}
		for j, p := range ps {
			at := fmt.Sprintf("group %d parameter %d", g, j)
			switch {
			case p == nil:
				return s, errorf(op, "%s is nil", at)
			case !p.IsLeaf():
				return s, errorf(op, "%s is not a leaf tensor (an optimizer updates leaves: parameters made by a constructor, or Detach of a result)", at)
			case !p.IsContiguous():
				return s, errorf(op, "%s (shape %v, strides %v) is not contiguous (the fused step updates the storage in place: pass a contiguous tensor)", at, p.Shape(), p.Strides())
			}
			if k, dup := seen[p]; dup {
				return s, errorf(op, "%s is the same tensor as parameter %d (a parameter may appear only once, in one group)", at, k)
			}
			seen[p] = len(s.params)
			s.params = append(s.params, p)
			s.group = append(s.group, g)
		}
		s.starts = append(s.starts, len(s.params))
	}
	return s, nil
}

// Params returns the parameters in state-dict order.
func (s *paramSet) Params() []*tensor.Tensor { return append([]*tensor.Tensor(nil), s.params...) }

// ZeroGrad clears every parameter's gradient.
func (s *paramSet) ZeroGrad() { tensor.ZeroGrad(s.params...) }

// groupParams returns the state-dict indices of group g's parameters.
func (s *paramSet) groupParams(g int) []int {
	out := make([]int, 0, s.starts[g+1]-s.starts[g])
	for i := s.starts[g]; i < s.starts[g+1]; i++ {
		out = append(out, i)
	}
	return out
}

// grads returns the storage of parameter i and of its gradient, or ok =
// false when it has no gradient.
func (s *paramSet) grads(i int) (p, g []float32, ok bool) {
	gt := s.params[i].Grad()
	if gt == nil {
		return nil, nil, false
	}
	return s.params[i].Storage(), gt.Storage(), true
}

func checkSetLR(op string, n, i int, lr float64) {
	if i < 0 || i >= n {
		panic(errorf(op, "SetLR: group %d out of range [0, %d)", i, n))
	}
	if !(lr >= 0) || math.IsInf(lr, 1) {
		panic(errorf(op, "SetLR: lr = %v: must be >= 0 and finite", lr))
	}
}
