package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestNoiseUsageErrors(t *testing.T) {
	dir := t.TempDir()
	writeTiny(t, dir)
	for _, tc := range []struct {
		args []string
		want []string // substrings of the one-line error
	}{
		{[]string{"-nosuch"}, []string{"-nosuch", "-batches", "-epochs-before"}},
		{[]string{"extra"}, []string{`"extra"`}},
		{[]string{"-batches", "0"}, []string{"-batches 0"}},
		{[]string{"-subset", "-1"}, []string{"-subset -1"}},
		{[]string{"-sigma-samples", "0"}, []string{"-sigma-samples 0"}},
		{[]string{"-epochs-before", "-1"}, []string{"-epochs-before -1"}},
		{[]string{"-batch-sizes", "1,x"}, []string{`"x"`}},
		{[]string{"-batch-sizes", "0"}, []string{`"0"`}},
		{[]string{"-dataset", "cifar"}, []string{`"cifar"`, "mnist"}},
		{[]string{"-data", filepath.Join(dir, "nosuch")}, []string{"no such directory"}},
		{[]string{"-data", dir, "-batch-sizes", "1,64"}, []string{"64", "48 examples"}},
	} {
		status, _, stderr := runArgs(append([]string{"experiment", "gradient-noise"}, tc.args...)...)
		if status != exitUsage {
			t.Errorf("%v: exit status %d, want %d (stderr %q)", tc.args, status, exitUsage, stderr)
		}
		if strings.Count(stderr, "\n") != 1 {
			t.Errorf("%v: stderr %q is not one line", tc.args, stderr)
		}
		for _, w := range tc.want {
			if !strings.Contains(stderr, w) {
				t.Errorf("%v: stderr %q lacks %q", tc.args, stderr, w)
			}
		}
	}
}

func TestNoiseCommand(t *testing.T) {
	dir := t.TempDir()
	writeTiny(t, dir)
	out := filepath.Join(t.TempDir(), "gn")
	status, stdout, stderr := runArgs("experiment", "gradient-noise", "--data", dir, "--batches", "3",
		"--batch-sizes", "1,4,48", "--sigma-samples", "8", "--out", out)
	if status != exitOK {
		t.Fatalf("exit status %d, stderr %q", status, stderr)
	}
	for _, name := range []string{noisePNG, noiseCSV} {
		if _, err := os.Stat(filepath.Join(out, name)); err != nil {
			t.Error(err)
		}
	}
	b, err := os.ReadFile(filepath.Join(out, noiseCSV))
	if err != nil {
		t.Fatal(err)
	}
	// Header, then 3 batch sizes for each of the two weight sets.
	if n := strings.Count(string(b), "\n"); n != 7 || !strings.Contains(string(b), "after 1 epoch,48,") {
		t.Errorf("CSV:\n%s", b)
	}
	if !strings.Contains(stdout, "initial: N = 48") || !strings.Contains(stdout, "after 1 epoch: N = 48") {
		t.Errorf("stdout %q lacks the tables", stdout)
	}
}
