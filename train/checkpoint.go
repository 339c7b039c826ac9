package train

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/vecgrad/vecgrad/optim"
	"github.com/vecgrad/vecgrad/tensor"
	"github.com/vecgrad/vecgrad/train/nn"
	"github.com/vecgrad/vecgrad/train/safetensors"
)

// A checkpoint is one safetensors file. Its tensors are named as torch's
// state_dicts name them, so that torch can load them (model.load_state_dict
// after dropping the "optimizer." entries, and the optimizer's from those):
//
//	0.weight, 0.bias, 2.weight, 2.bias, 4.weight, 4.bias   the model (see NewMLP)
//	optimizer.state.{i}.momentum_buffer                    SGD with momentum
//	optimizer.state.{i}.step                               Adam, AdamW (0-d, as torch 1.13)
//	optimizer.state.{i}.exp_avg, .exp_avg_sq               Adam, AdamW
//
// with i the parameter's index in the order above. Its metadata (strings)
// holds the rest: "format" (checkpointFormat), "config" (Config as JSON),
// "epoch" (epochs completed), "step" (optimizer steps), "samples" (samples
// seen), "seed", "optimizer" (torch's class name), "optimizer.param_groups"
// (optim.GroupState list as JSON: torch's param_groups), "loss_log"
// (LossLog as JSON) and "test_results" ([]EpochResult as JSON).
const checkpointFormat = "vecgrad.train/v1"

// saveCheckpoint writes res's state to path atomically.
func saveCheckpoint(path string, res *Result) error {
	f := &safetensors.File{Metadata: map[string]string{}}
	params := res.Model.Parameters()
	for _, p := range params {
		f.Tensors = append(f.Tensors, stTensor(p.Name, p.Tensor))
	}
	sd := res.opt.StateDict()
	for i, st := range sd.State {
		prefix := "optimizer.state." + strconv.Itoa(i) + "."
		if st.MomentumBuffer != nil {
			f.Tensors = append(f.Tensors, stTensor(prefix+"momentum_buffer", st.MomentumBuffer))
		}
		if st.Step > 0 {
			f.Tensors = append(f.Tensors, safetensors.Tensor{Name: prefix + "step", Shape: []int{}, Data: []float32{float32(st.Step)}})
		}
		for _, m := range []struct {
			name string
			t    *tensor.Tensor
		}{{"exp_avg", st.ExpAvg}, {"exp_avg_sq", st.ExpAvgSq}, {"max_exp_avg_sq", st.MaxExpAvgSq}} {
			if m.t != nil {
				f.Tensors = append(f.Tensors, stTensor(prefix+m.name, m.t))
			}
		}
	}
	md := f.Metadata
	md["format"] = checkpointFormat
	md["epoch"] = strconv.Itoa(len(res.Epochs))
	md["step"] = strconv.FormatInt(res.Steps, 10)
	md["samples"] = strconv.FormatInt(res.Samples, 10)
	md["seed"] = strconv.FormatUint(res.Config.Seed, 10)
	md["optimizer"] = sd.Optimizer
	for key, v := range map[string]any{
		"config":                 res.Config,
		"optimizer.param_groups": sd.ParamGroups,
		"loss_log":               res.Log,
		"test_results":           res.Epochs,
	} {
		b, err := json.Marshal(v)
		if err != nil {
			return fmt.Errorf("train: checkpoint %s: encoding %s: %w", path, key, err)
		}
		md[key] = string(b)
	}
	if err := safetensors.WriteFile(path, f); err != nil {
		return fmt.Errorf("train: checkpoint: %w", err)
	}
	return nil
}

func stTensor(name string, t *tensor.Tensor) safetensors.Tensor {
	return safetensors.Tensor{Name: name, Shape: t.Shape(), Data: t.Data()}
}

// checkpointError is an invalid checkpoint: it names the file and what is
// wrong.
func checkpointError(path, format string, a ...any) error {
	return fmt.Errorf("train: checkpoint %s: %s", path, fmt.Sprintf(format, a...))
}

// ReadCheckpointConfig returns the settings a checkpoint was written with
// (to resume with them: see the CLI's --resume). Errors name the file.
func ReadCheckpointConfig(path string) (Config, error) {
	f, err := safetensors.ReadFile(path)
	if err != nil {
		return Config{}, fmt.Errorf("train: %w", err)
	}
	return checkpointConfig(path, f)
}

func checkpointConfig(path string, f *safetensors.File) (Config, error) {
	if got := f.Metadata["format"]; got != checkpointFormat {
		return Config{}, checkpointError(path, "metadata \"format\" is %q, want %q (not a vecgrad training checkpoint)", got, checkpointFormat)
	}
	var c Config
	if err := unmarshalMeta(path, f, "config", &c); err != nil {
		return Config{}, err
	}
	if err := c.Validate(); err != nil {
		return Config{}, checkpointError(path, "its settings are invalid: %v", err)
	}
	return c, nil
}

func unmarshalMeta(path string, f *safetensors.File, key string, v any) error {
	s, ok := f.Metadata[key]
	if !ok {
		return checkpointError(path, "metadata %q is missing", key)
	}
	dec := json.NewDecoder(strings.NewReader(s))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return checkpointError(path, "metadata %q is not valid: %v", key, err)
	}
	return nil
}

func intMeta(path string, f *safetensors.File, key string) (int64, error) {
	v, err := strconv.ParseInt(f.Metadata[key], 10, 64)
	if err != nil || v < 0 {
		return 0, checkpointError(path, "metadata %q is %q, want a count >= 0", key, f.Metadata[key])
	}
	return v, nil
}

// settingsDiff lists the settings in which got differs from want, Epochs
// aside, as "lr 0.1 (this run: 0.001)".
func settingsDiff(ckpt, run Config) []string {
	var d []string
	add := func(name string, a, b any) {
		if a != b {
			d = append(d, fmt.Sprintf("%s %v (this run: %v)", name, a, b))
		}
	}
	add("dataset", ckpt.Dataset, run.Dataset)
	add("optimizer", ckpt.Optimizer, run.Optimizer)
	add("lr", ckpt.LR, run.LR)
	add("momentum", ckpt.Momentum, run.Momentum)
	add("nesterov", ckpt.Nesterov, run.Nesterov)
	add("weight-decay", ckpt.WeightDecay, run.WeightDecay)
	add("batch-size", ckpt.BatchSize, run.BatchSize)
	add("seed", ckpt.Seed, run.Seed)
	return d
}

// loadCheckpoint restores the model, the optimizer and the progress of res
// from the checkpoint at path, after checking that it was written by a run
// with cfg's settings (Epochs aside) and that every tensor is there with its
// shape. A bad file is an error naming it, never a panic.
func loadCheckpoint(path string, cfg Config, model *nn.Sequential, o optim.Optimizer, res *Result) error {
	f, err := safetensors.ReadFile(path)
	if err != nil {
		return fmt.Errorf("train: %w", err)
	}
	ckpt, err := checkpointConfig(path, f)
	if err != nil {
		return err
	}
	if d := settingsDiff(ckpt, cfg); len(d) > 0 {
		return checkpointError(path, "it was written with %s; resume with the checkpoint's settings, or start the new run in another output directory",
			strings.Join(d, ", "))
	}
	epochs, err := intMeta(path, f, "epoch")
	if err != nil {
		return err
	}
	if epochs > int64(cfg.Epochs) {
		return checkpointError(path, "it has done %d epochs, more than the %d this run asks for", epochs, cfg.Epochs)
	}
	if res.Steps, err = intMeta(path, f, "step"); err != nil {
		return err
	}
	if res.Samples, err = intMeta(path, f, "samples"); err != nil {
		return err
	}
	if err := unmarshalMeta(path, f, "loss_log", &res.Log); err != nil {
		return err
	}
	if len(res.Log.Samples) != len(res.Log.Loss) {
		return checkpointError(path, "the loss log has %d sample counts but %d losses", len(res.Log.Samples), len(res.Log.Loss))
	}
	if err := unmarshalMeta(path, f, "test_results", &res.Epochs); err != nil {
		return err
	}
	if int64(len(res.Epochs)) != epochs {
		return checkpointError(path, "metadata \"epoch\" is %d but it holds test results for %d epochs", epochs, len(res.Epochs))
	}

	used := 0
	get := func(name string, shape []int, required bool) ([]float32, error) {
		t, ok := f.Get(name)
		if !ok {
			if required {
				return nil, checkpointError(path, "tensor %q is missing", name)
			}
			return nil, nil
		}
		used++
		if !slices.Equal(t.Shape, shape) {
			return nil, checkpointError(path, "tensor %q has shape %v, want %v", name, t.Shape, shape)
		}
		return t.Data, nil
	}
	params := model.Parameters()
	for _, p := range params {
		d, err := get(p.Name, p.Tensor.Shape(), true)
		if err != nil {
			return err
		}
		copy(p.Tensor.Storage(), d)
	}

	sd := &optim.StateDict{Optimizer: f.Metadata["optimizer"], State: make([]optim.ParamState, len(params))}
	if err := unmarshalMeta(path, f, "optimizer.param_groups", &sd.ParamGroups); err != nil {
		return err
	}
	for i, p := range params {
		prefix := "optimizer.state." + strconv.Itoa(i) + "."
		shape := p.Tensor.Shape()
		st := &sd.State[i]
		for _, m := range []struct {
			name string
			dst  **tensor.Tensor
		}{{"momentum_buffer", &st.MomentumBuffer}, {"exp_avg", &st.ExpAvg}, {"exp_avg_sq", &st.ExpAvgSq}, {"max_exp_avg_sq", &st.MaxExpAvgSq}} {
			d, err := get(prefix+m.name, shape, false)
			if err != nil {
				return err
			}
			if d != nil {
				*m.dst = tensor.New(slices.Clone(d), shape...)
			}
		}
		d, err := get(prefix+"step", []int{}, false)
		if err != nil {
			return err
		}
		if d != nil {
			v := float64(d[0])
			if !(v >= 1) || v != math.Trunc(v) || v > 1<<24 {
				return checkpointError(path, "tensor %q holds %v, want a whole step count >= 1", prefix+"step", d[0])
			}
			st.Step = int(v)
		}
	}
	if used != len(f.Tensors) {
		var extra []string
		for _, t := range f.Tensors {
			if !knownTensor(t.Name, params) {
				extra = append(extra, strconv.Quote(t.Name))
			}
		}
		return checkpointError(path, "it holds tensors this model does not have: %s", strings.Join(extra, ", "))
	}
	if err := o.LoadStateDict(sd); err != nil {
		return checkpointError(path, "the optimizer state does not fit: %v", err)
	}
	return nil
}

// knownTensor reports whether name is one loadCheckpoint reads.
func knownTensor(name string, params []nn.Param) bool {
	for i, p := range params {
		if name == p.Name {
			return true
		}
		prefix := "optimizer.state." + strconv.Itoa(i) + "."
		if rest, ok := strings.CutPrefix(name, prefix); ok {
			switch rest {
			case "momentum_buffer", "exp_avg", "exp_avg_sq", "max_exp_avg_sq", "step":
				return true
			}
		}
	}
	return false
}
