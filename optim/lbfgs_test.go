package optim

import (
	"encoding/json"
	"errors"
	"math"
	"os"
	"strings"
	"testing"

	"github.com/vecgrad/vecgrad/tensor"
)

// The L-BFGS fixtures are torch.optim.LBFGS's trajectories, written by
// tools/lbfgsfixtures/gen.py (see there for the problems and the cases).

type lbfgsFixStep struct {
	Loss      float64     `json:"loss"`
	Params    [][]float32 `json:"params"`
	FuncEvals int         `json:"func_evals"`
	NIter     int         `json:"n_iter"`
}

type lbfgsFixCase struct {
	Name    string `json:"name"`
	Problem string `json:"problem"`
	N       int    `json:"n"`
	Opts    struct {
		LR              *float64 `json:"lr"`
		MaxIter         *int     `json:"max_iter"`
		MaxEval         *int     `json:"max_eval"`
		ToleranceGrad   *float64 `json:"tolerance_grad"`
		ToleranceChange *float64 `json:"tolerance_change"`
		HistorySize     *int     `json:"history_size"`
		LineSearch      string   `json:"line_search_fn"`
	} `json:"opts"`
	Init  [][]float32    `json:"init"`
	Steps []lbfgsFixStep `json:"steps"`
}

type lbfgsFixFile struct {
	Torch string               `json:"torch"`
	Data  map[string][]float32 `json:"data"`
	Cases []lbfgsFixCase       `json:"cases"`
}

func (c *lbfgsFixCase) options() LBFGSOptions {
	o := DefaultLBFGS()
	set := func(dst *float64, v *float64) {
		if v != nil {
			*dst = *v
		}
	}
	seti := func(dst *int, v *int) {
		if v != nil {
			*dst = *v
		}
	}
	set(&o.LR, c.Opts.LR)
	seti(&o.MaxIter, c.Opts.MaxIter)
	seti(&o.MaxEval, c.Opts.MaxEval)
	set(&o.ToleranceGrad, c.Opts.ToleranceGrad)
	set(&o.ToleranceChange, c.Opts.ToleranceChange)
	seti(&o.HistorySize, c.Opts.HistorySize)
	o.LineSearch = c.Opts.LineSearch
	return o
}

// lbfgsLoss builds the fixture problem's loss from the parameters with the
// same tensor operations as gen.py, so that autograd gives its gradient.
func lbfgsLoss(problem string, data map[string][]float32, ps []*tensor.Tensor) *tensor.Tensor {
	switch problem {
	case "rosen":
		x := ps[0]
		n := x.Numel()
		hi, lo := x.Slice(0, 1, n, 1), x.Slice(0, 0, n-1, 1)
		return hi.Sub(lo.Pow(2)).Pow(2).MulScalar(100).Add(lo.RSubScalar(1).Pow(2)).Sum()
	case "lstsq":
		X, y := tensor.New(data["ls_x"], 8, 4), tensor.New(data["ls_y"], 8, 1)
		return X.Matmul(ps[0]).Add(ps[1]).Sub(y).Pow(2).Mean()
	case "logreg":
		X, y := tensor.New(data["lr_x"], 12, 3), tensor.New(data["lr_y"], 12, 1)
		s := X.Matmul(ps[0]).Add(ps[1]).Sigmoid()
		ll := y.Mul(s.Log()).Add(y.RSubScalar(1).Mul(s.RSubScalar(1).Log()))
		return ll.Neg().Mean().Add(ps[0].Pow(2).Sum().MulScalar(0.05))
	}
	panic("unknown problem " + problem)
}

var lbfgsShapes = map[string][][]int{"lstsq": {{4, 1}, {1}}, "logreg": {{3, 1}, {1}}}

func TestLBFGSFixtures(t *testing.T) {
	b, err := os.ReadFile("testdata/lbfgs_fixtures.json")
	if err != nil {
		t.Fatalf("reading the fixtures (regenerate with /usr/bin/python3 tools/lbfgsfixtures/gen.py): %v", err)
	}
	var f lbfgsFixFile
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	stops := map[string]bool{}
	worst := 0.0
	for _, c := range f.Cases {
		t.Run(c.Name, func(t *testing.T) {
			ps := make([]*tensor.Tensor, len(c.Init))
			for i, v := range c.Init {
				shape := []int{len(v)}
				if s, ok := lbfgsShapes[c.Problem]; ok {
					shape = s[i]
				}
				ps[i] = tensor.New(append([]float32(nil), v...), shape...).SetRequiresGrad(true)
			}
			o, err := NewLBFGS(ps, c.options())
			if err != nil {
				t.Fatal(err)
			}
			closure := func() (float64, error) {
				l := lbfgsLoss(c.Problem, f.Data, ps)
				l.Backward()
				return float64(l.Item()), nil
			}
			cw := 0.0
			defer func() { t.Logf("case worst %.3g (%.1f ulps)", cw, cw/eps32) }()
			for k, want := range c.Steps {
				loss, err := o.Step(closure)
				if err != nil {
					t.Fatal(err)
				}
				stops[o.stop] = true
				if o.FuncEvals() != want.FuncEvals || o.NIter() != want.NIter {
					t.Fatalf("step %d: func_evals, n_iter = %d, %d; torch %d, %d", k, o.FuncEvals(), o.NIter(), want.FuncEvals, want.NIter)
				}
				// tolerance: see lbfgsTol.
				tol := lbfgsTol(want.FuncEvals)
				d := relDev(loss, want.Loss)
				if d > tol {
					t.Errorf("step %d: loss %v, torch %v (relative deviation %.3g > %.3g)", k, loss, want.Loss, d, tol)
				} else if d > worst {
					worst = d
				}
				cw = math.Max(cw, d)
				for i, p := range ps {
					for j, v := range p.Storage() {
						d := relDev(float64(v), float64(want.Params[i][j]))
						if d > tol {
							t.Errorf("step %d: param %d[%d] = %v, torch %v (relative deviation %.3g > %.3g)", k, i, j, v, want.Params[i][j], d, tol)
						} else if d > worst {
							worst = d
						}
						cw = math.Max(cw, d)
					}
				}
			}
		})
	}
	t.Logf("largest relative deviation from torch: %.3g (%.1f float32 ulps)", worst, worst/eps32)
	for _, s := range []string{"tolerance_grad at start", "directional derivative", "max_iter", "max_eval", "tolerance_grad", "tolerance_change step", "tolerance_change loss"} {
		if !stops[s] {
			t.Errorf("no fixture stops a step by %s", s)
		}
	}
}

// relDev is |a-b| / max(|b|, 1): relative for values above 1, absolute below.
func relDev(a, b float64) float64 {
	return math.Abs(a-b) / math.Max(math.Abs(b), 1)
}

// lbfgsTol is the tolerance on the parameters and the loss after a step,
// relative (absolute below 1), when torch has made evals closure calls in
// all. Only the order of float32 sums differs from torch's (dot products,
// sum|g|, the loss's sum and matmul): each evaluation thus differs from
// torch's by a few ulps in the loss and gradient, and on these small,
// well-conditioned runs the differences add up about linearly along the
// trajectory (measured: at most about 3.5 ulps per evaluation, on the 4-d
// Rosenbrock run). 8 ulps per evaluation leaves a margin of 2; a wrong
// branch of the line search or a wrong formula shows as a different
// evaluation count or a deviation of many thousand ulps.
func lbfgsTol(evals int) float64 { return 8 * eps32 * float64(evals) }

func TestLBFGSErrors(t *testing.T) {
	p := tensor.Zeros(3).SetRequiresGrad(true)
	for _, c := range []struct {
		mod  func(*LBFGSOptions)
		want string
	}{
		{func(o *LBFGSOptions) { o.LR = -1 }, "lr = -1"},
		{func(o *LBFGSOptions) { o.LR = math.NaN() }, "lr = NaN"},
		{func(o *LBFGSOptions) { o.MaxIter = 0 }, "max_iter = 0"},
		{func(o *LBFGSOptions) { o.MaxEval = -2 }, "max_eval = -2"},
		{func(o *LBFGSOptions) { o.ToleranceGrad = math.Inf(1) }, "tolerance_grad = +Inf"},
		{func(o *LBFGSOptions) { o.ToleranceChange = -1e-9 }, "tolerance_change = -1e-09"},
		{func(o *LBFGSOptions) { o.HistorySize = 0 }, "history_size = 0"},
		{func(o *LBFGSOptions) { o.LineSearch = "armijo" }, `line_search_fn = "armijo"`},
	} {
		o := DefaultLBFGS()
		c.mod(&o)
		_, err := NewLBFGS([]*tensor.Tensor{p}, o)
		var e *Error
		if !errors.As(err, &e) || !strings.HasPrefix(err.Error(), "optim: LBFGS: "+c.want) {
			t.Errorf("%+v: error %v, want optim: LBFGS: %s...", o, err, c.want)
		}
	}
	if _, err := NewLBFGS(nil, DefaultLBFGS()); err == nil {
		t.Error("no parameters: no error")
	}
	if _, err := NewLBFGS([]*tensor.Tensor{p, p}, DefaultLBFGS()); err == nil {
		t.Error("repeated parameter: no error")
	}
	o, err := NewLBFGS([]*tensor.Tensor{p}, DefaultLBFGS())
	if err != nil {
		t.Fatal(err)
	}
	if o.Options().MaxEval != 25 {
		t.Errorf("default max_eval = %d, want 25", o.Options().MaxEval)
	}
	if _, err := o.Step(nil); err == nil || !strings.HasPrefix(err.Error(), "optim: LBFGS: Step: closure is nil") {
		t.Errorf("nil closure: error %v", err)
	}
}

// TestLBFGSQuadratic checks that L-BFGS reaches the minimizer of the
// strictly convex quadratic 0.5*x'Ax - b'x, A tridiagonal (4 on the
// diagonal, 1 beside it; eigenvalues in (2, 6)), b = A x* exact in float32.
func TestLBFGSQuadratic(t *testing.T) {
	const n = 5
	xs := []float32{1, -2, 3, 0.5, -1}
	a := make([]float32, n*n)
	bv := make([]float32, n)
	for i := 0; i < n; i++ {
		a[i*n+i] = 4
		if i > 0 {
			a[i*n+i-1], a[(i-1)*n+i] = 1, 1
		}
	}
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			bv[i] += a[i*n+j] * xs[j]
		}
	}
	A, B := tensor.New(a, n, n), tensor.New(bv, n, 1)
	for _, ls := range []string{"", "strong_wolfe"} {
		x := tensor.Zeros(n, 1).SetRequiresGrad(true)
		opt := DefaultLBFGS()
		opt.LineSearch = ls
		o, err := NewLBFGS([]*tensor.Tensor{x}, opt)
		if err != nil {
			t.Fatal(err)
		}
		closure := func() (float64, error) {
			l := x.Mul(A.Matmul(x)).Sum().MulScalar(0.5).Sub(B.Mul(x).Sum())
			l.Backward()
			return float64(l.Item()), nil
		}
		for k := 0; k < 3; k++ {
			if _, err := o.Step(closure); err != nil {
				t.Fatal(err)
			}
		}
		// The minimizer is known to float32 rounding of the gradient
		// A x - b (a few ulps of |b| <= 12) over the smallest eigenvalue 2.
		for i, v := range x.Storage() {
			if math.Abs(float64(v-xs[i])) > 1e-5 {
				t.Errorf("line search %q: x[%d] = %v, minimizer %v", ls, i, v, xs[i])
			}
		}
	}
}

// TestLBFGSClosureError: an error from the closure ends the step with it,
// the parameters back where the step started, even from inside the line
// search.
func TestLBFGSClosureError(t *testing.T) {
	x := tensor.New([]float32{3, -2}, 2).SetRequiresGrad(true)
	opt := DefaultLBFGS()
	opt.LineSearch = "strong_wolfe"
	o, err := NewLBFGS([]*tensor.Tensor{x}, opt)
	if err != nil {
		t.Fatal(err)
	}
	calls := 0
	fail := errors.New("data went away")
	closure := func() (float64, error) {
		if calls++; calls == 3 {
			return 0, fail
		}
		if g := x.Grad(); g != nil {
			t.Errorf("call %d: the gradient was not cleared before the closure: %v", calls, g.Data())
		}
		l := x.Mul(x).Sum()
		l.Backward()
		return float64(l.Item()), nil
	}
	if _, err := o.Step(closure); err != fail {
		t.Fatalf("Step returned %v, want the closure's error", err)
	}
	if got := x.Data(); got[0] != 3 || got[1] != -2 {
		t.Errorf("parameters %v after the failed step, want [3 -2]", got)
	}
}
