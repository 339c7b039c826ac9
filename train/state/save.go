package state

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/vecgrad/vecgrad/optim"
	"github.com/vecgrad/vecgrad/tensor"
	"github.com/vecgrad/vecgrad/train/nn"
	"github.com/vecgrad/vecgrad/train/safetensors"
)

// Format is the metadata "format" of the files Save writes.
const Format = "vecgrad.state/v1"

// optimizerPrefix starts the names of the optimizer's state tensors.
const optimizerPrefix = "optimizer."

// maxStep is the largest step count a 0-d float32 tensor holds exactly, as
// torch 1.13 stores it.
const maxStep = 1 << 24

// Save writes model's parameters and buffers, opt's state dict and each
// scheduler's state to path, atomically (safetensors.WriteFile: a reader
// sees the old file or the new one). opt may be nil to save the model
// alone, and then scheds must be empty. The layout is in the package
// documentation. Errors name the file; nothing is written on an error.
func Save(path string, model nn.Module, opt optim.Optimizer, scheds ...optim.Scheduler) error {
	f, err := encode(model, opt, scheds)
	if err != nil {
		return fmt.Errorf("state: %s: %w", path, err)
	}
	if err := safetensors.WriteFile(path, f); err != nil {
		return fmt.Errorf("state: %w", err)
	}
	return nil
}

// encode builds the file Save writes.
func encode(model nn.Module, opt optim.Optimizer, scheds []optim.Scheduler) (*safetensors.File, error) {
	if model == nil {
		return nil, fmt.Errorf("the model is nil")
	}
	if opt == nil && len(scheds) > 0 {
		return nil, fmt.Errorf("%d schedulers but no optimizer; a scheduler's learning rates live in its optimizer's state", len(scheds))
	}
	f := &safetensors.File{Metadata: map[string]string{"format": Format}}
	names, err := modelTensors(model)
	if err != nil {
		return nil, err
	}
	for _, p := range names {
		f.Tensors = append(f.Tensors, tensorOf(p.Name, p.Tensor))
	}
	if opt != nil {
		if err := encodeOptimizer(f, opt); err != nil {
			return nil, err
		}
	}
	for k, s := range scheds {
		if s == nil {
			return nil, fmt.Errorf("scheduler %d is nil", k)
		}
		b, err := schedulerJSON(s.StateDict())
		if err != nil {
			return nil, fmt.Errorf("scheduler %d: %w", k, err)
		}
		key := "scheduler." + strconv.Itoa(k)
		f.Metadata[key+".class"] = s.StateDict().Name
		f.Metadata[key] = string(b)
	}
	f.SetChecksums()
	return f, nil
}

// modelTensors returns model's parameters and buffers, after checking that
// their names are unique and leave the optimizer's to it.
func modelTensors(model nn.Module) ([]nn.Param, error) {
	ps := append(model.Parameters(), nn.Buffers(model)...)
	seen := make(map[string]bool, len(ps))
	for _, p := range ps {
		switch {
		case p.Name == "" || p.Tensor == nil:
			return nil, fmt.Errorf("the model has a parameter or buffer %q that is unnamed or nil", p.Name)
		case seen[p.Name]:
			return nil, fmt.Errorf("the model names two parameters or buffers %q; state_dict names must be unique", p.Name)
		case strings.HasPrefix(p.Name, optimizerPrefix):
			return nil, fmt.Errorf("the model's parameter %q starts with %q, which names the optimizer's state in the file", p.Name, optimizerPrefix)
		case !p.Tensor.IsContiguous():
			return nil, fmt.Errorf("the model's parameter or buffer %q is not contiguous", p.Name)
		}
		seen[p.Name] = true
	}
	return ps, nil
}

func tensorOf(name string, t *tensor.Tensor) safetensors.Tensor {
	return safetensors.Tensor{Name: name, Shape: t.Shape(), Data: t.Data()}
}

func statePrefix(i int) string { return optimizerPrefix + "state." + strconv.Itoa(i) + "." }

// encodeOptimizer adds opt's state tensors and metadata to f.
func encodeOptimizer(f *safetensors.File, opt optim.Optimizer) error {
	sd := opt.StateDict()
	groups, err := optim.MarshalParamGroups(sd)
	if err != nil {
		return err
	}
	f.Metadata["optimizer"] = sd.Optimizer
	f.Metadata["optimizer.param_groups"] = string(groups)
	for i := range sd.State {
		st := &sd.State[i]
		prefix := statePrefix(i)
		for _, m := range st.Tensors() {
			if *m.T != nil {
				f.Tensors = append(f.Tensors, tensorOf(prefix+m.Name, *m.T))
			}
		}
		if st.Step > maxStep {
			return fmt.Errorf("parameter %d has taken %d steps, more than the %d a float32 step tensor (torch 1.13's) holds exactly", i, st.Step, maxStep)
		}
		if st.Step > 0 {
			f.Tensors = append(f.Tensors, safetensors.Tensor{Name: prefix + "step", Shape: []int{}, Data: []float32{float32(st.Step)}})
		}
	}
	return nil
}

// hyperOrder is the order of each scheduler's hyper-parameters in torch's
// state_dict (its constructor's arguments).
var hyperOrder = map[string][]string{
	"StepLR":            {"step_size", "gamma"},
	"ExponentialLR":     {"gamma"},
	"CosineAnnealingLR": {"T_max", "eta_min"},
	"LinearLR":          {"start_factor", "end_factor", "total_iters"},
}

// schedulerJSON is st as torch's scheduler state_dict() lays it out, keys
// in torch's order (less "verbose" and "_get_lr_called_within_step", which
// change no number): the hyper-parameters, then base_lrs, last_epoch,
// _step_count and _last_lr.
func schedulerJSON(st optim.SchedulerState) ([]byte, error) {
	keys := hyperOrder[st.Name]
	for _, k := range slices.Sorted(maps.Keys(st.Hyper)) {
		if !slices.Contains(keys, k) { // a scheduler added to optim after this table
			keys = append(slices.Clip(keys), k)
		}
	}
	var b bytes.Buffer
	b.WriteByte('{')
	add := func(k string, v any) error {
		if b.Len() > 1 {
			b.WriteByte(',')
		}
		kv, err := json.Marshal(k)
		if err != nil {
			return err
		}
		vv, err := json.Marshal(v)
		if err != nil {
			return err
		}
		b.Write(kv)
		b.WriteByte(':')
		b.Write(vv)
		return nil
	}
	for _, k := range keys {
		if v, ok := st.Hyper[k]; ok {
			if err := add(k, v); err != nil {
				return nil, err
			}
		}
	}
	for _, kv := range []struct {
		k string
		v any
	}{{"base_lrs", st.BaseLRs}, {"last_epoch", st.LastEpoch}, {"_step_count", st.StepCount}, {"_last_lr", st.LastLR}} {
		if err := add(kv.k, kv.v); err != nil {
			return nil, err
		}
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}
