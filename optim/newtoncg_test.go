package optim_test

import (
	"slices"
	"testing"

	"github.com/vecgrad/vecgrad/loss"
	"github.com/vecgrad/vecgrad/optim"
	"github.com/vecgrad/vecgrad/tensor"
	// Upward, in this external test package only: TestNewtonCGMLP runs
	// Newton-CG on a real MLP, the model it is for; train/nn does not
	// import optim, so there is no cycle, and the library keeps its
	// direction (train -> optim -> tensor).
	"github.com/vecgrad/vecgrad/train/nn"
)

// TestNewtonCGMatchesNewton: on small SPD problems, Newton-CG run to a
// tight residual (n iterations, Tol 1e-9) takes the step Newton takes,
// within the HVPs' accuracy (a few eps32^(2/3) each, amplified by κ ≈ 5):
// 20·eps32^(2/3) relative.
func TestNewtonCGMatchesNewton(t *testing.T) {
	q := newQuadratic(6, 31)
	set(q.w, 32, 1)
	lr := newLogistic(200, 5, 33)
	set(lr.w, 34, 0.5)
	for _, c := range []struct {
		name    string
		w       *tensor.Tensor
		closure optim.Closure
	}{{"quadratic", q.w, q.closure}, {"logistic", lr.w, lr.closure}} {
		t.Run(c.name, func(t *testing.T) {
			w0 := slices.Clone(c.w.Storage())
			n := len(w0)
			nt, err := optim.NewNewton([]*tensor.Tensor{c.w}, optim.NewtonOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := nt.Step(c.closure); err != nil {
				t.Fatal(err)
			}
			wn := slices.Clone(c.w.Storage())
			copy(c.w.Storage(), w0)
			cg, err := optim.NewNewtonCG([]*tensor.Tensor{c.w}, optim.NewtonCGOptions{MaxCGIter: n, Tol: 1e-9})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := cg.Step(c.closure); err != nil {
				t.Fatal(err)
			}
			if cg.Last().NegativeCurvature {
				t.Error("negative curvature reported on an SPD problem")
			}
			pn, pc := make([]float64, n), make([]float64, n)
			for i := range w0 {
				pn[i] = float64(wn[i]) - float64(w0[i])
				pc[i] = float64(c.w.Storage()[i]) - float64(w0[i])
			}
			e := relErr(pc, pn)
			t.Logf("‖p_CG − p_Newton‖/‖p_Newton‖ = %.2e after %d CG iterations", e, cg.Last().Tries)
			if e > 20*eps23 {
				t.Errorf("Newton-CG step differs from Newton's by %.3e relative > %.3e", e, 20*eps23)
			}
		})
	}
}

// TestNewtonCGNegativeCurvature: at a point where the Hessian of
// f = x² − y² + y⁴ is indefinite and g points along the negative
// curvature, the first CG direction has dᵀHd ≤ 0 and the step is
// steepest descent, which the line search makes a decrease.
func TestNewtonCGNegativeCurvature(t *testing.T) {
	w := tensor.New([]float32{0, 0.1}, 2).SetRequiresGrad(true)
	c := tensor.New([]float32{1, -1}, 2)
	closure := func() (float64, error) {
		l := w.Mul(w).Mul(c).Sum().Add(w.Narrow(0, 1, 1).Pow(4).Sum())
		l.Backward()
		return float64(l.Item()), nil
	}
	o, err := optim.NewNewtonCG([]*tensor.Tensor{w}, optim.NewtonCGOptions{LineSearch: true})
	if err != nil {
		t.Fatal(err)
	}
	f0, err := o.Step(closure)
	if err != nil {
		t.Fatal(err)
	}
	f1, _ := closure()
	if st := o.Last(); !st.NegativeCurvature || st.Tries != 1 || !(f1 < f0) {
		t.Errorf("stats %+v, loss %v -> %v: want negative curvature at the first iteration and a decrease", st, f0, f1)
	}
}

// TestNewtonCGMLP: a few Newton-CG steps with the line search on a small
// MLP (10-32-3, 451 parameters, one batch of 64) decrease the
// cross-entropy at every step and by a third overall.
func TestNewtonCGMLP(t *testing.T) {
	g := tensor.NewGenerator(41)
	model := nn.NewSequential(nn.NewLinear(10, 32, g), nn.ReLU{}, nn.NewLinear(32, 3, g))
	x := tensor.Randn(g, 64, 10)
	y := make([]float32, 64)
	for i := range y {
		// A nonlinear labelling the MLP can learn.
		r := x.Storage()[i*10 : i*10+10]
		switch {
		case r[0]*r[1] > 0.3:
			y[i] = 2
		case r[2] > 0:
			y[i] = 1
		}
	}
	yt := tensor.New(y, 64)
	params := nn.Tensors(model.Parameters())
	closure := func() (float64, error) {
		l, err := loss.CrossEntropy(model.Forward(x), yt, loss.CrossEntropyOptions{})
		if err != nil {
			return 0, err
		}
		l.Backward()
		return float64(l.Item()), nil
	}
	o, err := optim.NewNewtonCG(params, optim.NewtonCGOptions{MaxCGIter: 20, LineSearch: true})
	if err != nil {
		t.Fatal(err)
	}
	first, prev := 0.0, 0.0
	for k := 0; k < 5; k++ {
		f, err := o.Step(closure)
		if err != nil {
			t.Fatal(err)
		}
		st := o.Last()
		t.Logf("step %d: loss %.5f, ‖g‖ %.3e, %d CG iterations, negative curvature %v, α %g", k, f, st.GradNorm, st.Tries, st.NegativeCurvature, st.Alpha)
		if k == 0 {
			first = f
		} else if f >= prev {
			t.Errorf("step %d: loss %v did not decrease from %v", k, f, prev)
		}
		prev = f
	}
	last, _ := closure()
	t.Logf("final loss %.5f (from %.5f)", last, first)
	if !(last < prev && last < 2*first/3) {
		t.Errorf("loss %v -> %v after 5 steps: want a decrease by a third", first, last)
	}
}
