package optim

import (
	"math"
	"testing"

	"github.com/vecgrad/vecgrad/tensor"
)

// lsq is a full-batch least-squares problem f(w) = |A w - y|^2 / (2n).
type lsq struct {
	a    [][]float64 // n x d
	y    []float64
	n, d int
}

func newLSQ(n, d int) *lsq {
	g := tensor.NewGenerator(11)
	p := &lsq{n: n, d: d, y: make([]float64, n)}
	for i := range n {
		row := make([]float64, d)
		for j := range row {
			row[j] = 2*g.Float64() - 1
		}
		p.a = append(p.a, row)
		p.y[i] = 2*g.Float64() - 1
	}
	return p
}

// grad returns A^T (A w - y) / n in float64.
func (p *lsq) grad(w []float64) []float64 {
	g := make([]float64, p.d)
	for i, row := range p.a {
		r := -p.y[i]
		for j, x := range row {
			r += x * w[j]
		}
		for j, x := range row {
			g[j] += x * r / float64(p.n)
		}
	}
	return g
}

// seed runs a seed form in float64 for steps steps from w0 and returns the
// trajectory (w(1), ..., w(steps)); update maps (w(t), w(t-1), v(t)) to
// (w(t+1), v(t+1)).
func seed(w0 []float64, steps int, update func(w, wPrev, v []float64) (w1, v1 []float64)) [][]float64 {
	w, wPrev, v := w0, w0, make([]float64, len(w0))
	var out [][]float64
	for range steps {
		w1, v1 := update(w, wPrev, v)
		wPrev, w, v = w, w1, v1
		out = append(out, w)
	}
	return out
}

// TestSeedForms checks that SGD's options are the classical methods
// reparametrized (see the package documentation), on a least-squares
// problem with full-batch gradients:
//
//   - plain gradient descent w(t+1) = w(t) - lr*g(w(t)) is SGD with
//     momentum 0;
//   - Polyak's heavy ball w(t+1) = w(t) - lr*g(w(t)) + beta*(w(t) - w(t-1)),
//     w(-1) = w(0), is SGD with momentum beta, dampening 0: the parameters
//     are w(t) and the momentum buffer is (w(t-1) - w(t))/lr;
//   - Nesterov's method in the look-ahead-gradient form (Sutskever et al.)
//     v(t+1) = beta*v(t) - lr*g(w(t) + beta*v(t)), w(t+1) = w(t) + v(t+1),
//     v(0) = 0, is SGD with nesterov: the parameters are the look-ahead
//     point w(t) + beta*v(t).
//
// The seed forms run in float64, SGD in float32 on the float32 rounding of
// the float64 gradient at its own parameters. Tolerance: every step rounds
// a few terms bounded by S (the largest |w|, lr*|g| or |buf| of the run) to
// float32, an error of at most c*eps32*S with c = 8; the stable iteration
// carries each such error forward with a gain of at most 1/(1-beta) (the
// geometric sum of the momentum), so after t steps the difference is below
// t*c*eps32*S/(1-beta). The test also checks that the bound discriminates:
// the trajectories of the other forms (and, for Nesterov, w(t) instead of
// the look-ahead point) are farther apart than it.
func TestSeedForms(t *testing.T) {
	const (
		steps = 60
		lr    = 0.2
		beta  = 0.8
	)
	prob := newLSQ(16, 5)
	w0 := []float64{0.5, -1, 0.25, 2, -0.75}
	axpy := func(a float64, x, y []float64) []float64 { // a*x + y
		out := make([]float64, len(x))
		for i := range x {
			out[i] = a*x[i] + y[i]
		}
		return out
	}
	sub := func(x, y []float64) []float64 { return axpy(-1, y, x) }

	gd := seed(w0, steps, func(w, _, v []float64) ([]float64, []float64) {
		return axpy(-lr, prob.grad(w), w), v
	})
	heavy := seed(w0, steps, func(w, wPrev, v []float64) ([]float64, []float64) {
		return axpy(beta, sub(w, wPrev), axpy(-lr, prob.grad(w), w)), v
	})
	var look [][]float64 // w(t) + beta*v(t) for Nesterov
	nest := seed(w0, steps, func(w, _, v []float64) ([]float64, []float64) {
		v1 := axpy(-lr, prob.grad(axpy(beta, v, w)), scale(beta, v))
		w1 := axpy(1, v1, w)
		look = append(look, axpy(beta, v1, w1))
		return w1, v1
	})

	sgd := func(opt SGDOptions) (traj [][]float64, s float64) {
		w := make([]float32, len(w0))
		for i, x := range w0 {
			w[i] = float32(x)
		}
		p := tensor.New(w, len(w)).SetRequiresGrad(true)
		o, err := NewSGD([]*tensor.Tensor{p}, opt)
		if err != nil {
			t.Fatal(err)
		}
		g32 := make([]float32, len(w))
		for range steps {
			w64 := make([]float64, len(w))
			for i, x := range p.Storage() {
				w64[i] = float64(x)
			}
			for i, x := range prob.grad(w64) {
				g32[i] = float32(x)
				s = max(s, math.Abs(w64[i]), lr*math.Abs(x), lr*math.Abs(x)/(1-opt.Momentum))
			}
			setGrad(p, g32)
			o.Step()
			w64 = make([]float64, len(w))
			for i, x := range p.Storage() {
				w64[i] = float64(x)
			}
			traj = append(traj, w64)
		}
		return traj, s
	}
	dist := func(a, b [][]float64, tol func(t int) float64) (worst float64) {
		// the largest ratio |a - b| / tol over the trajectory
		for k := range a {
			for i := range a[k] {
				worst = max(worst, math.Abs(a[k][i]-b[k][i])/tol(k+1))
			}
		}
		return worst
	}
	for _, c := range []struct {
		name   string
		opt    SGDOptions
		want   [][]float64
		others [][][]float64
	}{
		{"gradient descent", SGDOptions{LR: lr}, gd, [][][]float64{heavy, look}},
		{"heavy ball", SGDOptions{LR: lr, Momentum: beta}, heavy, [][][]float64{gd, look}},
		{"Nesterov", SGDOptions{LR: lr, Momentum: beta, Nesterov: true}, look, [][][]float64{gd, heavy, nest}},
	} {
		got, s := sgd(c.opt)
		tol := func(k int) float64 { return float64(k) * 8 * eps32 * s / (1 - c.opt.Momentum) }
		if r := dist(got, c.want, tol); r > 1 {
			t.Errorf("%s: SGD%+v departs from the seed form by %.3g times the tolerance", c.name, c.opt, r)
		} else {
			t.Logf("%s: largest difference %.3g of the tolerance", c.name, r)
		}
		for j, o := range c.others {
			if r := dist(got, o, tol); r < 10 {
				t.Errorf("%s: another form (%d) is within %.3g times the tolerance: the test does not discriminate", c.name, j, r)
			}
		}
	}
}

func scale(a float64, x []float64) []float64 {
	out := make([]float64, len(x))
	for i := range x {
		out[i] = a * x[i]
	}
	return out
}
