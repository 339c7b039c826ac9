package main

import (
	"bytes"
	"runtime"
	"strings"
	"testing"

	"github.com/vecgrad/vecgrad/kernels"
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
		{[]string{"bench", "kernels", "-reps", "x"}, []string{`-reps "x": want an integer`}},
		{[]string{"bench", "kernels", "-kernels", "Exp,Nope"}, []string{`"Nope"`, "AxpyTo", "RowLogSumExp"}},
		{[]string{"bench", "kernels", "-levels", "sse2"}, []string{`"sse2"`, "generic"}},
		{[]string{"bench", "kernels", "-sizes", "L4"}, []string{`"L4"`, "L1, L2, L3, DRAM"}},
		{[]string{"bench", "nosuch"}, []string{"gemm"}},
		{[]string{"bench", "gemm", "-nosuch"}, []string{"-nosuch", "-shapes", "-threads", "-gonum"}},
		{[]string{"bench", "gemm", "-shapes", "64x64"}, []string{`"64x64"`, "square", "train", "MxKxN"}},
		{[]string{"bench", "gemm", "-threads", "1,0"}, []string{`"0"`, "GOMAXPROCS"}},
		{[]string{"bench", "gemm", "-threads", "9999"}, []string{`"9999"`, "GOMAXPROCS"}},
		{[]string{"bench", "gemm", "-levels", "sse2"}, []string{`"sse2"`, "generic"}},
		{[]string{"bench", "gemm", "-gonummax", "-1"}, []string{"-gonummax -1"}},
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

// TestBadFlagValue checks that a value that does not parse, or a missing
// one, gives the flag, the value and what is accepted, without the list of
// every flag (which only an unknown flag gets).
func TestBadFlagValue(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string // the whole message between "vecgrad CMD: " and " (see"
	}{
		{[]string{"cpu", "-reps", "x"}, `-reps "x": want an integer`},
		{[]string{"cpu", "--reps=1.5"}, `-reps "1.5": want an integer`},
		{[]string{"cpu", "-reps"}, `-reps needs a value: want an integer`},
		{[]string{"cpu", "-quick=maybe"}, `-quick "maybe": want true or false`},
		{[]string{"cpu", "-mintime", "5"}, `-mintime "5": want a duration such as 300ms, 1.5s or 2m`},
		{[]string{"cpu", "-reps", "0"}, `-reps 0: want at least 1`},
		{[]string{"train", "--seed", "-1"}, `-seed "-1": want an integer from 0 to 18446744073709551615`},
		{[]string{"train", "--lr", "fast"}, `-lr "fast": want a number such as 0.01 or 1e-3`},
		{[]string{"train", "--epochs", "99999999999999999999"}, `-epochs "99999999999999999999": want an integer`},
	} {
		status, stdout, stderr := runArgs(tc.args...)
		want := "vecgrad " + tc.args[0] + ": " + tc.want + " (see 'vecgrad " + tc.args[0] + " -h')\n"
		if status != exitUsage || stdout != "" || stderr != want {
			t.Errorf("%q: status %d, stdout %q, stderr %q; want %d and %q", tc.args, status, stdout, stderr, exitUsage, want)
		}
	}
	// An unknown flag lists the accepted ones.
	_, _, stderr := runArgs("cpu", "-nosuch")
	if want := "vecgrad cpu: unknown flag -nosuch (accepted flags: -levels, -mintime, -quick, -reps; see 'vecgrad cpu -h')\n"; stderr != want {
		t.Errorf("unknown flag: %q, want %q", stderr, want)
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
		{[]string{"bench", "gemm", "-h"}, []string{"-shapes", "-threads", "-gonum", "-gonummax", "(default 1024)", `(default "all")`, "-quick"}},
		{[]string{"bench", "-h"}, []string{"kernels", "gemm"}},
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

// TestBenchGemmSmoke runs a tiny table: two small shapes (one transposed), every
// level, one thread and (where there are two cores) two, gonum, one short
// repetition each.
func TestBenchGemmSmoke(t *testing.T) {
	threads, want := "1", []string{"FMA roof", "16x24x8 ", "8x16x24_NT", " NT ", "generic", "% roof", "vs gonum", "vs 1 thr", "x         -\n"}
	if runtime.GOMAXPROCS(0) >= 2 {
		threads, want = "1,2", append(want, "x\n") // the 2-thread rows end in their "vs 1 thr" ratio
	}
	status, stdout, stderr := runArgs("bench", "gemm", "-quick", "-reps", "1", "-mintime", "1ms",
		"-shapes", "16x24x8,8x16x24_NT", "-levels", strings.Join(kernels.Levels(), ","), "-threads", threads)
	if status != exitOK || stderr != "" {
		t.Fatalf("exit status %d, stderr %q", status, stderr)
	}
	for _, w := range want {
		if !strings.Contains(stdout, w) {
			t.Errorf("output does not mention %q:\n%s", w, stdout)
		}
	}
	status, stdout, stderr = runArgs("bench", "gemm", "-list", "-shapes", "train")
	if status != exitOK || stderr != "" || strings.Count(stdout, "\n") != 15 || !strings.Contains(stdout, "512x64x784_TN\n") {
		t.Errorf("-list -shapes train: status %d, stderr %q, stdout %q", status, stderr, stdout)
	}
}
