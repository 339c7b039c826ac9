package main

import (
	"math"

	"github.com/mmcloughlin/avo/operand"

	mc "github.com/vecgrad/vecgrad/internal/mathconst"
)

// The vector transcendental functions. Each follows its reference in
// kernels/exp_generic.go operation by operation: fma exactly where the
// reference calls fma32, one rounded instruction for every other operation,
// in the same order, with the same constants (from internal/mathconst). The
// branches of the reference are computed for all lanes and blended.
//
// Each works on a group of independent vectors (vg, group.go) and emits every
// step for all members before the next step, so the dependency chains of the
// members overlap. Register plan, per member (the "live" counts below, which
// the callers use to size groups and pins): the temporaries listed at each
// function. Constants come from g.k: a register while the caller has pinned
// it (loaded once before the loop), else a full-vector memory operand.
//
// Go operand order is Intel's reversed: VFMADD231PS c, b, a is a = b*c + a,
// VFMADD213PS c, b, a is a = b*a + c, VSUBPS y, x, r is r = x - y.

func u8(x uint8) operand.U8 { return operand.U8(x) }

// The constants of the math functions.
var (
	kExpMin   = kf32("expMin", mc.ExpMin)
	kExpMax   = kf32("expMax", mc.ExpMax)
	kLog2E    = kf32("log2e", mc.Log2E)
	kExpNegC1 = kf32("expNegC1", -mc.ExpC1)
	kExpNegC2 = kf32("expNegC2", -mc.ExpC2)
	kExpP     = [...]kconst{kf32("expP0", mc.ExpP0), kf32("expP1", mc.ExpP1), kf32("expP2", mc.ExpP2),
		kf32("expP3", mc.ExpP3), kf32("expP4", mc.ExpP4), kf32("expP5", mc.ExpP5)}
	kOne  = kf32("one", 1)
	kTwo  = kf32("two", 2)
	kZero = kf32("zero", 0)
	kI127 = kconst{"i127", 127}

	kLogMinNormal   = kf32("logMinNormal", mc.LogMinNormal)
	kLogDenormMul   = kf32("logDenormMul", mc.LogDenormMul)
	kI126           = kconst{"i126", 126}
	kINegDenormBias = kconst{"iNegDenormBias", negBits(mc.LogDenormBias)}
	kMantMask       = kconst{"mantMask", 0x007fffff}
	kHalfExp        = kconst{"halfExp", 0x3f000000}
	kLogSqrtHalf    = kf32("logSqrtHalf", mc.LogSqrtHalf)
	kIMinus1        = kconst{"iMinus1", 0xffffffff}
	kLogP           = [...]kconst{kf32("logP0", mc.LogP0), kf32("logP1", mc.LogP1), kf32("logP2", mc.LogP2),
		kf32("logP3", mc.LogP3), kf32("logP4", mc.LogP4), kf32("logP5", mc.LogP5), kf32("logP6", mc.LogP6),
		kf32("logP7", mc.LogP7), kf32("logP8", mc.LogP8)}
	kExpC1     = kf32("expC1", mc.ExpC1)
	kExpC2     = kf32("expC2", mc.ExpC2)
	kMinusHalf = kf32("minusHalf", -0.5)
	kPosInf    = kf32("posInf", float32(math.Inf(1)))
	kNegInf    = kf32("negInf", float32(math.Inf(-1)))
	kQNaN      = kconst{"qNaN", 0x7fc00000}

	kAbsMask   = kconst{"absMask", 0x7fffffff}
	kSignMask  = kconst{"signMask", 0x80000000}
	kTanhSmall = kf32("tanhSmall", mc.TanhSmall)
	kTanhP     = [...]kconst{kf32("tanhP0", mc.TanhP0), kf32("tanhP1", mc.TanhP1), kf32("tanhP2", mc.TanhP2),
		kf32("tanhP3", mc.TanhP3), kf32("tanhP4", mc.TanhP4)}
)

// Pin lists: the constants of each function, most useful first (those that
// save a copy as constFirst operands, then the rest). A caller pins as many as
// its register budget allows.
var (
	expPins = []kconst{kExpMin, kExpMax, kLog2E, kExpNegC1, kExpNegC2, kExpP[0], kExpP[2], kExpP[3],
		kExpP[4], kExpP[5], kOne, kI127, kExpP[1]}
	logPins = []kconst{kLogP[0], kLogP[2], kLogP[3], kLogP[4], kLogP[5], kLogP[6], kLogP[7], kLogP[8],
		kOne, kExpC1, kExpC2, kMinusHalf, kLogMinNormal, kLogDenormMul, kMantMask, kHalfExp, kLogSqrtHalf,
		kZero, kI126, kINegDenormBias, kIMinus1, kPosInf, kNegInf, kQNaN, kLogP[1]}
	tanhPins    = append(append([]kconst{}, expPins...), kTwo, kTanhP[0], kTanhP[2], kTanhP[3], kTanhP[4], kAbsMask, kSignMask, kTanhSmall, kTanhP[1])
	sigmoidPins = append(append([]kconst{}, expPins...), kSignMask, kZero)
)

// Vectors live per member (peak), AVX-512 / AVX2 (AVX2 masks are vectors).
const (
	expLive  = 4 // r, n, p, rr (then n1)
	logLive  = 5 // x, m, e, z, p (masks are K registers or short-lived)
	sigLive  = 5 // x and exp's 4
	tanhLive = 7 // x, small (a vector on AVX2), p (small branch) and exp's 4
)

// exp returns a new group with exp32 of every lane of x (x is consumed).
// Per member: t/r (clamped x, then the reduced argument), n (exponent), p
// (polynomial), rr, n1: at most expLive live.
func (g *gen) exp(x vg) vg {
	G := len(x)
	// x = min(max(x, ExpMin), ExpMax). Intel MAXPS lo, x is lo > x ? lo : x and
	// x when x is NaN, so NaN flows through every step below to the result
	// (the reference's `if x != x { return x }`; any NaN will do).
	t := g.constFirst(g.VMAXPS, kExpMin, x)
	r := g.constFirst(g.VMINPS, kExpMax, t)
	// n = roundEven(x * Log2E)
	n := g.newVG(G)
	g.each(g.VMULPS, g.k(kLog2E), r, n)
	g.eachRound(n, n)
	// r = fma(n, -C1, x); r = fma(n, -C2, r)
	g.each(g.VFMADD231PS, g.k(kExpNegC1), n, r)
	g.each(g.VFMADD231PS, g.k(kExpNegC2), n, r)
	// p = fma(P0, r, P1), then p = fma(p, r, Pi)
	p := g.fresh(G, g.k(kExpP[1]))
	g.each(g.VFMADD231PS, g.k(kExpP[0]), r, p)
	for _, c := range kExpP[2:] {
		g.each(g.VFMADD213PS, g.k(c), r, p)
	}
	// y = fma(p, r*r, r); y = y + 1
	rr := g.newVG(G)
	g.each(g.VMULPS, r, r, rr)
	g.each(g.VFMADD213PS, r, rr, p)
	g.each(g.VADDPS, g.k(kOne), p, p)
	// ni = int32(n); n1 = ni >> 1; n2 = ni - n1; y * pow2(n1) * pow2(n2)
	g.each(g.VCVTTPS2DQ, n, n)
	n1 := g.newVG(G)
	g.each(g.VPSRAD, u8(1), n, n1)
	g.each(g.VPSUBD, n1, n, n)
	bias := g.k(kI127)
	g.each(g.VPADDD, bias, n1, n1)
	g.each(g.VPSLLD, u8(23), n1, n1)
	g.each(g.VPADDD, bias, n, n)
	g.each(g.VPSLLD, u8(23), n, n)
	g.each(g.VMULPS, n1, p, p)
	g.each(g.VMULPS, n, p, p)
	return p
}

// log returns a new group with log32 of every lane of x (x is kept for the
// special cases). Per member: x, xb/m (bits, then mantissa), e (exponent, then
// ef), masks d and s (K registers on AVX-512), z, p: at most logLive vectors
// live besides the short-lived AVX2 masks and blend temporaries.
func (g *gen) log(x vg) vg {
	G := len(x)
	// if x < LogMinNormal { x *= LogDenormMul; e = -LogDenormBias }
	d := g.eachCmp(cmpLT, x, g.k(kLogMinNormal))
	xb := g.fresh(G, x)
	if g.kmask {
		g.each(g.VMULPS, g.k(kLogDenormMul), xb, d, xb)
	} else {
		xs := g.newVG(G)
		g.each(g.VMULPS, g.k(kLogDenormMul), x, xs)
		g.eachBlend(d, xs, xb)
	}
	// e += bits>>23 - 126
	e := g.newVG(G)
	g.each(g.VPSRLD, u8(23), xb, e)
	g.each(g.VPSUBD, g.k(kI126), e, e)
	g.eachAddIf(d, g.k(kINegDenormBias), e)
	// m = bits&0x007fffff | 0x3f000000, in [0.5, 1)
	m := xb
	g.eachPand(g.k(kMantMask), m, m)
	g.eachPor(g.k(kHalfExp), m, m)
	// if m < LogSqrtHalf { e--; m = m + m - 1 } else { m = m - 1 }
	s := g.eachCmp(cmpLT, m, g.k(kLogSqrtHalf))
	if g.kmask {
		g.each(g.VPADDD, g.k(kIMinus1), e, s, e)
		g.each(g.VADDPS, m, m, s, m)
	} else {
		g.each(g.VPADDD, s, e, e) // s is -1 where set
		mm := g.newVG(G)
		g.each(g.VADDPS, m, m, mm)
		g.eachBlend(s, mm, m)
	}
	g.each(g.VSUBPS, g.k(kOne), m, m)
	ef := e
	g.each(g.VCVTDQ2PS, e, ef)
	// z = m*m; p = fma(P0, m, P1), p = fma(p, m, Pi)
	z := g.newVG(G)
	g.each(g.VMULPS, m, m, z)
	p := g.fresh(G, g.k(kLogP[1]))
	g.each(g.VFMADD231PS, g.k(kLogP[0]), m, p)
	for _, c := range kLogP[2:] {
		g.each(g.VFMADD213PS, g.k(c), m, p)
	}
	// y = m * (z * p); y = fma(ef, C2, y); y = fma(z, -0.5, y); r = m + y; fma(ef, C1, r)
	g.each(g.VMULPS, z, p, p)
	g.each(g.VMULPS, m, p, p)
	g.each(g.VFMADD231PS, g.k(kExpC2), ef, p)
	g.each(g.VFMADD231PS, g.k(kMinusHalf), z, p)
	g.each(g.VADDPS, p, m, p)
	g.each(g.VFMADD231PS, g.k(kExpC1), ef, p)
	// Special cases (disjoint): NaN or x < 0 -> NaN; x == ±0 -> -Inf; +Inf -> x.
	g.eachBlend(g.eachCmp(cmpEQ, x, g.k(kPosInf)), x, p)
	g.eachBlend(g.eachCmp(cmpEQ, x, g.k(kZero)), g.k(kNegInf), p)
	g.eachBlend(g.eachCmp(cmpNGE, x, g.k(kZero)), g.k(kQNaN), p)
	return p
}

// tanh returns a new group with tanh32 of every lane of x (x is kept).
// Per member: x, a (|x|, then 2|x| and exp's input), mask small, p (small
// branch), then exp's 4 and y: at most tanhLive live.
func (g *gen) tanh(x vg) vg {
	G := len(x)
	a := g.newVG(G)
	g.eachPand(g.k(kAbsMask), x, a)
	small := g.eachCmp(cmpLT, a, g.k(kTanhSmall)) // false on NaN
	// |x| < TanhSmall: z = x*x; Horner in z; fma(p*z, x, x)
	z := g.newVG(G)
	g.each(g.VMULPS, x, x, z)
	p := g.fresh(G, g.k(kTanhP[1]))
	g.each(g.VFMADD231PS, g.k(kTanhP[0]), z, p)
	for _, c := range kTanhP[2:] {
		g.each(g.VFMADD213PS, g.k(c), z, p)
	}
	g.each(g.VMULPS, z, p, p)
	g.each(g.VFMADD213PS, x, x, p) // p = x*p + x
	// otherwise: e = exp32(a + a); y = 1 - 2/(e+1); copysign(y, x) (y > 0 or NaN)
	g.each(g.VADDPS, a, a, a)
	e := g.exp(a)
	g.each(g.VADDPS, g.k(kOne), e, e)
	y := g.constFirst(g.VDIVPS, kTwo, e) // 2 / (e+1)
	y = g.constFirst(g.VSUBPS, kOne, y)  // 1 - y
	sign := g.newVG(G)
	g.eachPand(g.k(kSignMask), x, sign)
	g.eachPor(sign, y, y)
	g.eachBlend(small, p, y)
	return y
}

// sigmoid returns a new group with sigmoid32 of every lane of x (x is
// kept): e = exp32(-|x|); (x >= 0 ? 1 : e) / (1 + e). Per member: x and
// exp's 4 (sigLive).
func (g *gen) sigmoid(x vg) vg {
	G := len(x)
	nx := g.newVG(G)
	g.eachPor(g.k(kSignMask), x, nx)
	e := g.exp(nx)
	d := g.newVG(G)
	g.each(g.VADDPS, g.k(kOne), e, d)
	g.eachBlend(g.eachCmp(cmpGE, x, g.k(kZero)), g.k(kOne), e) // num
	g.each(g.VDIVPS, d, e, e)
	return e
}

// negBits returns the bits of the int32 -v.
func negBits(v int32) uint32 { return uint32(-v) }

// The constants of sin and cos.
var (
	kTwoOverPi = kf32("twoOverPi", mc.TwoOverPi)
	kNegPiO2   = [...]kconst{kf32("negPiO2C1", -mc.PiO2C1), kf32("negPiO2C2", -mc.PiO2C2), kf32("negPiO2C3", -mc.PiO2C3)}
	kSinP      = [...]kconst{kf32("sinP0", mc.SinP0), kf32("sinP1", mc.SinP1), kf32("sinP2", mc.SinP2)}
	kCosP      = [...]kconst{kf32("cosP0", mc.CosP0), kf32("cosP1", mc.CosP1), kf32("cosP2", mc.CosP2)}
	kI1        = kconst{"i1", 1}

	trigPins = []kconst{kTwoOverPi, kNegPiO2[0], kNegPiO2[1], kNegPiO2[2], kSinP[0], kSinP[2], kCosP[0], kCosP[2],
		kMinusHalf, kAbsMask, kSignMask, kI1, kSinP[1], kCosP[1], kOne}
)

// trigLive: x, r, j, z, s, c, t per member (the AVX2 quadrant mask is
// short-lived; on AVX-512 it is a K register).
const trigLive = 7

// pxor is the integer XOR (EVEX needs the D form for ZMM).
func (g *gen) pxor(a any, b, dst vg) {
	if g.kmask {
		g.each(g.VPXORD, a, b, dst)
	} else {
		g.each(i3(g.VPXOR), a, b, dst)
	}
}

func (g *gen) sin(x vg) vg { return g.trig(x, false) }
func (g *gen) cos(x vg) vg { return g.trig(x, true) }

// trig returns a new group with sin32 (cos false) or cos32 of every lane of
// x, as trigReduced in kernels/trig_generic.go (x is kept for sin's sign):
// the reduction of |x| by pi/2, both polynomials, the quadrant's choice and
// sign. Lanes with a finite |x| > TrigMax are not reduced accurately; the
// Go API never hands them to this kernel.
func (g *gen) trig(x vg, cos bool) vg {
	G := len(x)
	// a = |x|; q = roundEven(a*TwoOverPi)
	r := g.newVG(G)
	g.eachPand(g.k(kAbsMask), x, r)
	q := g.newVG(G)
	g.each(g.VMULPS, g.k(kTwoOverPi), r, q)
	g.eachRound(q, q)
	// r = fma(q, -C1, a); r = fma(q, -C2, r); r = fma(q, -C3, r)
	for _, c := range kNegPiO2 {
		g.each(g.VFMADD231PS, g.k(c), q, r)
	}
	// j = int32(q) (+1 for cos: cos(x) = sin(x + pi/2))
	j := q
	g.each(g.VCVTTPS2DQ, q, j)
	if cos {
		g.each(g.VPADDD, g.k(kI1), j, j)
	}
	// z = r*r; s = fma(P0, z, P1); s = fma(s, z, P2); s = fma(s*z, r, r)
	z := g.newVG(G)
	g.each(g.VMULPS, r, r, z)
	s := g.fresh(G, g.k(kSinP[1]))
	g.each(g.VFMADD231PS, g.k(kSinP[0]), z, s)
	g.each(g.VFMADD213PS, g.k(kSinP[2]), z, s)
	g.each(g.VMULPS, z, s, s)
	g.each(g.VFMADD213PS, r, r, s) // s = r*s + r
	// c = fma(P0, z, P1); c = fma(c, z, P2); t = fma(z, -0.5, 1); c = fma(c, z*z, t)
	c := g.fresh(G, g.k(kCosP[1]))
	g.each(g.VFMADD231PS, g.k(kCosP[0]), z, c)
	g.each(g.VFMADD213PS, g.k(kCosP[2]), z, c)
	t := g.fresh(G, g.k(kOne))
	g.each(g.VFMADD231PS, g.k(kMinusHalf), z, t)
	g.each(g.VMULPS, z, z, z)
	g.each(g.VFMADD213PS, t, z, c) // c = z*c + t
	// y = j&1 ? c : s
	if g.kmask {
		m := make(vg, G)
		for i := range m {
			m[i] = g.K()
		}
		g.each(g.VPTESTMD, g.k(kI1), j, m)
		g.eachBlend(m, c, s)
	} else {
		m := g.newVG(G)
		g.each(g.VPSLLD, u8(31), j, m) // VBLENDVPS reads the sign bit
		g.eachBlend(m, c, s)
	}
	// sign = (j&2) << 30, xor the sign of x for sin
	g.each(g.VPSLLD, u8(30), j, j)
	if !cos {
		g.pxor(x, j, j)
	}
	g.eachPand(g.k(kSignMask), j, j)
	g.pxor(j, s, s)
	return s
}
