// Package reexec runs the current test binary again as a child process, for
// tests of what a program does at startup (an invalid environment variable
// read during package initialisation), which no test can observe from inside
// the process that already started.
package reexec

import (
	"errors"
	"os"
	"os/exec"
	"syscall"
	"testing"
)

// childVar marks the child's environment.
const childVar = "VECGRAD_CHILD"

// Child reports whether this process is a child that Run started: the test
// that called Run is running again inside it.
func Child() bool { return os.Getenv(childVar) == "1" }

// Run runs the top-level test named test in a child of this test binary
// with env ("NAME=value") added to this process's environment, and returns
// the child's exit status and its combined output. It skips t where the
// binary cannot be re-executed (go test -exec with an emulator), and fails
// t where the child cannot be run at all.
func Run(t *testing.T, test string, env ...string) (status int, out string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^"+test+"$")
	cmd.Env = append(append(os.Environ(), childVar+"=1"), env...)
	b, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	switch {
	case errors.Is(err, syscall.ENOEXEC):
		t.Skip("cannot re-execute the test binary (running under an emulator via -exec)")
	case err == nil:
		return 0, string(b)
	case errors.As(err, &ee):
		return ee.ExitCode(), string(b)
	}
	t.Fatalf("running %s in a child: %v", test, err)
	return 0, ""
}
