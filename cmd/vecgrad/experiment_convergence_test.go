package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestConvergenceUsageErrors(t *testing.T) {
	dir := t.TempDir()
	writeTiny(t, dir)
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"--passes", "0", "--data", dir}, []string{"-passes 0"}},
		{[]string{"--subset", "0", "--data", dir}, []string{"-subset 0"}},
		{[]string{"--subset", "49", "--data", dir}, []string{"-subset 49", "48"}},
		{[]string{"--batch-size", "0", "--data", dir}, []string{"-batch-size 0"}},
		{[]string{"--methods", "gd,nope", "--data", dir}, []string{`"nope"`, "newton-cg"}},
		{[]string{"--dataset", "cifar"}, []string{`"cifar"`, "mnist"}},
		{[]string{"--data", filepath.Join(dir, "nope")}, []string{"no such directory"}},
		{[]string{"--nosuch"}, []string{"-nosuch", "-passes", "-methods"}},
	} {
		args := append([]string{"experiment", "convergence"}, tc.args...)
		status, stdout, stderr := runArgs(args...)
		if status != exitUsage {
			t.Errorf("%q: exit status %d, want %d (stderr %q)", args, status, exitUsage, stderr)
		}
		if stdout != "" {
			t.Errorf("%q: wrote to stdout: %q", args, stdout)
		}
		if strings.Count(stderr, "\n") != 1 || !strings.HasSuffix(stderr, "\n") {
			t.Errorf("%q: want a one-line error, got %q", args, stderr)
		}
		for _, w := range tc.want {
			if !strings.Contains(stderr, w) {
				t.Errorf("%q: error %q does not mention %q", args, stderr, w)
			}
		}
	}
}

func TestConvergenceCommand(t *testing.T) {
	dir := t.TempDir()
	writeTiny(t, dir)
	out := filepath.Join(t.TempDir(), "conv")
	status, stdout, stderr := runArgs("experiment", "convergence", "--data", dir, "--passes", "2", "--subset", "40",
		"--batch-size", "8", "--methods", "gd,adam,lbfgs", "--out", out)
	if status != exitOK {
		t.Fatalf("exit status %d, stderr %q", status, stderr)
	}
	for _, name := range []string{"loss-vs-passes.png", "loss-vs-seconds.png", "gd.csv", "adam.csv", "lbfgs.csv"} {
		if _, err := os.Stat(filepath.Join(out, name)); err != nil {
			t.Error(err)
		}
	}
	if !strings.Contains(stdout, "lbfgs") {
		t.Errorf("stdout %q lacks the summary", stdout)
	}
}
