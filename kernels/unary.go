package kernels

import mc "github.com/vecgrad/vecgrad/internal/mathconst"

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
