package main

import (
	"fmt"
	"math"

	"github.com/vecgrad/vecgrad/gen/internal/neon"
	mc "github.com/vecgrad/vecgrad/internal/mathconst"
)

// The vector exp, log, tanh and sigmoid below follow exp32, log32, tanh32
// and sigmoid32 of kernels/exp_generic.go operation by operation: fma32
// becomes one FMLA (by element when the multiplier is a constant), every
// other operation one rounded float32 instruction, in the reference's order;
// branches become compares and bitwise blends. Each routine works in place on
// a group of vectors and interleaves the group's instructions step by step.

func f32(x float32) uint32 { return math.Float32bits(x) }

func i32(x int32) uint32 { return uint32(x) }

// constBits names every constant the routines use (bit patterns).
var constBits = map[string]uint32{
	"one":  f32(1),
	"two":  f32(2),
	"sign": 0x80000000,

	"expMin": f32(mc.ExpMin),
	"expMax": f32(mc.ExpMax),
	"log2e":  f32(mc.Log2E),
	"negC1":  f32(-mc.ExpC1),
	"negC2":  f32(-mc.ExpC2),
	"expP0":  f32(mc.ExpP0),
	"expP1":  f32(mc.ExpP1),
	"expP2":  f32(mc.ExpP2),
	"expP3":  f32(mc.ExpP3),
	"expP4":  f32(mc.ExpP4),
	"expP5":  f32(mc.ExpP5),

	"minNormal": f32(mc.LogMinNormal),
	"denormMul": f32(mc.LogDenormMul),
	"negBias":   i32(-mc.LogDenormBias), // int32 -24
	"bias126":   i32(126),               // int32
	"mant":      0x007fffff,
	"half":      0x3f000000, // 0.5: the exponent bits of m in [0.5, 1)
	"sqrtHalf":  f32(mc.LogSqrtHalf),
	"inf":       f32(float32(math.Inf(1))),
	"negInf":    f32(float32(math.Inf(-1))),
	"logP0":     f32(mc.LogP0),
	"logP1":     f32(mc.LogP1),
	"logP2":     f32(mc.LogP2),
	"logP3":     f32(mc.LogP3),
	"logP4":     f32(mc.LogP4),
	"logP5":     f32(mc.LogP5),
	"logP6":     f32(mc.LogP6),
	"logP7":     f32(mc.LogP7),
	"logP8":     f32(mc.LogP8),
	"c1":        f32(mc.ExpC1),
	"c2":        f32(mc.ExpC2),
	"negHalf":   f32(-0.5),

	"tanhSmall": f32(mc.TanhSmall),
	"tanhP0":    f32(mc.TanhP0),
	"tanhP1":    f32(mc.TanhP1),
	"tanhP2":    f32(mc.TanhP2),
	"tanhP3":    f32(mc.TanhP3),
	"tanhP4":    f32(mc.TanhP4),
}

// Needs lists the constants a routine uses: Full ones are broadcast to a
// whole register (operands of FADD, FMAX, compares, bitwise ops); Lanes are
// packed four to a register and used by FMLA/FMUL by element or VDUP.
type Needs struct{ Full, Lanes []string }

func (n Needs) plus(m Needs) Needs {
	return Needs{append(append([]string{}, n.Full...), m.Full...), append(append([]string{}, n.Lanes...), m.Lanes...)}
}

var (
	expNeeds = Needs{
		Full:  []string{"expMin", "expMax", "one"},
		Lanes: []string{"log2e", "negC1", "negC2", "expP0", "expP1", "expP2", "expP3", "expP4", "expP5"},
	}
	logNeeds = Needs{
		Full: []string{"minNormal", "negBias", "bias126", "mant", "half", "sqrtHalf", "one", "inf", "negInf"},
		Lanes: []string{"denormMul", "logP0", "logP1", "logP2", "logP3", "logP4", "logP5", "logP6",
			"logP7", "logP8", "c2", "negHalf", "c1"},
	}
	tanhNeeds = expNeeds.plus(Needs{
		Full:  []string{"two", "tanhSmall", "sign"},
		Lanes: []string{"tanhP0", "tanhP1", "tanhP2", "tanhP3", "tanhP4"},
	})
	sigmoidNeeds = expNeeds
)

// Consts is the set of constants loaded in registers for one kernel (or one op).
type Consts struct {
	e     *neon.Emitter
	full  map[string]neon.Vreg
	lanes map[string]neon.Lane
}

// LoadConsts allocates registers for the constants in n and fills them,
// using the general register r as scratch.
func LoadConsts(e *neon.Emitter, n Needs, r neon.Reg) *Consts {
	c := &Consts{e: e, full: map[string]neon.Vreg{}, lanes: map[string]neon.Lane{}}
	for _, name := range n.Full {
		if _, ok := c.full[name]; ok {
			continue
		}
		v := e.Alloc()
		c.full[name] = v
		e.Const32(r, constOf(name))
		e.DupR(v, r)
	}
	var cur neon.Vreg
	i := 0
	for _, name := range n.Lanes {
		if _, ok := c.lanes[name]; ok {
			continue
		}
		if i%4 == 0 {
			cur = e.Alloc()
		}
		c.lanes[name] = neon.Lane{V: cur, I: i % 4}
		e.Const32(r, constOf(name))
		e.MovRLane(cur, i%4, r)
		i++
	}
	return c
}

func constOf(name string) uint32 {
	b, ok := constBits[name]
	if !ok {
		panic("no constant " + name)
	}
	return b
}

// F returns the register holding constant name in every lane.
func (c *Consts) F(name string) neon.Vreg {
	v, ok := c.full[name]
	if !ok {
		panic(fmt.Sprintf("constant %s not loaded as a full register", name))
	}
	return v
}

// L returns the lane holding constant name.
func (c *Consts) L(name string) neon.Lane {
	l, ok := c.lanes[name]
	if !ok {
		panic(fmt.Sprintf("constant %s not loaded as a lane", name))
	}
	return l
}

// Free releases the constants' registers.
func (c *Consts) Free() {
	seen := map[neon.Vreg]bool{}
	for _, v := range c.full {
		seen[v] = true
	}
	for _, l := range c.lanes {
		seen[l.V] = true
	}
	for v := neon.Vreg(0); v < 32; v++ {
		if seen[v] {
			c.e.Free(v)
		}
	}
}

func allocEach(e *neon.Emitter, k int) []neon.Vreg {
	vs := make([]neon.Vreg, k)
	for i := range vs {
		vs[i] = e.Alloc()
	}
	return vs
}

// horner emits, for every vector i of the group, the steps
// p = fma(p, x, coef) for each coef in order, using q as the other register
// of a ping-pong pair; it returns the registers holding the results.
func (c *Consts) horner(p, q, x []neon.Vreg, coefs ...string) []neon.Vreg {
	e := c.e
	p, q = append([]neon.Vreg{}, p...), append([]neon.Vreg{}, q...)
	for _, name := range coefs {
		for i := range x {
			e.DupLane(q[i], c.L(name))
			e.VFMLA(q[i], p[i], x[i]) // q = fma(p, x, coef)
		}
		p, q = q, p
	}
	return p
}

// Exp replaces every x in xs by exp32(x). Three scratch registers per vector.
func (c *Consts) Exp(xs []neon.Vreg) {
	e := c.e
	k := len(xs)
	n, p, q := allocEach(e, k), allocEach(e, k), allocEach(e, k)
	e.Comment("exp32 of %v", xs)
	for _, x := range xs {
		e.FMAX(x, x, c.F("expMin")) // NaN stays NaN and makes the result NaN
	}
	for _, x := range xs {
		e.FMIN(x, x, c.F("expMax"))
	}
	for i, x := range xs {
		e.FMULE(n[i], x, c.L("log2e")) // x*Log2E
	}
	for i := range xs {
		e.FRINTN(n[i], n[i]) // n = roundEven
	}
	for i, x := range xs {
		e.FMLAE(x, n[i], c.L("negC1")) // r = fma(n, -C1, x)
	}
	for i, x := range xs {
		e.FMLAE(x, n[i], c.L("negC2")) // r = fma(n, -C2, r)
	}
	for i, x := range xs {
		e.DupLane(p[i], c.L("expP1"))
		e.FMLAE(p[i], x, c.L("expP0")) // p = fma(P0, r, P1)
	}
	pr := c.horner(p, q, xs, "expP2", "expP3", "expP4", "expP5")
	rr := q
	if pr[0] == q[0] {
		rr = p
	}
	for i, x := range xs {
		e.FMUL(rr[i], x, x) // r*r
	}
	for i, x := range xs {
		e.VFMLA(x, pr[i], rr[i]) // y = fma(p, r*r, r)
	}
	for _, x := range xs {
		e.FADD(x, x, c.F("one")) // y + 1
	}
	// 2^n = 2^n1 * 2^n2, n1 = n>>1, n2 = n-n1; 2^k = (k+127)<<23 = (k<<23) + bits(1.0).
	for i := range xs {
		e.FCVTZS(n[i], n[i])
		e.SSHR(p[i], n[i], 1)
		e.ISUB(n[i], n[i], p[i])
	}
	for i := range xs {
		e.SHL(p[i], p[i], 23)
		e.IADD(p[i], p[i], c.F("one"))
		e.SHL(n[i], n[i], 23)
		e.IADD(n[i], n[i], c.F("one"))
	}
	for i, x := range xs {
		e.FMUL(x, x, p[i])
	}
	for i, x := range xs {
		e.FMUL(x, x, n[i])
	}
	e.Free(n...)
	e.Free(p...)
	e.Free(q...)
}

// Log replaces every x in xs by log32(x). Five scratch registers per vector.
func (c *Consts) Log(xs []neon.Vreg) {
	e := c.e
	k := len(xs)
	t, ev, s, u := allocEach(e, k), allocEach(e, k), allocEach(e, k), allocEach(e, k)
	e.Comment("log32 of %v", xs)
	c.logReduce(xs, t, ev, s, u)
	m, z := s, t
	for i := range xs {
		e.FMUL(z[i], m[i], m[i]) // z = m*m
	}
	p := u
	q := allocEach(e, k)
	p = c.logPoly(m, z, ev, p, q)
	c.logSpecial(xs, p, z)
	e.Free(t...)
	e.Free(ev...)
	e.Free(s...)
	e.Free(u...)
	e.Free(q...)
}

// logReduce splits each x of xs into x = 2^e * (1 + m), m in
// [sqrt(1/2)-1, sqrt(2)-1): it leaves m in s and float32(e) in ev, and t
// and u as scratch (denormals are scaled by 2^24 first).
func (c *Consts) logReduce(xs, t, ev, s, u []neon.Vreg) {
	e := c.e
	for i, x := range xs {
		e.FCMGT(ev[i], c.F("minNormal"), x) // x < 2^-126 (denormal, zero or negative)
	}
	for i, x := range xs {
		e.FMULE(t[i], x, c.L("denormMul")) // x * 2^24
	}
	for i, x := range xs {
		e.BIF(t[i], x, ev[i]) // t = small ? x*2^24 : x
	}
	for i := range xs {
		e.AND(ev[i], ev[i], c.F("negBias")) // e = small ? -24 : 0
	}
	for i := range xs {
		e.USHR(s[i], t[i], 23) // bits >> 23
	}
	for i := range xs {
		e.IADD(ev[i], ev[i], s[i])
		e.ISUB(ev[i], ev[i], c.F("bias126")) // e += int32(bits>>23) - 126
	}
	for i := range xs {
		e.BIF(t[i], c.F("half"), c.F("mant")) // m = bits&0x007fffff | 0x3f000000
	}
	for i := range xs {
		e.FCMGT(s[i], c.F("sqrtHalf"), t[i]) // m < sqrt(1/2)
	}
	for i := range xs {
		e.IADD(ev[i], ev[i], s[i]) // e-- there (the mask is -1)
	}
	for i := range xs {
		e.FADD(u[i], t[i], t[i])
		e.FSUB(u[i], u[i], c.F("one")) // m + m - 1
	}
	for i := range xs {
		e.FSUB(t[i], t[i], c.F("one")) // m - 1
	}
	for i := range xs {
		e.BSL(s[i], u[i], t[i]) // s = m
	}
	for i := range xs {
		e.SCVTF(ev[i], ev[i]) // ef = float32(e)
	}
}

// logPoly returns log(2^ef * (1 + m)) for each m (z = m*m) by the
// polynomial and the two-part ln 2 (C1 + C2), in registers of p or q
// (Horner alternates between them).
func (c *Consts) logPoly(m, z, ef, p, q []neon.Vreg) []neon.Vreg {
	e := c.e
	for i := range m {
		e.DupLane(p[i], c.L("logP1"))
		e.FMLAE(p[i], m[i], c.L("logP0")) // p = fma(P0, m, P1)
	}
	p = c.horner(p, q, m, "logP2", "logP3", "logP4", "logP5", "logP6", "logP7", "logP8")
	for i := range m {
		e.FMUL(p[i], z[i], p[i]) // z*p
	}
	for i := range m {
		e.FMUL(p[i], m[i], p[i]) // y = m*(z*p)
	}
	for i := range m {
		e.FMLAE(p[i], ef[i], c.L("c2")) // y = fma(ef, C2, y)
	}
	for i := range m {
		e.FMLAE(p[i], z[i], c.L("negHalf")) // y = fma(z, -0.5, y)
	}
	for i := range m {
		e.FADD(p[i], m[i], p[i]) // r = m + y
	}
	for i := range m {
		e.FMLAE(p[i], ef[i], c.L("c1")) // fma(ef, C1, r)
	}
	return p
}

// logSpecial writes into each x of xs its log from p, with the special
// cases blended on the original x (the masks are disjoint; z is scratch).
func (c *Consts) logSpecial(xs, p, z []neon.Vreg) {
	e := c.e
	for i, x := range xs {
		e.FCMEQ(z[i], x, c.F("inf"))
		e.BIT(p[i], x, z[i]) // +Inf: x
	}
	for i, x := range xs {
		e.FCMEQ0(z[i], x)
		e.BIT(p[i], c.F("negInf"), z[i]) // ±0: -Inf
	}
	for i, x := range xs {
		e.FCMGE0(z[i], x)
		e.ORN(x, p[i], z[i]) // NaN or x < 0: all ones, a NaN
	}
}

// Tanh replaces every x in xs by tanh32(x): both paths are computed and
// blended on |x| < TanhSmall. Five scratch registers per vector.
func (c *Consts) Tanh(xs []neon.Vreg) {
	e := c.e
	k := len(xs)
	s := allocEach(e, k)
	z, p, q := allocEach(e, k), allocEach(e, k), allocEach(e, k)
	e.Comment("tanh32 of %v: the small path", xs)
	for i, x := range xs {
		e.FMUL(z[i], x, x) // z = x*x
	}
	for i := range xs {
		e.DupLane(p[i], c.L("tanhP1"))
		e.FMLAE(p[i], z[i], c.L("tanhP0")) // p = fma(P0, z, P1)
	}
	pr := c.horner(p, q, z, "tanhP2", "tanhP3", "tanhP4")
	for i := range xs {
		e.FMUL(pr[i], pr[i], z[i]) // p*z
	}
	for i, x := range xs {
		e.Mov(s[i], x)
		e.VFMLA(s[i], pr[i], x) // fma(p*z, x, x)
	}
	e.Free(z...)
	e.Free(p...)
	e.Free(q...)
	a := allocEach(e, k)
	e.Comment("tanh32: the large path")
	for i, x := range xs {
		e.FABS(a[i], x)
		e.FADD(a[i], a[i], a[i]) // a + a
	}
	c.Exp(a)
	for i := range xs {
		e.FADD(a[i], a[i], c.F("one")) // e + 1
	}
	for i := range xs {
		e.FDIV(a[i], c.F("two"), a[i]) // 2/(e+1)
	}
	for i := range xs {
		e.FSUB(a[i], c.F("one"), a[i]) // 1 - 2/(e+1)
	}
	for i, x := range xs {
		e.BIT(a[i], x, c.F("sign")) // copysign(y, x)
	}
	m := allocEach(e, k)
	for i, x := range xs {
		e.FABS(m[i], x)
		e.FCMGT(m[i], c.F("tanhSmall"), m[i]) // |x| < TanhSmall (false for NaN)
	}
	for i, x := range xs {
		e.BIT(a[i], s[i], m[i]) // the small path there
		e.Mov(x, a[i])
	}
	e.Free(s...)
	e.Free(a...)
	e.Free(m...)
}

// Sigmoid replaces every x in xs by sigmoid32(x). Four scratch registers per vector.
func (c *Consts) Sigmoid(xs []neon.Vreg) {
	e := c.e
	k := len(xs)
	u := allocEach(e, k)
	e.Comment("sigmoid32 of %v", xs)
	for i, x := range xs {
		e.FABS(u[i], x)
		e.FNEG(u[i], u[i]) // -|x|
	}
	c.Exp(u)
	g := allocEach(e, k)
	for i, x := range xs {
		e.FCMGE0(g[i], x)
		e.BSL(g[i], c.F("one"), u[i]) // num = x >= 0 ? 1 : e
	}
	for i := range xs {
		e.FADD(u[i], c.F("one"), u[i]) // 1 + e
	}
	for i, x := range xs {
		e.FDIV(x, g[i], u[i])
	}
	e.Free(u...)
	e.Free(g...)
}

func init() {
	for k, v := range map[string]uint32{
		"i1":        1,
		"twoOverPi": f32(mc.TwoOverPi),
		"negPiO2C1": f32(-mc.PiO2C1),
		"negPiO2C2": f32(-mc.PiO2C2),
		"negPiO2C3": f32(-mc.PiO2C3),
		"sinP0":     f32(mc.SinP0),
		"sinP1":     f32(mc.SinP1),
		"sinP2":     f32(mc.SinP2),
		"cosP0":     f32(mc.CosP0),
		"cosP1":     f32(mc.CosP1),
		"cosP2":     f32(mc.CosP2),
	} {
		constBits[k] = v
	}
}

var trigNeeds = Needs{
	Full: []string{"sign", "one", "i1"},
	Lanes: []string{"twoOverPi", "negPiO2C1", "negPiO2C2", "negPiO2C3", "sinP0", "sinP1", "sinP2",
		"cosP0", "cosP1", "cosP2", "negHalf"},
}

// Trig replaces every x in xs by sin32(x) (cos false) or cos32(x), as
// trigReduced of kernels/trig_generic.go (|x| <= TrigMax, NaN, ±Inf). Six
// scratch registers per vector: a (then r, then sin(r)), q (then the
// quadrant j), z (then z*z, then the odd-quadrant mask), p and pq (the sin
// polynomial's ping-pong pair, then the cos one's), t (1 - z/2, then cos(r)).
func (c *Consts) Trig(xs []neon.Vreg, cos bool) {
	e := c.e
	k := len(xs)
	a, q, z, p, pq, t := allocEach(e, k), allocEach(e, k), allocEach(e, k), allocEach(e, k), allocEach(e, k), allocEach(e, k)
	e.Comment("trig (cos %v) of %v", cos, xs)
	for i, x := range xs {
		e.FABS(a[i], x) // a = |x|
	}
	for i := range xs {
		e.FMULE(q[i], a[i], c.L("twoOverPi"))
	}
	for i := range xs {
		e.FRINTN(q[i], q[i]) // q = roundEven(a*TwoOverPi)
	}
	for _, cn := range []string{"negPiO2C1", "negPiO2C2", "negPiO2C3"} {
		for i := range xs {
			e.FMLAE(a[i], q[i], c.L(cn)) // r = fma(q, -Ci, r)
		}
	}
	for i := range xs {
		e.FCVTZS(q[i], q[i]) // j = int32(q)
	}
	if cos {
		for i := range xs {
			e.IADD(q[i], q[i], c.F("i1"))
		}
	}
	for i := range xs {
		e.FMUL(z[i], a[i], a[i]) // z = r*r
	}
	for i := range xs {
		e.DupLane(p[i], c.L("sinP1"))
		e.FMLAE(p[i], z[i], c.L("sinP0")) // s = fma(P0, z, P1)
	}
	s := c.horner(p, pq, z, "sinP2")
	for i := range xs {
		e.FMUL(s[i], s[i], z[i]) // s*z
	}
	for i := range xs {
		e.VFMLA(a[i], s[i], a[i]) // sin(r) = fma(s*z, r, r)
	}
	for i := range xs {
		e.DupLane(p[i], c.L("cosP1"))
		e.FMLAE(p[i], z[i], c.L("cosP0")) // c = fma(P0, z, P1)
	}
	cr := c.horner(p, pq, z, "cosP2")
	for i := range xs {
		e.Mov(t[i], c.F("one"))
		e.FMLAE(t[i], z[i], c.L("negHalf")) // t = fma(z, -0.5, 1)
	}
	for i := range xs {
		e.FMUL(z[i], z[i], z[i]) // z*z
	}
	for i := range xs {
		e.VFMLA(t[i], cr[i], z[i]) // cos(r) = fma(c, z*z, t)
	}
	for i := range xs {
		e.SHL(z[i], q[i], 31)
		e.SSHR(z[i], z[i], 31) // all ones where j is odd
	}
	for i := range xs {
		e.BIT(a[i], t[i], z[i]) // y = j&1 ? cos(r) : sin(r)
	}
	for i, x := range xs {
		e.SHL(q[i], q[i], 30) // bit 1 of j to the sign
		if !cos {
			e.EOR(q[i], q[i], x) // xor the sign of x
		}
	}
	for i, x := range xs {
		e.AND(q[i], q[i], c.F("sign"))
		e.EOR(x, a[i], q[i])
	}
	e.Free(a...)
	e.Free(q...)
	e.Free(z...)
	e.Free(p...)
	e.Free(pq...)
	e.Free(t...)
}
