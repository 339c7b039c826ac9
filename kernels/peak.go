package kernels

// FMAPeak runs iters iterations of a register-only loop of independent
// fused multiply-add chains at the active level (enough chains to keep every
// FMA unit busy) and returns the number of floating-point operations done
// (2 per lane per FMA). `vecgrad cpu` times it to measure the FMA roof. Keep
// iters at a few thousand per call: the loop is one assembly call.
func FMAPeak(iters int) int {
	if iters <= 0 {
		return 0
	}
	return fmaPeak(iters)
}

// fmaPeakGeneric is the pure-Go loop: 8 independent multiply-add chains.
func fmaPeakGeneric(iters int) int {
	var a0, a1, a2, a3, a4, a5, a6, a7 float32 = 1, 2, 3, 4, 5, 6, 7, 8
	const m, c = 0.999999, 1e-7
	for range iters {
		a0, a1, a2, a3 = a0*m+c, a1*m+c, a2*m+c, a3*m+c
		a4, a5, a6, a7 = a4*m+c, a5*m+c, a6*m+c, a7*m+c
	}
	sink = a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7
	return iters * 8 * 2
}

// sink keeps the compiler from discarding fmaPeakGeneric's loop.
var sink float32
