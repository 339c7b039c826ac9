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
// return that). The second-order methods call it many times per step at
// perturbed parameters; they clear the parameters' gradients before every
// call, so the closure need not (it may). A parameter whose Grad is still
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
	w0      []float32 // the parameters at the start, restored bitwise
	gp      []float32 // hvp's first gradient, allocated on first use
	v32     []float32 // hvp's direction in float32, allocated on first use
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
	for _, p := range o.params {
		o.n += p.Numel()
	}
	o.w0 = o.get(make([]float32, 0, o.n))
	return o, nil
}

// get appends the current parameters to dst.
func (o *oracle) get(dst []float32) []float32 {
	for _, p := range o.params {
		dst = append(dst, p.Storage()...)
	}
	return dst
}

// set copies w into the parameters.
func (o *oracle) set(w []float32) {
	for _, p := range o.params {
		w = w[copy(p.Storage(), w):]
	}
}

// restore puts back the parameters as they were when o was made.
func (o *oracle) restore() { o.set(o.w0) }

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

// hvp writes to dst the central difference (∇f(w+tv) - ∇f(w-tv)) / (2t)
// and restores the parameters. If j >= 0, v is the unit vector e_j and the
// divisor is the step actually taken in float32 (fl(w_j+t) - fl(w_j-t))
// rather than 2t, which removes the parameters' rounding from the
// Hessian's columns. The first gradient is kept as float32 (a copy) and the
// difference is taken straight from the second gradient's storage, in
// float64, so that the O(n) work around the two gradient evaluations is a
// few streaming passes (it matters on the MLP, whose gradient is cheap for
// its size).
func (o *oracle) hvp(v, dst []float64, j int) error {
	defer o.restore()
	if o.gp == nil {
		o.gp = make([]float32, o.n)
	}
	var t float64
	if j >= 0 { // direction's step for e_j
		t = cbrtEps32 * (1 + math.Abs(float64(o.w0[j])))
	} else {
		if o.v32 == nil {
			o.v32 = make([]float32, o.n)
		}
		t = o.direction(v)
	}
	if t == 0 {
		clear(dst)
		return nil
	}
	dp := o.shift(t, j)
	if err := o.grad32(o.gp); err != nil {
		return err
	}
	dm := o.shift(-t, j)
	tensor.ZeroGrad(o.params...)
	if _, err := o.closure(); err != nil {
		return err
	}
	den := 2 * t
	if j >= 0 {
		den = dp - dm
	}
	inv := 1 / den
	off := 0
	for _, p := range o.params {
		k := p.Numel()
		gp, d := o.gp[off:off+k], dst[off:off+k]
		if gt := p.Grad(); gt == nil {
			for i := range d {
				d[i] = float64(gp[i]) * inv
			}
		} else {
			for i, x := range gt.Storage()[:k] {
				d[i] = (float64(gp[i]) - float64(x)) * inv
			}
		}
		off += k
	}
	return nil
}

// direction rounds v to float32 into o.v32 and returns, in the same pass,
// the central-difference step t for v at w0 (see HVP): t*‖v‖ = cbrt(eps32)
// * (1 + ‖w0 restricted to v's support‖), or 0 when v is zero. A dense v
// (the usual case: a CG direction) takes ‖w0‖ from kernels.SumSq; the step
// needs no more than a few digits.
func (o *oracle) direction(v []float64) float64 {
	var vv float64
	sparse := false
	v32 := o.v32[:len(v)]
	for i, x := range v {
		v32[i] = float32(x)
		vv += x * x
		sparse = sparse || x == 0
	}
	if vv == 0 {
		return 0
	}
	var ww float64
	if sparse {
		for i, x := range v {
			if x != 0 {
				ww += float64(o.w0[i]) * float64(o.w0[i])
			}
		}
	} else {
		ww = float64(kernels.SumSq(o.w0))
	}
	return cbrtEps32 * (1 + math.Sqrt(ww)) / math.Sqrt(vv)
}

// shift sets the parameters to w0 + t*v for hvp and returns the
// perturbation actually applied along element j (j >= 0, v = e_j: only
// element j moves, to fl32(w0[j] + t), the others stay w0 as moved would
// leave them), or 0 for a general direction (j < 0), which is o.v32 from
// direction: each element becomes fma(fl32(t), v32[i], w0[i]), one
// rounding, in one vector pass per parameter (kernels.AxpyTo) where moved's
// float64 loop would be the most expensive part of an HVP on the MLP.
func (o *oracle) shift(t float64, j int) float64 {
	off := 0
	for _, p := range o.params {
		st := p.Storage()
		k := len(st)
		switch {
		case j < 0:
			kernels.AxpyTo(st, float32(t), o.v32[off:off+k], o.w0[off:off+k])
		case j >= off && j < off+k:
			st[j-off] = float32(float64(o.w0[j]) + t)
			return float64(st[j-off]) - float64(o.w0[j])
		}
		off += k
	}
	return 0
}

// grad32 evaluates the closure and copies the float32 gradient to g.
func (o *oracle) grad32(g []float32) error {
	tensor.ZeroGrad(o.params...)
	if _, err := o.closure(); err != nil {
		return err
	}
	for _, p := range o.params {
		k := p.Numel()
		if gt := p.Grad(); gt == nil {
			clear(g[:k])
		} else {
			copy(g, gt.Storage())
		}
		g = g[k:]
	}
	return nil
}

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
// two gradient evaluations, with the difference taken and divided in
// float64. Its error has two parts: the truncation ε²/6·∇³f[v,v,·] (zero on
// a quadratic) and the float32 rounding of the two gradients, about
// eps32·G/ε where G is the size of the terms summed into a gradient
// (eps32 = 2^-23). Their sum is smallest for ε³ ~ eps32·G/∇³f, that is
// ε·‖v‖ = cbrt(eps32)·s with s the scale over which the gradient changes;
// HVP takes s = 1 + ‖w_S‖, where w_S is w restricted to the elements where
// v is non-zero (Nocedal and Wright's 1 + ‖w‖, §8.1, with the central
// difference's cube root; for a unit vector e_j it is 1 + |w_j|, the
// classical per-coordinate step). The relative error is then of order
// eps32^(2/3) ≈ 2.4e-5 (TestHVPAccuracy measures it against closed-form
// Hessians). The perturbed parameters w ± εv are rounded to float32; that
// rounding moves each by at most eps32·|w_i|, again eps32^(2/3) relative
// to ε‖v‖.
//
// The parameters are restored bitwise before HVP returns (also on error);
// their gradients are left as the last evaluation set them (at w − εv).
func HVP(params []*tensor.Tensor, closure Closure, v, dst []float64) error {
	o, err := newOracle("HVP", params, closure)
	if err != nil {
		return err
	}
	if len(v) != o.n || len(dst) != o.n {
		return errorf("HVP", "len(v) = %d and len(dst) = %d: both must be the parameter count %d", len(v), len(dst), o.n)
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
	o := h.o
	if len(v) != o.n || len(dst) != o.n {
		return errorf("HessianVector", "len(v) = %d and len(dst) = %d: both must be the parameter count %d", len(v), len(dst), o.n)
	}
	o.w0 = o.get(o.w0[:0])
	return o.hvp(v, dst, -1)
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
