package state

import (
	"encoding/json"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/vecgrad/vecgrad/internal/fixture"
	"github.com/vecgrad/vecgrad/optim"
	"github.com/vecgrad/vecgrad/train/safetensors"
)

// torchStateDicts is testdata/torch_state_dicts.json, written by
// tools/statedictfixtures/gen.py from PyTorch 1.13's state_dict()s of the
// model, optimizers and schedulers these tests build.
type torchStateDicts struct {
	Model []struct {
		Name  string `json:"name"`
		Shape []int  `json:"shape"`
		DType string `json:"dtype"`
	} `json:"model"`
	Optimizers map[string]struct {
		State       map[string]map[string][]int `json:"state"`
		ParamGroups [][]string                  `json:"param_groups"`
	} `json:"optimizers"`
	Schedulers map[string][]string `json:"schedulers"`
}

// TestTorchNames checks the names Save writes against PyTorch's: the
// model's state_dict names and shapes, each optimizer's state keys (per
// parameter, with shapes) and param_groups keys, each scheduler's
// state_dict keys.
func TestTorchNames(t *testing.T) {
	var want torchStateDicts
	if err := fixture.Load(filepath.Join("testdata", "torch_state_dicts.json"), &want); err != nil {
		t.Fatal(err)
	}
	for _, oname := range []string{"SGD", "Adam", "AdamW"} {
		t.Run(oname, func(t *testing.T) {
			s := newSetup(t, 1, optimizers[oname], schedulers["none"])
			s.steps(t, 0, 1)
			var scheds []optim.Scheduler
			for _, mk := range []func() (optim.Scheduler, error){
				func() (optim.Scheduler, error) { return optim.NewStepLR(s.opt, 2, 0.5) },
				func() (optim.Scheduler, error) { return optim.NewExponentialLR(s.opt, 0.9) },
				func() (optim.Scheduler, error) { return optim.NewCosineAnnealingLR(s.opt, 4, 1e-4) },
				func() (optim.Scheduler, error) { return optim.NewLinearLR(s.opt, 0.25, 1, 5) },
			} {
				sc, err := mk()
				if err != nil {
					t.Fatal(err)
				}
				scheds = append(scheds, sc)
			}
			path := filepath.Join(t.TempDir(), "s.safetensors")
			if err := Save(path, s.model, s.opt, scheds...); err != nil {
				t.Fatal(err)
			}
			f, err := safetensors.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			// Save writes F32 only; torch's dtypes are F32 but for
			// num_batches_tracked (int64), which load_state_dict converts.
			wantTensors := map[string]string{}
			for _, m := range want.Model {
				if m.DType != "F32" && !strings.HasSuffix(m.Name, ".num_batches_tracked") {
					t.Errorf("fixture tensor %s is %s", m.Name, m.DType)
				}
				wantTensors[m.Name] = fmt.Sprint(m.Shape)
			}
			wo := want.Optimizers[oname]
			for i, st := range wo.State {
				for k, shape := range st {
					wantTensors["optimizer.state."+i+"."+k] = fmt.Sprint(shape)
				}
			}
			got := map[string]string{}
			for _, tn := range f.Tensors {
				got[tn.Name] = fmt.Sprint(tn.Shape)
			}
			if !maps.Equal(got, wantTensors) {
				t.Errorf("tensors (name: shape)\n%v\ntorch's\n%v", got, wantTensors)
			}

			var groups []map[string]json.RawMessage
			if err := json.Unmarshal([]byte(f.Metadata["optimizer.param_groups"]), &groups); err != nil || len(groups) != len(wo.ParamGroups) {
				t.Fatalf("param_groups %s: %v, want %d groups", f.Metadata["optimizer.param_groups"], err, len(wo.ParamGroups))
			}
			for g, keys := range wo.ParamGroups {
				if gotKeys := slices.Sorted(maps.Keys(groups[g])); !slices.Equal(gotKeys, slices.Sorted(slices.Values(keys))) {
					t.Errorf("param_groups[%d] keys %v, torch's %v", g, gotKeys, keys)
				}
			}
			// torch orders a group built from the defaults alone (Adam's
			// first, SGD's second: lr is required) as ParamGroupKeys does.
			canonical := map[string]int{"SGD": 1, "Adam": 0, "AdamW": 0}[oname]
			if keys := wo.ParamGroups[canonical]; !slices.Equal(optim.ParamGroupKeys(oname), keys) {
				t.Errorf("ParamGroupKeys(%s) = %v, torch's order %v", oname, optim.ParamGroupKeys(oname), keys)
			}

			for k, sc := range scheds {
				name := sc.StateDict().Name
				fields, err := strictObject([]byte(f.Metadata[fmt.Sprintf("scheduler.%d", k)]))
				if err != nil {
					t.Fatal(err)
				}
				wantKeys := slices.DeleteFunc(slices.Clone(want.Schedulers[name]), func(k string) bool {
					return k == "verbose" || k == "_get_lr_called_within_step" // torch's, changing no number: not written
				})
				if gotKeys := slices.Sorted(maps.Keys(fields)); !slices.Equal(gotKeys, slices.Sorted(slices.Values(wantKeys))) {
					t.Errorf("%s keys %v, torch's %v", name, gotKeys, wantKeys)
				}
				if got := jsonKeys(t, f.Metadata[fmt.Sprintf("scheduler.%d", k)]); !slices.Equal(got, wantKeys) {
					t.Errorf("%s keys in the order %v, torch's %v", name, got, wantKeys)
				}
				if f.Metadata[fmt.Sprintf("scheduler.%d.class", k)] != name {
					t.Errorf("scheduler %d class %q, want %q", k, f.Metadata[fmt.Sprintf("scheduler.%d.class", k)], name)
				}
			}
		})
	}
}

// jsonKeys returns the keys of the JSON object text in their order.
func jsonKeys(t *testing.T, text string) []string {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(text))
	var keys []string
	if _, err := dec.Token(); err != nil {
		t.Fatal(err)
	}
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, k.(string))
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			t.Fatal(err)
		}
	}
	return keys
}
