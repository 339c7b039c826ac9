package kernels

import (
	"fmt"
	"os"
	"testing"
)

// TestMain stops the test binary, as cmd/vecgrad stops, when VECGRAD_ISA or
// VECGRAD_THREADS is invalid (EnvError): `make test-levels` runs the tests
// once per VECGRAD_ISA, and a mistyped level must fail the run rather than
// test the best level again.
func TestMain(m *testing.M) {
	if err := EnvError(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	os.Exit(m.Run())
}
