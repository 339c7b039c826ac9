package kernels

import (
	"fmt"
	"math"

	"github.com/vecgrad/vecgrad/internal/abi"
)

// The fused optimizer steps: one pass over a parameter tensor that reads the
// parameters, the gradient and the optimizer state once and writes the
// parameters and the state once, with no temporaries. The hyper-parameters
// are float64, as PyTorch's Python floats are; every scalar the element loop
// needs is computed once per call in float64 and rounded once to float32,
// which is what PyTorch does when it hands a Python float to a float32
// kernel. The kernel does not validate hyper-parameters (that is the optim
// package's job): it computes the formulas below for whatever it is given.

// SGDParams are the hyper-parameters of one SGD step (torch.optim.SGD).
type SGDParams struct {
	LR          float64 // learning rate
	Momentum    float64 // 0: plain SGD, no momentum buffer
	Dampening   float64 // the momentum buffer adds (1 - Dampening) * g
	WeightDecay float64 // L2 penalty: g += WeightDecay * p (skipped when 0)
	Nesterov    bool    // use g + Momentum*buf instead of buf (needs Momentum != 0)
	Maximize    bool    // ascend: the gradient is negated first
	// FirstStep: the momentum buffer is initialised to g (as PyTorch does
	// when the buffer does not exist yet) and not read.
	FirstStep bool
}

// sgdScalars are the float32 scalars SGDStep hands to the element loop.
type sgdScalars struct {
	negLR, momentum, damp1, wd float32
	sign                       float32 // -0 (sign bit set) when maximizing, else +0: XORed into g
}

// sgdArgs returns the variant code (internal/abi: 2*mode + wd) and the
// scalars of h.
func (h *SGDParams) sgdArgs() (int, sgdScalars) {
	s := sgdScalars{
		negLR:    float32(-h.LR),
		momentum: float32(h.Momentum),
		damp1:    float32(1 - h.Dampening),
		wd:       float32(h.WeightDecay),
	}
	if h.Maximize {
		s.sign = float32(math.Copysign(0, -1))
	}
	mode := abi.SGDPlain
	switch {
	case h.Momentum == 0:
	case h.FirstStep && h.Nesterov:
		mode = abi.SGDFirstNesterov
	case h.FirstStep:
		mode = abi.SGDFirst
	case h.Nesterov:
		mode = abi.SGDMomentumNesterov
	default:
		mode = abi.SGDMomentum
	}
	return abi.SGD{Mode: mode, WeightDecay: h.WeightDecay != 0}.Variant(), s
}

// SGDStep performs one step of torch.optim.SGD (single-tensor form) on the
// parameters p with gradient g and, when h.Momentum != 0, the momentum
// buffer buf, in place, element by element:
//
//	d = Maximize ? -g : g
//	if WeightDecay != 0:  d = fma(wd, p, d)                 // grad.add(p, alpha=wd)
//	if Momentum != 0:
//	    buf = FirstStep ? d : fma(damp1, d, momentum*buf)   // buf.mul_(m).add_(d, alpha=1-dampening)
//	    d = Nesterov ? fma(momentum, buf, d) : buf          // d.add(buf, alpha=m)
//	p = fma(negLR, d, p)                                    // p.add_(d, alpha=-lr)
//
// Every operation is one float32 rounding: momentum*buf is a rounded
// product, fma one fused multiply-add (as ATen's vectorized add with alpha,
// vec::fmadd). The float32 scalars are negLR = float32(-LR), momentum =
// float32(Momentum), damp1 = float32(1 - Dampening) (the difference taken in
// float64), wd = float32(WeightDecay). NaN and Inf propagate through the
// formulas.
//
// len(g) must equal len(p); with Momentum != 0 so must len(buf) (buf is not
// read when FirstStep), with Momentum == 0 buf is not touched and may be nil
// (Nesterov is then ignored). The slices must not share memory (SGDStep
// panics if they do). Results are bit
// for bit the same at every instruction-set level and for every thread
// count (steps of at least 2^15 elements are split across Threads()
// workers). Traffic: 12 bytes per parameter without momentum, 16 on the
// first step, 20 otherwise.
func SGDStep(p, g, buf []float32, h SGDParams) {
	a := sgdStepArgs("SGDStep", p, g, buf, h)
	runStep(&a, Threads())
}

// SGDStepSerial is SGDStep on the calling goroutine alone, for callers that
// split the work themselves (a member of a RunTeam region, which must not
// hand work to the pool its team occupies). Its results are SGDStep's.
func SGDStepSerial(p, g, buf []float32, h SGDParams) {
	a := sgdStepArgs("SGDStepSerial", p, g, buf, h)
	runStep(&a, 1)
}

// sgdStepArgs checks SGDStep's operands and returns them with the
// variant's scalars.
func sgdStepArgs(fn string, p, g, buf []float32, h SGDParams) stepArgs {
	checkSameLen(fn, []string{"p", "g"}, len(p), len(g))
	variant, s := h.sgdArgs()
	mom := abi.DecodeSGD(variant).Momentum()
	if mom {
		checkSameLen(fn, []string{"p", "buf"}, len(p), len(buf))
	}
	if mom {
		checkDisjoint(fn, []string{"p", "g", "buf"}, len(p), p, g, buf)
	} else {
		checkDisjoint(fn, []string{"p", "g"}, len(p), p, g)
	}
	if !mom {
		buf = nil
	}
	return stepArgs{variant: variant, p: p, g: g, s0: buf, sgd: s}
}

// AdamParams are the hyper-parameters of one Adam or AdamW step
// (torch.optim.Adam, torch.optim.AdamW).
type AdamParams struct {
	LR, Beta1, Beta2, Eps float64
	// WeightDecay: Adam's L2 term g += WeightDecay*p (skipped when 0), or
	// with Decoupled AdamW's p *= 1 - LR*WeightDecay.
	WeightDecay float64
	// Step is the step number t, counted from 1 (the bias corrections
	// 1 - Beta^t divide by zero at 0).
	Step      int
	Decoupled bool // AdamW
	AMSGrad   bool // keep the running maximum of v in vmax and use it
	Maximize  bool // ascend: the gradient is negated first
}

// adamScalars are the float32 scalars AdamStep hands to the element loop.
type adamScalars struct {
	beta1, c1, beta2, c2 float32
	bc2s, eps, negStep   float32
	rhi, rlo             float32 // 1/bc2s in two terms, for the amd64 kernels' division by bc2s (gen/amd64 divConst)
	wd, decay            float32
	sign                 float32 // -0 when maximizing, else +0: XORed into g
}

// adamArgs returns the variant code (internal/abi: 3*amsgrad + decay) and
// the scalars of h for step h.Step.
func (h *AdamParams) adamArgs() (int, adamScalars) {
	t := float64(h.Step)
	bc1 := 1 - math.Pow(h.Beta1, t)
	bc2 := 1 - math.Pow(h.Beta2, t)
	s := adamScalars{
		beta1:   float32(h.Beta1),
		c1:      float32(1 - h.Beta1),
		beta2:   float32(h.Beta2),
		c2:      float32(1 - h.Beta2),
		bc2s:    float32(math.Sqrt(bc2)),
		eps:     float32(h.Eps),
		negStep: float32(-(h.LR / bc1)),
		wd:      float32(h.WeightDecay),
		decay:   float32(1 - h.LR*h.WeightDecay),
	}
	if h.Maximize {
		s.sign = float32(math.Copysign(0, -1))
	}
	s.rhi, s.rlo = recipTwoTerms(s.bc2s)
	decay := abi.AdamNoDecay
	switch {
	case h.Decoupled:
		// 1 - lr*0 = 1: p*1 is p exactly, so AdamW without decay needs no
		// variant of its own, but PyTorch multiplies unconditionally and so
		// does this one (the result is the same).
		decay = abi.AdamDecoupled
	case h.WeightDecay != 0:
		decay = abi.AdamL2
	}
	return abi.Adam{Decay: decay, AMSGrad: h.AMSGrad}.Variant(), s
}

// recipTwoTerms returns 1/c in two float32 terms for a float32 c > 0:
// hi = RN(1/c) and lo, with hi + lo within 2^-47 of 1/c relative to it. 1/c
// is rounded once to float64 (relative error 2^-53); float64 has 53 >=
// 2*24+2 bits, so rounding that to float32 gives RN(1/c). Their difference
// is exact in float64 and at most 2^-24 of hi, so rounding it to float32
// (lo) errs by at most 2^-48 of hi.
func recipTwoTerms(c float32) (hi, lo float32) {
	r := 1 / float64(c)
	hi = float32(r)
	return hi, float32(r - float64(hi))
}

// AdamStep performs one step of torch.optim.Adam (single-tensor form), or
// of AdamW with h.Decoupled, on the parameters p with gradient g and the
// moment estimates m and v (and, with h.AMSGrad, the running maximum vmax),
// in place, element by element:
//
//	d = Maximize ? -g : g
//	if Decoupled:              p = p * decay            // p.mul_(1 - lr*wd)
//	else if WeightDecay != 0:  d = fma(wd, p, d)        // grad.add(p, alpha=wd)
//	m = fma(c1, d, beta1*m)                             // m.mul_(beta1).add_(d, alpha=1-beta1)
//	v = fma(c2*d, d, beta2*v)                           // v.mul_(beta2).addcmul_(d, d, value=1-beta2)
//	if AMSGrad: vmax = (vmax is NaN || vmax > v) ? vmax : v, and vmax replaces v below
//	den = sqrt(v)/bc2s + eps                            // (v.sqrt() / bc2s).add_(eps)
//	p = p + (negStep*m)/den                             // p.addcdiv_(m, den, value=-step_size)
//
// Every operation is one float32 rounding in the order written (sqrt and
// division correctly rounded, fma one fused multiply-add): the operation
// order of PyTorch's CPU kernels for the single-tensor path. ATen's add with
// alpha is vec::fmadd; addcmul_'s self + value*t1*t2 is contracted by the
// compiler of torch's AVX2 build into fma(value*t1, t2, self) (replaying
// torch 1.13 trajectories with that form reproduces them bit for bit, see
// optim's fixture test); mul_ and addcdiv_ round each product, quotient and
// sum. Torch >= 2.0 updates m with lerp_, which rounds differently by an
// ulp at times. The amsgrad maximum propagates NaN from either side, as
// torch.maximum.
//
// The scalars are computed here once per call from t = h.Step in float64,
// as PyTorch computes them in Python, and rounded once to float32:
//
//	beta1 = float32(Beta1)            c1 = float32(1 - Beta1)
//	beta2 = float32(Beta2)            c2 = float32(1 - Beta2)
//	bc2s  = float32(sqrt(1 - Beta2^t))
//	negStep = float32(-(LR / (1 - Beta1^t)))
//	eps = float32(Eps)  wd = float32(WeightDecay)  decay = float32(1 - LR*WeightDecay)
//
// (Beta^t is math.Pow.) Step must be at least 1 and Beta1, Beta2 in [0, 1)
// (else AdamStep panics). len(g), len(m) and len(v) must equal len(p); with
// AMSGrad so must len(vmax), which is otherwise not touched and may be nil.
// The slices must not share memory (AdamStep panics if they do). Results
// are bit for bit the same at every instruction-set level and for every
// thread count (as SGDStep's).
// Traffic: 28 bytes per parameter, 36 with AMSGrad.
func AdamStep(p, g, m, v, vmax []float32, h AdamParams) {
	a := adamStepArgs("AdamStep", p, g, m, v, vmax, h)
	runStep(&a, Threads())
}

// AdamStepSerial is AdamStep on the calling goroutine alone (see
// SGDStepSerial). Its results are AdamStep's.
func AdamStepSerial(p, g, m, v, vmax []float32, h AdamParams) {
	a := adamStepArgs("AdamStepSerial", p, g, m, v, vmax, h)
	runStep(&a, 1)
}

// adamStepArgs checks AdamStep's operands and returns them with the
// variant's scalars.
func adamStepArgs(fn string, p, g, m, v, vmax []float32, h AdamParams) stepArgs {
	checkSameLen(fn, []string{"p", "g", "m", "v"}, len(p), len(g), len(m), len(v))
	if h.AMSGrad {
		checkSameLen(fn, []string{"p", "vmax"}, len(p), len(vmax))
	}
	// The bias corrections 1 - Beta^t must lie in (0, 1]: the amd64
	// kernels divide by sqrt(1 - Beta2^t) through its reciprocal, which
	// needs a normal positive divisor (gen/amd64 divConst).
	if h.Step < 1 || !(h.Beta1 >= 0 && h.Beta1 < 1) || !(h.Beta2 >= 0 && h.Beta2 < 1) {
		panic(fmt.Sprintf("kernels: %s: Step = %d, Beta1 = %g, Beta2 = %g: want Step >= 1 and betas in [0, 1)", fn, h.Step, h.Beta1, h.Beta2))
	}
	if h.AMSGrad {
		checkDisjoint(fn, []string{"p", "g", "m", "v", "vmax"}, len(p), p, g, m, v, vmax)
	} else {
		checkDisjoint(fn, []string{"p", "g", "m", "v"}, len(p), p, g, m, v)
	}
	variant, s := h.adamArgs()
	if !h.AMSGrad {
		vmax = nil
	}
	return stepArgs{adam: true, variant: variant, p: p, g: g, s0: m, s1: v, s2: vmax, adamS: s}
}

// AdamDividerWork returns the correctly rounded square roots and divisions
// AdamStep takes per element at the active level, with or without amsgrad:
// one square root, and the divisions by bc2s and by the denominator, of
// which AVX-512, and AVX2 without amsgrad, do the first with FMAs instead.
// Both run on the divider, which bounds the step while its working set is
// in L1 or L2: at SqrtPeak and DivPeak rates S and D (lanes per second) it
// can do at most 1/(sqrts/S + divs/D) elements per second.
func AdamDividerWork(amsgrad bool) (sqrts, divs int) { return 1, adamDivisions(amsgrad) }
