package train

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestExperiments(t *testing.T) {
	exps := Experiments(DefaultConfig())
	if len(exps) != 5 {
		t.Fatalf("%d experiments", len(exps))
	}
	got := map[string]string{}
	for _, e := range exps {
		got[e.Name] = strings.Join(e.Labels, " ")
		for _, r := range e.Runs {
			if err := r.Validate(); err != nil {
				t.Errorf("%s: %v", e.Name, err)
			}
		}
	}
	want := map[string]string{
		"sgd-batch":    "bs-16 bs-64 bs-256",
		"sgd-lr":       "lr-10 lr-0.1 lr-0.001",
		"sgd-momentum": "mt-0 mt-0.5 mt-0.9",
		"adam-batch":   "bs-16 bs-64 bs-256",
		"adam-lr":      "lr-0.01 lr-0.001 lr-1e-05",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %q, want %q", k, got[k], v)
		}
	}
	if _, err := ParseExperiments("sgd-lr,nope"); err == nil || !strings.Contains(err.Error(), `"nope"`) {
		t.Errorf("ParseExperiments: %v", err)
	}
	if n, _ := ParseExperiments("adam-lr,sgd-batch"); strings.Join(n, ",") != "sgd-batch,adam-lr" {
		t.Errorf("ParseExperiments order: %v", n)
	}
}

// TestSweepSmall runs the momentum comparison for one epoch on tiny data.
func TestSweepSmall(t *testing.T) {
	dir := t.TempDir()
	sets := synthetic(t, dir, 32, 16)
	base := DefaultConfig()
	base.Epochs = 1
	out := filepath.Join(dir, "sweep")
	runs, err := Sweep(context.Background(), base, sets, SweepOptions{OutDir: out, Experiments: []string{"sgd-lr"}, LogEvery: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 3 {
		t.Fatalf("%d runs", len(runs))
	}
	checkPNG(t, filepath.Join(out, "sgd-lr.png"))
	for _, l := range []string{"lr-10", "lr-0.1", "lr-0.001"} {
		if _, err := os.Stat(filepath.Join(out, "sgd-lr-"+l+".csv")); err != nil {
			t.Error(err)
		}
	}
}
