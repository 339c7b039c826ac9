package main

import (
	"errors"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"

	"github.com/vecgrad/vecgrad/kernels"
)

// TestBadEnvironment checks that an invalid VECGRAD_ISA or VECGRAD_THREADS,
// which package kernels keeps (kernels.EnvError) instead of ending the
// process, stops every command line before it runs: exit status 2 and one
// line naming the value. The test binary re-executes itself with the
// variable set; the child runs `vecgrad cpu -levels`.
func TestBadEnvironment(t *testing.T) {
	if os.Getenv("VECGRAD_CHILD") == "1" {
		status, stdout, stderr := runArgs("cpu", "-levels")
		if kernels.EnvError() == nil {
			t.Fatalf("child: no environment error (status %d)", status)
		}
		// Report what the parent checks through the child's exit status and output.
		os.Stderr.WriteString(stdout + stderr)
		os.Exit(status)
	}
	for _, kv := range []string{"VECGRAD_ISA=pentium", "VECGRAD_THREADS=0"} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestBadEnvironment$")
		cmd.Env = append(os.Environ(), "VECGRAD_CHILD=1", kv)
		out, err := cmd.CombinedOutput()
		if errors.Is(err, syscall.ENOEXEC) {
			t.Skip("cannot re-execute the test binary (running under an emulator via -exec)")
		}
		ee, ok := err.(*exec.ExitError)
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		if !ok || ee.ExitCode() != exitUsage || len(lines) != 1 || !strings.Contains(lines[0], strings.SplitN(kv, "=", 2)[1]) {
			t.Errorf("%s: err %v, output %q; want exit status %d and one line naming the value", kv, err, out, exitUsage)
		}
	}
}
