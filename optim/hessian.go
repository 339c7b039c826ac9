package optim

import (
	"math"

	"gonum.org/v1/gonum/mat"

	"github.com/vecgrad/vecgrad/kernels"
	"github.com/vecgrad/vecgrad/tensor"
)

// Closure evaluates the objective at the parameters' current values, as
// the closure of torch.optim.LBFGS: it runs the forward pass, calls
// Backward on the loss, and returns the loss as a float64 (float64(l.Item())
// for a float32 loss tensor; a closure that sums its loss in float64 may
// return that). LBFGS, Newton, NewtonCG and HessianVector all take it and
// call it many times per step at perturbed parameters; they clear the
// parameters' gradients before every call, so the closure need not (it
// may). A parameter whose Grad is still
// nil afterwards has a zero gradient. An error from the closure ends the
// step with that error, the parameters restored.
type Closure func() (float64, error)

// DefaultMaxHessianParams is the largest parameter count for which Hessian
// and Newton build a dense Hessian unless told otherwise: 4096 parameters
// are 4096 Hessian-vector products (8192 gradient evaluations) and a
// 128 MiB float64 matrix per step; beyond that use NewtonCG.
const DefaultMaxHessianParams = 4096

// cbrtEps32 is the cube root of float32's machine epsilon 2^-23, the
// relative step of a central difference of float32 gradients (see HVP).
var cbrtEps32 = math.Cbrt(0x1p-23)

// oracle evaluates gradients of a closure over a flat view of the
// parameters: w is the concatenation of their storages, in order.
type oracle struct {
	params  []*tensor.Tensor
	closure Closure
	n       int
	st      [][]float32 // the parameters' storages
	spans   []span      // w cut into the tasks of the vector passes (passes.go)
	part    []float64   // a reduction's partial sums, one per span
	w0      []float32   // the parameters at the snapshot, restored bitwise
	ww      []float64   // ‖w0 restricted to parameter k‖², per parameter
	gs      [][]float32 // grads' result
	vv      []float64   // step's ‖v restricted to parameter k‖²
	// hvp's buffers (hvp.go), allocated on first use
	held []*tensor.Tensor // the first gradients of the last central difference
	v32  []float32        // a float64 direction rounded to float32
	d32  []float32        // a product in float32, before widening to float64
	// the vector passes' region (passes.go)
	team kernels.Team
	pass spanPass
}

// newOracle validates params (as the optimizers do) and snapshots them.
func newOracle(op string, params []*tensor.Tensor, closure Closure) (*oracle, error) {
	s, err := collect(op, [][]*tensor.Tensor{params})
	if err != nil {
		return nil, err
	}
	if closure == nil {
		return nil, errorf(op, "closure is nil (give a function that computes the loss and calls Backward)")
	}
	o := &oracle{params: s.params, closure: closure}
	for k, p := range o.params {
		o.st = append(o.st, p.Storage())
		for lo := 0; lo < p.Numel(); lo += passChunk {
			o.spans = append(o.spans, span{k: k, lo: lo, hi: min(lo+passChunk, p.Numel()), off: o.n})
		}
		o.n += p.Numel()
	}
	o.part = make([]float64, len(o.spans))
	o.w0 = make([]float32, o.n)
	o.snapshot()
	return o, nil
}

// grad evaluates the closure at the parameters' current values and writes
// the gradient, widened to float64, to g (length n).
func (o *oracle) grad(g []float64) (float64, error) {
	tensor.ZeroGrad(o.params...)
	f, err := o.closure()
	if err != nil {
		return 0, err
	}
	for _, p := range o.params {
		k := p.Numel()
		if gt := p.Grad(); gt == nil {
			clear(g[:k])
		} else {
			for i, x := range gt.Storage() {
				g[i] = float64(x)
			}
		}
		g = g[k:]
	}
	return f, nil
}

// moved sets the parameters to fl32(w0 + t*v) (each element rounded to
// float32) and returns the perturbation actually applied along element j
// (fl32(w0[j] + t*v[j]) - w0[j], exact in float64), or 0 when j < 0.
func (o *oracle) moved(t float64, v []float64, j int) float64 {
	var dj float64
	off := 0
	for _, p := range o.params {
		st := p.Storage()
		for i := range st {
			st[i] = float32(float64(o.w0[off+i]) + t*v[off+i])
		}
		if j >= off && j < off+len(st) {
			dj = float64(st[j-off]) - float64(o.w0[j])
		}
		off += len(st)
	}
	return dj
}

// startStep is the start that Newton and NewtonCG share: the oracle at
// the parameters' current values, the gradient g there, and the step's
// statistics so far (the loss and the gradient norm). It returns an error
// for invalid parameters, a failing closure (st is then zero) or a loss or
// gradient that is not finite (st.Loss is then the loss, which Step
// returns with the error).
func startStep(op string, params []*tensor.Tensor, closure Closure) (or *oracle, g []float64, st NewtonStats, err error) {
	if or, err = newOracle(op, params, closure); err != nil {
		return nil, nil, st, err
	}
	g = make([]float64, or.n)
	f0, err := or.grad(g)
	if err != nil {
		return nil, nil, st, err
	}
	st = NewtonStats{Loss: f0, GradNorm: norm2(g)}
	if !finite(f0) || !finite(st.GradNorm) {
		return nil, nil, st, errorf(op, "loss = %v, gradient norm = %v at the current parameters: both must be finite", f0, st.GradNorm)
	}
	return or, g, st, nil
}

// checkDense returns an error unless n parameters fit a dense Hessian
// under the limit maxParams (0: DefaultMaxHessianParams).
func checkDense(op string, n, maxParams int) error {
	if maxParams == 0 {
		maxParams = DefaultMaxHessianParams
	}
	if n > maxParams {
		return errorf(op, "the model has %d parameters, more than the dense-Hessian limit of %d (a dense Hessian needs %d Hessian-vector products and %d MiB per step: raise MaxParams if that is affordable, or use NewtonCG, which needs only Hessian-vector products)",
			n, maxParams, n, (int64(n)*int64(n)*8+(1<<20)-1)>>20)
	}
	return nil
}

// hessian builds the dense Hessian from n Hessian-vector products on the
// unit vectors, symmetrized as (H + Hᵀ)/2 (the two halves differ by the
// differences' errors; averaging halves the random part).
func (o *oracle) hessian() (*mat.SymDense, error) {
	n := o.n
	cols := make([]float64, n*n) // column j at cols[j*n:]
	e := make([]float64, n)
	for j := 0; j < n; j++ {
		e[j] = 1
		if err := o.hvp(e, cols[j*n:(j+1)*n], j); err != nil {
			return nil, err
		}
		e[j] = 0
	}
	h := mat.NewSymDense(n, nil)
	for i := 0; i < n; i++ {
		for j := i; j < n; j++ {
			h.SetSym(i, j, 0.5*(cols[j*n+i]+cols[i*n+j]))
		}
	}
	return h, nil
}

// Hessian returns the dense Hessian of the closure's objective at the
// parameters' current values, n×n for n parameter elements (ordered as in
// HVP): column j is the HVP of the unit vector e_j, with the per-coordinate
// step ε = cbrt(eps32)·(1 + |w_j|) divided by the step actually taken in
// float32, and the result symmetrized as (H + Hᵀ)/2. That is 2n gradient
// evaluations. It returns an *Error naming the count and the limit if n
// exceeds maxParams (0: DefaultMaxHessianParams). The parameters are
// restored bitwise.
func Hessian(params []*tensor.Tensor, closure Closure, maxParams int) (*mat.SymDense, error) {
	o, err := newOracle("Hessian", params, closure)
	if err != nil {
		return nil, err
	}
	if err := checkDense("Hessian", o.n, maxParams); err != nil {
		return nil, err
	}
	return o.hessian()
}

// lineSearch is the backtracking (Armijo) line search that Newton and
// NewtonCG share: starting at α = lr it halves α until
//
//	f(w + α·p) ≤ f(w) + c1·α·gᵀp,  c1 = 1e-4,
//
// at most maxTries times, up to the loss's float32 resolution: a trial is
// also accepted when f(w + α·p) exceeds the right-hand side by no more than
// 4·eps32·|f(w)|, because the closure's loss is (usually) a float32 value
// and near a minimum the predicted decrease α·gᵀp falls below its rounding;
// there the Newton model is better than the loss's noise, and rejecting
// every trial would stall the method short of the gradient tolerance it can
// reach. With search off it takes α = lr. It leaves the
// parameters at w + α·p and returns α and the loss there, or leaves them at
// w and returns α = 0 when no trial satisfied the condition (p was not a
// descent direction, or the decrease is below the loss's float32
// resolution). It evaluates the closure once per trial.
func (o *oracle) lineSearch(f0 float64, g, p []float64, lr float64, search bool, maxTries int, scratch []float64) (alpha, f float64, err error) {
	if !search {
		o.moved(lr, p, -1)
		return lr, math.NaN(), nil
	}
	slope := 0.0
	for i := range g {
		slope += g[i] * p[i]
	}
	alpha = lr
	for k := 0; k < maxTries; k++ {
		o.moved(alpha, p, -1)
		f, err = o.grad(scratch)
		if err != nil {
			o.restore()
			return 0, 0, err
		}
		if f <= f0+1e-4*alpha*slope+4*0x1p-23*math.Abs(f0) {
			return alpha, f, nil
		}
		alpha /= 2
	}
	o.restore()
	return 0, f0, nil
}

// norm2 is the Euclidean norm of x.
func norm2(x []float64) float64 {
	s := 0.0
	for _, v := range x {
		s += v * v
	}
	return math.Sqrt(s)
}
