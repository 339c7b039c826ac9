package train

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/vecgrad/vecgrad/internal/fixture"
	"github.com/vecgrad/vecgrad/train/safetensors"
)

// TestModelFileTutorialNames checks model.safetensors against the
// state_dict of the PyTorch tutorial's NeuralNetwork class
// (testdata/tutorial_state_dict.json, written by
// tools/statedictfixtures/gen.py): exactly its names, no more and no fewer
// (what load_state_dict with strict=True needs), with its shapes and
// dtypes, holding the checkpoint's weights.
func TestModelFileTutorialNames(t *testing.T) {
	var want struct {
		Model []struct {
			Name  string `json:"name"`
			Shape []int  `json:"shape"`
			DType string `json:"dtype"`
		} `json:"model"`
	}
	if err := fixture.Load(filepath.Join("testdata", "tutorial_state_dict.json"), &want); err != nil {
		t.Fatal(err)
	}
	if len(want.Model) != 6 {
		t.Fatalf("the fixture has %d tensors, want the tutorial's 6", len(want.Model))
	}
	dir := t.TempDir()
	sets := synthetic(t, dir, 32, 16)
	out := filepath.Join(dir, "out")
	cfg := tinyConfig()
	cfg.Epochs = 1
	res, err := Run(context.Background(), cfg, sets, Options{OutDir: out})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(out, ModelFile)
	if !slices.Contains(res.Files, path) {
		t.Errorf("Result.Files %v does not list %s", res.Files, path)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// The dtypes as the header states them (safetensors.File holds float32
	// whatever the file's dtype).
	var hdr map[string]json.RawMessage
	if err := json.Unmarshal(b[8:8+binary.LittleEndian.Uint64(b)], &hdr); err != nil {
		t.Fatal(err)
	}
	delete(hdr, "__metadata__")
	f, err := safetensors.Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	ckpt, err := safetensors.ReadFile(filepath.Join(out, CheckpointFile))
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Tensors) != len(want.Model) || len(hdr) != len(want.Model) {
		t.Fatalf("%s holds %d tensors, the tutorial's state_dict %d", ModelFile, len(f.Tensors), len(want.Model))
	}
	for i, w := range want.Model {
		got, ok := f.Get(w.Name)
		if !ok {
			t.Errorf("tensor %q is missing", w.Name)
			continue
		}
		var e struct {
			DType string `json:"dtype"`
		}
		if err := json.Unmarshal(hdr[w.Name], &e); err != nil || e.DType != w.DType {
			t.Errorf("tensor %q: dtype %q, torch's %q (%v)", w.Name, e.DType, w.DType, err)
		}
		if !slices.Equal(got.Shape, w.Shape) {
			t.Errorf("tensor %q: shape %v, torch's %v", w.Name, got.Shape, w.Shape)
		}
		// The same weights as the checkpoint's Sequential names them.
		p := res.Model.Parameters()[i]
		c, _ := ckpt.Get(p.Name)
		if "linear_relu_stack."+p.Name != w.Name || c == nil || !equalBits(got.Data, c.Data) {
			t.Errorf("tensor %q does not hold the checkpoint's %q", w.Name, p.Name)
		}
	}
}
