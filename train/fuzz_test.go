package train

import (
	"bytes"
	"encoding/json"
	"math"
	"slices"
	"testing"

	"github.com/vecgrad/vecgrad/optim"
	"github.com/vecgrad/vecgrad/train/nn"
)

// FuzzCheckpointMetadata feeds arbitrary progress counters, loss logs, test
// results and param_groups to the checks loadCheckpoint makes before
// training. They must never panic, and what they accept must hold the
// invariants a resume relies on, checked here independently: counters
// that are whole epochs of this data set, a loss log that increases within
// the samples seen and is finite, numbered test results with accuracies in
// [0, 1], and param_groups that are what saveCheckpoint writes for the
// config's optimizer (or wrote before issue 20).
func FuzzCheckpointMetadata(f *testing.F) {
	cfg := tinyConfig()
	cfg.Epochs = 3
	const trainLen = 48 // 3 batches of 16
	params := NewMLP(1).Parameters()
	for _, opt := range []string{"sgd", "adam"} {
		c := cfg
		c.Optimizer = opt
		o, err := newOptimizer(c, nn.Tensors(params))
		if err != nil {
			f.Fatal(err)
		}
		groups, _ := optim.MarshalParamGroups(o.StateDict())
		legacy, _ := json.Marshal(o.StateDict().ParamGroups) // before issue 20
		for _, g := range [][]byte{groups, legacy} {
			f.Add(opt, "2", "6", "96", `{"samples":[16,48,80],"loss":[2.3,2.1,1.9]}`,
				`[{"epoch":1,"accuracy":0.5,"avg_loss":1.2},{"epoch":2,"accuracy":0.75,"avg_loss":0.9}]`, string(g))
		}
	}
	f.Add("sgd", "1", "3", "48", `{"samples":[48,16],"loss":[1,1]}`, `[{"epoch":1,"accuracy":1.5,"avg_loss":-1}]`, `[{"LR":0.5,"Betas":[0.9]}]`)
	f.Add("adam", "-1", "x", "1e3", `{"samples":[1],"loss":[NaN]}`, `null`, `[{"AMSGrad":true}]`)
	f.Add("sgd", "1", "3", "48", `{"samples":[48],"loss":[1]}`, `[]`, `[{"params":[0,1,2,3,4,5],"lr":0.5,"lr":0.001}]`)
	f.Fuzz(func(t *testing.T, opt, epoch, step, samples, lossLog, results, groups string) {
		c := cfg
		c.Optimizer = opt
		if c.Validate() != nil {
			return
		}
		md := map[string]string{"epoch": epoch, "step": step, "samples": samples, "loss_log": lossLog,
			"test_results": results, "optimizer.param_groups": groups, "optimizer": c.optimizerName()}
		res := &Result{}
		if err := loadProgress("ckpt", md, c, trainLen, res); err == nil {
			epochs := int64(len(res.Epochs))
			if epochs > int64(c.Epochs) || res.Samples != epochs*trainLen || res.Steps != epochs*3 {
				t.Fatalf("accepted %d epochs, %d samples, %d steps", epochs, res.Samples, res.Steps)
			}
			if len(res.Log.Samples) != len(res.Log.Loss) || !slices.IsSorted(res.Log.Samples) {
				t.Fatalf("accepted loss log %v", res.Log)
			}
			for i, s := range res.Log.Samples {
				if s <= 0 || s > res.Samples || i > 0 && s == res.Log.Samples[i-1] || math.IsNaN(float64(res.Log.Loss[i])) || math.IsInf(float64(res.Log.Loss[i]), 0) {
					t.Fatalf("accepted loss log point %d: %d, %v", i, s, res.Log.Loss[i])
				}
			}
			for i, e := range res.Epochs {
				if e.Epoch != i+1 || e.Accuracy < 0 || e.Accuracy > 1 || !(e.AvgLoss >= 0) || math.IsInf(e.AvgLoss, 0) {
					t.Fatalf("accepted test result %d: %+v", i, e)
				}
			}
		}
		o, err := newOptimizer(c, nn.Tensors(params))
		if err != nil {
			t.Fatal(err)
		}
		sd := o.StateDict()
		if err := checkParamGroups("ckpt", md, c, sd); err == nil {
			var compact bytes.Buffer
			want, _ := optim.MarshalParamGroups(sd)
			legacy, _ := json.Marshal(sd.ParamGroups)
			if json.Compact(&compact, []byte(groups)) != nil || compact.String() != string(want) && compact.String() != string(legacy) {
				t.Fatalf("accepted param_groups %s, want %s (or, written before issue 20, %s)", groups, want, legacy)
			}
		}
	})
}
