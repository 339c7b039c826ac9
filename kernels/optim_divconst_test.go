package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// The AVX-512 Adam kernel divides sqrt(v) by bc2s = sqrt(1 - Beta2^t) without
// the divider: q0 = x*rc with rc = RN(1/bc2s), then two corrections
// q = q + (x - q*bc2s)*rc, each an FMA after an FMA remainder, and x itself
// where x is +Inf or NaN (gen/amd64 divConst). The tests here check that
// this is the correctly rounded quotient: TestAdamDivConst on the sequence
// itself in Go, for every significand of x, TestAdamDivisionMatchesGeneric
// on the kernels at many steps t against the reference's division.

// divConstSequence is the AVX-512 kernel's x/c, transcribed.
func divConstSequence(x, c, rc float32) float32 {
	if !(x < float32(math.Inf(1))) {
		return x
	}
	q := x * rc
	for range 2 {
		r := fma32(-q, c, x)
		q = fma32(r, rc, q)
	}
	return q
}

// divisors returns bc2s for Beta2 in a range of values (0.999 is torch's
// default, 1-2^-53 the largest below 1, where bc2s is smallest) at steps 1
// to steps, and random divisors in [2^-26, 1).
// It fails t if adamArgs' rbc2s is not RN(1/bc2s), the reciprocal the
// sequence needs.
func divisors(t *testing.T, r *rand.Rand, steps, random int) []float32 {
	var cs []float32
	for _, beta2 := range []float64{0.999, 0.99, 0.9, 0.9999, 0.5, 0, 1 - 0x1p-53} {
		for step := 1; step <= steps; step++ {
			s := adamScalarsFor(beta2, step)
			if want := float32(1 / float64(s.bc2s)); math.Float32bits(s.rbc2s) != math.Float32bits(want) {
				t.Fatalf("beta2 %v, t = %d: adamArgs' rbc2s = %v, want RN(1/bc2s) = %v", beta2, step, s.rbc2s, want)
			}
			cs = append(cs, s.bc2s)
		}
	}
	for range random {
		cs = append(cs, float32(math.Ldexp(1+r.Float64(), -1-r.IntN(26)))) // [2^-26, 1)
	}
	return cs
}

func adamScalarsFor(beta2 float64, t int) adamScalars {
	h := AdamParams{LR: 1e-3, Beta1: 0.9, Beta2: beta2, Eps: 1e-8, Step: t}
	_, s := h.adamArgs()
	return s
}

// TestAdamDivConst checks divConstSequence(x, c, RN(1/c)) == x/c (one
// float32 rounding) bit for bit. Scaling x by a power of two scales q0, both
// remainders and the result exactly, so the significands of [1, 2) cover
// every normal x as long as no remainder underflows and the quotient does
// not overflow; the kernels' x = sqrt(v) lies in [2^-74.5, 2^64), so every
// significand is also run at the smallest and the largest exponent x can have
// (2^-75 and 2^63). (At x = MaxFloat32 the remainder of an overflowed
// quotient is NaN, which is why the kernels' bound on x matters.) Four
// divisors get every significand (2^23 each), the others 2^14 random ones.
func TestAdamDivConst(t *testing.T) {
	if active != levelAVX512 {
		t.Skipf("level %s does not divide this way (only AVX-512 does)", ISA())
	}
	r := rand.New(rand.NewPCG(5, 8))
	cs := divisors(t, r, 40, 200)
	exhaustive := []float32{cs[0], cs[1], cs[len(cs)-201], cs[len(cs)-1]} // 0.999 at t = 1, 2; 1-2^-53 at 40; random
	check := func(x, c, rc float32) bool {
		got, want := divConstSequence(x, c, rc), x/c
		if math.Float32bits(got) != math.Float32bits(want) {
			t.Errorf("x = %v (%#08x), c = %v (%#08x): sequence gives %v (%#08x), x/c = %v (%#08x)", x, math.Float32bits(x),
				c, math.Float32bits(c), got, math.Float32bits(got), want, math.Float32bits(want))
			return false
		}
		return true
	}
	scales := []float32{1, 0x1p-75, 0x1p63}
	for i, c := range append(exhaustive, cs...) {
		if !(c > 0x1p-27 && c <= 1) {
			t.Fatalf("divisor %v outside (2^-27, 1]: the remainders' exponent bound does not cover it", c)
		}
		rc := float32(1 / float64(c)) // RN(1/c): float64 has 53 >= 2*24+2 bits
		for _, s := range scales {
			if i < len(exhaustive) {
				if testing.Short() && s != 1 {
					continue
				}
				for m := range uint32(1 << 23) {
					if !check(math.Float32frombits(0x3f800000|m)*s, c, rc) {
						return
					}
				}
				continue
			}
			for range 1 << 14 {
				if !check(math.Float32frombits(0x3f800000|r.Uint32()>>9)*s, c, rc) {
					return
				}
			}
		}
		for _, x := range []float32{0, 0x1p-74, float32(math.Sqrt(0x1p-149)), float32(math.Sqrt(math.MaxFloat32)), float32(math.Inf(1))} {
			if !check(x, c, rc) {
				return
			}
		}
		if got := divConstSequence(float32(math.NaN()), c, rc); !math.IsNaN(float64(got)) {
			t.Errorf("NaN / %v = %v, want NaN", c, got)
		}
	}
}

// TestAdamDivisionMatchesGeneric runs AdamStep at every vector level
// against the reference at 280 steps t (a divisor each), bit for bit. With
// eps = 0 and p = 0 the new p is (negStep*m)/(sqrt(v)/bc2s), so a quotient
// off by an ulp shows in p; v is drawn over 2^-149..2^127 and includes
// 0, +Inf and NaN.
func TestAdamDivisionMatchesGeneric(t *testing.T) {
	levels := vectorLevels()
	if len(levels) == 0 {
		t.Skip("the active level is generic, the reference itself")
	}
	r := rand.New(rand.NewPCG(6, 9))
	const n = 4096
	operands := func() [][]float32 {
		p, g, m, v := make([]float32, n), make([]float32, n), make([]float32, n), make([]float32, n)
		for i := range v {
			m[i] = float32(1 + r.Float64())
			v[i] = math.Float32frombits(r.Uint32() >> 1) // every non-negative bit pattern: 0, subnormals, Inf, NaN
		}
		v[0], v[1], v[2] = 0, float32(math.Inf(1)), math.Float32frombits(1)
		return [][]float32{p, g, m, v}
	}
	for _, beta2 := range []float64{0.999, 0.99, 0.9, 0.9999, 0.5, 0, 1 - 0x1p-53} {
		for _, step := range []int{1, 2, 3, 4, 5, 7, 10, 13, 20, 31, 50, 77, 100, 150, 200, 300, 500, 700, 1000, 1500,
			2000, 3000, 5000, 7000, 10000, 20000, 50000, 100000, 1000000, 1 << 30, 3, 9, 11, 17, 19, 23, 29, 37, 41, 43} {
			h := AdamParams{LR: 1e-3, Beta1: 0.9, Beta2: beta2, Step: step}
			c := optimCase{name: fmt.Sprintf("Adam/%v", h), arrays: []string{"p", "g", "m", "v"},
				step: func(a [][]float32) { AdamStep(a[0], a[1], a[2], a[3], nil, h) }}
			a := operands()
			want := c.stepAt(t, "generic", a)
			for _, l := range levels {
				if !c.compareAll(t, l, c.stepAt(t, l, a), want) {
					return
				}
			}
		}
	}
}
