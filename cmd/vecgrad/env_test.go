package main

import (
	"os"
	"strings"
	"testing"

	"github.com/vecgrad/vecgrad/internal/reexec"
	"github.com/vecgrad/vecgrad/kernels"
)

// TestBadEnvironment checks that an invalid VECGRAD_ISA or VECGRAD_THREADS,
// which package kernels keeps (kernels.EnvError) instead of ending the
// process, stops every command line before it runs: exit status 2 and one
// line naming the value. The child runs `vecgrad cpu -levels`.
func TestBadEnvironment(t *testing.T) {
	if reexec.Child() {
		status, stdout, stderr := runArgs("cpu", "-levels")
		if kernels.EnvError() == nil {
			t.Fatalf("child: no environment error (status %d)", status)
		}
		os.Stderr.WriteString(stdout + stderr) // what the parent checks
		os.Exit(status)
	}
	for _, kv := range []string{"VECGRAD_ISA=pentium", "VECGRAD_THREADS=0"} {
		status, out := reexec.Run(t, "TestBadEnvironment", kv)
		lines := strings.Split(strings.TrimSpace(out), "\n")
		if status != exitUsage || len(lines) != 1 || !strings.Contains(lines[0], strings.SplitN(kv, "=", 2)[1]) {
			t.Errorf("%s: exit status %d, output %q; want %d and one line naming the value", kv, status, out, exitUsage)
		}
	}
}
