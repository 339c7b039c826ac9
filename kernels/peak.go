package kernels

import (
	"math"
	"sync/atomic"
)

// The throughput probes `vecgrad cpu` and `vecgrad bench` time to measure
// this machine's compute roofs at the active level. Each is one
// register-only assembly loop: keep iters at a few thousand per call, so
// that a call stays far below the ~100 µs Go cannot preempt.

// FMAPeak runs iters iterations of a loop of independent fused multiply-add
// chains (enough chains to keep every FMA unit busy) and returns the number
// of floating-point operations done (2 per lane per FMA): the FMA roof.
func FMAPeak(iters int) int {
	if iters <= 0 {
		return 0
	}
	return fmaPeak(iters)
}

// SqrtPeak runs iters iterations of a loop of independent correctly rounded
// square roots (VSQRTPS, FSQRT) and returns the lanes done; DivPeak does the
// same with divisions (VDIVPS, FDIV). Both run on the divider, which is not
// pipelined like the FMA units: their rates bound a loop that takes a
// correctly rounded square root or quotient per element, such as AdamStep
// (AdamDividerWork) while its working set is in cache.
func SqrtPeak(iters int) int {
	if iters <= 0 {
		return 0
	}
	return sqrtPeak(iters)
}

// DivPeak is SqrtPeak for divisions.
func DivPeak(iters int) int {
	if iters <= 0 {
		return 0
	}
	return divPeak(iters)
}

// fmaPeakGeneric is the pure-Go loop: 8 independent multiply-add chains.
func fmaPeakGeneric(iters int) int {
	var a0, a1, a2, a3, a4, a5, a6, a7 float32 = 1, 2, 3, 4, 5, 6, 7, 8
	const m, c = 0.999999, 1e-7
	for range iters {
		a0, a1, a2, a3 = a0*m+c, a1*m+c, a2*m+c, a3*m+c
		a4, a5, a6, a7 = a4*m+c, a5*m+c, a6*m+c, a7*m+c
	}
	keep(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7)
	return iters * 8 * 2
}

// sqrtPeakGeneric is the pure-Go probe: 8 square roots per iteration of
// x, x+1, ..., x+7, summed into 8 accumulators, with x stepping by 2^-10
// from 1.7 (long significands; nothing a divider finishes early, and
// nothing the compiler can hoist). The roots depend on x alone, not on one
// another, so the divider's throughput bounds the loop, not a latency.
func sqrtPeakGeneric(iters int) int {
	var s0, s1, s2, s3, s4, s5, s6, s7 float32
	x := float32(1.7)
	for range iters {
		s0, s1, s2, s3 = s0+sqrt32(x), s1+sqrt32(x+1), s2+sqrt32(x+2), s3+sqrt32(x+3)
		s4, s5, s6, s7 = s4+sqrt32(x+4), s5+sqrt32(x+5), s6+sqrt32(x+6), s7+sqrt32(x+7)
		x += 0x1p-10
	}
	keep(s0 + s1 + s2 + s3 + s4 + s5 + s6 + s7)
	return iters * 8
}

// divPeakGeneric is sqrtPeakGeneric's loop with (x+k)/3.3 for the roots.
func divPeakGeneric(iters int) int {
	var s0, s1, s2, s3, s4, s5, s6, s7 float32
	x := float32(1.7)
	const y = 3.3
	for range iters {
		s0, s1, s2, s3 = s0+x/y, s1+(x+1)/y, s2+(x+2)/y, s3+(x+3)/y
		s4, s5, s6, s7 = s4+(x+4)/y, s5+(x+5)/y, s6+(x+6)/y, s7+(x+7)/y
		x += 0x1p-10
	}
	keep(s0 + s1 + s2 + s3 + s4 + s5 + s6 + s7)
	return iters * 8
}

// sink keeps the compiler from discarding the generic probes' loops. It is
// atomic because the all-cores measurements run a probe on every core at
// once: a plain variable written by each would be a data race.
var sink atomic.Uint32

// keep stores x in sink.
func keep(x float32) { sink.Store(math.Float32bits(x)) }
