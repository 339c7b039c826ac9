package optim_test

import (
	"math"
	"slices"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/vecgrad/vecgrad/kernels"
	"github.com/vecgrad/vecgrad/optim"
	"github.com/vecgrad/vecgrad/tensor"
)

// TestHVPThreadsAndPrecisions checks, on a problem of 5000 parameters
// (several tasks of the HVP's parallel passes), that the product is
// bitwise the same for 1, 2 and 3 workers, that Apply (float64 vectors)
// is Apply32 widened, and that the parameters come back bitwise.
func TestHVPThreadsAndPrecisions(t *testing.T) {
	defer kernels.SetThreads(kernels.Threads())
	lr := newLogistic(64, 5000, 9)
	set(lr.w, 10, 0.1)
	before := slices.Clone(lr.w.Storage())
	h, err := optim.NewHessianVector([]*tensor.Tensor{lr.w}, lr.closure)
	if err != nil {
		t.Fatal(err)
	}
	v := randVec(5000, 11)
	v32 := make([]float32, len(v))
	for i, x := range v {
		v32[i] = float32(x)
		v[i] = float64(v32[i]) // so that Apply's rounding of v is exact
	}
	var want []float32
	for _, threads := range []int{1, 2, 3} {
		kernels.SetThreads(threads)
		got := make([]float32, len(v))
		if err := h.Apply32(v32, got); err != nil {
			t.Fatal(err)
		}
		if want == nil {
			want = got
		} else if !slices.Equal(got, want) {
			t.Errorf("%d workers: the product differs from 1 worker's", threads)
		}
		wide := make([]float64, len(v))
		if err := h.Apply(v, wide); err != nil {
			t.Fatal(err)
		}
		for i := range wide {
			if wide[i] != float64(want[i]) {
				t.Fatalf("%d workers: Apply[%d] = %v, Apply32 = %v", threads, i, wide[i], want[i])
			}
		}
		if !slices.Equal(before, lr.w.Storage()) {
			t.Fatalf("%d workers: the parameters were not restored bitwise", threads)
		}
	}
	if math.IsNaN(float64(kernels.SumSq(want))) || kernels.SumSq(want) == 0 {
		t.Fatalf("degenerate product, squared norm %v", kernels.SumSq(want))
	}
}

// TestHVPUnusedParameter checks a parameter the objective does not use
// (its gradient stays nil): its part of Hv is zero and the used part is
// the quadratic's Av; then a direction along the unused parameter only,
// whose product is zero.
func TestHVPUnusedParameter(t *testing.T) {
	q := newQuadratic(12, 3)
	set(q.w, 4, 1)
	unused := tensor.Ones(5).SetRequiresGrad(true)
	params := []*tensor.Tensor{q.w, unused}
	v := randVec(17, 5)
	got := make([]float64, 17)
	if err := optim.HVP(params, q.closure, v, got); err != nil {
		t.Fatal(err)
	}
	want := mat.NewVecDense(12, nil)
	want.MulVec(q.a, mat.NewVecDense(12, v[:12]))
	if e := relErr(got[:12], want.RawVector().Data); e > 20*eps23 {
		t.Errorf("used part: relative error %.3e > %.3e", e, 20*eps23)
	}
	for i, x := range got[12:] {
		if x != 0 {
			t.Errorf("unused parameter's Hv[%d] = %v, want 0", i, x)
		}
	}
	// A direction along the unused parameter only: Hv = 0 everywhere.
	clear(v[:12])
	if err := optim.HVP(params, q.closure, v, got); err != nil {
		t.Fatal(err)
	}
	for i, x := range got {
		if x != 0 {
			t.Errorf("direction along the unused parameter: Hv[%d] = %v, want 0", i, x)
		}
	}
}

// TestHVPApply32Errors checks Apply32's length validation.
func TestHVPApply32Errors(t *testing.T) {
	w := tensor.Zeros(3).SetRequiresGrad(true)
	h, err := optim.NewHessianVector([]*tensor.Tensor{w}, func() (float64, error) { return 0, nil })
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Apply32(make([]float32, 3), make([]float32, 4)); err == nil {
		t.Error("Apply32 with len(dst) = 4 for 3 parameters: no error")
	}
}
