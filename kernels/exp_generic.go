package kernels

import (
	"math"

	mc "github.com/vecgrad/vecgrad/internal/mathconst"
)

// The scalar float32 functions below are the reference every vector level
// reproduces bit for bit: the generators in gen/ emit the same operations in
// the same order (see gen/KERNELS.md). Their accuracy against float64 math is
// measured by TestTranscendentalULP and stated on the exported kernels.

// exp32 is Cephes' expf with a two-step scaling that keeps denormal results.
func exp32(x float32) float32 {
	if x != x {
		return x
	}
	x = min(max(x, mc.ExpMin), mc.ExpMax)
	n := float32(math.RoundToEven(float64(x * mc.Log2E)))
	r := fma32(n, -mc.ExpC1, x)
	r = fma32(n, -mc.ExpC2, r)
	p := fma32(mc.ExpP0, r, mc.ExpP1)
	p = fma32(p, r, mc.ExpP2)
	p = fma32(p, r, mc.ExpP3)
	p = fma32(p, r, mc.ExpP4)
	p = fma32(p, r, mc.ExpP5)
	y := fma32(p, r*r, r)
	y = y + 1
	// 2^n as 2^n1 * 2^n2: n is in [-150, 128], beyond a single float's exponent range.
	ni := int32(n)
	n1 := ni >> 1
	n2 := ni - n1
	return y * pow2(n1) * pow2(n2)
}

// pow2 returns 2^n for n in [-126, 127].
func pow2(n int32) float32 { return math.Float32frombits(uint32(n+127) << 23) }

// log32 is Cephes' logf, extended to denormal inputs by scaling them by 2^24.
func log32(x float32) float32 {
	switch {
	case x != x || x < 0:
		return float32(math.NaN())
	case x == 0:
		return float32(math.Inf(-1))
	case math.IsInf(float64(x), 1):
		return x
	}
	e := int32(0)
	if x < mc.LogMinNormal {
		x *= mc.LogDenormMul
		e = -mc.LogDenormBias
	}
	bits := math.Float32bits(x)
	e += int32(bits>>23) - 126
	m := math.Float32frombits(bits&0x007fffff | 0x3f000000) // in [0.5, 1)
	if m < mc.LogSqrtHalf {
		e--
		m = m + m - 1
	} else {
		m = m - 1
	}
	ef := float32(e)
	z := m * m
	p := fma32(mc.LogP0, m, mc.LogP1)
	p = fma32(p, m, mc.LogP2)
	p = fma32(p, m, mc.LogP3)
	p = fma32(p, m, mc.LogP4)
	p = fma32(p, m, mc.LogP5)
	p = fma32(p, m, mc.LogP6)
	p = fma32(p, m, mc.LogP7)
	p = fma32(p, m, mc.LogP8)
	y := m * (z * p)
	y = fma32(ef, mc.ExpC2, y)
	y = fma32(z, -0.5, y)
	r := m + y
	return fma32(ef, mc.ExpC1, r)
}

// tanh32 is Cephes' tanhf: an odd polynomial near zero, 1 - 2/(exp(2|x|)+1)
// beyond. tanh32(-0) is +0 (the polynomial's fma adds -0 to +0), where
// math.Tanh and torch.tanh keep -0.
func tanh32(x float32) float32 {
	a := float32(math.Abs(float64(x)))
	if a < mc.TanhSmall {
		z := x * x
		p := fma32(mc.TanhP0, z, mc.TanhP1)
		p = fma32(p, z, mc.TanhP2)
		p = fma32(p, z, mc.TanhP3)
		p = fma32(p, z, mc.TanhP4)
		return fma32(p*z, x, x)
	}
	e := exp32(a + a)
	y := 1 - 2/(e+1)
	return float32(math.Copysign(float64(y), float64(x)))
}

// sigmoid32 computes 1/(1+exp(-x)) for x >= 0 and exp(x)/(1+exp(x)) below,
// so neither side overflows or cancels.
func sigmoid32(x float32) float32 {
	e := exp32(-float32(math.Abs(float64(x))))
	num := float32(1)
	if !(x >= 0) {
		num = e
	}
	return num / (1 + e)
}
