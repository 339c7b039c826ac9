package kernels

import (
	"strings"
	"testing"

	"github.com/vecgrad/vecgrad/internal/reexec"
)

// mustPanic runs f and checks that it panics with a message containing
// every fragment.
func mustPanic(t *testing.T, f func(), fragments ...string) {
	t.Helper()
	defer func() {
		t.Helper()
		r := recover()
		if r == nil {
			t.Fatalf("no panic; want one mentioning %q", fragments)
		}
		msg, _ := r.(string)
		for _, fr := range fragments {
			if !strings.Contains(msg, fr) {
				t.Fatalf("panic %q does not mention %q", msg, fr)
			}
		}
	}()
	f()
}

func TestBadLengthsPanic(t *testing.T) {
	a, b, c := make([]float32, 10), make([]float32, 12), make([]float32, 3)
	for _, l := range Levels() {
		withLevel(t, l, func(t *testing.T) {
			mustPanic(t, func() { Binary(OpAdd, a, a, b) }, "Binary", "len(b) = 12", "len(dst) = 10")
			mustPanic(t, func() { BinaryAcc(OpMul, a, b, a) }, "BinaryAcc", "len(a) = 12")
			mustPanic(t, func() { BinaryScalar(OpAdd, a, b, 1) }, "len(a) = 12")
			mustPanic(t, func() { BinaryRowVec(OpAdd, a, b, c, 3, 4) }, "BinaryRowVec", "len(dst) = 10 < rows*n = 12")
			mustPanic(t, func() { BinaryRowVec(OpAdd, b, b, c, 3, 4) }, "len(vector) = 3 < n = 4")
			mustPanic(t, func() { BinaryColVec(OpAdd, b, b, c, 4, 3) }, "len(vector) = 3 < rows = 4")
			mustPanic(t, func() { BinaryColVecAcc(OpAdd, b, b, c, -1, 3) }, "negative shape rows = -1")
			mustPanic(t, func() { RowSum(c, a, 1<<40, 1<<40) }, "rows*n overflows int")
			mustPanic(t, func() { Binary(BinaryOp(8), a, a, a) }, "unknown BinaryOp(8)")
			mustPanic(t, func() { Axpy(a, 2, b) }, "Axpy", "len(x) = 12")
			mustPanic(t, func() { AxpyTo(a, 2, a, b) }, "AxpyTo", "len(y) = 12")
			mustPanic(t, func() { Scale(a, 2, b) }, "Scale")
			mustPanic(t, func() { Copy(a, b) }, "Copy", "len(src) = 12")
			mustPanic(t, func() { Exp(a, b) }, "Exp", "len(x) = 12")
			mustPanic(t, func() { ReluBackward(a, a, b) }, "ReluBackward", "len(x) = 12")
			mustPanic(t, func() { Dot(a, b) }, "Dot", "len(b) = 12")
			mustPanic(t, func() { Max(nil) }, "Max of an empty slice")
			mustPanic(t, func() { ArgMax(a[:0]) }, "ArgMax")
			mustPanic(t, func() { RowSum(c, a, 4, 2) }, "RowSum", "len(dst) = 3 < rows = 4")
			mustPanic(t, func() { RowMax(c, a, 3, 4) }, "RowMax", "len(a) = 10 < rows*n = 12")
			mustPanic(t, func() { RowMax(c, a, 3, 0) }, "RowMax row")
			mustPanic(t, func() { RowLogSumExp(c, a, 3, 4) }, "RowLogSumExp")
		})
	}
}

func TestSetISA(t *testing.T) {
	levels := Levels()
	if levels[len(levels)-1] != "generic" {
		t.Fatalf("Levels() = %v, want generic last", levels)
	}
	saved := ISA()
	defer SetISA(saved)
	for _, l := range levels {
		if err := SetISA(l); err != nil || ISA() != l {
			t.Errorf("SetISA(%q) = %v, ISA() = %q", l, err, ISA())
		}
	}
	SetISA(saved)
	for _, bad := range []string{"sse", "AVX2", ""} {
		err := SetISA(bad)
		if err == nil || !strings.Contains(err.Error(), "unknown instruction set") || !strings.Contains(err.Error(), "accepted: avx512, avx2, neon, generic") {
			t.Errorf("SetISA(%q) = %v, want an error naming the accepted levels", bad, err)
		}
		if ISA() != saved {
			t.Errorf("failed SetISA(%q) changed the level to %q", bad, ISA())
		}
	}
	for _, name := range []string{"avx512", "avx2", "neon"} {
		if !contains(levels, name) {
			err := SetISA(name)
			if err == nil || !strings.Contains(err.Error(), "not supported on this machine") {
				t.Errorf("SetISA(%q) on a machine without it = %v, want an error", name, err)
			}
		}
	}
}

func contains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

func TestThreads(t *testing.T) {
	saved := Threads()
	defer SetThreads(saved)
	SetThreads(3)
	if Threads() != 3 {
		t.Errorf("Threads() = %d after SetThreads(3)", Threads())
	}
	SetThreads(0)
	if Threads() < 1 {
		t.Errorf("SetThreads(0) left Threads() = %d, want the default", Threads())
	}
}

func TestApplyEnv(t *testing.T) {
	savedISA, savedThreads := ISA(), Threads()
	defer func() { SetISA(savedISA); SetThreads(savedThreads) }()
	env := func(kv map[string]string) func(string) string { return func(k string) string { return kv[k] } }
	for _, v := range []string{"0", "abc", "-2", "1.5"} {
		err := applyEnv(env(map[string]string{"VECGRAD_THREADS": v}))
		if err == nil || !strings.Contains(err.Error(), `VECGRAD_THREADS="`+v+`"`) || !strings.Contains(err.Error(), "positive integer") {
			t.Errorf("VECGRAD_THREADS=%q: %v, want an error naming the value and what is accepted", v, err)
		}
	}
	if err := applyEnv(env(map[string]string{"VECGRAD_THREADS": "5", "VECGRAD_ISA": "generic"})); err != nil || Threads() != 5 || ISA() != "generic" {
		t.Errorf("valid environment: err %v, threads %d, isa %s", err, Threads(), ISA())
	}
	if err := applyEnv(env(map[string]string{"VECGRAD_ISA": "avx1024"})); err == nil || !strings.Contains(err.Error(), `VECGRAD_ISA: unknown instruction set "avx1024"`) {
		t.Errorf("VECGRAD_ISA=avx1024: %v", err)
	}
}

// TestBadEnvironmentExits runs this test binary with an invalid override: it
// must stop at startup with exit status 2 and a one-line message.
func TestBadEnvironmentExits(t *testing.T) {
	if reexec.Child() {
		return
	}
	for _, kv := range []string{"VECGRAD_ISA=pentium", "VECGRAD_THREADS=0", "VECGRAD_THREADS=abc"} {
		status, out := reexec.Run(t, "TestBadEnvironmentExits", kv)
		lines := strings.Split(strings.TrimSpace(out), "\n")
		if status != 2 || len(lines) != 1 || !strings.Contains(lines[0], strings.SplitN(kv, "=", 2)[1]) {
			t.Errorf("%s: exit status %d, output %q; want exit status 2 and one line naming the value", kv, status, out)
		}
	}
}
