package main

import (
	"bytes"
	"strings"
	"testing"
)

// runArgs runs the command line and returns its exit status and outputs.
func runArgs(args ...string) (status int, stdout, stderr string) {
	var out, errb bytes.Buffer
	status = run(args, &out, &errb)
	return status, out.String(), errb.String()
}

func TestUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want []string // substrings of the one-line error
	}{
		{[]string{"nosuch"}, []string{`"nosuch"`, "cpu, bench"}},
		{[]string{"cpu", "-nosuch"}, []string{"-nosuch", "-levels", "-quick"}},
		{[]string{"cpu", "extra"}, []string{`"extra"`, "-levels"}},
		{[]string{"cpu", "-reps", "0"}, []string{"-reps 0"}},
		{[]string{"bench"}, []string{"kernels"}},
		{[]string{"bench", "nosuch"}, []string{`"nosuch"`, "kernels"}},
		{[]string{"bench", "kernels", "-reps", "x"}, []string{`"x"`, "-reps", "-kernels", "-sizes"}},
		{[]string{"bench", "kernels", "-kernels", "Exp,Nope"}, []string{`"Nope"`, "AxpyTo", "RowLogSumExp"}},
		{[]string{"bench", "kernels", "-levels", "sse2"}, []string{`"sse2"`, "generic"}},
		{[]string{"bench", "kernels", "-sizes", "L4"}, []string{`"L4"`, "L1, L2, L3, DRAM"}},
	} {
		status, stdout, stderr := runArgs(tc.args...)
		if status != exitUsage {
			t.Errorf("%q: exit status %d, want %d", tc.args, status, exitUsage)
		}
		if stdout != "" {
			t.Errorf("%q: wrote to stdout: %q", tc.args, stdout)
		}
		if strings.Count(stderr, "\n") != 1 || !strings.HasSuffix(stderr, "\n") {
			t.Errorf("%q: want a one-line error, got %q", tc.args, stderr)
		}
		for _, w := range tc.want {
			if !strings.Contains(stderr, w) {
				t.Errorf("%q: error %q does not mention %q", tc.args, stderr, w)
			}
		}
	}
}

func TestHelp(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"-h"}, []string{"cpu", "bench", "VECGRAD_ISA", "VECGRAD_THREADS"}},
		{[]string{"--help"}, []string{"cpu", "bench"}},
		{[]string{"cpu", "-h"}, []string{"-levels", "-quick", "-reps", "(default 20)", "VECGRAD_ISA"}},
		{[]string{"bench", "kernels", "--help"}, []string{"-kernels", "-levels", "-sizes", `(default "L1,L2,DRAM")`, "VECGRAD_THREADS"}},
	} {
		status, stdout, stderr := runArgs(tc.args...)
		if status != exitOK || stderr != "" {
			t.Errorf("%q: exit status %d, stderr %q", tc.args, status, stderr)
		}
		for _, w := range tc.want {
			if !strings.Contains(stdout, w) {
				t.Errorf("%q: usage does not mention %q:\n%s", tc.args, w, stdout)
			}
		}
	}
}

func TestNoArgs(t *testing.T) {
	if status, _, stderr := runArgs(); status != exitUsage || !strings.Contains(stderr, "Usage") {
		t.Errorf("no arguments: status %d, stderr %q", status, stderr)
	}
}

// TestCPULevels checks the output the Makefile's LEVELS variable reads.
func TestCPULevels(t *testing.T) {
	status, stdout, stderr := runArgs("cpu", "-levels")
	if status != exitOK || stderr != "" {
		t.Fatalf("exit status %d, stderr %q", status, stderr)
	}
	if !strings.HasSuffix(stdout, "generic\n") || strings.Count(stdout, "\n") != 1 {
		t.Errorf("cpu -levels printed %q, want one line ending with generic", stdout)
	}
}

// TestBenchKernelsSmoke runs a tiny table: L1 only, two kernels, one short
// repetition each.
func TestBenchKernelsSmoke(t *testing.T) {
	status, stdout, stderr := runArgs("bench", "kernels", "-quick", "-reps", "1", "-mintime", "1ms",
		"-sizes", "L1", "-kernels", "AxpyTo,Sum")
	if status != exitOK || stderr != "" {
		t.Fatalf("exit status %d, stderr %q", status, stderr)
	}
	for _, w := range []string{"Roofs", "AxpyTo", "Sum", "generic", "1.0x", "% roof"} {
		if !strings.Contains(stdout, w) {
			t.Errorf("output does not mention %q:\n%s", w, stdout)
		}
	}
}
