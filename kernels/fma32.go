package kernels

import "math"

// sqrt32 is the correctly rounded float32 square root, as VSQRTPS and FSQRT
// compute it: the float64 root of a float32 rounds to the float32 root
// exactly (double rounding is innocuous for sqrt; Go emits one SQRTSS).
func sqrt32(x float32) float32 { return float32(math.Sqrt(float64(x))) }

// fma32 returns a*b+c rounded once to float32, as the FMA instructions
// (VFMADD231PS, FMLA) compute it. Go has no float32 FMA, and rounding the
// float64 math.FMA result to float32 rounds twice, which is wrong in rare
// ties. The product of two float32 values is exact in float64; the sum is
// rounded to odd (Boldo and Melquiond: round-to-odd with at least two more
// bits than the target, then round-to-nearest, is a correct rounding).
func fma32(a, b, c float32) float32 {
	p := float64(a) * float64(b)
	s := p + float64(c)
	if math.IsInf(s, 0) || math.IsNaN(s) {
		return float32(s)
	}
	// TwoSum: err is the exact rounding error of s = p + c.
	bb := s - p
	err := (p - (s - bb)) + (float64(c) - bb)
	if err != 0 {
		bits := math.Float64bits(s)
		if bits&1 == 0 {
			if (err > 0) == (s > 0) {
				bits++ // exact value is farther from zero than s
			} else {
				bits--
			}
		}
		s = math.Float64frombits(bits)
	}
	return float32(s)
}
