package train

import (
	"context"
	"encoding/json"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vecgrad/vecgrad/train/safetensors"
)

// TestLoadModel: LoadModel gives the trained parameters and settings, and
// refuses a checkpoint whose tensors do not fit its settings' model, or
// whose values are not finite, naming the file and the tensor.
func TestLoadModel(t *testing.T) {
	dir := t.TempDir()
	sets := synthetic(t, dir, 32, 16)
	cfg := tinyConfig()
	cfg.Epochs, cfg.Hidden = 1, "16"
	out := filepath.Join(dir, "out")
	res, err := Run(context.Background(), cfg, sets, Options{OutDir: out})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(out, CheckpointFile)
	m, got, err := LoadModel(path)
	if err != nil {
		t.Fatal(err)
	}
	if got.Hidden != "16" {
		t.Errorf("config %+v", got)
	}
	sameBits(t, "loaded vs trained", paramBits(res), paramBits(&Result{Model: m}))
	ev, err := Evaluate(m, sets.Test, cfg.BatchSize, 10)
	if err != nil {
		t.Fatal(err)
	}
	if ev.Accuracy != res.Epochs[0].Accuracy || ev.AvgLoss != res.Epochs[0].AvgLoss || ev.Examples != 16 {
		t.Errorf("Evaluate %+v, the run's test result %+v", ev, res.Epochs[0])
	}
	f, err := safetensors.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	bad := func(name string, edit func(*safetensors.File)) string {
		g := &safetensors.File{Metadata: map[string]string{}, Tensors: append([]safetensors.Tensor(nil), f.Tensors...)}
		for k, v := range f.Metadata {
			g.Metadata[k] = v
		}
		edit(g)
		g.SetChecksums()
		p := filepath.Join(dir, name)
		if err := safetensors.WriteFile(p, g); err != nil {
			t.Fatal(err)
		}
		return p
	}
	other := cfg
	other.Hidden = "8"
	b, _ := json.Marshal(other)
	for _, tc := range []struct {
		path string
		want string
	}{
		{bad("shape.safetensors", func(g *safetensors.File) { g.Metadata["config"] = string(b) }), `tensor "0.weight" has shape [16 784], the model 784-8-10 relu wants [8 784]`},
		{bad("missing.safetensors", func(g *safetensors.File) { g.Tensors = g.Tensors[1:] }), `tensor "0.weight" of the model 784-16-10 relu is missing`},
		{bad("nan.safetensors", func(g *safetensors.File) {
			d := append([]float32(nil), g.Tensors[1].Data...)
			d[3] = float32(math.NaN())
			g.Tensors[1].Data = d
		}), `tensor "0.bias" element 3 is NaN`},
	} {
		if _, _, err := LoadModel(tc.path); err == nil || !strings.Contains(err.Error(), tc.path) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.path, err, tc.want)
		}
	}
}
