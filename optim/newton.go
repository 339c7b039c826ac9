package optim

import (
	"math"

	"gonum.org/v1/gonum/mat"

	"github.com/vecgrad/vecgrad/tensor"
)

// NewtonOptions are the settings of Newton. The zero value is a plain,
// undamped full Newton step with Levenberg damping only where the Hessian
// is not positive definite, and the dense-Hessian limit
// DefaultMaxHessianParams.
type NewtonOptions struct {
	// Damping is the λ >= 0 tried first in (H + λI)p = g; 0 tries the
	// plain Newton step first.
	Damping float64
	// DampingStart is the first λ tried after the factorization with
	// Damping fails (default 1e-6·max(1, max_i |H_ii|)); each further
	// failure multiplies λ by 10.
	DampingStart float64
	// MaxDampingTries bounds the factorizations after the first (default
	// 24, λ up to 1e17 times DampingStart): past it Step fails.
	MaxDampingTries int
	// MaxParams is the dense-Hessian limit (default DefaultMaxHessianParams).
	MaxParams int
	// LR is the step length α in w ← w − α·p (default 1, the Newton
	// step); with LineSearch it is the first length tried.
	LR float64
	// LineSearch turns on backtracking: α is halved from LR until the
	// Armijo condition f(w − αp) ≤ f(w) − 1e-4·α·gᵀp holds (at most
	// MaxBacktracks times, default 30). Off by default, so that a step on
	// a quadratic is exactly the Newton step; turn it on away from a
	// minimum or on non-convex objectives.
	LineSearch    bool
	MaxBacktracks int
}

// check validates the options and fills in the defaults.
func (o *NewtonOptions) check(op string) error {
	for _, c := range []struct {
		name string
		v    float64
	}{{"damping", o.Damping}, {"damping_start", o.DampingStart}, {"lr", o.LR}} {
		if err := checkNonNeg(op, c.name, c.v); err != nil {
			return err
		}
	}
	if o.MaxDampingTries < 0 || o.MaxParams < 0 || o.MaxBacktracks < 0 {
		return errorf(op, "max_damping_tries = %d, max_params = %d, max_backtracks = %d: each must be >= 0 (0: the default)", o.MaxDampingTries, o.MaxParams, o.MaxBacktracks)
	}
	if o.MaxDampingTries == 0 {
		o.MaxDampingTries = 24
	}
	if o.MaxParams == 0 {
		o.MaxParams = DefaultMaxHessianParams
	}
	if o.LR == 0 {
		o.LR = 1
	}
	if o.MaxBacktracks == 0 {
		o.MaxBacktracks = 30
	}
	return nil
}

// NewtonStats describes the last step of Newton or NewtonCG.
type NewtonStats struct {
	Loss     float64 // f(w) at the start of the step
	GradNorm float64 // ‖∇f(w)‖ at the start of the step
	StepNorm float64 // ‖α·p‖, the distance moved
	Alpha    float64 // the step length taken (0: the line search found none, w unchanged)
	Damping  float64 // Newton: the λ of the factorization used
	Tries    int     // Newton: factorizations tried; NewtonCG: CG iterations
	// NegativeCurvature reports that NewtonCG stopped CG at a direction d
	// with dᵀHd ≤ 0.
	NegativeCurvature bool
	HVPs              int // Hessian-vector products evaluated
}

// Newton is Newton's method with Levenberg damping for models with up to a
// few thousand parameters. Each Step evaluates the gradient g and the
// dense Hessian H at w (Hessian: 2n gradient evaluations by central
// differences, see HVP), solves
//
//	(H + λI) p = g
//
// by a Cholesky factorization (gonum's mat.Cholesky), and sets
// w ← w − α·p. λ is Damping if H + Damping·I is positive definite;
// otherwise (H indefinite or singular, or the solve ill-conditioned)
// Levenberg's rule raises λ to DampingStart and then ×10 until the
// factorization succeeds, so an indefinite Hessian gives a descent step
// toward a minimum rather than a step toward a saddle or NaN. Each step
// starts again from Damping. α = LR (1 by default), or from a
// backtracking line search (NewtonOptions.LineSearch).
//
// The arithmetic is float64 (the gradients and Hessian are float32
// gradients widened); the parameters are float32 and the update is rounded
// once, w = fl32(w − α·p).
type Newton struct {
	params []*tensor.Tensor
	opt    NewtonOptions
	last   NewtonStats
}

// NewNewton returns Newton's method over params (distinct contiguous leaf
// tensors). It returns an *Error for invalid options or parameters, or if
// the parameters have more elements than MaxParams.
func NewNewton(params []*tensor.Tensor, opt NewtonOptions) (*Newton, error) {
	if err := opt.check("Newton"); err != nil {
		return nil, err
	}
	s, err := collect("Newton", [][]*tensor.Tensor{params})
	if err != nil {
		return nil, err
	}
	n := 0
	for _, p := range s.params {
		n += p.Numel()
	}
	if err := checkDense("Newton", n, opt.MaxParams); err != nil {
		return nil, err
	}
	return &Newton{params: s.params, opt: opt}, nil
}

// Params returns the parameters.
func (o *Newton) Params() []*tensor.Tensor { return append([]*tensor.Tensor(nil), o.params...) }

// Last returns the statistics of the last Step.
func (o *Newton) Last() NewtonStats { return o.last }

// Step performs one damped Newton step and returns the loss at the start
// of the step (torch's LBFGS.step(closure) convention). On error the
// parameters are left as they were. Afterwards the parameters' gradients
// are those of the last closure call, not of the new parameters.
func (o *Newton) Step(closure Closure) (float64, error) {
	or, g, st, err := startStep("Newton", o.params, closure)
	if err != nil {
		return st.Loss, err
	}
	n, f0 := or.n, st.Loss
	h, err := or.hessian()
	if err != nil {
		return 0, err
	}
	st.HVPs = n
	p, lambda, tries, err := dampedSolve(h, g, o.opt)
	st.Damping, st.Tries = lambda, tries
	if err != nil {
		o.last = st
		return f0, err
	}
	for i := range p {
		p[i] = -p[i]
	}
	alpha, _, err := or.lineSearch(f0, g, p, o.opt.LR, o.opt.LineSearch, o.opt.MaxBacktracks, make([]float64, n))
	if err != nil {
		return 0, err
	}
	st.Alpha, st.StepNorm = alpha, alpha*norm2(p)
	o.last = st
	return f0, nil
}

// dampedSolve solves (H + λI)p = g by Cholesky with λ from Levenberg's
// rule (see Newton) and returns p, λ and the number of factorizations.
// A factorization counts as failed when Factorize reports H + λI not
// positive definite or the solve reports a condition number beyond
// gonum's threshold (a singular H), since either would give NaN or a
// meaningless step.
func dampedSolve(h *mat.SymDense, g []float64, opt NewtonOptions) ([]float64, float64, int, error) {
	n := h.SymmetricDim()
	maxDiag := 0.0
	for i := 0; i < n; i++ {
		maxDiag = math.Max(maxDiag, math.Abs(h.At(i, i)))
	}
	for i := 0; i < n; i++ {
		for j := i; j < n; j++ {
			if !finite(h.At(i, j)) {
				return nil, 0, 0, errorf("Newton", "Hessian element (%d, %d) = %v: the objective's gradient is not finite near the parameters", i, j, h.At(i, j))
			}
		}
	}
	start := opt.DampingStart
	if start == 0 {
		start = 1e-6 * math.Max(1, maxDiag)
	}
	a := mat.NewSymDense(n, nil)
	gv := mat.NewVecDense(n, g)
	p := mat.NewVecDense(n, nil)
	var chol mat.Cholesky
	lambda := opt.Damping
	for try := 0; try <= opt.MaxDampingTries; try++ {
		if try == 1 {
			lambda = math.Max(start, 10*lambda)
		} else if try > 1 {
			lambda *= 10
		}
		a.CopySym(h)
		for i := 0; i < n; i++ {
			a.SetSym(i, i, a.At(i, i)+lambda)
		}
		if !chol.Factorize(a) {
			continue
		}
		if err := chol.SolveVecTo(p, gv); err != nil {
			continue
		}
		return p.RawVector().Data, lambda, try + 1, nil
	}
	return nil, lambda, opt.MaxDampingTries + 1, errorf("Newton", "H + λI is not positive definite even at λ = %g after %d factorizations (raise MaxDampingTries or DampingStart)", lambda, opt.MaxDampingTries+1)
}
