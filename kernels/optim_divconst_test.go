package kernels

import (
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"testing"
)

// The amd64 Adam kernels (AVX-512; AVX2 without amsgrad) divide sqrt(v) by
// bc2s = sqrt(1 - Beta2^t) without the divider: from 1/bc2s in two terms hi
// and lo, q0 = x*hi + x*lo, then one correction q = q0 + (x - q0*bc2s)*hi,
// an FMA after an FMA remainder, and x itself where x is +Inf or NaN
// (gen/amd64 divConst). The tests here check that this is the correctly
// rounded quotient:
// TestAdamDivConst on the sequence itself in Go, for every significand of
// x, TestAdamDivisionMatchesGeneric on the kernels at many steps t against
// the reference's division.

// divConstSequence is the amd64 kernels' x/c, transcribed.
func divConstSequence(x, c, hi, lo float32) float32 {
	if !(x < float32(math.Inf(1))) {
		return x
	}
	return correctQuotient(fma32(x, hi, x*lo), x, c, hi)
}

// correctQuotient is the kernel's correction of an approximation q of x/c.
func correctQuotient(q, x, c, hi float32) float32 {
	r := fma32(-q, c, x)
	return fma32(r, hi, q)
}

// divisors returns bc2s for Beta2 in a range of values (0.999 is torch's
// default, 1-2^-53 the largest below 1, where bc2s is smallest) at steps 1
// to steps, and random divisors in [2^-26, 1). It fails t unless adamArgs'
// rhi is RN(1/bc2s) and rhi + rlo is within 2^-47 of 1/bc2s relative to it,
// what divConst needs (checked in 256-bit arithmetic).
func divisors(t *testing.T, r *rand.Rand, steps, random int) []float32 {
	var cs []float32
	for _, beta2 := range []float64{0.999, 0.99, 0.9, 0.9999, 0.5, 0, 1 - 0x1p-53} {
		for step := 1; step <= steps; step++ {
			s := adamScalarsFor(beta2, step)
			checkRecip(t, s.bc2s, s.rhi, s.rlo)
			cs = append(cs, s.bc2s)
		}
	}
	for range random {
		c := float32(math.Ldexp(1+r.Float64(), -1-r.IntN(26))) // [2^-26, 1)
		hi, lo := recipTwoTerms(c)
		checkRecip(t, c, hi, lo)
		cs = append(cs, c)
	}
	return cs
}

// checkRecip fails t unless hi = RN(1/c) and |hi + lo - 1/c| <= 2^-47/c.
func checkRecip(t *testing.T, c, hi, lo float32) {
	t.Helper()
	const prec = 256
	one := new(big.Float).SetPrec(prec).SetInt64(1)
	inv := new(big.Float).SetPrec(prec).Quo(one, new(big.Float).SetPrec(prec).SetFloat64(float64(c)))
	if want, _ := inv.Float32(); hi != want { // Float32 rounds to nearest even
		t.Fatalf("c = %v: hi = %v, want RN(1/c) = %v", c, hi, want)
	}
	sum := new(big.Float).SetPrec(prec).Add(new(big.Float).SetFloat64(float64(hi)), new(big.Float).SetFloat64(float64(lo)))
	diff := new(big.Float).SetPrec(prec).Sub(sum, inv)
	rel, _ := new(big.Float).Quo(diff.Abs(diff), inv).Float64()
	if rel > 0x1p-47 {
		t.Fatalf("c = %v: hi + lo = %v + %v is %g from 1/c relative to it, want <= 2^-47", c, hi, lo, rel)
	}
}

func adamScalarsFor(beta2 float64, t int) adamScalars {
	h := AdamParams{LR: 1e-3, Beta1: 0.9, Beta2: beta2, Eps: 1e-8, Step: t}
	_, s := h.adamArgs()
	return s
}

// TestAdamDivConst checks divConstSequence(x, c, hi, lo) == x/c (one
// float32 rounding) bit for bit, and that the correction alone turns the
// other faithful approximation of x/c into x/c. (x*hi + x*lo is almost
// always x/c already: no input here needs the correction, whose case is
// rare, so the second check is what tests it.) Scaling x by a power of two
// scales every step and the result exactly, so the significands of [1, 2)
// cover every normal x as long as no remainder underflows and the quotient
// does not overflow; the kernel's x = sqrt(v) lies in [2^-74.5, 2^64), so
// every significand is also run at the smallest and the largest exponent x
// can have (2^-75 and 2^63). (At x = MaxFloat32 the remainder of an
// overflowed quotient is NaN, which is why the kernel's bound on x
// matters.) Four divisors get every significand (2^23 each), the others
// 2^14 random ones.
func TestAdamDivConst(t *testing.T) {
	if active != levelAVX512 {
		t.Skipf("level %s does not divide this way (only AVX-512 does)", ISA())
	}
	r := rand.New(rand.NewPCG(5, 8))
	cs := divisors(t, r, 40, 200)
	exhaustive := []float32{cs[0], cs[1], cs[len(cs)-201], cs[len(cs)-1]} // 0.999 at t = 1, 2; 1-2^-53 at 40; random
	check := func(x, c, hi, lo float32) bool {
		want := x / c
		got := divConstSequence(x, c, hi, lo)
		// The other float around x/c: above want where the exact remainder
		// x - want*c is positive, else below (x/c is never a float's
		// midpoint, nor want itself unless the remainder is 0).
		other := want
		if rem := fma32(-want, c, x); rem > 0 {
			other = math.Nextafter32(want, float32(math.Inf(1)))
		} else if rem < 0 {
			other = math.Nextafter32(want, 0)
		}
		fixed := want // the kernel does not correct +Inf
		if x < float32(math.Inf(1)) {
			fixed = correctQuotient(other, x, c, hi)
		}
		if math.Float32bits(got) != math.Float32bits(want) || math.Float32bits(fixed) != math.Float32bits(want) {
			t.Errorf("x = %v (%#08x), c = %v (%#08x): sequence gives %v (%#08x), the correction of %v gives %v, x/c = %v (%#08x)",
				x, math.Float32bits(x), c, math.Float32bits(c), got, math.Float32bits(got), other, fixed, want, math.Float32bits(want))
			return false
		}
		return true
	}
	scales := []float32{1, 0x1p-75, 0x1p63}
	for i, c := range append(exhaustive, cs...) {
		if !(c > 0x1p-27 && c <= 1) {
			t.Fatalf("divisor %v outside (2^-27, 1]: the remainders' exponent bound does not cover it", c)
		}
		hi, lo := recipTwoTerms(c)
		for _, s := range scales {
			if i < len(exhaustive) {
				if testing.Short() && s != 1 {
					continue
				}
				for m := range uint32(1 << 23) {
					if !check(math.Float32frombits(0x3f800000|m)*s, c, hi, lo) {
						return
					}
				}
				continue
			}
			for range 1 << 14 {
				if !check(math.Float32frombits(0x3f800000|r.Uint32()>>9)*s, c, hi, lo) {
					return
				}
			}
		}
		for _, x := range []float32{0, 0x1p-74, float32(math.Sqrt(0x1p-149)), float32(math.Sqrt(math.MaxFloat32)), float32(math.Inf(1))} {
			if !check(x, c, hi, lo) {
				return
			}
		}
		if got := divConstSequence(float32(math.NaN()), c, hi, lo); !math.IsNaN(float64(got)) {
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
