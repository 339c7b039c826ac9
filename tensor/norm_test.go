package tensor

import (
	"encoding/json"
	"math"
	"os"
	"strings"
	"testing"
)

// normFixtures are PyTorch 1.13's values for Norm/NormDim and Sin/Cos,
// written by tools/normfixtures/gen.py.
type normFixtures struct {
	Torch string `json:"torch"`
	Cases []struct {
		Name string `json:"name"`
		Op   string `json:"op"`
		Args struct {
			P       string `json:"p"`
			Dims    []int  `json:"dims"`
			Keepdim bool   `json:"keepdim"`
		} `json:"args"`
		Inputs   []fixTensor `json:"inputs"`
		Out      fixTensor   `json:"out"`
		Upstream fixTensor   `json:"upstream"`
		Grads    []fixTensor `json:"grads"`
	} `json:"cases"`
}

func parseP(t *testing.T, s string) float64 {
	if s == "inf" {
		return math.Inf(1)
	}
	var p float64
	if err := json.Unmarshal([]byte(s), &p); err != nil {
		t.Fatalf("p = %q: %v", s, err)
	}
	return p
}

// closeTo reports |got - want| <= tol*(1 + |want|), NaN matching NaN and
// infinities matching exactly.
func closeTo(got float32, want jnum, tol float64) bool {
	g, w := float64(got), float64(want)
	switch {
	case math.IsNaN(w):
		return math.IsNaN(g)
	case math.IsInf(w, 0):
		return g == w
	}
	return math.Abs(g-w) <= tol*(1+math.Abs(w))
}

func TestNormFixtures(t *testing.T) {
	b, err := os.ReadFile("testdata/norm_fixtures.json")
	if err != nil {
		t.Fatal(err)
	}
	var fx normFixtures
	if err := json.Unmarshal(b, &fx); err != nil {
		t.Fatal(err)
	}
	if len(fx.Cases) < 60 {
		t.Fatalf("%d cases", len(fx.Cases))
	}
	for _, c := range fx.Cases {
		t.Run(c.Name, func(t *testing.T) {
			x := c.Inputs[0].tensor().SetRequiresGrad(true)
			var out *Tensor
			switch c.Op {
			case "norm":
				out = x.NormDim(parseP(t, c.Args.P), c.Args.Dims, c.Args.Keepdim)
			case "sin":
				out = x.Sin()
			case "cos":
				out = x.Cos()
			default:
				t.Fatalf("op %q", c.Op)
			}
			if !equalShape(out.Shape(), c.Out.Shape) {
				t.Fatalf("shape %v, torch %v", out.Shape(), c.Out.Shape)
			}
			for i, v := range out.Data() {
				if !closeTo(v, c.Out.Data[i], 2e-6) {
					t.Errorf("out[%d] = %v, torch %v", i, v, float64(c.Out.Data[i]))
				}
			}
			out.Mul(c.Upstream.tensor()).Sum().Backward()
			for i, v := range x.Grad().Data() {
				if !closeTo(v, c.Grads[0].Data[i], 1e-5) {
					t.Errorf("grad[%d] = %v, torch %v", i, v, float64(c.Grads[0].Data[i]))
				}
			}
		})
	}
}

func equalShape(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestNormGradCheck(t *testing.T) {
	x := func() []*Tensor {
		return []*Tensor{New([]float32{1.5, -2, 0.7, 3.1, -0.4, 1.2, -2.6, 0.9, 1.8, -1.1, 2.2, -0.3}, 2, 3, 2)}
	}
	for _, p := range []float64{1, 2, math.Inf(1), 0.5, 1.5, 3, 4} {
		for _, dims := range [][]int{nil, {1}, {0, 2}, {-1}} {
			for _, keep := range []bool{false, true} {
				f := func(in []*Tensor) *Tensor { return in[0].NormDim(p, dims, keep) }
				if err := GradCheck(f, x(), GradCheckOptions{Step: 1e-3, Terms: 12}); err != nil {
					t.Errorf("p=%g dims=%v keepdim=%v: %v", p, dims, keep, err)
				}
			}
		}
	}
	for _, f := range []func(in []*Tensor) *Tensor{
		func(in []*Tensor) *Tensor { return in[0].Sin() },
		func(in []*Tensor) *Tensor { return in[0].Cos() },
		func(in []*Tensor) *Tensor { return in[0].Sin().Mul(in[0].Cos()).Sum() },
	} {
		if err := GradCheck(f, x(), GradCheckOptions{Terms: 4}); err != nil {
			t.Error(err)
		}
	}
}

// TestNormRange: float64 sums, so no overflow or underflow where PyTorch's
// float32 accumulator has them (torch gives inf and 0 here).
func TestNormRange(t *testing.T) {
	for _, c := range []struct {
		x    []float32
		p    float64
		want float32
	}{
		{[]float32{1e30, 1e30}, 2, float32(math.Sqrt2 * 1e30)},
		{[]float32{1e-30, -1e-30}, 2, float32(math.Sqrt2 * 1e-30)},
		{[]float32{3e38, 3e38}, 1, float32(math.Inf(1))},
		{[]float32{1e-30, 1e-30}, 3, float32(math.Cbrt(2) * 1e-30)},
		{[]float32{3, -4}, 2, 5},
		{[]float32{3, float32(math.NaN())}, math.Inf(1), float32(math.NaN())},
		{[]float32{-7, 2}, math.Inf(1), 7},
	} {
		got := New(c.x, len(c.x)).Norm(c.p).Item()
		if !(got == c.want || got != got && c.want != c.want) {
			t.Errorf("Norm(%v, p=%g) = %v, want %v", c.x, c.p, got, c.want)
		}
	}
	if got := Zeros(0).Norm(2).Item(); got != 0 {
		t.Errorf("Norm of an empty tensor = %v, want 0", got)
	}
}

func TestNormErrors(t *testing.T) {
	for _, c := range []struct {
		f    func()
		want string
	}{
		{func() { New([]float32{1}, 1).Norm(0) }, "p = 0 is not supported"},
		{func() { New([]float32{1}, 1).Norm(-1) }, "p must be > 0"},
		{func() { New([]float32{1}, 1).Norm(math.NaN()) }, "p = NaN"},
		{func() { Zeros(2, 0).NormDim(math.Inf(1), []int{1}, false) }, "size 0"},
		{func() { Zeros(2, 3).NormDim(2, []int{2}, false) }, "out of range"},
		{func() { Zeros(2, 3).NormDim(2, []int{1, -1}, false) }, "more than once"},
	} {
		func() {
			defer func() {
				r := recover()
				err, ok := r.(error)
				if !ok || !strings.Contains(err.Error(), c.want) {
					t.Errorf("panic %v, want an error containing %q", r, c.want)
				}
			}()
			c.f()
		}()
	}
}

// TestMatmulVector: a 1-D right operand is a matrix-vector product through
// Sgemm, with its gradients.
func TestMatmulVector(t *testing.T) {
	a := New([]float32{1, 2, 3, 4, 5, 6}, 2, 3)
	v := New([]float32{0.5, -1, 2}, 3)
	got := a.Matmul(v)
	if s := got.Shape(); len(s) != 1 || s[0] != 2 {
		t.Fatalf("shape %v, want [2]", s)
	}
	for i, w := range []float32{4.5, 9} {
		if got.Data()[i] != w {
			t.Errorf("(a·v)[%d] = %v, want %v", i, got.Data()[i], w)
		}
	}
	f := func(in []*Tensor) *Tensor { return in[0].Matmul(in[1]) }
	if err := GradCheck(f, []*Tensor{a, v}, GradCheckOptions{Terms: 3}); err != nil {
		t.Error(err)
	}
	bf := func(in []*Tensor) *Tensor { return in[0].Matmul(in[1]) } // batched matrix times vector
	b := New([]float32{1, -2, 3, 0.5, 4, -1, 2, 2, -3, 1, 0.25, 5}, 2, 2, 3)
	if err := GradCheck(bf, []*Tensor{b, New([]float32{1, 0.5, -2}, 3)}, GradCheckOptions{Terms: 3}); err != nil {
		t.Error(err)
	}
}
