package optim

import (
	"math"

	"github.com/vecgrad/vecgrad/kernels"
	"github.com/vecgrad/vecgrad/tensor"
)

// LBFGSOptions are the hyper-parameters of torch.optim.LBFGS. Start from
// DefaultLBFGS (torch's defaults): the zero value is not torch's defaults
// (its LR and MaxIter are 0, which NewLBFGS rejects as MaxIter < 1).
type LBFGSOptions struct {
	LR              float64 // step length of every iteration (the line search's first trial); >= 0, default 1
	MaxIter         int     // iterations per Step, >= 1; default 20
	MaxEval         int     // function evaluations per Step; 0: MaxIter*5/4 (torch's max_eval=None); any value <= 1 allows one iteration
	ToleranceGrad   float64 // stop when max|grad| <= ToleranceGrad; >= 0, default 1e-7
	ToleranceChange float64 // stop when the step or the loss change is below it; >= 0, default 1e-9
	HistorySize     int     // curvature pairs kept, >= 1; default 100
	LineSearch      string  // "" (fixed step LR) or "strong_wolfe"
}

// DefaultLBFGS returns torch.optim.LBFGS's defaults: lr 1, max_iter 20,
// max_eval 25, tolerance_grad 1e-7, tolerance_change 1e-9, history_size 100
// and no line search.
func DefaultLBFGS() LBFGSOptions {
	return LBFGSOptions{LR: 1, MaxIter: 20, ToleranceGrad: 1e-7, ToleranceChange: 1e-9, HistorySize: 100}
}

// LBFGS is limited-memory BFGS exactly as torch.optim.LBFGS (torch 1.13)
// computes it, with its optional strong-Wolfe line search.
//
// Unlike SGD and Adam it does not satisfy Optimizer: as torch's, its Step
// takes a closure that re-evaluates the loss and gradient (several times
// per step), and it has a single parameter group. It has no StateDict.
//
// The arithmetic follows torch's types operation by operation: the flat
// gradient, the directions, the curvature pairs (y, s), ro = 1/(y·s), the
// initial Hessian scale H_diag = y·s/y·y, the directional derivatives
// g·d and the two-loop coefficients are float32 (torch tensors, dot
// products with kernels.Dot, p += t*d fused as torch's add_(alpha=t));
// the losses and the step length t are float64 where torch holds them as
// Python floats, and become float32 exactly where torch's arithmetic
// mixes them with a 0-d float32 tensor (for example the first step length
// min(1, 1/sum|g|)*lr is a float32 tensor, and so is a line-search trial
// point from cubic interpolation unless it is clamped to a bound). Only
// the order of the float32 sums inside dot products and sums differs from
// torch's, so trajectories agree to float32 rounding.
//
// State persists across Step calls as in torch: the last direction d and
// step t, the curvature history, H_diag, the previous flat gradient and
// loss, and the counts of iterations and function evaluations (NIter,
// FuncEvals), so that a later Step continues the same L-BFGS run.
type LBFGS struct {
	paramSet
	opt LBFGSOptions
	n   int // number of elements of all parameters

	d            []float32 // last search direction (nil before the first iteration)
	t            lbNum     // last step length
	oldDirs      [][]float32
	oldStps      [][]float32
	ro           []float32
	hDiag        lbNum
	prevFlatGrad []float32
	prevLoss     float64
	al           []float32
	nIter        int
	funcEvals    int

	stop string // why the last Step stopped (tests)
}

// NewLBFGS returns an L-BFGS optimizer over params, which must be distinct
// contiguous leaf tensors (torch's LBFGS has one parameter group). The
// options are checked: LR, ToleranceGrad and ToleranceChange must be >= 0
// and finite, MaxIter and HistorySize >= 1, MaxEval >= 0, and LineSearch
// "" or "strong_wolfe".
func NewLBFGS(params []*tensor.Tensor, opt LBFGSOptions) (*LBFGS, error) {
	if err := opt.check(); err != nil {
		return nil, err
	}
	s, err := collect("LBFGS", [][]*tensor.Tensor{params})
	if err != nil {
		return nil, err
	}
	if opt.MaxEval == 0 {
		opt.MaxEval = opt.MaxIter * 5 / 4
	}
	o := &LBFGS{paramSet: s, opt: opt}
	for _, p := range s.params {
		o.n += p.Numel()
	}
	return o, nil
}

func (o *LBFGSOptions) check() error {
	const op = "LBFGS"
	for _, c := range []struct {
		name string
		v    float64
	}{{"lr", o.LR}, {"tolerance_grad", o.ToleranceGrad}, {"tolerance_change", o.ToleranceChange}} {
		if err := checkNonNeg(op, c.name, c.v); err != nil {
			return err
		}
	}
	switch {
	case o.MaxIter < 1:
		return errorf(op, "max_iter = %d: must be >= 1", o.MaxIter)
	case o.MaxEval < 0:
		return errorf(op, "max_eval = %d: must be >= 0 (0: max_iter*5/4, torch's default)", o.MaxEval)
	case o.HistorySize < 1:
		return errorf(op, "history_size = %d: must be >= 1", o.HistorySize)
	case o.LineSearch != "" && o.LineSearch != "strong_wolfe":
		return errorf(op, "line_search_fn = %q: only \"strong_wolfe\" is supported (or \"\" for a fixed step)", o.LineSearch)
	}
	return nil
}

// Options returns the options, with MaxEval resolved.
func (o *LBFGS) Options() LBFGSOptions { return o.opt }

// NIter returns the number of iterations run by all Step calls (torch's
// state['n_iter']).
func (o *LBFGS) NIter() int { return o.nIter }

// FuncEvals returns the number of closure calls made by all Step calls
// (torch's state['func_evals']).
func (o *LBFGS) FuncEvals() int { return o.funcEvals }

// Step runs up to MaxIter L-BFGS iterations (at most about MaxEval closure
// calls) and returns the loss the first closure call returned, as torch's
// step(closure).
//
// The closure is a Closure, as Newton's, NewtonCG's and HVP's: it computes
// the loss, calls Backward and returns the loss (a float32 loss converts to
// float64 exactly, as torch's float(closure())). Step clears the
// parameters' gradients before every call (the closure need not, and may),
// so a closure without ZeroGrad cannot add up stale gradients. It is called
// with recording on even inside NoGrad, as torch wraps it in enable_grad. A
// parameter without a gradient counts as a zero gradient. Step updates the
// parameters' storage in place; between closure calls of the line search it
// moves them to trial points and back.
//
// An iteration stops the step early, as in torch, when the largest
// |gradient| is <= ToleranceGrad (also before the first iteration), when
// the directional derivative g·d is > -ToleranceChange, when every |t*d|
// is <= ToleranceChange, or when the loss changed by less than
// ToleranceChange. The line search uses torch's own constants c1 = 1e-4,
// c2 = 0.9, 25 evaluations at most and a bracket tolerance of 1e-9 (torch
// does not pass tolerance_change to it).
//
// The error is non-nil for a nil closure, or when the closure returns one:
// the step ends there with that error and the parameters back at their
// values before the step (the curvature history of earlier iterations of
// the step is kept).
func (o *LBFGS) Step(closure Closure) (loss float64, err error) {
	if closure == nil {
		return 0, errorf("LBFGS", "Step: closure is nil (give a function that computes the loss, calls Backward and returns the loss)")
	}
	start := o.cloneParams()
	defer func() {
		if r := recover(); r != nil {
			ce, ok := r.(closureError)
			if !ok {
				panic(r)
			}
			o.setParams(start)
			loss, err = 0, ce.err
		}
	}()
	eval := func() float64 {
		was := tensor.SetGradEnabled(true)
		defer tensor.SetGradEnabled(was)
		o.ZeroGrad()
		f, err := closure()
		if err != nil {
			panic(closureError{err})
		}
		return f
	}
	return o.step(eval), nil
}

// closureError carries a closure's error out of the iterations (the line
// search calls the closure deep inside) to Step.
type closureError struct{ err error }

// step is Step's body over eval, which calls the closure.
func (o *LBFGS) step(eval func() float64) float64 {
	opt := &o.opt
	tolGrad := float32(opt.ToleranceGrad)
	tolChange := float32(opt.ToleranceChange)

	origLoss := eval()
	loss := origLoss
	currentEvals := 1
	o.funcEvals++

	flatGrad := o.gatherFlatGrad()
	if lbAbsMax(flatGrad) <= tolGrad {
		o.stop = "tolerance_grad at start"
		return origLoss
	}

	d, t := o.d, o.t
	optCond := false
	o.stop = ""
	for nIter := 0; nIter < opt.MaxIter; {
		nIter++
		o.nIter++

		// The descent direction.
		if o.nIter == 1 {
			d = lbNeg(flatGrad)
			o.oldDirs, o.oldStps, o.ro = nil, nil, nil
			o.hDiag = lbPy(1)
		} else {
			y := make([]float32, o.n)
			for i := range y {
				y[i] = flatGrad[i] - o.prevFlatGrad[i]
			}
			s := lbScaled(d, float32(t.v))
			ys := kernels.Dot(y, s)
			if ys > float32(1e-10) {
				if len(o.oldDirs) == opt.HistorySize {
					o.oldDirs, o.oldStps, o.ro = o.oldDirs[1:], o.oldStps[1:], o.ro[1:]
				}
				o.oldDirs = append(o.oldDirs, y)
				o.oldStps = append(o.oldStps, s)
				o.ro = append(o.ro, 1/ys)
				o.hDiag = lbTs(ys / kernels.Dot(y, y))
			}
			if o.al == nil {
				o.al = make([]float32, opt.HistorySize)
			}
			al := o.al
			// The two-loop recursion on one buffer: q = -g, then r = H q.
			q := lbNeg(flatGrad)
			for i := len(o.oldDirs) - 1; i >= 0; i-- {
				al[i] = kernels.Dot(o.oldStps[i], q) * o.ro[i]
				kernels.Axpy(q, -al[i], o.oldDirs[i])
			}
			r := lbScaled(q, float32(o.hDiag.v))
			for i := range o.oldDirs {
				be := float32(kernels.Dot(o.oldDirs[i], r) * o.ro[i])
				kernels.Axpy(r, al[i]-be, o.oldStps[i])
			}
			d = r
		}
		if o.prevFlatGrad == nil {
			o.prevFlatGrad = make([]float32, o.n)
		}
		copy(o.prevFlatGrad, flatGrad)
		o.prevLoss = loss

		// The step length: t = min(1, 1/sum|g|)*lr on the very first
		// iteration (a float32 tensor when 1/sum|g| < 1), lr afterwards.
		t = lbPy(opt.LR)
		if o.nIter == 1 {
			if inv := 1 / kernels.Sum(lbAbs(flatGrad)); inv < 1 {
				t = lbTs(inv * float32(opt.LR))
			}
		}

		gtd := kernels.Dot(flatGrad, d)
		if gtd > -tolChange {
			o.stop = "directional derivative"
			break
		}

		lsEvals := 0
		if opt.LineSearch == "strong_wolfe" {
			x := o.cloneParams()
			loss, flatGrad, t, lsEvals = o.strongWolfe(eval, x, t, d, loss, flatGrad, lbTs(gtd))
			o.addGrad(float32(t.v), d)
			optCond = lbAbsMax(flatGrad) <= tolGrad
		} else {
			o.addGrad(float32(t.v), d)
			if nIter != opt.MaxIter {
				// torch skips the evaluation after the last iteration.
				loss = eval()
				flatGrad = o.gatherFlatGrad()
				optCond = lbAbsMax(flatGrad) <= tolGrad
				lsEvals = 1
			}
		}
		currentEvals += lsEvals
		o.funcEvals += lsEvals

		// Stopping rules, in torch's order.
		if nIter == opt.MaxIter {
			o.stop = "max_iter"
			break
		}
		if currentEvals >= opt.MaxEval {
			o.stop = "max_eval"
			break
		}
		if optCond {
			o.stop = "tolerance_grad"
			break
		}
		if lbAbsMax(lbScaled(d, float32(t.v))) <= tolChange {
			o.stop = "tolerance_change step"
			break
		}
		if math.Abs(loss-o.prevLoss) < opt.ToleranceChange {
			o.stop = "tolerance_change loss"
			break
		}
	}
	o.d, o.t = d, t
	return origLoss
}

// gatherFlatGrad returns the parameters' gradients concatenated in a new
// slice (zeros for a parameter without gradient).
func (o *LBFGS) gatherFlatGrad() []float32 {
	g := make([]float32, 0, o.n)
	for _, p := range o.params {
		if gt := p.Grad(); gt != nil {
			g = append(g, gt.Storage()...)
		} else {
			g = append(g, make([]float32, p.Numel())...)
		}
	}
	return g
}

// addGrad adds t*d to the parameters, fused as torch's p.add_(d, alpha=t).
func (o *LBFGS) addGrad(t float32, d []float32) {
	off := 0
	for _, p := range o.params {
		s := p.Storage()
		kernels.Axpy(s, t, d[off:off+len(s)])
		off += len(s)
	}
}

func (o *LBFGS) cloneParams() []float32 {
	x := make([]float32, 0, o.n)
	for _, p := range o.params {
		x = append(x, p.Storage()...)
	}
	return x
}

func (o *LBFGS) setParams(x []float32) {
	off := 0
	for _, p := range o.params {
		off += copy(p.Storage(), x[off:])
	}
}

// directionalEvaluate returns the loss and flat gradient at x + t*d and
// moves the parameters back to x (torch's _directional_evaluate).
func (o *LBFGS) directionalEvaluate(eval func() float64, x []float32, t lbNum, d []float32) (float64, []float32) {
	o.addGrad(float32(t.v), d)
	loss := eval()
	g := o.gatherFlatGrad()
	o.setParams(x)
	return loss, g
}

// strongWolfe is torch's _strong_wolfe (ported from lswolfe.lua) with its
// default constants. f and the returned loss are Python floats; gtd and
// the gtd_new values are 0-d float32 tensors; t is either.
func (o *LBFGS) strongWolfe(eval func() float64, x []float32, t lbNum, d []float32, f float64, g []float32, gtd lbNum) (float64, []float32, lbNum, int) {
	const (
		c1      = 1e-4
		c2      = 0.9
		tolerCh = 1e-9
		maxLS   = 25
	)
	dNorm := lbTs(lbAbsMax(d))
	fNew, gNew := o.directionalEvaluate(eval, x, t, d)
	lsEvals := 1
	gtdNew := lbTs(kernels.Dot(gNew, d))
	armijo := func(fNew float64, t lbNum) bool { // f_new > f + c1*t*gtd
		return lbPy(fNew).gt(lbPy(f).add(lbPy(c1).mul(t).mul(gtd)))
	}
	curvature := func(gtdNew lbNum) bool { // abs(gtd_new) <= -c2*gtd
		return gtdNew.abs().le(lbPy(-c2).mul(gtd))
	}

	// Bracket an interval containing a point that satisfies the Wolfe
	// conditions.
	tPrev, fPrev, gPrev, gtdPrev := lbPy(0), f, g, gtd
	var bracket, bracketGtd []lbNum
	var bracketF []float64
	var bracketG [][]float32
	done := false
	lsIter := 0
	for lsIter < maxLS {
		if armijo(fNew, t) || (lsIter > 1 && fNew >= fPrev) {
			bracket, bracketF, bracketG, bracketGtd = []lbNum{tPrev, t}, []float64{fPrev, fNew}, [][]float32{gPrev, gNew}, []lbNum{gtdPrev, gtdNew}
			break
		}
		if curvature(gtdNew) {
			bracket, bracketF, bracketG = []lbNum{t}, []float64{fNew}, [][]float32{gNew}
			done = true
			break
		}
		if gtdNew.ge(lbPy(0)) {
			bracket, bracketF, bracketG, bracketGtd = []lbNum{tPrev, t}, []float64{fPrev, fNew}, [][]float32{gPrev, gNew}, []lbNum{gtdPrev, gtdNew}
			break
		}
		// Interpolate.
		minStep := t.add(lbPy(0.01).mul(t.sub(tPrev)))
		maxStep := t.mul(lbPy(10))
		tmp := t
		t = lbCubic(tPrev, lbPy(fPrev), gtdPrev, t, lbPy(fNew), gtdNew, &[2]lbNum{minStep, maxStep})
		tPrev, fPrev, gPrev, gtdPrev = tmp, fNew, gNew, gtdNew
		fNew, gNew = o.directionalEvaluate(eval, x, t, d)
		lsEvals++
		gtdNew = lbTs(kernels.Dot(gNew, d))
		lsIter++
	}
	if lsIter == maxLS {
		bracket, bracketF, bracketG = []lbNum{lbPy(0), t}, []float64{f, fNew}, [][]float32{g, gNew}
	}

	// Zoom: refine the bracket until a point satisfies the conditions.
	insufProgress := false
	lowPos, highPos := 0, 1
	if !(bracketF[0] <= bracketF[len(bracketF)-1]) {
		lowPos, highPos = 1, 0
	}
	for !done && lsIter < maxLS {
		if bracket[1].sub(bracket[0]).abs().mul(dNorm).lt(lbPy(tolerCh)) {
			break
		}
		t = lbCubic(bracket[0], lbPy(bracketF[0]), bracketGtd[0], bracket[1], lbPy(bracketF[1]), bracketGtd[1], nil)

		// If t is within 10% of the bracket's length from an end, and the
		// last step made insufficient progress too or t is at (or past)
		// an end, move t to 10% from the nearer end.
		bMax, bMin := lbMax(bracket[0], bracket[1]), lbMin(bracket[0], bracket[1])
		eps := lbPy(0.1).mul(bMax.sub(bMin))
		if lbMin(bMax.sub(t), t.sub(bMin)).lt(eps) {
			if insufProgress || t.ge(bMax) || t.le(bMin) {
				if t.sub(bMax).abs().lt(t.sub(bMin).abs()) {
					t = bMax.sub(eps)
				} else {
					t = bMin.add(eps)
				}
				insufProgress = false
			} else {
				insufProgress = true
			}
		} else {
			insufProgress = false
		}

		fNew, gNew = o.directionalEvaluate(eval, x, t, d)
		lsEvals++
		gtdNew = lbTs(kernels.Dot(gNew, d))
		lsIter++

		if armijo(fNew, t) || fNew >= bracketF[lowPos] {
			// Armijo fails or no lower than the lowest point.
			bracket[highPos], bracketF[highPos], bracketG[highPos], bracketGtd[highPos] = t, fNew, gNew, gtdNew
			if bracketF[0] <= bracketF[1] {
				lowPos, highPos = 0, 1
			} else {
				lowPos, highPos = 1, 0
			}
		} else {
			if curvature(gtdNew) {
				done = true
			} else if gtdNew.mul(bracket[highPos].sub(bracket[lowPos])).ge(lbPy(0)) {
				// The old high becomes the new low.
				bracket[highPos], bracketF[highPos], bracketG[highPos], bracketGtd[highPos] = bracket[lowPos], bracketF[lowPos], bracketG[lowPos], bracketGtd[lowPos]
			}
			bracket[lowPos], bracketF[lowPos], bracketG[lowPos], bracketGtd[lowPos] = t, fNew, gNew, gtdNew
		}
	}
	return bracketF[lowPos], bracketG[lowPos], bracket[lowPos], lsEvals
}

// lbCubic is torch's _cubic_interpolate (from polyinterp.lua): the
// minimizer of the cubic through (x1, f1) and (x2, f2) with slopes g1 and
// g2, clamped to bounds (default: the interval between x1 and x2), or the
// bounds' midpoint when the cubic has no minimizer.
func lbCubic(x1, f1, g1, x2, f2, g2 lbNum, bounds *[2]lbNum) lbNum {
	var lo, hi lbNum
	switch {
	case bounds != nil:
		lo, hi = bounds[0], bounds[1]
	case x1.le(x2):
		lo, hi = x1, x2
	default:
		lo, hi = x2, x1
	}
	d1 := g1.add(g2).sub(lbPy(3).mul(f1.sub(f2)).div(x1.sub(x2)))
	d2sq := d1.sq().sub(g1.mul(g2))
	if d2sq.ge(lbPy(0)) {
		d2 := d2sq.sqrt()
		var minPos lbNum
		if x1.le(x2) {
			minPos = x2.sub(x2.sub(x1).mul(g2.add(d2).sub(d1).div(g2.sub(g1).add(lbPy(2).mul(d2)))))
		} else {
			minPos = x1.sub(x1.sub(x2).mul(g1.add(d2).sub(d1).div(g1.sub(g2).add(lbPy(2).mul(d2)))))
		}
		return lbMin(lbMax(minPos, lo), hi)
	}
	return lo.add(hi).div(lbPy(2))
}

// lbNum is a scalar as torch's L-BFGS code holds it: a Python float
// (float64) or, with f32 set, a 0-d float32 tensor. Arithmetic mixing the
// two is float32, the Python float rounded to float32 first (torch's
// promotion of a wrapped number), and so are comparisons.
type lbNum struct {
	v   float64
	f32 bool
}

func lbPy(v float64) lbNum { return lbNum{v: v} }
func lbTs(v float32) lbNum { return lbNum{v: float64(v), f32: true} }

func (a lbNum) add(b lbNum) lbNum {
	if a.f32 || b.f32 {
		return lbTs(float32(a.v) + float32(b.v))
	}
	return lbPy(a.v + b.v)
}

func (a lbNum) sub(b lbNum) lbNum {
	if a.f32 || b.f32 {
		return lbTs(float32(a.v) - float32(b.v))
	}
	return lbPy(a.v - b.v)
}

func (a lbNum) mul(b lbNum) lbNum {
	if a.f32 || b.f32 {
		return lbTs(float32(float32(a.v) * float32(b.v))) // rounded: no fusion into a later add
	}
	return lbPy(float64(a.v * b.v))
}

// div is a/b; a Python float over a tensor is torch's __rtruediv__,
// reciprocal(b)*a.
func (a lbNum) div(b lbNum) lbNum {
	switch {
	case !a.f32 && b.f32:
		return lbTs(float32(1/float32(b.v)) * float32(a.v))
	case a.f32 || b.f32:
		return lbTs(float32(a.v) / float32(b.v))
	}
	return lbPy(a.v / b.v)
}

func (a lbNum) sq() lbNum { return a.mul(a) } // a**2: torch's pow(x, 2) is x*x

func (a lbNum) sqrt() lbNum {
	if a.f32 {
		return lbTs(float32(math.Sqrt(a.v)))
	}
	return lbPy(math.Sqrt(a.v))
}

func (a lbNum) abs() lbNum { return lbNum{v: math.Abs(a.v), f32: a.f32} }

// cmp returns the operands as compared: float32 if either is a tensor.
func (a lbNum) cmp(b lbNum) (float64, float64) {
	if a.f32 || b.f32 {
		return float64(float32(a.v)), float64(float32(b.v))
	}
	return a.v, b.v
}

func (a lbNum) lt(b lbNum) bool { x, y := a.cmp(b); return x < y }
func (a lbNum) le(b lbNum) bool { x, y := a.cmp(b); return x <= y }
func (a lbNum) gt(b lbNum) bool { x, y := a.cmp(b); return x > y }
func (a lbNum) ge(b lbNum) bool { x, y := a.cmp(b); return x >= y }

// lbMax and lbMin are Python's max(a, b) and min(a, b): b only if it is
// strictly greater (less), else a, keeping the chosen operand's type.
func lbMax(a, b lbNum) lbNum {
	if b.gt(a) {
		return b
	}
	return a
}

func lbMin(a, b lbNum) lbNum {
	if b.lt(a) {
		return b
	}
	return a
}

// lbAbsMax returns max|x[i]|, NaN if some x[i] is NaN (torch's x.abs().max()).
func lbAbsMax(x []float32) float32 {
	m := float32(0)
	for _, v := range x {
		a := float32(math.Abs(float64(v)))
		if a > m || a != a {
			m = a
			if a != a {
				return a
			}
		}
	}
	return m
}

func lbAbs(x []float32) []float32 {
	out := make([]float32, len(x))
	for i, v := range x {
		out[i] = float32(math.Abs(float64(v)))
	}
	return out
}

func lbNeg(x []float32) []float32 {
	out := make([]float32, len(x))
	for i, v := range x {
		out[i] = -v
	}
	return out
}

// scaled returns x*s in a new slice.
func lbScaled(x []float32, s float32) []float32 {
	out := make([]float32, len(x))
	for i, v := range x {
		out[i] = v * s
	}
	return out
}
