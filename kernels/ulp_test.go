package kernels

import (
	"math"
	"os"
	"runtime"
	"sync"
	"testing"
)

// ulp32 is the spacing of float32 numbers at the magnitude of y (the
// denormal spacing 2^-149 below the normal range).
func ulp32(y float64) float64 {
	if y == 0 {
		return 0x1p-149
	}
	_, e := math.Frexp(math.Abs(y)) // |y| = f * 2^e, f in [0.5, 1)
	return math.Ldexp(1, max(e-24, -149))
}

// ulpError is |got - want| in units of the float32 spacing at want; special
// values must match exactly (want is rounded to float32 first).
func ulpError(got float32, want float64) float64 {
	w32 := float32(want)
	switch {
	case want != want:
		if got == got {
			return math.Inf(1)
		}
		return 0
	case math.IsInf(float64(w32), 0) || math.IsInf(float64(got), 0):
		if got == w32 {
			return 0
		}
		return math.Inf(1)
	}
	return math.Abs(float64(got)-want) / ulp32(want)
}

// transcendentals lists the approximations, their float64 truth and the
// maximum error (ulps) their doc comments state: the maxima measured over
// all 2^32 inputs (VECGRAD_EXHAUSTIVE=1: Exp 1.01035, Log 0.82654,
// Tanh 1.33032, Sigmoid 2.40188, identical at every level), rounded up. Sin
// and Cos: 1.55985 and 1.56166, measured over every float32 |x| <= TrigMax
// (their results are exactly odd and even in x; beyond TrigMax they are
// float64 math.Sin/Cos rounded once, about 0.5 ulp); VECGRAD_EXHAUSTIVE=1 here
// takes about 2.5 minutes each on two cores.
var transcendentals = []struct {
	name   string
	f      func(dst, x []float32)
	truth  func(float64) float64
	maxULP float64
}{
	{"Exp", Exp, math.Exp, 1.011},
	{"Log", Log, math.Log, 0.827},
	{"Tanh", Tanh, math.Tanh, 1.331},
	{"Sigmoid", Sigmoid, func(x float64) float64 { return 1 / (1 + math.Exp(-x)) }, 2.402},
	{"Sin", Sin, math.Sin, 1.560},
	{"Cos", Cos, math.Cos, 1.562},
}

// TestTranscendentalULP measures the error of exp, log, tanh, sigmoid, sin and cos
// over float32 bit patterns (every one with VECGRAD_EXHAUSTIVE=1, a dense
// stride otherwise) at the best level, which TestKernelsMatchGeneric ties
// to every other level bit for bit.
func TestTranscendentalULP(t *testing.T) {
	stride := uint64(97)
	if runtime.GOARCH != "amd64" || ISA() == "generic" {
		stride = 4099 // emulated under qemu in CI, or the slow pure-Go path
	}
	if os.Getenv("VECGRAD_EXHAUSTIVE") == "1" {
		stride = 1
	}
	for _, tc := range transcendentals {
		t.Run(tc.name, func(t *testing.T) {
			worst, worstX := maxULPError(tc.f, tc.truth, stride)
			t.Logf("%s: max error %.3f ulp at x = %g (%#08x)", tc.name, worst, worstX, math.Float32bits(worstX))
			if worst > tc.maxULP {
				t.Errorf("%s: max error %.3f ulp at x = %g (%#08x), documented bound %g", tc.name, worst, worstX, math.Float32bits(worstX), tc.maxULP)
			}
		})
	}
}

// maxULPError evaluates f on every stride-th float32 bit pattern, split
// across GOMAXPROCS goroutines, and returns the largest error and its input.
func maxULPError(f func(dst, x []float32), truth func(float64) float64, stride uint64) (float64, float32) {
	const batch = 1 << 14
	workers := runtime.GOMAXPROCS(0)
	worst := make([]float64, workers)
	worstX := make([]float32, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			x, y := make([]float32, batch), make([]float32, batch)
			for start := uint64(w) * batch * stride; start < 1<<32; start += uint64(workers) * batch * stride {
				k := 0
				for b := start; b < 1<<32 && k < batch; b += stride {
					x[k] = math.Float32frombits(uint32(b))
					k++
				}
				f(y[:k], x[:k])
				for i := range k {
					if e := ulpError(y[i], truth(float64(x[i]))); e > worst[w] {
						worst[w], worstX[w] = e, x[i]
					}
				}
			}
		}()
	}
	wg.Wait()
	best := 0
	for w := range workers {
		if worst[w] > worst[best] {
			best = w
		}
	}
	return worst[best], worstX[best]
}
