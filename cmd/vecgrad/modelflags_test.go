package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vecgrad/vecgrad/train/safetensors"
)

// TestTrainHidden trains a custom MLP from the command line: the
// checkpoint holds its layers, a resume adopts them, and a resume with
// other layers is refused with the checkpoint left as it was.
func TestTrainHidden(t *testing.T) {
	dir := t.TempDir()
	writeTiny(t, dir)
	out := filepath.Join(dir, "out")
	status, _, stderr := runArgs("train", "--data", dir, "--epochs", "1", "--out", out, "--hidden", "24,12", "--activation", "tanh", "--dropout", "0.1", "--threads", "1")
	if status != exitOK {
		t.Fatalf("exit status %d: %s", status, stderr)
	}
	ck := filepath.Join(out, "checkpoint.safetensors")
	f, err := safetensors.ReadFile(ck)
	if err != nil {
		t.Fatal(err)
	}
	for name, shape := range map[string]string{"0.weight": "[24 784]", "3.weight": "[12 24]", "6.weight": "[10 12]", "6.bias": "[10]"} {
		if tt, ok := f.Get(name); !ok || fmt.Sprint(tt.Shape) != shape {
			t.Errorf("checkpoint tensor %s (present: %v): want shape %s", name, ok, shape)
		}
	}
	status, stdout, stderr := runArgs("train", "--data", dir, "--epochs", "2", "--out", out, "--resume", "--threads", "1")
	if status != exitOK || !strings.Contains(stdout, "-hidden 24,12 -activation tanh -dropout 0.1") {
		t.Errorf("resume: status %d, stderr %q, stdout:\n%s", status, stderr, stdout)
	}
	for _, tc := range []struct{ args, want string }{
		{"--hidden 24,x", `-hidden "24,x": want comma-separated widths from 1 to 65536`},
		{"--hidden 0", "from 1 to 65536"},
		{"--activation sigmoid", `-activation "sigmoid" is unknown (accepted: relu, tanh, gelu)`},
		{"--dropout 1", "-dropout 1: want a probability in [0, 1)"},
	} {
		status, stdout, stderr := runArgs(append([]string{"train", "--data", dir, "--out", filepath.Join(dir, "bad")}, strings.Fields(tc.args)...)...)
		if status != exitUsage || stdout != "" || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, tc.want) {
			t.Errorf("%s: status %d, stderr %q, want %q", tc.args, status, stderr, tc.want)
		}
	}
	status, _, stderr = runArgs("train", "--data", dir, "--epochs", "3", "--out", out, "--resume", "--hidden", "24")
	if status != exitFail || !strings.Contains(stderr, "layers 784-24-12-10 (this run: 784-24-10)") || strings.Count(stderr, "\n") != 1 {
		t.Errorf("resume with other layers: status %d, stderr %q", status, stderr)
	}
}
