package main

import (
	"math"

	"github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"

	mc "github.com/vecgrad/vecgrad/internal/mathconst"
)

// The vector transcendental functions. Each follows its reference in
// kernels/exp_generic.go operation by operation: fma exactly where the
// reference calls fma32, one rounded instruction for every other operation,
// in the same order, with the same constants (from internal/mathconst). The
// branches of the reference are computed for all lanes and blended. Constants
// are full-vector memory operands (g.kf), so no register holds them.
//
// Go operand order is Intel's reversed: VFMADD231PS c, b, a is a = b*c + a,
// VFMADD213PS c, b, a is a = b*a + c, VSUBPS y, x, r is r = x - y.

func u8(x uint8) operand.U8 { return operand.U8(x) }

// exp returns a new register with exp32 of every lane of x (x is consumed).
// Registers: t/r (clamped x, then the reduced argument), n (exponent), p
// (polynomial), rr, n1: at most 4 live besides the caller's.
func (g *gen) exp(x reg.VecVirtual) reg.VecVirtual {
	// x = min(max(x, ExpMin), ExpMax). Intel MAXPS lo, x is lo > x ? lo : x and
	// x when x is NaN, so NaN flows through every step below to the result
	// (the reference's `if x != x { return x }`; any NaN will do).
	t := g.mov(g.kf("expMin", mc.ExpMin))
	g.VMAXPS(x, t, t)
	r := g.mov(g.kf("expMax", mc.ExpMax))
	g.VMINPS(t, r, r)
	// n = roundEven(x * Log2E)
	n := g.v()
	g.VMULPS(g.kf("log2e", mc.Log2E), r, n)
	g.round(n, n)
	// r = fma(n, -C1, x); r = fma(n, -C2, r)
	g.VFMADD231PS(g.kf("expNegC1", -mc.ExpC1), n, r)
	g.VFMADD231PS(g.kf("expNegC2", -mc.ExpC2), n, r)
	// p = fma(P0, r, P1), then p = fma(p, r, Pi)
	p := g.mov(g.kf("expP1", mc.ExpP1))
	g.VFMADD231PS(g.kf("expP0", mc.ExpP0), r, p)
	g.VFMADD213PS(g.kf("expP2", mc.ExpP2), r, p)
	g.VFMADD213PS(g.kf("expP3", mc.ExpP3), r, p)
	g.VFMADD213PS(g.kf("expP4", mc.ExpP4), r, p)
	g.VFMADD213PS(g.kf("expP5", mc.ExpP5), r, p)
	// y = fma(p, r*r, r); y = y + 1
	rr := g.v()
	g.VMULPS(r, r, rr)
	g.VFMADD213PS(r, rr, p)
	g.VADDPS(g.kf("one", 1), p, p)
	// ni = int32(n); n1 = ni >> 1; n2 = ni - n1; y * pow2(n1) * pow2(n2)
	g.VCVTTPS2DQ(n, n)
	n1 := g.v()
	g.VPSRAD(u8(1), n, n1)
	g.VPSUBD(n1, n, n)
	bias := g.ki("i127", 127)
	g.VPADDD(bias, n1, n1)
	g.VPSLLD(u8(23), n1, n1)
	g.VPADDD(bias, n, n)
	g.VPSLLD(u8(23), n, n)
	g.VMULPS(n1, p, p)
	g.VMULPS(n, p, p)
	return p
}

// log returns a new register with log32 of every lane of x (x is kept for the
// special cases). Registers: x, xb/m (bits, then mantissa), e (exponent, then
// ef), masks d and s, z, p: at most 7 live.
func (g *gen) log(x reg.VecVirtual) reg.VecVirtual {
	// if x < LogMinNormal { x *= LogDenormMul; e = -LogDenormBias }
	d := g.cmp(cmpLT, x, g.kf("logMinNormal", mc.LogMinNormal))
	xb := g.mov(x)
	if g.kmask {
		g.VMULPS(g.kf("logDenormMul", mc.LogDenormMul), xb, d, xb)
	} else {
		xs := g.v()
		g.VMULPS(g.kf("logDenormMul", mc.LogDenormMul), x, xs)
		g.blend(d, xs, xb)
	}
	// e += bits>>23 - 126
	e := g.v()
	g.VPSRLD(u8(23), xb, e)
	g.VPSUBD(g.ki("i126", 126), e, e)
	g.addIf(d, g.ki("iNegDenormBias", negBits(mc.LogDenormBias)), e)
	// m = bits&0x007fffff | 0x3f000000, in [0.5, 1)
	m := xb
	g.pand(g.ki("mantMask", 0x007fffff), m, m)
	g.por(g.ki("halfExp", 0x3f000000), m, m)
	// if m < LogSqrtHalf { e--; m = m + m - 1 } else { m = m - 1 }
	s := g.cmp(cmpLT, m, g.kf("logSqrtHalf", mc.LogSqrtHalf))
	if g.kmask {
		g.VPADDD(g.ki("iMinus1", 0xffffffff), e, s, e)
		g.VADDPS(m, m, s, m)
	} else {
		g.VPADDD(s, e, e) // s is -1 where set
		mm := g.v()
		g.VADDPS(m, m, mm)
		g.blend(s, mm, m)
	}
	g.VSUBPS(g.kf("one", 1), m, m)
	ef := e
	g.VCVTDQ2PS(e, ef)
	// z = m*m; p = fma(P0, m, P1), p = fma(p, m, Pi)
	z := g.v()
	g.VMULPS(m, m, z)
	p := g.mov(g.kf("logP1", mc.LogP1))
	g.VFMADD231PS(g.kf("logP0", mc.LogP0), m, p)
	for i, c := range []float32{mc.LogP2, mc.LogP3, mc.LogP4, mc.LogP5, mc.LogP6, mc.LogP7, mc.LogP8} {
		g.VFMADD213PS(g.kf("logP"+string(rune('2'+i)), c), m, p)
	}
	// y = m * (z * p); y = fma(ef, C2, y); y = fma(z, -0.5, y); r = m + y; fma(ef, C1, r)
	g.VMULPS(z, p, p)
	g.VMULPS(m, p, p)
	g.VFMADD231PS(g.kf("expC2", mc.ExpC2), ef, p)
	g.VFMADD231PS(g.kf("minusHalf", -0.5), z, p)
	g.VADDPS(p, m, p)
	g.VFMADD231PS(g.kf("expC1", mc.ExpC1), ef, p)
	// Special cases (disjoint): NaN or x < 0 -> NaN; x == ±0 -> -Inf; +Inf -> x.
	g.blend(g.cmp(cmpEQ, x, g.kf("posInf", float32(math.Inf(1)))), x, p)
	g.blend(g.cmp(cmpEQ, x, g.kf("zero", 0)), g.kf("negInf", float32(math.Inf(-1))), p)
	g.blend(g.cmp(cmpNGE, x, g.kf("zero", 0)), g.ki("qNaN", 0x7fc00000), p)
	return p
}

// addIf adds the int32 vector c to e in the lanes of mask m.
func (g *gen) addIf(m reg.Register, c operand.Op, e reg.Register) {
	if g.kmask {
		g.VPADDD(c, e, m, e) // merge-masked
		return
	}
	t := g.v()
	g.VPAND(c, m, t)
	g.VPADDD(t, e, e)
}

// tanh returns a new register with tanh32 of every lane of x (x is kept).
// Registers: x, a (|x|, then 2|x| and exp's input), mask small, p (small
// branch), then exp's 4 and y: at most 8 live.
func (g *gen) tanh(x reg.VecVirtual) reg.VecVirtual {
	a := g.v()
	g.pand(g.ki("absMask", 0x7fffffff), x, a)
	small := g.cmp(cmpLT, a, g.kf("tanhSmall", mc.TanhSmall)) // false on NaN
	// |x| < TanhSmall: z = x*x; Horner in z; fma(p*z, x, x)
	z := g.v()
	g.VMULPS(x, x, z)
	p := g.mov(g.kf("tanhP1", mc.TanhP1))
	g.VFMADD231PS(g.kf("tanhP0", mc.TanhP0), z, p)
	g.VFMADD213PS(g.kf("tanhP2", mc.TanhP2), z, p)
	g.VFMADD213PS(g.kf("tanhP3", mc.TanhP3), z, p)
	g.VFMADD213PS(g.kf("tanhP4", mc.TanhP4), z, p)
	g.VMULPS(z, p, p)
	g.VFMADD213PS(x, x, p) // p = x*p + x
	// otherwise: e = exp32(a + a); y = 1 - 2/(e+1); copysign(y, x) (y > 0 or NaN)
	g.VADDPS(a, a, a)
	e := g.exp(a)
	g.VADDPS(g.kf("one", 1), e, e)
	y := g.mov(g.kf("two", 2))
	g.VDIVPS(e, y, y) // 2 / (e+1)
	one := g.mov(g.kf("one", 1))
	g.VSUBPS(y, one, y)
	sign := g.v()
	g.pand(g.ki("signMask", 0x80000000), x, sign)
	g.por(sign, y, y)
	g.blend(small, p, y)
	return y
}

// sigmoid returns a new register with sigmoid32 of every lane of x (x is
// kept): e = exp32(-|x|); (x >= 0 ? 1 : e) / (1 + e).
func (g *gen) sigmoid(x reg.VecVirtual) reg.VecVirtual {
	nx := g.v()
	g.por(g.ki("signMask", 0x80000000), x, nx)
	e := g.exp(nx)
	d := g.v()
	g.VADDPS(g.kf("one", 1), e, d)
	g.blend(g.cmp(cmpGE, x, g.kf("zero", 0)), g.kf("one", 1), e) // num
	g.VDIVPS(d, e, e)
	return e
}

// negBits returns the bits of the int32 -v.
func negBits(v int32) uint32 { return uint32(-v) }
