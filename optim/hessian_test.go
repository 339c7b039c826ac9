package optim_test

import (
	"errors"
	"math"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/vecgrad/vecgrad/optim"
	"github.com/vecgrad/vecgrad/tensor"
)

// eps23 is eps32^(2/3), the relative accuracy of a central difference of
// float32 gradients with the optimal step (see optim.HVP).
var eps23 = math.Pow(0x1p-23, 2.0/3)

// quadratic is f(w) = ½wᵀAw − bᵀw with a random SPD A = MᵀM/n + I (float64
// copies kept for the exact answers) and its closure on the parameter w.
type quadratic struct {
	n      int
	a      *mat.SymDense
	b      []float64
	w      *tensor.Tensor
	at, bt *tensor.Tensor
}

func newQuadratic(n int, seed uint64) *quadratic {
	g := tensor.NewGenerator(seed)
	m := make([]float64, n*n)
	for i := range m {
		m[i] = g.Normal()
	}
	mm := mat.NewDense(n, n, m)
	var ata mat.Dense
	ata.Mul(mm.T(), mm)
	q := &quadratic{n: n, a: mat.NewSymDense(n, nil), b: make([]float64, n)}
	af := make([]float32, n*n)
	for i := 0; i < n; i++ {
		for j := i; j < n; j++ {
			v := ata.At(i, j) / float64(n)
			if i == j {
				v++
			}
			v = float64(float32(v)) // the float32 matrix is the problem
			q.a.SetSym(i, j, v)
			af[i*n+j], af[j*n+i] = float32(v), float32(v)
		}
	}
	bf := make([]float32, n)
	for i := range bf {
		bf[i] = float32(g.Normal())
		q.b[i] = float64(bf[i])
	}
	q.at, q.bt = tensor.New(af, n, n), tensor.New(bf, n)
	q.w = tensor.Zeros(n).SetRequiresGrad(true)
	return q
}

func (q *quadratic) closure() (float64, error) {
	aw := q.at.Matmul(q.w)
	l := q.w.Mul(aw).Sum().MulScalar(0.5).Sub(q.bt.Mul(q.w).Sum())
	l.Backward()
	return float64(l.Item()), nil
}

// solution returns A⁻¹b in float64.
func (q *quadratic) solution(t *testing.T) []float64 {
	var c mat.Cholesky
	if !c.Factorize(q.a) {
		t.Fatal("A is not SPD")
	}
	x := mat.NewVecDense(q.n, nil)
	if err := c.SolveVecTo(x, mat.NewVecDense(q.n, q.b)); err != nil {
		t.Fatal(err)
	}
	return x.RawVector().Data
}

// logistic is L2-regularized logistic regression,
//
//	f(w) = (1/N) Σ log(1 + exp(−y_i x_iᵀw)) + (μ/2)‖w‖²,  y_i = ±1,
//
// on a fixed dataset. Its Hessian is known in closed form:
// H = (1/N) Xᵀ diag(σ_i(1−σ_i)) X + μI with σ_i = σ(x_iᵀw). The features
// are N(0, 0.5²) so that the float32 gradient's rounding (about eps32 times
// the sum of |x_ij|σ_i terms over N) stays near 1e-7, well below the 1e-5
// the convergence test asks for.
type logistic struct {
	nSamples, d int
	mu          float64
	x, negY     []float32
	xt, nyt     *tensor.Tensor
	w           *tensor.Tensor
}

func newLogistic(nSamples, d int, seed uint64) *logistic {
	g := tensor.NewGenerator(seed)
	lr := &logistic{nSamples: nSamples, d: d, mu: 1e-2, x: make([]float32, nSamples*d), negY: make([]float32, nSamples)}
	truth := make([]float64, d)
	for j := range truth {
		truth[j] = 2 * g.Normal()
	}
	for i := 0; i < nSamples; i++ {
		z := 0.0
		for j := 0; j < d; j++ {
			v := float32(0.5 * g.Normal())
			lr.x[i*d+j] = v
			z += float64(v) * truth[j]
		}
		// Labels from the true model with logistic noise, so the classes
		// overlap and the optimum is finite even with a small μ.
		y := float32(1)
		if g.Float64() > 1/(1+math.Exp(-z)) {
			y = -1
		}
		lr.negY[i] = -y
	}
	lr.xt, lr.nyt = tensor.New(lr.x, nSamples, d), tensor.New(lr.negY, nSamples)
	lr.w = tensor.Zeros(d).SetRequiresGrad(true)
	return lr
}

func (lr *logistic) closure() (float64, error) {
	m := lr.xt.Matmul(lr.w).Mul(lr.nyt)
	l := m.Exp().AddScalar(1).Log().Mean().Add(lr.w.Mul(lr.w).Sum().MulScalar(float32(lr.mu / 2)))
	l.Backward()
	return float64(l.Item()), nil
}

// exact returns the gradient and Hessian at the current w, in float64.
func (lr *logistic) exact() ([]float64, *mat.SymDense) {
	d, w := lr.d, lr.w.Data()
	g := make([]float64, d)
	h := mat.NewSymDense(d, nil)
	for i := 0; i < lr.nSamples; i++ {
		xi := lr.x[i*d : (i+1)*d]
		m := 0.0
		for j := range xi {
			m += float64(xi[j]) * float64(w[j])
		}
		m *= float64(lr.negY[i])
		s := 1 / (1 + math.Exp(-m)) // dℓ/dm for ℓ = log(1 + e^m)
		for j := range xi {
			g[j] += s * float64(lr.negY[i]) * float64(xi[j]) / float64(lr.nSamples)
			for k := j; k < d; k++ {
				h.SetSym(j, k, h.At(j, k)+s*(1-s)*float64(xi[j])*float64(xi[k])/float64(lr.nSamples))
			}
		}
	}
	for j := 0; j < d; j++ {
		g[j] += lr.mu * float64(w[j])
		h.SetSym(j, j, h.At(j, j)+lr.mu)
	}
	return g, h
}

func randVec(n int, seed uint64) []float64 {
	g := tensor.NewGenerator(seed)
	v := make([]float64, n)
	for i := range v {
		v[i] = g.Normal()
	}
	return v
}

func set(w *tensor.Tensor, seed uint64, scale float64) {
	for i, v := range randVec(w.Numel(), seed) {
		w.Storage()[i] = float32(scale * v)
	}
}

func relErr(got, want []float64) float64 {
	var d, n float64
	for i := range got {
		d += (got[i] - want[i]) * (got[i] - want[i])
		n += want[i] * want[i]
	}
	return math.Sqrt(d / n)
}

// TestHVPAccuracy compares the central-difference HVP with exact products:
// Av on a quadratic (no truncation error: only the float32 gradients'
// rounding) and the closed-form logistic Hessian (both errors). The bound
// is 20·eps32^(2/3) ≈ 5e-4 relative: the analysis in HVP's doc gives a
// small multiple of eps32^(2/3) per product, the factor 20 covers the
// constants (the gradient's rounding grows with the n-term sums inside it).
func TestHVPAccuracy(t *testing.T) {
	q := newQuadratic(12, 3)
	set(q.w, 4, 1)
	lr := newLogistic(300, 20, 5)
	set(lr.w, 6, 0.5)
	for _, c := range []struct {
		name    string
		w       *tensor.Tensor
		closure optim.Closure
		h       *mat.SymDense
	}{
		{"quadratic", q.w, q.closure, q.a},
		{"logistic", lr.w, lr.closure, func() *mat.SymDense { _, h := lr.exact(); return h }()},
	} {
		t.Run(c.name, func(t *testing.T) {
			n := c.w.Numel()
			before := slices.Clone(c.w.Storage())
			worst := 0.0
			for s := uint64(0); s < 5; s++ {
				v := randVec(n, 100+s)
				got := make([]float64, n)
				if err := optim.HVP([]*tensor.Tensor{c.w}, c.closure, v, got); err != nil {
					t.Fatal(err)
				}
				want := mat.NewVecDense(n, nil)
				want.MulVec(c.h, mat.NewVecDense(n, v))
				worst = math.Max(worst, relErr(got, want.RawVector().Data))
			}
			if !slices.Equal(before, c.w.Storage()) {
				t.Error("HVP did not restore the parameters bitwise")
			}
			t.Logf("worst relative error of Hv: %.2e (%.2f eps32^(2/3))", worst, worst/eps23)
			if worst > 20*eps23 {
				t.Errorf("relative error %.3e > 20*eps32^(2/3) = %.3e", worst, 20*eps23)
			}
			// The dense Hessian, column by column with per-coordinate steps.
			h, err := optim.Hessian([]*tensor.Tensor{c.w}, c.closure, 0)
			if err != nil {
				t.Fatal(err)
			}
			var diff mat.Dense
			diff.Sub(h, c.h)
			e := mat.Norm(&diff, 2) / mat.Norm(c.h, 2)
			t.Logf("Hessian relative error (2-norm): %.2e (%.2f eps32^(2/3))", e, e/eps23)
			if e > 20*eps23 {
				t.Errorf("Hessian relative error %.3e > %.3e", e, 20*eps23)
			}
			if !slices.Equal(before, c.w.Storage()) {
				t.Error("Hessian did not restore the parameters bitwise")
			}
		})
	}
}

func TestHessianTooLarge(t *testing.T) {
	w := tensor.Zeros(50, 100).SetRequiresGrad(true)
	b := tensor.Zeros(10).SetRequiresGrad(true)
	cl := func() (float64, error) { return 0, nil }
	for _, c := range []struct {
		limit int
		want  []string
	}{
		{0, []string{"5010 parameters", "limit of 4096", "NewtonCG"}},
		{5000, []string{"5010 parameters", "limit of 5000"}},
	} {
		_, err := optim.Hessian([]*tensor.Tensor{w, b}, cl, c.limit)
		_, err2 := optim.NewNewton([]*tensor.Tensor{w, b}, optim.NewtonOptions{MaxParams: c.limit})
		for _, e := range []error{err, err2} {
			var oe *optim.Error
			if !errors.As(e, &oe) {
				t.Fatalf("limit %d: error %v is not an *optim.Error", c.limit, e)
			}
			for _, s := range c.want {
				if !strings.Contains(e.Error(), s) {
					t.Errorf("error %q does not mention %q", e, s)
				}
			}
		}
	}
	if _, err := optim.NewNewton([]*tensor.Tensor{w, b}, optim.NewtonOptions{MaxParams: 6000}); err != nil {
		t.Errorf("5010 parameters under MaxParams 6000: %v", err)
	}
}

func TestHVPErrors(t *testing.T) {
	w := tensor.Zeros(3).SetRequiresGrad(true)
	cl := func() (float64, error) { return 0, nil }
	for _, c := range []struct {
		name string
		err  error
		want string
	}{
		{"length", optim.HVP([]*tensor.Tensor{w}, cl, make([]float64, 2), make([]float64, 3)), "parameter count 3"},
		{"nil closure", optim.HVP([]*tensor.Tensor{w}, nil, make([]float64, 3), make([]float64, 3)), "closure is nil"},
		{"closure", optim.HVP([]*tensor.Tensor{w}, func() (float64, error) { return 0, errors.New("boom") }, []float64{1, 0, 0}, make([]float64, 3)), "boom"},
	} {
		if c.err == nil || !strings.Contains(c.err.Error(), c.want) {
			t.Errorf("%s: error %v, want one mentioning %q", c.name, c.err, c.want)
		}
	}
}
