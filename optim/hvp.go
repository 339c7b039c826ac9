package optim

import (
	"math"

	"github.com/vecgrad/vecgrad/kernels"
	"github.com/vecgrad/vecgrad/tensor"
)

// HVP writes to dst the product of the Hessian of the closure's objective
// at the parameters' current values with the vector v (both of length n,
// the total number of parameter elements, in the order of params and of
// each parameter's storage). It returns an *Error for invalid parameters
// or lengths, and the closure's error if it fails.
//
// The product is a central difference of gradients, because package
// tensor has no double backward:
//
//	Hv ≈ (∇f(w + εv) − ∇f(w − εv)) / (2ε)
//
// two gradient evaluations. Its error has two parts: the truncation
// ε²/6·∇³f[v,v,·] (zero on a quadratic) and the float32 rounding of the two
// gradients, about eps32·G/ε where G is the size of the terms summed into a
// gradient (eps32 = 2^-23). Their sum is smallest for ε³ ~ eps32·G/∇³f,
// that is ε·‖v‖ = cbrt(eps32)·s with s the scale over which the gradient
// changes; HVP takes s = 1 + ‖w_S‖, where w_S is w restricted to the
// parameters (tensors) where v is not zero (Nocedal and Wright's 1 + ‖w‖,
// §8.1, with the central difference's cube root). The relative error is
// then of order eps32^(2/3) ≈ 2.4e-5 (TestHVPAccuracy measures it against
// closed-form Hessians). The perturbed parameters w ± εv are rounded to
// float32, which moves each by at most eps32·|w_i|, again eps32^(2/3)
// relative to ε‖v‖; the difference of the gradients and its division by
// 2ε are float32 operations (at most 2 roundings, 2^-23 relative: far below
// the truncation and the gradients' own rounding), so that the work around
// the two gradient evaluations is a few vector passes.
//
// The parameters are restored bitwise before HVP returns (also on error);
// their gradients are left as the last evaluation set them (at w − εv).
func HVP(params []*tensor.Tensor, closure Closure, v, dst []float64) error {
	o, err := newOracle("HVP", params, closure)
	if err != nil {
		return err
	}
	if err := o.checkLens("HVP", len(v), len(dst)); err != nil {
		return err
	}
	return o.hvp(v, dst, -1)
}

// HessianVector is a reusable Hessian-vector product: HVP's computation,
// with its buffers (the parameters' snapshot, the first gradient, the
// direction in float32) kept from one call to the next, as a Newton-CG
// solve needs it once per CG iteration.
type HessianVector struct{ o *oracle }

// NewHessianVector validates params and closure as HVP does.
func NewHessianVector(params []*tensor.Tensor, closure Closure) (*HessianVector, error) {
	o, err := newOracle("HessianVector", params, closure)
	if err != nil {
		return nil, err
	}
	return &HessianVector{o}, nil
}

// Apply writes to dst the Hessian-vector product H·v at the parameters'
// current values (which it snapshots again: they may have changed since the
// last call), exactly as HVP computes it. The parameters are restored
// bitwise.
func (h *HessianVector) Apply(v, dst []float64) error {
	if err := h.o.checkLens("HessianVector", len(v), len(dst)); err != nil {
		return err
	}
	h.o.snapshot()
	return h.o.hvp(v, dst, -1)
}

// Apply32 is Apply with v and dst in float32, the precision HVP computes
// in, which saves the conversions: the cheapest product, for a caller
// that keeps its vectors in float32.
func (h *HessianVector) Apply32(v, dst []float32) error {
	if err := h.o.checkLens("HessianVector", len(v), len(dst)); err != nil {
		return err
	}
	h.o.snapshot()
	return h.o.hvp32(v, dst, -1)
}

// checkLens returns an error unless a vector and a product both have the
// parameter count's length.
func (o *oracle) checkLens(op string, nv, ndst int) error {
	if nv != o.n || ndst != o.n {
		return errorf(op, "len(v) = %d and len(dst) = %d: both must be the parameter count %d", nv, ndst, o.n)
	}
	return nil
}

// hvp is hvp32 for float64 vectors: v is rounded to float32 (j < 0; for
// j >= 0 it is e_j and unused) and the product widened into dst.
func (o *oracle) hvp(v, dst []float64, j int) error {
	if o.d32 == nil {
		o.d32 = make([]float32, o.n)
	}
	var v32 []float32
	if j < 0 {
		if o.v32 == nil {
			o.v32 = make([]float32, o.n)
		}
		v32 = o.v32
		o.each(func(i int, s span) { // with the step's norms (see step) from L1
			src := flat(v, s)
			d := flat(v32, s)[:len(src)]
			for e, x := range src {
				d[e] = float32(x)
			}
			o.part[i] = float64(kernels.SumSq(d))
		})
	}
	return o.hvpTo(v32, o.d32, dst, j, true)
}

// hvp32 writes to dst the central difference (∇f(w0+tv) − ∇f(w0−tv)) / (2t)
// at the snapshot w0 (see HVP) and restores the parameters to w0. If
// j >= 0, v is the unit vector e_j (the argument is unused) with the
// classical per-coordinate step t = cbrt(eps32)·(1 + |w0_j|), and the
// divisor is the step actually taken in float32, fl(w0_j+t) − fl(w0_j−t),
// rather than 2t, which removes the parameters' rounding from the
// Hessian's columns.
func (o *oracle) hvp32(v, dst []float32, j int) error { return o.hvpTo(v, dst, nil, j, false) }

// hvpTo is hvp32 that also widens the product into wide unless it is nil;
// haveNorms says that o.part already holds the chunks' sums of squares of
// v (step), computed by the caller's pass over v.
//
// Around the two gradient evaluations it makes four vector passes over
// the parameters, each split among the workers (passes.go): the step's
// norm of v, the two perturbations, and one pass that takes the
// difference, scales it, widens it and restores the parameters chunk by
// chunk, each chunk's later kernel calls reading from L1; the first
// gradient is kept by swapping buffers, not copied (firstGrad). On the
// MLP they cost about half a gradient evaluation (BenchmarkHVP).
func (o *oracle) hvpTo(v, dst []float32, wide []float64, j int, haveNorms bool) error {
	restored := false
	defer func() {
		if !restored {
			o.restore()
		}
	}()
	var t float32
	if j >= 0 {
		t = float32(cbrtEps32 * (1 + math.Abs(float64(o.w0[j]))))
	} else {
		if !haveNorms {
			o.each(func(i int, s span) { o.part[i] = float64(kernels.SumSq(flat(v, s))) })
		}
		t = o.step(v)
	}
	if t == 0 {
		clear(dst)
		clear(wide)
		return nil
	}
	dp := o.shift(t, v, j)
	if err := o.firstGrad(); err != nil {
		return err
	}
	dm := o.shift(-t, v, j)
	tensor.ZeroGrad(o.params...)
	if _, err := o.closure(); err != nil {
		return err
	}
	den := 2 * float64(t)
	if j >= 0 {
		den = dp - dm
	}
	inv := float32(1 / den)
	gs := o.grads()
	o.each(func(_ int, s span) {
		d := flat(dst, s)
		g, gp := gs[s.k], o.held[s.k]
		switch {
		case gp == nil && g == nil:
			clear(d)
		case gp == nil:
			kernels.Scale(d, -inv, g[s.lo:s.hi])
		case g == nil:
			kernels.Scale(d, inv, gp.Storage()[s.lo:s.hi])
		default:
			kernels.AxpyTo(d, -1, g[s.lo:s.hi], gp.Storage()[s.lo:s.hi]) // gp − g, one rounding
			kernels.Scale(d, inv, d)
		}
		if wide != nil {
			w := flat(wide, s)[:len(d)]
			for e, x := range d {
				w[e] = float64(x)
			}
		}
		copy(o.st[s.k][s.lo:s.hi], flat(o.w0, s))
	})
	restored = true
	return nil
}

// step returns the central-difference step t for the direction v at w0
// (see HVP): t·‖v‖ = cbrt(eps32)·(1 + ‖w0 restricted to the parameters
// where v is not zero‖), or 0 when v is zero. The norms are float32
// kernels.SumSq sums per chunk, added in float64 (the step needs no more
// than a few digits), which the caller has left in o.part, those of w0
// taken at the snapshot; a parameter whose float32 sum of squares
// overflows is summed again in float64.
func (o *oracle) step(v []float32) float32 {
	var vv, ww float64
	off := 0
	o.vv = o.sumParts(o.vv)
	for k, s := range o.vv {
		seg := v[off : off+len(o.st[k])]
		off += len(seg)
		if math.IsInf(s, 1) {
			s = 0
			for _, x := range seg {
				s += float64(x) * float64(x)
			}
		}
		if s != 0 {
			vv += s
			ww += o.ww[k]
		}
	}
	if vv == 0 {
		return 0
	}
	return float32(cbrtEps32 * (1 + math.Sqrt(ww)) / math.Sqrt(vv))
}

// shift sets the parameters to w0 + t·v and returns the perturbation
// actually applied along element j (j >= 0, v = e_j: only element j moves,
// to fl32(w0_j + t); the others stay w0), or 0 for a general direction
// (j < 0), where each element becomes fma(t, v_i, w0_i), one rounding
// (kernels.AxpyTo).
func (o *oracle) shift(t float32, v []float32, j int) float64 {
	if j < 0 {
		o.each(func(_ int, s span) {
			kernels.AxpyTo(o.st[s.k][s.lo:s.hi], t, flat(v, s), flat(o.w0, s))
		})
		return 0
	}
	w := float32(float64(o.w0[j]) + float64(t))
	off := 0
	for _, st := range o.st {
		if j < off+len(st) {
			st[j-off] = w
			break
		}
		off += len(st)
	}
	return float64(w) - float64(o.w0[j])
}

// firstGrad evaluates the closure and keeps the gradient as o.held,
// swapping into each parameter, for the second evaluation to write, the
// buffer that the last central difference held (tensor.SwapGrad): the
// two buffers alternate and the gradient is never copied.
func (o *oracle) firstGrad() error {
	tensor.ZeroGrad(o.params...)
	if _, err := o.closure(); err != nil {
		return err
	}
	if o.held == nil {
		o.held = make([]*tensor.Tensor, len(o.params))
	}
	for k, p := range o.params {
		o.held[k] = p.SwapGrad(o.held[k])
	}
	return nil
}
