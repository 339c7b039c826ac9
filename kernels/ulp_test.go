package kernels

import (
	"math"
	"os"
	"runtime"
	"testing"
)

// ulp32 is the spacing of float32 numbers at the magnitude of y (the
// denormal spacing 2^-149 below the normal range).
func ulp32(y float64) float64 {
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
// maximum error (ulps) their doc comments state.
var transcendentals = []struct {
	name   string
	f      func(dst, x []float32)
	truth  func(float64) float64
	maxULP float64
}{
	{"Exp", Exp, math.Exp, 1},
	{"Log", Log, math.Log, 1},
	{"Tanh", Tanh, math.Tanh, 2},
	{"Sigmoid", Sigmoid, func(x float64) float64 { return 1 / (1 + math.Exp(-x)) }, 2},
}

// TestTranscendentalULP measures the error of exp, log, tanh and sigmoid
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
	const batch = 1 << 16
	x, y := make([]float32, batch), make([]float32, batch)
	for _, tc := range transcendentals {
		t.Run(tc.name, func(t *testing.T) {
			var worst float64
			var worstX float32
			for start := uint64(0); start < 1<<32; start += batch * stride {
				k := 0
				for b := start; b < 1<<32 && k < batch; b += stride {
					x[k] = math.Float32frombits(uint32(b))
					k++
				}
				tc.f(y[:k], x[:k])
				for i := range k {
					if e := ulpError(y[i], tc.truth(float64(x[i]))); e > worst {
						worst, worstX = e, x[i]
					}
				}
			}
			t.Logf("%s: max error %.3f ulp at x = %g (%#08x)", tc.name, worst, worstX, math.Float32bits(worstX))
			if worst > tc.maxULP {
				t.Errorf("%s: max error %.3f ulp at x = %g (%#08x), documented bound %g", tc.name, worst, worstX, math.Float32bits(worstX), tc.maxULP)
			}
		})
	}
}
