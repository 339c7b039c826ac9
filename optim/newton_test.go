package optim_test

import (
	"math"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/vecgrad/vecgrad/optim"
	"github.com/vecgrad/vecgrad/tensor"
)

// TestNewtonQuadratic: one full Newton step on f = ½wᵀAw − bᵀw with SPD A
// reaches A⁻¹b. The tolerance is the Hessian's error (a few eps32^(2/3),
// TestHVPAccuracy) amplified by κ(A), times the distance travelled, plus
// the gradient's float32 rounding, κ·n·eps32·(‖A‖‖w*‖ + ‖b‖)/‖A‖, plus
// the rounding of w itself.
func TestNewtonQuadratic(t *testing.T) {
	q := newQuadratic(10, 11)
	set(q.w, 12, 1)
	w0 := q.w.Data()
	o, err := optim.NewNewton([]*tensor.Tensor{q.w}, optim.NewtonOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := o.Step(q.closure); err != nil {
		t.Fatal(err)
	}
	want := q.solution(t)
	got := q.w.Data()
	var dist, errn, wn float64
	for i := range want {
		dist += (want[i] - float64(w0[i])) * (want[i] - float64(w0[i]))
		errn += (float64(got[i]) - want[i]) * (float64(got[i]) - want[i])
		wn += want[i] * want[i]
	}
	dist, errn, wn = math.Sqrt(dist), math.Sqrt(errn), math.Sqrt(wn)
	kappa := mat.Cond(q.a, 2)
	eps32 := 0x1p-23
	tol := kappa*(4*eps23*dist+float64(q.n)*eps32*(wn+norm(q.b)/mat.Norm(q.a, 2))) + 2*eps32*wn
	t.Logf("‖w − A⁻¹b‖ = %.3e (κ = %.1f, tolerance %.3e); damping %g", errn, kappa, tol, o.Last().Damping)
	if errn > tol {
		t.Errorf("‖w − A⁻¹b‖ = %.3e > %.3e after one step", errn, tol)
	}
	if o.Last().Damping != 0 || o.Last().Tries != 1 {
		t.Errorf("SPD Hessian: damping %g after %d factorizations, want 0 after 1", o.Last().Damping, o.Last().Tries)
	}
}

func norm(x []float64) float64 {
	s := 0.0
	for _, v := range x {
		s += v * v
	}
	return math.Sqrt(s)
}

// TestNewtonLogistic: Newton from w = 0 on L2-regularized logistic
// regression (300 samples, 20 features) reaches ‖∇f‖ < 1e-5 in under 15
// iterations, both for the float32 gradient the closure computes and for
// the exact float64 gradient at the final float32 parameters.
func TestNewtonLogistic(t *testing.T) {
	lr := newLogistic(300, 20, 21)
	o, err := optim.NewNewton([]*tensor.Tensor{lr.w}, optim.NewtonOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for k := 0; ; k++ {
		tensor.ZeroGrad(lr.w)
		lr.closure()
		g32 := 0.0
		for _, v := range lr.w.Grad().Storage() {
			g32 += float64(v) * float64(v)
		}
		g32 = math.Sqrt(g32)
		g64, _ := lr.exact()
		t.Logf("iteration %d: ‖∇f‖ = %.3e (float32), %.3e (exact)", k, g32, norm(g64))
		if g32 < 1e-5 && norm(g64) < 1e-5 {
			break
		}
		if k == 14 {
			t.Fatalf("‖∇f‖ = %.3e after %d iterations, want < 1e-5 in under 15", g32, k)
		}
		if _, err := o.Step(lr.closure); err != nil {
			t.Fatal(err)
		}
	}
}

// TestNewtonIndefinite: on f = x² − y² + y⁴ at (0.5, 0.1) the Hessian
// diag(2, −1.88) is indefinite; the plain Newton step would head for the
// saddle at y = 0. Damping makes H + λI positive definite (λ > 1.88),
// every step is finite, and with the line search Newton reaches a minimum
// (0, ±1/√2), where the damping is no longer needed.
func TestNewtonIndefinite(t *testing.T) {
	w := tensor.New([]float32{0.5, 0.1}, 2).SetRequiresGrad(true)
	c := tensor.New([]float32{1, -1}, 2)
	closure := func() (float64, error) {
		l := w.Mul(w).Mul(c).Sum().Add(w.Narrow(0, 1, 1).Pow(4).Sum())
		l.Backward()
		return float64(l.Item()), nil
	}
	o, err := optim.NewNewton([]*tensor.Tensor{w}, optim.NewtonOptions{LineSearch: true})
	if err != nil {
		t.Fatal(err)
	}
	f0 := math.Inf(1)
	for k := 0; k < 30; k++ {
		f, err := o.Step(closure)
		if err != nil {
			t.Fatal(err)
		}
		st := o.Last()
		if k == 0 {
			t.Logf("first step: damping %g after %d factorizations", st.Damping, st.Tries)
			if !(st.Damping > 1.88) {
				t.Errorf("first step: damping %g, want > 1.88 (the negative eigenvalue)", st.Damping)
			}
		}
		d := w.Data()
		if math.IsNaN(f) || math.IsNaN(float64(d[0])) || math.IsNaN(float64(d[1])) {
			t.Fatalf("step %d: loss %v, w %v", k, f, d)
		}
		if f > f0+4*0x1p-23*math.Abs(f0) { // beyond the float32 loss's rounding
			t.Errorf("step %d: loss rose from %v to %v", k, f0, f)
		}
		f0 = f
		if st.GradNorm < 1e-6 {
			break
		}
	}
	d := w.Data()
	if math.Abs(float64(d[0])) > 1e-5 || math.Abs(math.Abs(float64(d[1]))-math.Sqrt(0.5)) > 1e-5 {
		t.Errorf("w = %v, want (0, ±0.70711)", d)
	}
	if o.Last().Damping != 0 {
		t.Errorf("at the minimum: damping %g, want 0", o.Last().Damping)
	}
}

func TestNewtonOptionsErrors(t *testing.T) {
	w := tensor.Zeros(2).SetRequiresGrad(true)
	for _, c := range []optim.NewtonOptions{{Damping: -1}, {LR: math.NaN()}, {MaxDampingTries: -1}} {
		if _, err := optim.NewNewton([]*tensor.Tensor{w}, c); err == nil {
			t.Errorf("options %+v accepted", c)
		}
	}
	for _, c := range []optim.NewtonCGOptions{{Tol: -1}, {MaxCGIter: -2}} {
		if _, err := optim.NewNewtonCG([]*tensor.Tensor{w}, c); err == nil {
			t.Errorf("options %+v accepted", c)
		}
	}
}
