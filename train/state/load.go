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

// Load restores into model, opt and scheds the state Save wrote to path.
// They must be built as those that were saved: the model with the same
// parameter and buffer names and shapes, the optimizer of the same kind
// over as many parameters in the same groups, the same schedulers in the
// same order with the same hyper-parameters. opt may be nil to load the
// model alone (the file's optimizer state and schedulers are then not
// read), and then scheds must be empty.
//
// Everything is checked before anything changes (see the package
// documentation); on an error, which names the file and what is wrong,
// model, opt and scheds are as they were.
func Load(path string, model nn.Module, opt optim.Optimizer, scheds ...optim.Scheduler) error {
	if err := load(path, model, opt, scheds); err != nil {
		return fmt.Errorf("state: %s: %w", path, err)
	}
	return nil
}

func load(path string, model nn.Module, opt optim.Optimizer, scheds []optim.Scheduler) error {
	if model == nil {
		return fmt.Errorf("the model is nil")
	}
	if opt == nil && len(scheds) > 0 {
		return fmt.Errorf("%d schedulers but no optimizer; a scheduler's learning rates live in its optimizer's state", len(scheds))
	}
	params, err := modelTensors(model)
	if err != nil {
		return err
	}
	f, err := safetensors.ReadFileMax(path, maxBytes(model, params, opt))
	if err != nil {
		return stripFile(err)
	}
	if got := f.Metadata["format"]; got != Format {
		return fmt.Errorf("metadata \"format\" is %q, want %q (not a file state.Save wrote)", got, Format)
	}
	used := make(map[string]bool, len(f.Tensors))
	get := func(name string, shape []int) (*safetensors.Tensor, error) {
		t, ok := f.Get(name)
		if !ok {
			return nil, nil
		}
		used[name] = true
		if !slices.Equal(t.Shape, shape) {
			return nil, fmt.Errorf("tensor %q has shape %v, want %v", name, t.Shape, shape)
		}
		return t, nil
	}
	// The model: every parameter and buffer, with its shape.
	data := make([][]float32, len(params))
	for i, p := range params {
		t, err := get(p.Name, p.Tensor.Shape())
		if err != nil {
			return err
		}
		if t == nil {
			return fmt.Errorf("tensor %q of the model is missing%s", p.Name, hint(f, p.Name))
		}
		data[i] = t.Data
	}
	var sd *optim.StateDict
	var states []optim.SchedulerState
	if opt != nil {
		if sd, err = decodeOptimizer(f, opt, get); err != nil {
			return err
		}
		if states, err = decodeSchedulers(f, scheds); err != nil {
			return err
		}
	}
	for _, t := range f.Tensors {
		if !used[t.Name] && !(opt == nil && strings.HasPrefix(t.Name, optimizerPrefix)) {
			return fmt.Errorf("it holds tensor %q, which is neither the model's nor the optimizer's (another model?)", t.Name)
		}
	}
	if err := apply(opt, sd, scheds, states); err != nil {
		return err
	}
	for i, p := range params {
		copy(p.Tensor.Storage(), data[i])
	}
	return nil
}

// apply loads sd into opt and states into scheds, or, if any refuses its
// state, restores those already loaded and returns the error: the
// optimizers' and schedulers' own checks are the last ones, so that all
// or nothing changes.
func apply(opt optim.Optimizer, sd *optim.StateDict, scheds []optim.Scheduler, states []optim.SchedulerState) error {
	if opt == nil {
		return nil
	}
	before := opt.StateDict()
	old := make([]optim.SchedulerState, len(scheds))
	for k, s := range scheds {
		old[k] = s.StateDict()
	}
	if err := opt.LoadStateDict(sd); err != nil {
		return fmt.Errorf("the optimizer state does not fit: %w", err)
	}
	for k, s := range scheds {
		if err := s.LoadStateDict(states[k]); err != nil {
			// Restoring what StateDict returned always succeeds.
			_ = opt.LoadStateDict(before)
			for j := range k {
				_ = scheds[j].LoadStateDict(old[j])
			}
			return fmt.Errorf("scheduler %d (%s): %w", k, old[k].Name, err)
		}
	}
	return nil
}

// decodeOptimizer reads the optimizer's state dict from f, checking its
// kind, its groups and the shapes of its state tensors; opt's
// LoadStateDict checks the rest.
func decodeOptimizer(f *safetensors.File, opt optim.Optimizer, get func(string, []int) (*safetensors.Tensor, error)) (*optim.StateDict, error) {
	want := opt.StateDict().Optimizer
	got, ok := f.Metadata["optimizer"]
	if !ok {
		return nil, fmt.Errorf("it holds no optimizer state (saved with a nil optimizer?), but an optimizer (%s) was given", want)
	}
	if got != want {
		return nil, fmt.Errorf("it holds %s's optimizer state, not %s's", got, want)
	}
	groups, err := optim.UnmarshalParamGroups(got, []byte(f.Metadata["optimizer.param_groups"]))
	if err != nil {
		return nil, fmt.Errorf("metadata \"optimizer.param_groups\": %w", err)
	}
	ps := opt.Params()
	sd := &optim.StateDict{Optimizer: got, ParamGroups: groups, State: make([]optim.ParamState, len(ps))}
	for i, p := range ps {
		st := &sd.State[i]
		prefix := statePrefix(i)
		for _, m := range st.Tensors() {
			t, err := get(prefix+m.Name, p.Shape())
			if err != nil {
				return nil, err
			}
			if t != nil {
				*m.T = tensor.New(slices.Clone(t.Data), p.Shape()...)
			}
		}
		t, err := get(prefix+"step", []int{})
		if err != nil {
			return nil, err
		}
		if t != nil {
			v := t.Data[0]
			if !(v >= 1 && v <= maxStep && v == float32(int(v))) {
				return nil, fmt.Errorf("tensor %q holds %v; a step count is a whole number in [1, %d]", prefix+"step", v, maxStep)
			}
			st.Step = int(v)
		}
	}
	// A tensor of a parameter the optimizer does not have is left unused
	// and reported with the other strays.
	return sd, nil
}

// decodeSchedulers reads the schedulers' states from f, checking that they
// are as many as scheds, of the same kinds. The schedulers' LoadStateDict
// checks the rest (group counts, hyper-parameters, values).
func decodeSchedulers(f *safetensors.File, scheds []optim.Scheduler) ([]optim.SchedulerState, error) {
	n := 0
	for ; ; n++ {
		if _, ok := f.Metadata["scheduler."+strconv.Itoa(n)+".class"]; !ok {
			break
		}
	}
	if n != len(scheds) {
		return nil, fmt.Errorf("it holds %d schedulers' states, but %d schedulers were given", n, len(scheds))
	}
	states := make([]optim.SchedulerState, n)
	for k, s := range scheds {
		key := "scheduler." + strconv.Itoa(k)
		name := f.Metadata[key+".class"]
		if want := s.StateDict().Name; name != want {
			return nil, fmt.Errorf("scheduler %d is %s in the file, %s here", k, name, want)
		}
		st, err := parseScheduler(name, f.Metadata[key])
		if err != nil {
			return nil, fmt.Errorf("metadata %q: %w", key, err)
		}
		states[k] = st
	}
	return states, nil
}

// parseScheduler parses a scheduler's state_dict as Save writes it:
// strictly, so that a key repeated, misspelt or left out is an error.
func parseScheduler(name, text string) (optim.SchedulerState, error) {
	st := optim.SchedulerState{Name: name, Hyper: map[string]float64{}}
	fields, err := strictObject([]byte(text))
	if err != nil {
		return st, err
	}
	for _, k := range []string{"last_epoch", "_step_count", "base_lrs", "_last_lr"} {
		if _, ok := fields[k]; !ok {
			return st, fmt.Errorf("key %q is missing", k)
		}
	}
	for _, k := range slices.Sorted(maps.Keys(fields)) {
		var err error
		v := fields[k]
		switch k {
		case "last_epoch":
			err = json.Unmarshal(v, &st.LastEpoch)
		case "_step_count":
			err = json.Unmarshal(v, &st.StepCount)
		case "base_lrs":
			err = json.Unmarshal(v, &st.BaseLRs)
		case "_last_lr":
			err = json.Unmarshal(v, &st.LastLR)
		case "verbose", "_get_lr_called_within_step": // torch's, changing no number
			var b bool
			if err = json.Unmarshal(v, &b); err == nil && b {
				err = fmt.Errorf("is true; only false is accepted")
			}
		default: // a hyper-parameter: the scheduler checks which
			var x float64
			err = json.Unmarshal(v, &x)
			st.Hyper[k] = x
		}
		if err != nil {
			return st, fmt.Errorf("key %q: %v", k, err)
		}
	}
	return st, nil
}

// strictObject parses a JSON object into its fields, refusing a repeated
// key (encoding/json would keep the last silently).
func strictObject(b []byte) (map[string]json.RawMessage, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, fmt.Errorf("want a JSON object")
	}
	fields := map[string]json.RawMessage{}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, err
		}
		k := t.(string) // an object's tokens alternate key (a string) and value
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, err
		}
		if _, dup := fields[k]; dup {
			return nil, fmt.Errorf("key %q appears twice", k)
		}
		fields[k] = v
	}
	if _, err := dec.Token(); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, fmt.Errorf("more than one JSON value")
	}
	return fields, nil
}

// maxBytes is the most tensor data a file for model and opt can hold:
// the model's parameters and buffers, and per optimizer parameter at most
// three state tensors of its shape and a step count. Without an optimizer
// the file may still hold one's state (Load then skips it): that of one
// over the model's parameters is allowed for. Reading is refused above it,
// before allocating.
func maxBytes(model nn.Module, params []nn.Param, opt optim.Optimizer) int64 {
	var n int64
	for _, p := range params {
		n += int64(p.Tensor.Numel())
	}
	optParams := nn.Tensors(model.Parameters())
	if opt != nil {
		optParams = opt.Params()
	}
	for _, p := range optParams {
		n += 3*int64(p.Numel()) + 1
	}
	return 4 * n
}

// hint suggests, for a missing tensor, the file's names that end the
// same way: a model saved under another prefix (Submodule) shows up so.
func hint(f *safetensors.File, name string) string {
	for _, t := range f.Tensors {
		if strings.HasSuffix(t.Name, "."+name) || strings.HasSuffix(name, "."+t.Name) {
			return fmt.Sprintf(" (the file has %q: saved under another prefix? see Submodule)", t.Name)
		}
	}
	return ""
}

// stripFile returns a safetensors error without the path, which Load's
// caller adds.
func stripFile(err error) error {
	if fe, ok := err.(*safetensors.FormatError); ok {
		c := *fe
		c.File = ""
		return &c
	}
	return err
}
