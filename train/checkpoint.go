package train

import (
	"encoding/json"
	"fmt"
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
// (torch's param_groups as JSON, with torch's keys: see
// optim.MarshalParamGroups; checkpoints written before issue 20 hold
// optim.GroupState's Go field names, "LR", "Betas", and still load), "loss_log"
// (LossLog as JSON), "test_results" ([]EpochResult as JSON), "data" (the
// data set's identity as JSON: see identify) and "crc32c.<tensor>" (each
// tensor's checksum: see safetensors.File.SetChecksums).
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
		// The step first: SGD keeps no step and Adam no momentum buffer,
		// so the file's order is as before.
		if st.Step > 0 {
			f.Tensors = append(f.Tensors, safetensors.Tensor{Name: prefix + "step", Shape: []int{}, Data: []float32{float32(st.Step)}})
		}
		for _, m := range st.Tensors() {
			if *m.T != nil {
				f.Tensors = append(f.Tensors, stTensor(prefix+m.Name, *m.T))
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
	if res.dataID != "" {
		md["data"] = res.dataID
	}
	groups, err := optim.MarshalParamGroups(sd)
	if err != nil {
		return fmt.Errorf("train: checkpoint %s: %w", path, err)
	}
	md["optimizer.param_groups"] = string(groups)
	for key, v := range map[string]any{
		"config":       res.Config,
		"loss_log":     res.Log,
		"test_results": res.Epochs,
	} {
		b, err := json.Marshal(v)
		if err != nil {
			return fmt.Errorf("train: checkpoint %s: encoding %s: %w", path, key, err)
		}
		md[key] = string(b)
	}
	// Checksums last, over the final tensors: a resume then refuses a
	// checkpoint whose bits changed or whose tensors were moved.
	f.SetChecksums()
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
// (to resume with them: see the CLI's --resume). It reads the header only.
// Errors name the file.
func ReadCheckpointConfig(path string) (Config, error) {
	md, err := safetensors.ReadMetadata(path)
	if err != nil {
		return Config{}, fmt.Errorf("train: %w", err)
	}
	return checkpointConfig(path, md)
}

func checkpointConfig(path string, md map[string]string) (Config, error) {
	if got := md["format"]; got != checkpointFormat {
		return Config{}, checkpointError(path, "metadata \"format\" is %q, want %q (not a vecgrad training checkpoint)", got, checkpointFormat)
	}
	var c Config
	if err := unmarshalMeta(path, md, "config", &c); err != nil {
		return Config{}, err
	}
	if err := c.Validate(); err != nil {
		return Config{}, checkpointError(path, "its settings are invalid: %v", err)
	}
	return c, nil
}

func unmarshalMeta(path string, md map[string]string, key string, v any) error {
	s, ok := md[key]
	if !ok {
		return checkpointError(path, "metadata %q is missing", key)
	}
	dec := json.NewDecoder(strings.NewReader(s))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return checkpointError(path, "metadata %q is not valid: %v", key, err)
	}
	if dec.More() {
		return checkpointError(path, "metadata %q holds more than one JSON value", key)
	}
	return nil
}

func intMeta(path string, md map[string]string, key string) (int64, error) {
	v, err := strconv.ParseInt(md[key], 10, 64)
	if err != nil || v < 0 {
		return 0, checkpointError(path, "metadata %q is %q, want a count >= 0", key, md[key])
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
	return append(d, modelDiff(ckpt, run)...)
}

// loadCheckpoint restores the model, the optimizer and the progress of res
// from the checkpoint at path, after checking everything before any
// training: that it was written by a run with cfg's settings (Epochs
// aside) on a training set of trainLen examples, that its optimizer
// hyper-parameters are cfg's (config is the one source of truth), that
// every tensor the run needs is there with its shape and nothing else,
// that values are finite and in range, that its progress counters agree
// with each other, and (through the file's checksums) that its data is
// what was written. A bad file is an error naming it, never a panic. note
// is a line for the user about a file read without full verification (one
// written before checksums), or "".
func loadCheckpoint(path string, cfg Config, trainLen int, model *nn.Sequential, o optim.Optimizer, res *Result) (note string, err error) {
	params := model.Parameters()
	f, err := safetensors.ReadFileMax(path, checkpointMaxBytes(params))
	if err != nil {
		return "", fmt.Errorf("train: %w", err)
	}
	md := f.Metadata
	ckpt, err := checkpointConfig(path, md)
	if err != nil {
		return "", err
	}
	if d := settingsDiff(ckpt, cfg); len(d) > 0 {
		return "", checkpointError(path, "it was written with %s; resume with the checkpoint's settings, or start the new run in another output directory",
			strings.Join(d, ", "))
	}
	if err := loadProgress(path, md, cfg, trainLen, res); err != nil {
		return "", err
	}
	// The hyper-parameters the optimizer runs with are cfg's: the
	// checkpoint's param_groups must say the same, or the file contradicts
	// itself.
	sd := o.StateDict()
	sd.State = make([]optim.ParamState, len(params))
	if err := checkParamGroups(path, md, cfg, sd); err != nil {
		return "", err
	}

	r := checkpointTensors{path: path, f: f, cfg: cfg, steps: res.Steps, want: stateTensors(cfg, res.Steps)}
	if err := r.loadParams(params); err != nil {
		return "", err
	}
	for i, p := range params {
		if err := r.loadState(i, p.Tensor.Shape(), &sd.State[i]); err != nil {
			return "", err
		}
	}
	if err := r.checkAllUsed(params); err != nil {
		return "", err
	}
	if err := o.LoadStateDict(sd); err != nil {
		return "", checkpointError(path, "the optimizer state does not fit: %v", err)
	}
	if !f.HasChecksums() {
		note = fmt.Sprintf("Note: %s records no checksums (written before they were added): its data could not be verified; the next checkpoint will have them", path)
	}
	return note, nil
}

// checkpointTensors hands out the tensors of the checkpoint f (read from
// path) by name, each checked against the shape the run needs, and counts
// those it handed out, so that checkAllUsed can refuse a file holding more.
// cfg and steps are the run's, and want the optimizer state tensors they
// call for (stateTensors).
type checkpointTensors struct {
	path  string
	f     *safetensors.File
	used  int
	cfg   Config
	steps int64
	want  map[string]bool
}

// get returns the data of the tensor name, which must have shape; a
// missing tensor is an error if required, else nil data.
func (r *checkpointTensors) get(name string, shape []int, required bool) ([]float32, error) {
	t, ok := r.f.Get(name)
	if !ok {
		if required {
			return nil, checkpointError(r.path, "tensor %q is missing", name)
		}
		return nil, nil
	}
	r.used++
	if !slices.Equal(t.Shape, shape) {
		return nil, checkpointError(r.path, "tensor %q has shape %v, want %v", name, t.Shape, shape)
	}
	return t.Data, nil
}

// loadParams copies every parameter's tensor, checked to be finite, into
// the model.
func (r *checkpointTensors) loadParams(params []nn.Param) error {
	for _, p := range params {
		d, err := r.get(p.Name, p.Tensor.Shape(), true)
		if err != nil {
			return err
		}
		if err := checkValues(r.path, p.Name, d, false); err != nil {
			return err
		}
		copy(p.Tensor.Storage(), d)
	}
	return nil
}

// loadState reads the optimizer state of parameter i, of shape, into st:
// the moment buffers and step count the run's optimizer keeps (r.want),
// and none that it does not.
func (r *checkpointTensors) loadState(i int, shape []int, st *optim.ParamState) error {
	prefix := "optimizer.state." + strconv.Itoa(i) + "."
	for _, m := range st.Tensors() {
		d, err := r.get(prefix+m.Name, shape, r.want[m.Name])
		if err != nil {
			return err
		}
		if d == nil {
			continue
		}
		if !r.want[m.Name] {
			return checkpointError(r.path, "tensor %q is there, but %s", prefix+m.Name, stateWanted(r.cfg, r.steps))
		}
		if err := checkValues(r.path, prefix+m.Name, d, m.NonNegative); err != nil {
			return err
		}
		*m.T = tensor.New(slices.Clone(d), shape...)
	}
	d, err := r.get(prefix+"step", []int{}, r.want["step"])
	if err != nil {
		return err
	}
	if d != nil {
		if !r.want["step"] {
			return checkpointError(r.path, "tensor %q is there, but %s", prefix+"step", stateWanted(r.cfg, r.steps))
		}
		// Every parameter takes every step: each count is the run's.
		if v := float64(d[0]); v != float64(r.steps) {
			return checkpointError(r.path, "tensor %q holds %v, but metadata \"step\" is %d (each parameter takes every step)", prefix+"step", d[0], r.steps)
		}
		st.Step = int(r.steps)
	}
	return nil
}

// checkAllUsed refuses a file holding tensors that get did not hand out,
// naming them.
func (r *checkpointTensors) checkAllUsed(params []nn.Param) error {
	if r.used == len(r.f.Tensors) {
		return nil
	}
	var extra []string
	for _, t := range r.f.Tensors {
		if !knownTensor(t.Name, params) {
			extra = append(extra, strconv.Quote(t.Name))
		}
	}
	return checkpointError(r.path, "it holds tensors this model does not have: %s", strings.Join(extra, ", "))
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
