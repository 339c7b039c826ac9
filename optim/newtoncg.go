package optim

import (
	"math"

	"github.com/vecgrad/vecgrad/tensor"
)

// NewtonCGOptions are the settings of NewtonCG. The zero value uses the
// defaults given with each field.
type NewtonCGOptions struct {
	// MaxCGIter bounds the conjugate-gradient iterations (Hessian-vector
	// products) per step (default min(n, 100)).
	MaxCGIter int
	// Tol is the forcing term η: CG stops when the residual
	// ‖Hp − (−g)‖ ≤ η·‖g‖. The default 0 is the superlinear choice
	// η = min(0.5, sqrt(‖g‖)) (Nocedal and Wright, Algorithm 7.1).
	Tol float64
	// LR is the step length α in w ← w + α·p (default 1); with LineSearch
	// it is the first length tried.
	LR float64
	// LineSearch turns on backtracking from LR with the Armijo condition,
	// as NewtonOptions.LineSearch (at most MaxBacktracks halvings, default
	// 30). Recommended away from a minimum and on non-convex objectives
	// such as an MLP, where the truncated step can be long; off by default
	// so that a step is exactly the CG solution.
	LineSearch    bool
	MaxBacktracks int
}

// check validates the options and fills in the defaults for n parameters.
func (o *NewtonCGOptions) check(op string) error {
	for _, c := range []struct {
		name string
		v    float64
	}{{"tol", o.Tol}, {"lr", o.LR}} {
		if err := checkNonNeg(op, c.name, c.v); err != nil {
			return err
		}
	}
	if o.MaxCGIter < 0 || o.MaxBacktracks < 0 {
		return errorf(op, "max_cg_iter = %d, max_backtracks = %d: each must be >= 0 (0: the default)", o.MaxCGIter, o.MaxBacktracks)
	}
	if o.LR == 0 {
		o.LR = 1
	}
	if o.MaxBacktracks == 0 {
		o.MaxBacktracks = 30
	}
	return nil
}

// NewtonCG is the truncated (Hessian-free) Newton method, line-search
// Newton-CG of Nocedal and Wright (Algorithm 7.1): each Step evaluates the
// gradient g at w and solves the Newton system H p = −g approximately by
// conjugate gradients from p = 0, touching H only through Hessian-vector
// products (HVP: two gradient evaluations each), so it needs O(n) memory and
// suits models far beyond a dense Hessian, such as the MLP. CG stops
//
//   - when the residual r = Hp + g satisfies ‖r‖ ≤ η·‖g‖ (forcing term
//     η = min(0.5, sqrt(‖g‖)) unless Tol is set), or after MaxCGIter
//     iterations;
//   - at negative curvature: on a direction d with dᵀHd ≤ 0 it returns the
//     current iterate p, or p = −g (steepest descent) on the first
//     iteration, because p is a descent direction while moving along d
//     would head for a saddle or a maximum.
//
// Then w ← w + α·p with α = LR or from the Armijo line search. The CG
// arithmetic is float64.
type NewtonCG struct {
	params []*tensor.Tensor
	opt    NewtonCGOptions
	last   NewtonStats
}

// NewNewtonCG returns Newton-CG over params (distinct contiguous leaf
// tensors), or an *Error for invalid options or parameters.
func NewNewtonCG(params []*tensor.Tensor, opt NewtonCGOptions) (*NewtonCG, error) {
	if err := opt.check("NewtonCG"); err != nil {
		return nil, err
	}
	s, err := collect("NewtonCG", [][]*tensor.Tensor{params})
	if err != nil {
		return nil, err
	}
	return &NewtonCG{params: s.params, opt: opt}, nil
}

// Params returns the parameters.
func (o *NewtonCG) Params() []*tensor.Tensor { return append([]*tensor.Tensor(nil), o.params...) }

// Last returns the statistics of the last Step.
func (o *NewtonCG) Last() NewtonStats { return o.last }

// Step performs one Newton-CG step and returns the loss at the start of
// the step. On error the parameters are left as they were; afterwards the
// parameters' gradients are those of the last closure call.
func (o *NewtonCG) Step(closure Closure) (float64, error) {
	or, g, st, err := startStep("NewtonCG", o.params, closure)
	if err != nil {
		return st.Loss, err
	}
	n, f0, gn := or.n, st.Loss, st.GradNorm
	if gn == 0 {
		o.last = st
		return f0, nil
	}
	p, iters, neg, err := o.cg(or, g, gn)
	st.Tries, st.HVPs, st.NegativeCurvature = iters, iters, neg
	if err != nil {
		return 0, err
	}
	alpha, _, err := or.lineSearch(f0, g, p, o.opt.LR, o.opt.LineSearch, o.opt.MaxBacktracks, make([]float64, n))
	if err != nil {
		return 0, err
	}
	st.Alpha, st.StepNorm = alpha, alpha*norm2(p)
	o.last = st
	return f0, nil
}

// cg runs truncated CG on H p = −g and returns p, the iterations (HVPs)
// and whether it stopped at negative curvature. The parameters stay at w.
func (o *NewtonCG) cg(or *oracle, g []float64, gn float64) (p []float64, iters int, neg bool, err error) {
	n := len(g)
	eta := o.opt.Tol
	if eta == 0 {
		eta = math.Min(0.5, math.Sqrt(gn))
	}
	maxIter := o.opt.MaxCGIter
	if maxIter == 0 {
		maxIter = min(n, 100)
	}
	p = make([]float64, n)
	r := append([]float64(nil), g...) // r = Hp + g
	// The direction d goes to the HVP rounded to float32 (d32, written by
	// the loops that update d) and the product comes back in float32
	// (hd), the precision the HVP computes in, read by the loops that use
	// it: no separate conversion passes.
	d, d32 := make([]float64, n), make([]float32, n)
	for i := range d {
		d[i] = -r[i]
		d32[i] = float32(d[i])
	}
	hd := make([]float32, n)
	rr := gn * gn
	for j := 0; j < maxIter; j++ {
		if err := or.hvp32(d32, hd, -1); err != nil {
			return nil, j, false, err
		}
		iters++
		dhd := 0.0
		for i := range d {
			dhd += d[i] * float64(hd[i])
		}
		if !(dhd > 0) {
			if j == 0 {
				copy(p, d) // −g
			}
			return p, iters, true, nil
		}
		a := rr / dhd
		for i := range p {
			p[i] += a * d[i]
			r[i] += a * float64(hd[i])
		}
		rr1 := 0.0
		for _, x := range r {
			rr1 += x * x
		}
		if math.Sqrt(rr1) <= eta*gn {
			break
		}
		beta := rr1 / rr
		rr = rr1
		for i := range d {
			d[i] = -r[i] + beta*d[i]
			d32[i] = float32(d[i])
		}
	}
	return p, iters, false, nil
}
