package train

import (
	"encoding/json"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vecgrad/vecgrad/optim"
	"github.com/vecgrad/vecgrad/train/safetensors"
)

// The checkpoint's param_groups use torch's keys (issue 20); a checkpoint
// written before, with GroupState's Go field names ("LR", and "Betas" on
// SGD), still resumes, to the same bits, and is still checked.
func TestCheckpointGroupKeys(t *testing.T) {
	adam := tinyConfig()
	adam.Optimizer, adam.LR, adam.Momentum = "adam", 1e-3, 0
	for _, cfg := range []Config{tinyConfig(), adam} {
		t.Run(cfg.Optimizer, func(t *testing.T) {
			sets, dir, b := hostileSetup(t, cfg)
			f, err := safetensors.Decode(b)
			if err != nil {
				t.Fatal(err)
			}
			text := f.Metadata["optimizer.param_groups"]
			op := f.Metadata["optimizer"]
			groups, err := optim.UnmarshalParamGroups(op, []byte(text))
			if err != nil {
				t.Fatalf("param_groups %s are not torch's: %v", text, err)
			}
			if strings.Contains(text, `"LR"`) || cfg.Optimizer == "sgd" && strings.Contains(text, "betas") {
				t.Errorf("param_groups %s hold Go field names or another optimizer's keys", text)
			}
			legacyJSON, err := json.Marshal(groups) // GroupState's field names, as before issue 20
			if err != nil {
				t.Fatal(err)
			}
			legacy := edited(t, b, setMeta("optimizer.param_groups", string(legacyJSON)))
			if _, err := resumeFrom(t, dir, "new", sets, cfg, b); err != nil {
				t.Fatal(err)
			}
			if _, err := resumeFrom(t, dir, "legacy", sets, cfg, legacy); err != nil {
				t.Fatalf("a checkpoint with the old keys %s: %v", legacyJSON, err)
			}
			x, err1 := safetensors.ReadFile(filepath.Join(dir, "new", CheckpointFile))
			y, err2 := safetensors.ReadFile(filepath.Join(dir, "legacy", CheckpointFile))
			if err1 != nil || err2 != nil {
				t.Fatal(err1, err2)
			}
			for _, tx := range x.Tensors {
				ty, ok := y.Get(tx.Name)
				if !ok || !equalBits(tx.Data, ty.Data) {
					t.Errorf("tensor %q after resuming from the old keys differs", tx.Name)
				}
			}
			bad := strings.Replace(string(legacyJSON), `"LR":`, `"LR":0.5,"X":`, 1)
			_, err = resumeFrom(t, dir, "legacy-edited", sets, cfg, edited(t, b, setMeta("optimizer.param_groups", bad)))
			if err == nil || !strings.Contains(err.Error(), `unknown field "X"`) {
				t.Errorf("an edited old param_groups: error %v", err)
			}
			groups[0].LR = 0.5
			lr, _ := json.Marshal(groups)
			_, err = resumeFrom(t, dir, "legacy-lr", sets, cfg, edited(t, b, setMeta("optimizer.param_groups", string(lr))))
			if err == nil || !strings.Contains(err.Error(), `group 0 has "LR" 0.5, but its "config" gives`) {
				t.Errorf("an old param_groups with another lr: error %v", err)
			}
		})
	}
}

func equalBits(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return false
		}
	}
	return true
}
