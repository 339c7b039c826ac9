package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestTrainValidation: -val-split logs the validation results every epoch
// and in the summary; -early-stopping keeps the best checkpoint.
func TestTrainValidation(t *testing.T) {
	dir := t.TempDir()
	writeCSVSet(t, dir, 60)
	out := filepath.Join(dir, "out")
	sum := filepath.Join(dir, "s.json")
	status, stdout, stderr := runArgs("train", "--data-format", "csv", "--data", dir, "--label-column", "species", "--epochs", "3", "--lr", "0.05",
		"--batch-size", "8", "--hidden", "16", "--val-split", "0.25", "--early-stopping", "5", "--out", out, "--summary-json", sum)
	if status != exitOK || stderr != "" {
		t.Fatalf("exit status %d, stderr %q", status, stderr)
	}
	if strings.Count(stdout, "Validation: \n Accuracy: ") != 3 || !strings.Contains(stdout, "Best validation loss at epoch") {
		t.Errorf("output:\n%s", stdout)
	}
	b, err := os.ReadFile(sum)
	if err != nil {
		t.Fatal(err)
	}
	var s struct {
		ValAccuracy float64 `json:"val_accuracy"`
		ValLoss     float64 `json:"val_loss"`
		BestEpoch   int     `json:"best_epoch"`
		Results     []struct {
			ValLoss float64 `json:"val_loss"`
		} `json:"test_results"`
		Config struct {
			ValSplit      float64 `json:"val_split"`
			EarlyStopping int     `json:"early_stopping"`
		} `json:"config"`
	}
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	if s.ValAccuracy <= 0 || s.ValLoss <= 0 || s.BestEpoch < 1 || len(s.Results) != 3 || s.Results[0].ValLoss <= 0 ||
		s.Config.ValSplit != 0.25 || s.Config.EarlyStopping != 5 {
		t.Errorf("summary %s", b)
	}
	if _, err := os.Stat(filepath.Join(out, "best.safetensors")); err != nil {
		t.Error(err)
	}
	for _, tc := range []struct{ args, want string }{
		{"--val-split 1", "-val-split 1: want a fraction of the training set in [0, 1)"},
		{"--val-split -0.1", "-val-split -0.1"},
		{"--val-split x", `-val-split "x": want a number`},
		{"--early-stopping 3", "-early-stopping 3 watches the validation loss: give -val-split too"},
		{"--early-stopping -1 --val-split 0.1", "-early-stopping -1: want 0 (never) to"},
	} {
		bad := filepath.Join(dir, "bad")
		status, stdout, stderr := runArgs(append([]string{"train", "--data-format", "csv", "--data", dir, "--label-column", "species", "--out", bad}, strings.Fields(tc.args)...)...)
		if status != exitUsage || stdout != "" || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, tc.want) {
			t.Errorf("%s: status %d, stderr %q, want %q", tc.args, status, stderr, tc.want)
		}
		if _, err := os.Stat(bad); err == nil {
			t.Errorf("%s: created the output directory", tc.args)
		}
	}
}
