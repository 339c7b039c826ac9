package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestResumeFinished resumes a run that has done all its epochs: it says
// so, exits 0, trains nothing and rewrites nothing.
func TestResumeFinished(t *testing.T) {
	dir := t.TempDir()
	writeTiny(t, dir)
	out := filepath.Join(dir, "out")
	if status, _, stderr := runArgs("train", "--data", dir, "--epochs", "1", "--out", out, "--threads", "1"); status != exitOK {
		t.Fatalf("training: status %d, stderr %q", status, stderr)
	}
	ck := filepath.Join(out, "checkpoint.safetensors")
	before, err := os.ReadFile(ck)
	if err != nil {
		t.Fatal(err)
	}
	sum := filepath.Join(dir, "summary.json")
	status, stdout, stderr := runArgs("train", "--data", dir, "--out", out, "--resume", "--summary-json", sum)
	if status != exitOK || stderr != "" {
		t.Fatalf("resume: status %d, stderr %q", status, stderr)
	}
	if want := "The run in " + ck + " is finished: 1 of 1 epochs done (test accuracy "; !strings.Contains(stdout, want) {
		t.Errorf("output does not contain %q:\n%s", want, stdout)
	}
	for _, bad := range []string{"samples/s", "Done!", "Epoch "} {
		if strings.Contains(stdout, bad) {
			t.Errorf("output mentions %q:\n%s", bad, stdout)
		}
	}
	if after, err := os.ReadFile(ck); err != nil || !bytes.Equal(before, after) {
		t.Errorf("checkpoint changed (or unreadable: %v)", err)
	}
	if _, err := os.Stat(sum); !os.IsNotExist(err) {
		t.Errorf("summary of a finished run: %v, want none", err)
	}
}
