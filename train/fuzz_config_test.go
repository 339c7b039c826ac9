package train

import (
	"encoding/json"
	"math"
	"testing"
)

// FuzzCheckpointConfig feeds arbitrary "config" metadata to the check that
// LoadModel, eval, predict and a resume make first. It must never panic,
// and a config it accepts must describe a model within MaxParameters whose
// input description fits its input count, checked here independently.
func FuzzCheckpointConfig(f *testing.F) {
	seed := func(c Config) {
		b, _ := json.Marshal(c)
		f.Add(string(b))
	}
	seed(DefaultConfig())
	c := DefaultConfig()
	c.Dataset, c.DataFormat, c.LabelColumn, c.Inputs, c.Classes, c.Hidden, c.Activation, c.Dropout = CustomDataset, "csv", "y", 2, 3, "8,4", "gelu", 0.1
	c.Input = &InputSpec{Columns: []string{"a", "b"}, Mean: []float32{0, 1}, Std: []float32{1, 2}}
	c.ValSplit, c.EarlyStopping = 0.1, 3
	seed(c)
	f.Add(`{"dataset":"custom","optimizer":"sgd","lr":0.1,"batch_size":1,"epochs":1,"seed":0,"data_format":"npy","inputs":4,"input":{"shape":[2,2],"mean":[0,0,0],"std":[1,1,1,0]}}`)
	f.Add(`{"dataset":"mnist","optimizer":"sgd","lr":0.1,"batch_size":1,"epochs":1,"seed":0,"hidden":"65536,65536,65536,65536"}`)
	f.Fuzz(func(t *testing.T, config string) {
		cfg, err := checkpointConfig("ckpt", map[string]string{"format": checkpointFormat, "config": config})
		if err != nil {
			return
		}
		w := cfg.Widths()
		var n float64
		for i := 0; i+1 < len(w); i++ {
			if w[i] < 1 {
				t.Fatalf("accepted width %d in %v", w[i], w)
			}
			n += float64(w[i])*float64(w[i+1]) + float64(w[i+1])
		}
		if n > MaxParameters || w[len(w)-1] < 2 {
			t.Fatalf("accepted a model %v of %v parameters", w, n)
		}
		if s := cfg.Input; s != nil {
			if len(s.Mean) != w[0] || len(s.Std) != w[0] {
				t.Fatalf("accepted %d means, %d deviations for %d inputs", len(s.Mean), len(s.Std), w[0])
			}
			for j := range s.Std {
				if !(s.Std[j] > 0) || math.IsInf(float64(s.Std[j]), 0) || math.IsNaN(float64(s.Mean[j])) {
					t.Fatalf("accepted mean %v, deviation %v", s.Mean[j], s.Std[j])
				}
			}
		}
		if n < 1e5 {
			if got := len(newModel(cfg).Parameters()); got != 2*(len(w)-1) {
				t.Fatalf("model of %v has %d parameter tensors", w, got)
			}
		}
	})
}
