package main

import (
	"math"

	"github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"

	"github.com/vecgrad/vecgrad/internal/abi"
)

// optim group: the fused optimizer steps SGDStep and AdamStep, one pass over
// a parameter tensor each (the specification is kernels/optim_generic.go).
// The variant is decoded once at entry (dispatch) into one specialised loop
// per variant, so no element branches on a flag. Maximize is no variant: the
// sign argument (-0 or +0) is XORed into every gradient vector.
//
// Register plan: each scalar the variant uses is broadcast into a register
// of its own for the whole call (SGD up to 5: sign, negLR, wd, momentum,
// damp1; Adam up to 9: sign, beta1, c1, beta2, c2, bc2s, eps, negStep and
// wd or decay, and where divConst applies also rhi and rlo). The vectors
// of a block go one after another through the same body, whose temporaries
// die before the next vector starts, so avo reuses them: SGD d, p, buf;
// Adam d, p, m (then the numerator negStep*m), v, the product c2*d, with
// amsgrad vmax, the maximum and the NaN mask of vmax (a K register on
// AVX-512), and in divConst the quotient, the remainder and the mask of the
// non-finite lanes. The largest plans, AVX2 Adam with weight decay (11
// scalars with rhi and rlo), take all 16 YMM; AVX2 with amsgrad would need
// more with divConst, so it divides by bc2s with VDIVPS (adamPlan).
// TestAVX2Registers rejects any register above Y15. Full vectors take
// memory operands where the instruction allows; the remainder pass loads
// masked.
func optimGroup(g *gen) {
	g.sgdStep()
	g.adamStep()
}

// scalar broadcasts the float32 argument name into a new register.
func (g *gen) scalar(name string) reg.VecVirtual { return g.bcast(addr(g.Param(name))) }

// flipSign returns a new register holding the vector at m (tail mask t)
// with the sign bits of sign XORed in.
func (g *gen) flipSign(m operand.Mem, t reg.Register, sign reg.VecVirtual) reg.VecVirtual {
	r := g.v()
	if g.kmask {
		g.VPXORD(g.src(m, t), sign, r) // VXORPS zmm needs AVX512DQ
	} else {
		g.VXORPS(g.src(m, t), sign, r)
	}
	return r
}

func (g *gen) sgdStep() {
	g.function("SGDStep", "func(variant int, p, grad, buf *float32, n int, negLR, momentum, damp1, wd, sign float32)",
		"SGDStep"+g.suffix+" runs variant 2*mode + wd of sgdStepGeneric (gen/KERNELS.md) over n >= 1 elements:",
		"d = grad^sign; wd: d = fma(wd, p, d); modes 1-4: buf = first ? d : fma(damp1, d, momentum*buf),",
		"d = nesterov ? fma(momentum, buf, d) : buf; then p = fma(negLR, d, p). Mode 0 does not touch buf.")
	variant := g.arg("variant")
	p, gp, buf, n := g.arg("p"), g.arg("grad"), g.arg("buf"), g.arg("n")
	g.dispatch(variant, abi.SGDVariants, func(code int) {
		f := abi.DecodeSGD(code)
		wd, mom, first, nest := f.WeightDecay, f.Momentum(), f.First(), f.Nesterov()
		sign, negLR := g.scalar("sign"), g.scalar("negLR")
		var wdv, momv, damp reg.VecVirtual
		if wd {
			wdv = g.scalar("wd")
		}
		if mom && (nest || !first) {
			momv = g.scalar("momentum")
		}
		if mom && !first {
			damp = g.scalar("damp1")
		}
		ptrs := []reg.GPVirtual{p, gp}
		if mom {
			ptrs = append(ptrs, buf)
		}
		s := sgdScalars{sign: sgdScalar{reg: sign}, negLR: sgdScalar{reg: negLR},
			mom: sgdScalar{reg: momv}, damp: sgdScalar{reg: damp}, wd: sgdScalar{reg: wdv}}
		g.stream(n, ptrs, g.unroll, func(_, off int, t reg.Register) {
			d := g.flipSign(at(gp, off), t, sign)
			g.sgdElement(f, s, d, at(p, off), at(buf, off), t)
		})
	})
}

// sgdScalar is one of SGDStep's float32 scalars: broadcast in reg, or
// (reg nil) an embedded-broadcast memory operand at mem. Either way each
// instruction's arithmetic is the same.
type sgdScalar struct {
	reg reg.VecVirtual
	mem operand.Mem
}

// sgdScalars are SGDStep's scalars (those its variant reads).
type sgdScalars struct{ sign, negLR, mom, damp, wd sgdScalar }

// fmaS emits acc = s*x + acc (one rounding).
func (g *gen) fmaS(s sgdScalar, x, acc reg.VecVirtual) {
	if s.reg != nil {
		g.VFMADD231PS(x, s.reg, acc)
		return
	}
	g.VFMADD231PS_BCST(s.mem, x, acc)
}

// sgdElement applies SGD variant f to one vector of elements: d holds
// their gradient, sign already applied (d is overwritten), p and buf are
// their values and momentum in memory, t the tail mask (nil: a full
// vector). SGDStep's loop and GemmStripSGD's store phase both run it, so
// that the fused update is SGDStep's arithmetic, instruction for
// instruction.
func (g *gen) sgdElement(f abi.SGD, s sgdScalars, d reg.VecVirtual, p, buf operand.Mem, t reg.Register) {
	mom, first, nest := f.Momentum(), f.First(), f.Nesterov()
	pv := g.load(p, t)
	if f.WeightDecay {
		g.fmaS(s.wd, pv, d) // d = wd*p + d
	}
	if mom {
		b := d // first step: buf = d
		if !first {
			b = g.v()
			if s.mom.reg != nil {
				g.VMULPS(g.src(buf, t), s.mom.reg, b) // momentum*buf
			} else {
				g.VMULPS_BCST(s.mom.mem, g.load(buf, t), b)
			}
			g.fmaS(s.damp, d, b) // buf = damp1*d + momentum*buf
		}
		g.store(b, buf, t)
		if nest {
			g.fmaS(s.mom, b, d) // d = momentum*buf + d
		} else {
			d = b
		}
	}
	g.fmaS(s.negLR, d, pv) // p = negLR*d + p
	g.store(pv, p, t)
}

func (g *gen) adamStep() {
	recipArgs := "" // the two-term reciprocal divConst needs
	if g.adamDivConst {
		recipArgs = "rhi, rlo, "
	}
	g.function("AdamStep",
		"func(variant int, p, grad, m, v, vmax *float32, n int, beta1, c1, beta2, c2, bc2s, "+recipArgs+"eps, negStep, wd, decay, sign float32)",
		"AdamStep"+g.suffix+" runs variant 3*amsgrad + decay of adamStepGeneric (gen/KERNELS.md) over n >= 1 elements:",
		"d = grad^sign; decay 2: p = p*decay, decay 1: d = fma(wd, p, d); m = fma(c1, d, beta1*m);",
		"v = fma(c2*d, d, beta2*v); amsgrad: vmax = max(vmax, v) (NaN from either side), used as v;",
		"p = p + (negStep*m)/(sqrt(v)/bc2s + eps). Without amsgrad vmax is not touched.")
	variant := g.arg("variant")
	p, gp, m, v, vmax, n := g.arg("p"), g.arg("grad"), g.arg("m"), g.arg("v"), g.arg("vmax"), g.arg("n")
	g.dispatch(variant, abi.AdamVariants, func(code int) {
		a := g.adamPlan(abi.DecodeAdam(code))
		a.p, a.gp, a.m, a.v, a.vmax = p, gp, m, v, vmax
		ptrs := []reg.GPVirtual{p, gp, m, v}
		if a.AMSGrad {
			ptrs = append(ptrs, vmax)
		}
		g.stream(n, ptrs, g.unroll, a.element)
	})
}

// adamVariant is the register plan of one AdamStep variant: its pointers
// and the scalars it broadcasts, shared by the loop body.
type adamVariant struct {
	g *gen
	abi.Adam
	divConst                                 bool // divide by bc2s with g.divConst, not VDIVPS
	p, gp, m, v, vmax                        reg.GPVirtual
	sign, b1, c1, b2, c2, bc2s, eps, negStep reg.VecVirtual
	rhi, rlo                                 reg.VecVirtual // divConst's reciprocal of bc2s
	k                                        reg.VecVirtual // wd (AdamL2) or decay (AdamDecoupled)
}

// adamPlan broadcasts the scalars variant f uses.
func (g *gen) adamPlan(f abi.Adam) *adamVariant {
	a := &adamVariant{g: g, Adam: f}
	a.sign = g.scalar("sign")
	a.b1, a.c1, a.b2, a.c2 = g.scalar("beta1"), g.scalar("c1"), g.scalar("beta2"), g.scalar("c2")
	a.bc2s, a.eps, a.negStep = g.scalar("bc2s"), g.scalar("eps"), g.scalar("negStep")
	// With amsgrad, 16 vector registers (AVX2) leave none for rhi, rlo
	// and divConst's temporaries. That step, at 36 bytes per parameter,
	// gained little from divConst when a timing-only build let it use
	// Y16-Y20 (docs/performance.md).
	a.divConst = g.adamDivConst && (!f.AMSGrad || g.nvec > 16)
	if a.divConst {
		a.rhi, a.rlo = g.scalar("rhi"), g.scalar("rlo")
	}
	switch f.Decay {
	case abi.AdamL2:
		a.k = g.scalar("wd")
	case abi.AdamDecoupled:
		a.k = g.scalar("decay")
	}
	return a
}

// element emits the step of the vector at byte offset off (tail mask t).
func (a *adamVariant) element(_, off int, t reg.Register) {
	g := a.g
	d := g.flipSign(at(a.gp, off), t, a.sign)
	pv := g.load(at(a.p, off), t)
	switch a.Decay {
	case abi.AdamL2:
		g.VFMADD231PS(pv, a.k, d) // d = wd*p + d
	case abi.AdamDecoupled:
		g.VMULPS(a.k, pv, pv) // p = p*decay
	}
	// Every load of the vector comes before its first store: the
	// arrays often lie at the same offset within their pages, and
	// a load from v after the store to m at the same address bits
	// 11:0 waits on it (4K aliasing; docs/performance.md has the
	// cost).
	mv, vv := g.v(), g.v()
	g.VMULPS(g.src(at(a.m, off), t), a.b1, mv) // beta1*m
	g.VMULPS(g.src(at(a.v, off), t), a.b2, vv) // beta2*v
	var x reg.VecVirtual
	if a.AMSGrad {
		x = g.load(at(a.vmax, off), t)
	}
	g.VFMADD231PS(d, a.c1, mv) // m = c1*d + beta1*m
	g.store(mv, at(a.m, off), t)
	g.VMULPS(a.negStep, mv, mv) // numerator negStep*m

	sq := g.v()
	g.VMULPS(a.c2, d, sq)    // c2*d
	g.VFMADD231PS(d, sq, vv) // v = fma(c2*d, d, beta2*v)
	g.store(vv, at(a.v, off), t)
	if a.AMSGrad {
		r := g.v()
		g.maxmin(true, x, vv, r) // vmax > v ? vmax : v, vmax where vmax is NaN
		g.store(r, at(a.vmax, off), t)
		vv = r
	}

	den := g.v()
	g.VSQRTPS(vv, den)
	if a.divConst {
		den = g.divConst(den, a.bc2s, a.rhi, a.rlo) // sqrt(v)/bc2s
	} else {
		g.VDIVPS(a.bc2s, den, den) // sqrt(v)/bc2s
	}
	g.VADDPS(a.eps, den, den) // + eps
	g.VDIVPS(den, mv, mv)     // (negStep*m)/den
	g.VADDPS(mv, pv, pv)      // p + that
	g.store(pv, at(a.p, off), t)
}

// divConst returns a new register holding x/c rounded to nearest, exactly
// as VDIVPS computes it, without the divider. c > 0 is the same in every
// lane, with c > 2^-27, and 1/c is given in two terms: hi = RN(1/c) and a
// lo with hi + lo within 2^-47 of 1/c (kernels' recipTwoTerms). x is a
// square root of a float32: in [0, 2^64), +Inf or a quiet NaN. In L1 and L2
// the divider bounds AdamStep (a square root and two divisions per vector);
// these FMA-pipe instructions take one of the divisions off it (at the
// levels with adamDivConst).
//
// Why the result is exact. Markstein's theorem: if y approximates 1/c with a
// relative error below 2^-24 (hi does) and q is a faithful approximation of
// x/c (one of the two floats around it), then r = x - q*c is exact in one
// FMA and RN(q + r*y) = RN(x/c).
//   - q0 = RN(x*hi + RN(x*lo)) is within 2^-46 of x/c relative to it, far
//     less than the distance that would let a float fall between q0 and
//     x/c: q0 is faithful (and almost always x/c already).
//     (x*hi alone can be 1.5 ulp off; lo is what spares a second
//     correction.)
//   - No remainder underflows: q0 >= x >= 2^-74.5 and c > 2^-27 keep
//     exponent(c) + exponent(q0) >= -102, above the -103 that needs; x*lo
//     may underflow, but its error is then below 2^-149, nothing beside
//     ulp(q0) >= 2^-98. And x < 2^64 keeps x/c finite.
//   - x = 0 gives +0 through every step. At +Inf and NaN, x - q0*c is NaN;
//     those lanes take x itself, which is the quotient there.
//
// kernels' TestAdamDivConst runs the sequence on every significand of x for
// a range of c, and the correction on the other faithful approximation.
func (g *gen) divConst(x, c, hi, lo reg.VecVirtual) reg.VecVirtual {
	q, r := g.v(), g.v()
	g.VMULPS(lo, x, q)      // x*lo
	g.VFMADD231PS(x, hi, q) // q0 = x*hi + x*lo
	g.VMOVAPS(x, r)
	g.VFNMADD231PS(q, c, r) // r = x - q0*c, exact
	g.VFMADD231PS(r, hi, q) // q = q0 + r*hi

	// !(x < +Inf): the +Inf and NaN lanes.
	bad := g.cmp(cmpNLT, x, g.kf("inf", float32(math.Inf(1))))
	g.blend(bad, x, q)
	return q
}
