package kernels

import (
	"math"

	mc "github.com/vecgrad/vecgrad/internal/mathconst"
)

// Relu sets dst[i] = max(x[i], 0): negative inputs give +0; NaN and -0 pass
// through unchanged (as torch.relu). len(x) must equal len(dst); dst may be x.
func Relu(dst, x []float32) { unaryChunks("Relu", unaryRelu, dst, x) }

// Exp sets dst[i] = e^x[i] for every float32 input (overflow gives +Inf,
// results below the denormal range 0, NaN gives NaN), bitwise identical at
// every level. Maximum error: 1.011 ulp against float64 math.Exp, measured
// over all 2^32 float32 inputs, denormal results included (in units of the
// denormal spacing there); TestTranscendentalULP holds it to that.
func Exp(dst, x []float32) { unaryChunks("Exp", unaryExp, dst, x) }

// Log sets dst[i] to the natural logarithm of x[i]: NaN for negative inputs
// and NaN, -Inf for ±0, +Inf for +Inf; denormal inputs are exact-scaled first.
// Maximum error: 0.827 ulp against float64 math.Log, measured over all 2^32
// float32 inputs (TestTranscendentalULP).
func Log(dst, x []float32) { unaryChunks("Log", unaryLog, dst, x) }

// Sqrt sets dst[i] = sqrt(x[i]), correctly rounded (NaN for x < 0).
func Sqrt(dst, x []float32) { unaryChunks("Sqrt", unarySqrt, dst, x) }

// Tanh sets dst[i] = tanh(x[i]). Maximum error: 1.331 ulp against float64
// math.Tanh, measured over all 2^32 float32 inputs (TestTranscendentalULP).
// Tanh(-0) is +0 (torch.tanh gives -0).
func Tanh(dst, x []float32) { unaryChunks("Tanh", unaryTanh, dst, x) }

// Sigmoid sets dst[i] = 1/(1+e^-x[i]), computed without overflow or
// cancellation on either side. Maximum error: 2.402 ulp against float64,
// measured over all 2^32 float32 inputs, denormal results included (in units
// of the denormal spacing there); TestTranscendentalULP holds it to that.
func Sigmoid(dst, x []float32) { unaryChunks("Sigmoid", unarySigmoid, dst, x) }

// Sin sets dst[i] = sin(x[i]) (radians): sin(-0) = -0, NaN and ±Inf give
// NaN. For |x| <= 65536 (mathconst.TrigMax) the vector levels reduce |x| by
// pi/2 with a three-part Cody–Waite constant (fused multiply-adds, the first
// exact) and evaluate Cephes' sinf/cosf polynomials on [-pi/4, pi/4], the
// quadrant choosing polynomial and sign; a chunk of ChunkLen inputs holding a
// larger finite |x| is computed by the reference, which takes float64
// math.Sin for those inputs (accurately reduced at any magnitude: Cody–Waite
// in float64, Payne–Hanek from 2^29; then rounded once, about 0.5 ulp).
// The outcome is bitwise identical at
// every level. Maximum error: 1.560 ulp against float64 math.Sin (1.55985 at
// x = 922.8229), measured over every float32 |x| <= 65536 (the results are
// exactly odd in x, so that covers the negative half too);
// TestTranscendentalULP holds it to that over a dense sample of all 2^32.
func Sin(dst, x []float32) { trigChunks("Sin", unarySin, dst, x) }

// Cos sets dst[i] = cos(x[i]) (radians), as Sin: the same reduction and
// polynomials with the quadrant shifted by one (exactly even in x); cos(±0) = 1.
// Maximum error: 1.562 ulp against float64 math.Cos (1.56166 at
// x = 1840.216), measured over every float32 |x| <= 65536
// (TestTranscendentalULP).
func Cos(dst, x []float32) { trigChunks("Cos", unaryCos, dst, x) }

// trigChunks is unaryChunks for Sin and Cos: a chunk with a finite input
// beyond TrigMax goes to the reference (the vector kernels reduce only up to
// there), in full, so that in-place calls work.
func trigChunks(fn string, op unaryOp, dst, x []float32) {
	checkSameLen(fn, []string{"dst", "x"}, len(dst), len(x))
	for lo := 0; lo < len(dst); lo += mc.ChunkLen {
		hi := min(lo+mc.ChunkLen, len(dst))
		if beyondTrigMax(x[lo:hi]) {
			unaryGeneric(op, dst[lo:hi], x[lo:hi])
		} else {
			unary(op, dst[lo:hi], x[lo:hi])
		}
	}
}

// beyondTrigMax reports whether some x is finite with |x| > TrigMax: t =
// |bits| - (TrigMax bits + 1) wraps around for |x| <= TrigMax, so the
// minimum of t is below the span up to +Inf exactly then (branch-free, four
// chains). This pass costs about as much as the vector kernel itself (a Go
// loop, about 1 cycle per element); the price of exact results beyond TrigMax.
func beyondTrigMax(x []float32) bool {
	const inf = 0x7f800000
	lo := math.Float32bits(mc.TrigMax) + 1
	t := func(v float32) uint32 { return math.Float32bits(v)&^(1<<31) - lo }
	m0, m1, m2, m3 := uint32(math.MaxUint32), uint32(math.MaxUint32), uint32(math.MaxUint32), uint32(math.MaxUint32)
	i := 0
	for ; i+4 <= len(x); i += 4 {
		m0, m1, m2, m3 = min(m0, t(x[i])), min(m1, t(x[i+1])), min(m2, t(x[i+2])), min(m3, t(x[i+3]))
	}
	for ; i < len(x); i++ {
		m0 = min(m0, t(x[i]))
	}
	return min(m0, m1, m2, m3) < inf-lo
}

// ReluBackward sets dst[i] = dy[i] where x[i] > 0 (or x[i] is NaN) and +0
// where x[i] <= 0: the gradient of Relu, as torch's threshold_backward. All
// three lengths must be equal.
func ReluBackward(dst, dy, x []float32) {
	checkSameLen("ReluBackward", []string{"dst", "dy", "x"}, len(dst), len(dy), len(x))
	for lo := 0; lo < len(dst); lo += mc.ChunkLen {
		hi := min(lo+mc.ChunkLen, len(dst))
		reluBackward(dst[lo:hi], dy[lo:hi], x[lo:hi])
	}
}

func unaryChunks(fn string, op unaryOp, dst, x []float32) {
	checkSameLen(fn, []string{"dst", "x"}, len(dst), len(x))
	for lo := 0; lo < len(dst); lo += mc.ChunkLen {
		hi := min(lo+mc.ChunkLen, len(dst))
		unary(op, dst[lo:hi], x[lo:hi])
	}
}
