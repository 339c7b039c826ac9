package state

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/vecgrad/vecgrad/optim"
	"github.com/vecgrad/vecgrad/tensor"
	"github.com/vecgrad/vecgrad/train/nn"
	"github.com/vecgrad/vecgrad/train/safetensors"
)

// editFile rewrites the safetensors file at path through edit, with fresh
// checksums (an edit that keeps the file valid, as a tool would make).
func editFile(t *testing.T, path string, edit func(f *safetensors.File)) {
	t.Helper()
	f, err := safetensors.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	edit(f)
	f.SetChecksums()
	if err := safetensors.WriteFile(path, f); err != nil {
		t.Fatal(err)
	}
}

func removeTensor(name string) func(f *safetensors.File) {
	return func(f *safetensors.File) {
		f.Tensors = slices.DeleteFunc(f.Tensors, func(t safetensors.Tensor) bool { return t.Name == name })
	}
}

func reshape(name string, shape ...int) func(f *safetensors.File) {
	return func(f *safetensors.File) {
		t, _ := f.Get(name)
		t.Shape = shape
	}
}

func setMeta(key, value string) func(f *safetensors.File) {
	return func(f *safetensors.File) { f.Metadata[key] = value }
}

// TestLoadRefuses checks that every mismatch between the file and the
// objects is an error naming the file and what is wrong, and that the
// model, the optimizer and the schedulers are then as they were: among
// them a scheduler refused after the optimizer has taken its state, which
// Load must put back.
func TestLoadRefuses(t *testing.T) {
	for _, c := range []struct {
		name        string
		saved       string // optimizer saved: "SGD" or "Adam", with StepLR(2, 0.5)
		opt, sched  string // what Load is given
		edit        func(f *safetensors.File)
		want        string
		hyperSched3 bool // Load's scheduler is StepLR(3, 0.5)
	}{
		{name: "missing model tensor", edit: removeTensor("3.bias"), want: `tensor "3.bias" of the model is missing`},
		{name: "missing buffer", edit: removeTensor("1.running_var"), want: `tensor "1.running_var" of the model is missing`},
		{name: "model shape", edit: reshape("0.weight", 4, 8), want: `tensor "0.weight" has shape [4 8], want [8 4]`},
		{name: "extra tensor", edit: func(f *safetensors.File) {
			f.Tensors = append(f.Tensors, safetensors.Tensor{Name: "5.weight", Shape: []int{1}, Data: []float32{1}})
		}, want: `it holds tensor "5.weight", which is neither the model's nor the optimizer's`},
		{name: "prefixed names", edit: func(f *safetensors.File) {
			for i := range f.Tensors {
				f.Tensors[i].Name = "net." + f.Tensors[i].Name
			}
		}, want: `(the file has "net.0.weight": saved under another prefix? see Submodule)`},
		{name: "optimizer kind", opt: "Adam", want: "it holds SGD's optimizer state, not Adam's"},
		{name: "group count", opt: "SGD plain", want: "the state dict has 2 parameter groups, the optimizer 1"},
		{name: "scheduler count", sched: "none", want: "it holds 1 schedulers' states, but 0 schedulers were given"},
		{name: "scheduler kind", sched: "Exponential", want: "scheduler 0 is StepLR in the file, ExponentialLR here"},
		{name: "scheduler hyper-parameters", hyperSched3: true, want: "scheduler 0 (StepLR): optim: LoadStateDict: StepLR: the state's step_size is 2, this scheduler's 3"},
		{name: "state shape", edit: reshape("optimizer.state.0.momentum_buffer", 32), want: `tensor "optimizer.state.0.momentum_buffer" has shape [32], want [8 4]`},
		{name: "state of a parameter too many", edit: func(f *safetensors.File) {
			f.Tensors = append(f.Tensors, safetensors.Tensor{Name: "optimizer.state.9.momentum_buffer", Shape: []int{1}, Data: []float32{1}})
		}, want: `it holds tensor "optimizer.state.9.momentum_buffer"`},
		{name: "adam state in SGD", edit: func(f *safetensors.File) {
			f.Tensors = append(f.Tensors, safetensors.Tensor{Name: "optimizer.state.0.step", Shape: []int{}, Data: []float32{3}})
		}, want: "SGD: state 0 holds Adam state"},
		{name: "step", saved: "Adam", opt: "Adam", edit: func(f *safetensors.File) {
			t, _ := f.Get("optimizer.state.2.step")
			t.Data[0] = 1.5
		}, want: `tensor "optimizer.state.2.step" holds 1.5; a step count is a whole number in [1, 16777216]`},
		{name: "missing exp_avg", saved: "Adam", opt: "Adam", edit: removeTensor("optimizer.state.1.exp_avg"), want: "state 1 has step = 3 with exp_avg absent"},
		{name: "param_groups repeated key", edit: func(f *safetensors.File) {
			f.Metadata["optimizer.param_groups"] = strings.Replace(f.Metadata["optimizer.param_groups"], `"lr":`, `"lr":1,"lr":`, 1)
		}, want: `metadata "optimizer.param_groups": optim: UnmarshalParamGroups: SGD param_groups[0]: key "lr" appears twice`},
		{name: "param_groups negative lr", edit: func(f *safetensors.File) {
			f.Metadata["optimizer.param_groups"] = strings.Replace(f.Metadata["optimizer.param_groups"], `"lr":0.0`, `"lr":-0.0`, 1)
		}, want: "lr = -0.0"},
		{name: "scheduler key missing", edit: func(f *safetensors.File) {
			f.Metadata["scheduler.0"] = strings.Replace(f.Metadata["scheduler.0"], `"_last_lr"`, `"last_lr"`, 1)
		}, want: `metadata "scheduler.0": key "_last_lr" is missing`},
		{name: "scheduler key repeated", edit: func(f *safetensors.File) {
			f.Metadata["scheduler.0"] = strings.Replace(f.Metadata["scheduler.0"], `{`, `{"last_epoch":99,`, 1)
		}, want: `key "last_epoch" appears twice`},
		{name: "format", edit: setMeta("format", "vecgrad.train/v1"), want: `metadata "format" is "vecgrad.train/v1", want "vecgrad.state/v1"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			saved, opt, sched := cmp(c.saved, "SGD"), cmp(c.opt, "SGD"), cmp(c.sched, "StepLR")
			src := newSetup(t, 1, optimizers[saved], schedulers["StepLR"])
			src.steps(t, 0, 3)
			path := filepath.Join(t.TempDir(), "s.safetensors")
			if err := Save(path, src.model, src.opt, src.scheds...); err != nil {
				t.Fatal(err)
			}
			if c.edit != nil {
				editFile(t, path, c.edit)
			}
			mkSched := schedulers[sched]
			if c.hyperSched3 {
				mkSched = func(o optim.Optimizer) ([]optim.Scheduler, error) { return one(optim.NewStepLR(o, 3, 0.5)) }
			}
			dst := newSetup(t, 2, optimizers[opt], mkSched)
			dst.steps(t, 0, 1) // state of its own, which a refused Load must keep
			before := dst.snapshot()
			err := Load(path, dst.model, dst.opt, dst.scheds...)
			wantErr(t, err, "state: "+path+": ", c.want)
			if d := before.diff(dst.snapshot()); d != "" {
				t.Errorf("a refused Load changed the %s", d)
			}
		})
	}
}

func cmp(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// TestLoadBadFiles checks files that are not valid or not what Load reads:
// corrupted data (the checksums), a truncated file, a missing file, and a
// file larger than the objects can need.
func TestLoadBadFiles(t *testing.T) {
	src := newSetup(t, 1, optimizers["SGD"], schedulers["StepLR"])
	src.steps(t, 0, 2)
	dir := t.TempDir()
	path := filepath.Join(dir, "s.safetensors")
	if err := Save(path, src.model, src.opt, src.scheds...); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	flipped := slices.Clone(b)
	flipped[len(flipped)-3] ^= 0x40
	for _, c := range []struct{ name, data, want string }{
		{"flipped bit", string(flipped), "its data has CRC-32C"},
		{"truncated", string(b[:len(b)/2]), "truncated"},
		{"missing", "", "no such file"},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := filepath.Join(dir, strings.ReplaceAll(c.name, " ", "_"))
			if c.data != "" {
				if err := os.WriteFile(p, []byte(c.data), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			dst := newSetup(t, 2, optimizers["SGD"], schedulers["StepLR"])
			before := dst.snapshot()
			err := Load(p, dst.model, dst.opt, dst.scheds...)
			wantErr(t, err, "state: "+p+": ", c.want)
			if d := before.diff(dst.snapshot()); d != "" {
				t.Errorf("a refused Load changed the %s", d)
			}
		})
	}
	// A smaller model refuses the file by its size, before reading the data.
	small := nn.NewSequential(nn.NewLinear(2, 1, tensor.NewGenerator(1)))
	wantErr(t, Load(path, small, nil), "its tensors hold", "more than the 56 expected")
}
