package kernels

import (
	"math"

	mc "github.com/vecgrad/vecgrad/internal/mathconst"
)

// sin32 and cos32 are Cephes' sinf/cosf with a reduction by pi/2 in three
// fused multiply-adds (internal/mathconst: Sin, Cos). The vector levels
// compute exactly trigReduced for |x| <= TrigMax, NaN and ±Inf; the exported
// kernels send a chunk holding a finite |x| > TrigMax to this reference,
// whose float64 path (Go's math.Sin/Cos, Payne–Hanek reduction for huge
// arguments) is then the result at every level.
func sin32(x float32) float32 {
	if a := float32(math.Abs(float64(x))); !(a <= mc.TrigMax) && a < float32(math.Inf(1)) {
		return float32(math.Sin(float64(x)))
	}
	return trigReduced(x, 0)
}

func cos32(x float32) float32 {
	if a := float32(math.Abs(float64(x))); !(a <= mc.TrigMax) && a < float32(math.Inf(1)) {
		return float32(math.Cos(float64(x)))
	}
	return trigReduced(x, 1)
}

// trigReduced is sin (shift 0) or cos (shift 1) of x through the reduction
// of |x| by pi/2: sin is odd, cos even, so both work on a = |x| and sin
// takes the sign of x at the end (sin(-0) = -0). NaN and ±Inf give NaN
// (r is NaN).
func trigReduced(x float32, shift uint32) float32 {
	bits := math.Float32bits(x)
	a := math.Float32frombits(bits &^ (1 << 31))
	q := float32(math.RoundToEven(float64(a * mc.TwoOverPi)))
	r := fma32(q, -mc.PiO2C1, a) // exact
	r = fma32(q, -mc.PiO2C2, r)
	r = fma32(q, -mc.PiO2C3, r)
	j := uint32(int32(q)) + shift // q <= 2^16: exact; the quadrant of sin(x) or sin(x + pi/2)
	if q != q {
		j = 0 // NaN lanes: any quadrant gives NaN (the vector conversions differ)
	}
	z := r * r
	s := fma32(mc.SinP0, z, mc.SinP1)
	s = fma32(s, z, mc.SinP2)
	s = fma32(s*z, r, r)
	c := fma32(mc.CosP0, z, mc.CosP1)
	c = fma32(c, z, mc.CosP2)
	c = fma32(c, z*z, fma32(z, -0.5, 1))
	y := s
	if j&1 != 0 {
		y = c
	}
	sign := j & 2 << 30
	if shift == 0 {
		sign ^= bits & (1 << 31)
	}
	return math.Float32frombits(math.Float32bits(y) ^ sign)
}
