package kernels

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
)

// level is an instruction-set level; a higher value is a better level.
type level uint8

const (
	levelGeneric level = iota
	levelNEON
	levelAVX2
	levelAVX512
)

var levelNames = [...]string{
	levelGeneric: "generic",
	levelNEON:    "neon",
	levelAVX2:    "avx2",
	levelAVX512:  "avx512",
}

func (l level) String() string { return levelNames[l] }

var (
	// best is the best level this CPU and OS support; active is the one in use.
	//
	// The convention for reading the level: a dispatch function
	// (dispatch_*.go) switches on active itself, on every call, and calls the
	// assembly directly (no function values: an indirect call of an ABI0
	// function costs about twice a direct one); it needs nothing from the
	// level beyond that call, and every level computes the same bits. Code
	// that chooses shapes from the level (Sgemm: its tile, buffers and kernel
	// forms, gemmKernel) reads active once per product and carries it
	// (sgemm's lv, gemmJob.lv, gemmKernel.lv), so that every kernel it calls
	// is the one its shapes were made for. Nothing else keeps a level.
	best, active level
	threads      atomic.Int32
	// envErr is what applying the environment at initialisation returned (EnvError).
	envErr error
)

func init() {
	best = detect()
	active = best
	threads.Store(int32(runtime.GOMAXPROCS(0)))
	// A library does not end the process from init: an invalid override is
	// kept for the program to report (cmd/vecgrad and kernels' TestMain exit
	// with it), and a program that ignores it runs with the defaults.
	envErr = applyEnv(os.Getenv)
}

// EnvError returns the error of the environment overrides as read when the
// package was initialised, or nil: VECGRAD_ISA naming no level or one this
// machine lacks ("vecgrad: VECGRAD_ISA: ..."), or VECGRAD_THREADS not a
// positive integer. Where it is not nil, the invalid setting, and
// VECGRAD_THREADS after an invalid VECGRAD_ISA, were not applied: the
// kernels run at the best level with GOMAXPROCS workers unless the program
// calls SetISA or SetThreads. Programs that honour the variables should
// check it once at start and stop with the message, as cmd/vecgrad does.
func EnvError() error { return envErr }

// applyEnv applies VECGRAD_ISA and VECGRAD_THREADS.
func applyEnv(getenv func(string) string) error {
	if v := getenv("VECGRAD_ISA"); v != "" {
		if err := SetISA(v); err != nil {
			return fmt.Errorf("vecgrad: VECGRAD_ISA: %w", err)
		}
	}
	if v := getenv("VECGRAD_THREADS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > MaxThreads {
			return fmt.Errorf("vecgrad: VECGRAD_THREADS=%q is not valid: want a positive integer up to %d (this machine has GOMAXPROCS=%d)", v, MaxThreads, runtime.GOMAXPROCS(0))
		}
		SetThreads(n)
	}
	return nil
}

// ISA returns the name of the instruction-set level in use: "avx512", "avx2",
// "neon" or "generic".
func ISA() string { return active.String() }

// Levels returns the levels this machine supports, best first; the last is
// always "generic".
func Levels() []string {
	var out []string
	for l := best; ; l-- {
		if supported(l) {
			out = append(out, l.String())
		}
		if l == levelGeneric {
			return out
		}
	}
}

// SetISA selects the instruction-set level by name, typically to lower it
// (to test or benchmark every path on one machine). A level the machine lacks
// is an error and changes nothing. SetISA is not safe to call while kernels
// run on other goroutines.
func SetISA(name string) error {
	for l, n := range levelNames {
		if n == name {
			if !supported(level(l)) {
				return fmt.Errorf("instruction set %q is not supported on this machine (available: %s)", name, strings.Join(Levels(), ", "))
			}
			active = level(l)
			return nil
		}
	}
	return fmt.Errorf("unknown instruction set %q (accepted: avx512, avx2, neon, generic; available here: %s)", name, strings.Join(Levels(), ", "))
}

// supported reports whether l can run here: generic always, others only at
// or below the detected level on the same architecture.
func supported(l level) bool {
	switch l {
	case levelGeneric:
		return true
	case levelNEON:
		return best == levelNEON
	default:
		return best >= l && best != levelNEON
	}
}

// Threads returns the number of worker goroutines multi-threaded kernels use:
// Sgemm, and SGDStep and AdamStep on steps of 2^15 elements or more.
func Threads() int { return int(threads.Load()) }

// SetThreads sets the number of workers multi-threaded kernels use, 1 to
// MaxThreads; 0 restores the default, GOMAXPROCS. It panics on a negative
// n or one above MaxThreads (check outside input with CheckThreads).
// Results never depend on it: work is split so that every output element
// is computed by the same operations whatever the thread count.
func SetThreads(n int) {
	if n < 0 || n > MaxThreads {
		panic(fmt.Sprintf("kernels: SetThreads(%d): accepted 0 (the default, GOMAXPROCS) to %d (MaxThreads)", n, MaxThreads))
	}
	if n == 0 {
		n = runtime.GOMAXPROCS(0)
	}
	threads.Store(int32(n))
}
