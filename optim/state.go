package optim

import (
	"fmt"
	"math"
	"slices"

	"github.com/vecgrad/vecgrad/tensor"
)

// StateDict is an optimizer's state as torch.optim.Optimizer.state_dict()
// lays it out, as plain Go values, for checkpoints: loading it into a new
// optimizer over the same parameters and stepping on continues the run bit
// for bit. The parameters themselves are not part of it (they are the
// model's state, saved separately).
//
// The names map to PyTorch's state_dict keys (a checkpoint writer uses them
// verbatim), with i the parameter's index in Params order (group by group):
//
//	State[i].Step            state.{i}.step            (Adam, AdamW; a 0-d float32 tensor in torch 1.13)
//	State[i].MomentumBuffer  state.{i}.momentum_buffer (SGD with momentum; absent = None)
//	State[i].ExpAvg          state.{i}.exp_avg         (Adam, AdamW)
//	State[i].ExpAvgSq        state.{i}.exp_avg_sq      (Adam, AdamW)
//	State[i].MaxExpAvgSq     state.{i}.max_exp_avg_sq  (Adam, AdamW with amsgrad)
//	ParamGroups[g]           param_groups[g]           (see GroupState for its keys)
//
// A parameter that has not been stepped yet has no state: its ParamState is
// the zero value (torch leaves it out of state). The tensors have the
// parameter's shape and are copies, not the optimizer's live buffers.
type StateDict struct {
	// Optimizer is "SGD", "Adam" or "AdamW" (not a torch key; torch tells
	// them apart by the class that loads the dict). LoadStateDict checks it.
	Optimizer   string
	State       []ParamState
	ParamGroups []GroupState
}

// ParamState is one parameter's optimizer state (torch's state[i]).
type ParamState struct {
	// Step is the number of Adam steps this parameter has taken ("step");
	// 0 means no state. SGD leaves it 0.
	Step int
	// MomentumBuffer is SGD's buf ("momentum_buffer"), nil before the first
	// step with momentum != 0.
	MomentumBuffer *tensor.Tensor
	// ExpAvg and ExpAvgSq are Adam's m and v ("exp_avg", "exp_avg_sq");
	// MaxExpAvgSq is the amsgrad running maximum of v ("max_exp_avg_sq").
	ExpAvg, ExpAvgSq, MaxExpAvgSq *tensor.Tensor
}

// StateTensor is one of a parameter's optimizer state tensors under
// torch's name ("momentum_buffer", "exp_avg", ...), and where it is held.
type StateTensor struct {
	Name string
	T    **tensor.Tensor
	// NonNegative marks a second moment (exp_avg_sq, max_exp_avg_sq),
	// which no step makes negative: a negative value in a file is damage.
	NonNegative bool
}

// Tensors lists st's state tensors, present (non-nil) or not, in torch's
// order: what a checkpoint writes and reads beside the step count.
func (st *ParamState) Tensors() []StateTensor {
	return []StateTensor{
		{"momentum_buffer", &st.MomentumBuffer, false},
		{"exp_avg", &st.ExpAvg, false},
		{"exp_avg_sq", &st.ExpAvgSq, true},
		{"max_exp_avg_sq", &st.MaxExpAvgSq, true},
	}
}

// GroupState is one parameter group's hyper-parameters (torch's
// param_groups[g], whose keys are in the field comments). The fields of the
// other optimizer are zero. MarshalParamGroups and UnmarshalParamGroups
// write and read them under torch's keys, each optimizer's own.
type GroupState struct {
	Params      []int   // "params": indices into State
	LR          float64 // "lr"
	WeightDecay float64 // "weight_decay"
	Maximize    bool    // "maximize"
	// SGD.
	Momentum  float64 // "momentum"
	Dampening float64 // "dampening"
	Nesterov  bool    // "nesterov"
	// Adam and AdamW.
	Betas   [2]float64 // "betas"
	Eps     float64    // "eps"
	AMSGrad bool       // "amsgrad"
}

// copyState returns a tensor of shape holding a copy of data, or nil.
func copyState(data []float32, shape []int) *tensor.Tensor {
	if data == nil {
		return nil
	}
	return tensor.New(slices.Clone(data), shape...)
}

// loadState checks that t, when present, has the parameter's shape and
// returns a copy of its elements (nil when t is nil).
func loadState(op string, i int, name string, t *tensor.Tensor, p *tensor.Tensor) ([]float32, error) {
	if t == nil {
		return nil, nil
	}
	if !slices.Equal(t.Shape(), p.Shape()) {
		return nil, errorf(op, "state %d %s has shape %v, but parameter %d has shape %v", i, name, t.Shape(), i, p.Shape())
	}
	return t.Data(), nil
}

// checkDict checks what every optimizer's LoadStateDict needs: the
// optimizer name, the group count and each group's parameter indices (the
// same partition as this optimizer's), the state count.
func checkDict(op string, sd *StateDict, s *paramSet) error {
	if sd == nil {
		return errorf("LoadStateDict", "nil state dict")
	}
	if sd.Optimizer != op {
		return errorf("LoadStateDict", "the state dict is %q's, not %s's", sd.Optimizer, op)
	}
	ng := len(s.starts) - 1
	if len(sd.ParamGroups) != ng {
		return errorf("LoadStateDict", "%s: the state dict has %d parameter groups, the optimizer %d", op, len(sd.ParamGroups), ng)
	}
	for g, gs := range sd.ParamGroups {
		if !slices.Equal(gs.Params, s.groupParams(g)) {
			return errorf("LoadStateDict", "%s: group %d holds parameters %v in the state dict, %v in the optimizer (the groups must match)", op, g, gs.Params, s.groupParams(g))
		}
	}
	if len(sd.State) != len(s.params) {
		return errorf("LoadStateDict", "%s: the state dict has state for %d parameters, the optimizer has %d", op, len(sd.State), len(s.params))
	}
	return nil
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

func groupLabel(g int) string { return fmt.Sprintf("group %d", g) }
