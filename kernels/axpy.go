package kernels

import mc "github.com/vecgrad/vecgrad/internal/mathconst"

// Axpy adds alpha times x to dst: dst[i] = fma(alpha, x[i], dst[i]), one
// rounding per element. len(x) must equal len(dst).
func Axpy(dst []float32, alpha float32, x []float32) {
	checkSameLen("Axpy", []string{"dst", "x"}, len(dst), len(x))
	axpyChunks(dst, alpha, x, dst)
}

// AxpyTo sets dst[i] = fma(alpha, x[i], y[i]) (the STREAM triad when dst is
// neither x nor y). All three lengths must be equal.
func AxpyTo(dst []float32, alpha float32, x, y []float32) {
	checkSameLen("AxpyTo", []string{"dst", "x", "y"}, len(dst), len(x), len(y))
	axpyChunks(dst, alpha, x, y)
}

func axpyChunks(dst []float32, alpha float32, x, y []float32) {
	for lo := 0; lo < len(dst); lo += mc.ChunkLen {
		hi := min(lo+mc.ChunkLen, len(dst))
		axpyTo(dst[lo:hi], alpha, x[lo:hi], y[lo:hi])
	}
}

// Scale sets dst[i] = alpha * x[i]; len(x) must equal len(dst).
func Scale(dst []float32, alpha float32, x []float32) {
	checkSameLen("Scale", []string{"dst", "x"}, len(dst), len(x))
	scalarChunks(OpMul, false, dst, x, alpha)
}

// Fill sets every element of dst to v.
func Fill(dst []float32, v float32) {
	for lo := 0; lo < len(dst); lo += mc.ChunkLen {
		fill(dst[lo:min(lo+mc.ChunkLen, len(dst))], v)
	}
}

// Copy copies src into dst; the lengths must be equal. It is Go's built-in
// copy (runtime memmove), which already moves memory at the machine's
// bandwidth with the widest loads it has; an assembly kernel would add
// nothing but a second implementation to keep right.
func Copy(dst, src []float32) {
	checkSameLen("Copy", []string{"dst", "src"}, len(dst), len(src))
	copy(dst, src)
}
