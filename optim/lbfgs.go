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

		d = o.direction(flatGrad, d, t)
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

		if o.stop = o.stopRule(nIter, currentEvals, optCond, d, t, loss); o.stop != "" {
			break
		}
	}
	o.d, o.t = d, t
	return origLoss
}

// direction returns the descent direction of the iteration at flat
// gradient g: -g on the very first iteration (which also starts the
// curvature history), else H·(-g) by the two-loop recursion, after the
// curvature pair of the last step (d, t) joins the history where
// y·s > 1e-10.
func (o *LBFGS) direction(g, d []float32, t lbNum) []float32 {
	if o.nIter == 1 {
		o.oldDirs, o.oldStps, o.ro = nil, nil, nil
		o.hDiag = lbPy(1)
		return lbNeg(g)
	}
	y := make([]float32, o.n)
	for i := range y {
		y[i] = g[i] - o.prevFlatGrad[i]
	}
	s := lbScaled(d, float32(t.v))
	ys := kernels.Dot(y, s)
	if ys > float32(1e-10) {
		if len(o.oldDirs) == o.opt.HistorySize {
			o.oldDirs, o.oldStps, o.ro = o.oldDirs[1:], o.oldStps[1:], o.ro[1:]
		}
		o.oldDirs = append(o.oldDirs, y)
		o.oldStps = append(o.oldStps, s)
		o.ro = append(o.ro, 1/ys)
		o.hDiag = lbTs(ys / kernels.Dot(y, y))
	}
	if o.al == nil {
		o.al = make([]float32, o.opt.HistorySize)
	}
	al := o.al
	// The two-loop recursion on one buffer: q = -g, then r = H q.
	q := lbNeg(g)
	for i := len(o.oldDirs) - 1; i >= 0; i-- {
		al[i] = kernels.Dot(o.oldStps[i], q) * o.ro[i]
		kernels.Axpy(q, -al[i], o.oldDirs[i])
	}
	r := lbScaled(q, float32(o.hDiag.v))
	for i := range o.oldDirs {
		be := float32(kernels.Dot(o.oldDirs[i], r) * o.ro[i])
		kernels.Axpy(r, al[i]-be, o.oldStps[i])
	}
	return r
}

// stopRule returns why the step stops after iteration nIter (its
// currentEvals closure calls, optCond the gradient test, the step t*d and
// the new loss), by torch's rules in torch's order, or "" to go on.
func (o *LBFGS) stopRule(nIter, currentEvals int, optCond bool, d []float32, t lbNum, loss float64) string {
	switch {
	case nIter == o.opt.MaxIter:
		return "max_iter"
	case currentEvals >= o.opt.MaxEval:
		return "max_eval"
	case optCond:
		return "tolerance_grad"
	case lbAbsMax(lbScaled(d, float32(t.v))) <= float32(o.opt.ToleranceChange):
		return "tolerance_change step"
	case math.Abs(loss-o.prevLoss) < o.opt.ToleranceChange:
		return "tolerance_change loss"
	}
	return ""
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
// the gtd_new values are 0-d float32 tensors; t is either. torch's two
// phases, bracketing and zoom, are bracketPhase and zoom, each statement in
// torch's order.
func (o *LBFGS) strongWolfe(eval func() float64, x []float32, t lbNum, d []float32, f float64, g []float32, gtd lbNum) (float64, []float32, lbNum, int) {
	dNorm := lbTs(lbAbsMax(d))
	s := &wolfeSearch{o: o, eval: eval, x: x, d: d, f: f, g: g, gtd: gtd, t: t}
	s.evaluate()
	done := s.bracketPhase()
	low := s.zoom(done, dNorm)
	return s.bracketF[low], s.bracketG[low], s.bracket[low], s.evals
}

// torch's _strong_wolfe constants, which its LBFGS does not override.
const (
	wolfeC1      = 1e-4 // sufficient decrease (Armijo)
	wolfeC2      = 0.9  // curvature
	wolfeTolerCh = 1e-9 // smallest bracket length times max|d|
	wolfeMaxLS   = 25   // line-search iterations
)

// wolfeSearch is the state of one strongWolfe search: the start point (x,
// its loss f, gradient g and directional derivative gtd along d), the
// current trial (t and its fNew, gNew, gtdNew), the closure calls and
// iterations so far, and the bracket of trial points with their losses,
// gradients and directional derivatives.
type wolfeSearch struct {
	o                   *LBFGS
	eval                func() float64
	x, d                []float32
	f                   float64
	g                   []float32
	gtd                 lbNum
	t                   lbNum
	fNew                float64
	gNew                []float32
	gtdNew              lbNum
	evals, iter         int
	bracket, bracketGtd []lbNum
	bracketF            []float64
	bracketG            [][]float32
}

// evaluate evaluates the trial point t: fNew, gNew and gtdNew.
func (s *wolfeSearch) evaluate() {
	s.fNew, s.gNew = s.o.directionalEvaluate(s.eval, s.x, s.t, s.d)
	s.evals++
	s.gtdNew = lbTs(kernels.Dot(s.gNew, s.d))
}

// armijo reports whether the trial fails the sufficient decrease:
// f_new > f + c1*t*gtd.
func (s *wolfeSearch) armijo() bool {
	return lbPy(s.fNew).gt(lbPy(s.f).add(lbPy(wolfeC1).mul(s.t).mul(s.gtd)))
}

// curvature reports whether the trial meets the strong curvature
// condition: abs(gtd_new) <= -c2*gtd.
func (s *wolfeSearch) curvature() bool {
	return s.gtdNew.abs().le(lbPy(-wolfeC2).mul(s.gtd))
}

// bracketPhase brackets an interval containing a point that satisfies the
// Wolfe conditions, extrapolating by cubic interpolation. It reports done
// when the trial t satisfies them already (the bracket is then t alone).
func (s *wolfeSearch) bracketPhase() (done bool) {
	tPrev, fPrev, gPrev, gtdPrev := lbPy(0), s.f, s.g, s.gtd
	for s.iter < wolfeMaxLS {
		if s.armijo() || (s.iter > 1 && s.fNew >= fPrev) {
			s.bracket, s.bracketF, s.bracketG, s.bracketGtd = []lbNum{tPrev, s.t}, []float64{fPrev, s.fNew}, [][]float32{gPrev, s.gNew}, []lbNum{gtdPrev, s.gtdNew}
			return false
		}
		if s.curvature() {
			s.bracket, s.bracketF, s.bracketG = []lbNum{s.t}, []float64{s.fNew}, [][]float32{s.gNew}
			return true
		}
		if s.gtdNew.ge(lbPy(0)) {
			s.bracket, s.bracketF, s.bracketG, s.bracketGtd = []lbNum{tPrev, s.t}, []float64{fPrev, s.fNew}, [][]float32{gPrev, s.gNew}, []lbNum{gtdPrev, s.gtdNew}
			return false
		}
		// Interpolate.
		minStep := s.t.add(lbPy(0.01).mul(s.t.sub(tPrev)))
		maxStep := s.t.mul(lbPy(10))
		tmp := s.t
		s.t = lbCubic(tPrev, lbPy(fPrev), gtdPrev, s.t, lbPy(s.fNew), s.gtdNew, &[2]lbNum{minStep, maxStep})
		tPrev, fPrev, gPrev, gtdPrev = tmp, s.fNew, s.gNew, s.gtdNew
		s.evaluate()
		s.iter++
	}
	// Out of iterations: the bracket is the start and the last trial.
	s.bracket, s.bracketF, s.bracketG = []lbNum{lbPy(0), s.t}, []float64{s.f, s.fNew}, [][]float32{s.g, s.gNew}
	return false
}

// zoom refines the bracket until a point satisfies the Wolfe conditions,
// the bracket is shorter than wolfeTolerCh/dNorm or the iterations run
// out, and returns the index in the bracket of its lowest point. done: the
// bracket phase found the point already.
func (s *wolfeSearch) zoom(done bool, dNorm lbNum) int {
	insufProgress := false
	lowPos, highPos := 0, 1
	if !(s.bracketF[0] <= s.bracketF[len(s.bracketF)-1]) {
		lowPos, highPos = 1, 0
	}
	for !done && s.iter < wolfeMaxLS {
		b := s.bracket
		if b[1].sub(b[0]).abs().mul(dNorm).lt(lbPy(wolfeTolerCh)) {
			break
		}
		s.t = lbCubic(b[0], lbPy(s.bracketF[0]), s.bracketGtd[0], b[1], lbPy(s.bracketF[1]), s.bracketGtd[1], nil)
		s.t, insufProgress = zoomSafeguard(s.t, b, insufProgress)
		s.evaluate()
		s.iter++

		if s.armijo() || s.fNew >= s.bracketF[lowPos] {
			// Armijo fails or no lower than the lowest point.
			s.setBracket(highPos, s.t, s.fNew, s.gNew, s.gtdNew)
			if s.bracketF[0] <= s.bracketF[1] {
				lowPos, highPos = 0, 1
			} else {
				lowPos, highPos = 1, 0
			}
		} else {
			if s.curvature() {
				done = true
			} else if s.gtdNew.mul(b[highPos].sub(b[lowPos])).ge(lbPy(0)) {
				// The old high becomes the new low.
				s.setBracket(highPos, b[lowPos], s.bracketF[lowPos], s.bracketG[lowPos], s.bracketGtd[lowPos])
			}
			s.setBracket(lowPos, s.t, s.fNew, s.gNew, s.gtdNew)
		}
	}
	return lowPos
}

// setBracket sets end i of the bracket to the point t with loss f,
// gradient g and directional derivative gtd.
func (s *wolfeSearch) setBracket(i int, t lbNum, f float64, g []float32, gtd lbNum) {
	s.bracket[i], s.bracketF[i], s.bracketG[i], s.bracketGtd[i] = t, f, g, gtd
}

// zoomSafeguard moves the zoom's trial t to 10% of the bracket's length
// from the nearer end when t is within that distance of an end and the
// last step made insufficient progress too or t is at (or past) an end,
// and returns t and whether this step made insufficient progress.
func zoomSafeguard(t lbNum, bracket []lbNum, insufProgress bool) (lbNum, bool) {
	bMax, bMin := lbMax(bracket[0], bracket[1]), lbMin(bracket[0], bracket[1])
	eps := lbPy(0.1).mul(bMax.sub(bMin))
	if !lbMin(bMax.sub(t), t.sub(bMin)).lt(eps) {
		return t, false
	}
	if insufProgress || t.ge(bMax) || t.le(bMin) {
		if t.sub(bMax).abs().lt(t.sub(bMin).abs()) {
			return bMax.sub(eps), false
		}
		return bMin.add(eps), false
	}
	return t, true
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
