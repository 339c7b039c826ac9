package experiment

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/vecgrad/vecgrad/train/data"
)

// convTiny is a separable 10-class problem of n examples: class k lights a
// block of pixels of its own (with a little per-example variation, so the
// examples are not all alike).
func convTiny(n int) *data.Dataset {
	ds := &data.Dataset{Images: make([]float32, n*data.Features), Labels: make([]int, n), Rows: data.Rows, Cols: data.Cols}
	for i := range n {
		k := i % data.NumClasses
		ds.Labels[i] = k
		for p := k * 70; p < k*70+60; p++ {
			ds.Images[i*data.Features+p] = 0.5 + 0.5*float32((i*7+p)%5)/4
		}
	}
	return ds
}

func TestConvergenceDecreases(t *testing.T) {
	ds := convTiny(200)
	curves, err := Convergence(context.Background(), ds, ConvergenceOptions{Passes: 5, BatchSize: 16, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	if len(curves) != len(ConvergenceMethods) {
		t.Fatalf("%d curves, want %d", len(curves), len(ConvergenceMethods))
	}
	for i, c := range curves {
		if c.Method != ConvergenceMethods[i] {
			t.Errorf("curve %d is %q, want %q", i, c.Method, ConvergenceMethods[i])
		}
		n := len(c.Loss)
		if n < 2 || len(c.Passes) != n || len(c.Seconds) != n {
			t.Fatalf("%s: %d losses, %d passes, %d seconds", c.Method, n, len(c.Passes), len(c.Seconds))
		}
		if c.Passes[0] != 0 || c.Seconds[0] != 0 {
			t.Errorf("%s: starts at passes %v, seconds %v, want 0, 0", c.Method, c.Passes[0], c.Seconds[0])
		}
		for j := 1; j < n; j++ {
			if c.Passes[j] < c.Passes[j-1] || c.Seconds[j] < c.Seconds[j-1] {
				t.Errorf("%s: x decreases at point %d", c.Method, j)
			}
		}
		if c.Passes[n-1] < 5 && c.Method != "lbfgs" && c.Method != "newton-cg" {
			t.Errorf("%s: stopped at %v passes, before the budget 5", c.Method, c.Passes[n-1])
		}
		// Everyone starts at log(10) from zero weights and must at least
		// halve it on a separable problem in 5 passes.
		if c.Loss[n-1] > c.Loss[0]/2 {
			t.Errorf("%s: loss %v -> %v, want at most half", c.Method, c.Loss[0], c.Loss[n-1])
		}
		t.Logf("%s: %d points, loss %.4g -> %.4g after %.3g passes", c.Method, n, c.Loss[0], c.Loss[n-1], c.Passes[n-1])
	}

	dir := t.TempDir()
	files, err := WriteConvergence(dir, curves)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != len(curves)+2 {
		t.Errorf("wrote %v", files)
	}
	for _, name := range []string{"loss-vs-passes.png", "loss-vs-seconds.png", "gd.csv", "newton-cg.csv"} {
		if st, err := os.Stat(filepath.Join(dir, name)); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// TestConvergencePasses checks the pass accounting: full-batch GD makes one
// pass per iteration, and a mini-batch method passes/batch-fraction.
func TestConvergencePasses(t *testing.T) {
	ds := convTiny(100)
	curves, err := Convergence(context.Background(), ds, ConvergenceOptions{Passes: 4, BatchSize: 25, Methods: []string{"gd", "sgd"}})
	if err != nil {
		t.Fatal(err)
	}
	gd, sgd := curves[0], curves[1]
	if len(gd.Passes) != 5 {
		t.Fatalf("gd: %d points, want 5 (start + 4 iterations): %v", len(gd.Passes), gd.Passes)
	}
	for i, p := range gd.Passes {
		if p != float64(i) {
			t.Errorf("gd: point %d at %v passes, want %d", i, p, i)
		}
	}
	// 4 batches of 25 per pass, recorded after every batch (fewer than 20 per
	// pass): 16 steps of a quarter pass each.
	if len(sgd.Passes) != 17 || sgd.Passes[16] != 4 || sgd.Passes[1] != 0.25 {
		t.Errorf("sgd passes %v, want 0, 0.25, ..., 4", sgd.Passes)
	}
}

func TestConvergenceErrors(t *testing.T) {
	ds := convTiny(20)
	for _, opt := range []ConvergenceOptions{
		{Passes: -1},
		{Subset: 21},
		{BatchSize: -2},
		{Methods: []string{"rmsprop"}},
	} {
		if _, err := Convergence(context.Background(), ds, opt); err == nil {
			t.Errorf("%+v: no error", opt)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Convergence(ctx, ds, ConvergenceOptions{Methods: []string{"gd"}}); err == nil {
		t.Error("cancelled context: no error")
	}
	if _, err := ParseConvergenceMethods("gd,nope"); err == nil {
		t.Error(`ParseConvergenceMethods("gd,nope"): no error`)
	}
	if m, err := ParseConvergenceMethods("adam, gd,adam"); err != nil || len(m) != 2 {
		t.Errorf(`ParseConvergenceMethods("adam, gd,adam") = %v, %v`, m, err)
	}
}
