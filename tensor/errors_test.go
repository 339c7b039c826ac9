package tensor

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

// mustPanicShape runs f and returns the *ShapeError it panics with.
func mustPanicShape(t *testing.T, f func()) (err *ShapeError) {
	t.Helper()
	defer func() {
		r := recover()
		e, ok := r.(*ShapeError)
		if !ok {
			t.Fatalf("panic value %v (%T), want a *ShapeError", r, r)
		}
		err = e
	}()
	f()
	return nil
}

// The examples of PyTorch's broadcasting documentation.
func TestBroadcastDocExamples(t *testing.T) {
	for _, c := range []struct {
		a, b []int
		want string
	}{
		{[]int{4, 3, 2}, []int{4, 3}, "tensor: shapes [4 3 2] and [4 3] are not broadcastable: dimension -1 is 2 vs 3 (each pair must be equal, or one of them 1)"},
		{[]int{4, 3, 2}, []int{2, 3}, "tensor: shapes [4 3 2] and [2 3] are not broadcastable: dimension -1 is 2 vs 3 (each pair must be equal, or one of them 1)"},
		{[]int{4, 3, 2}, []int{0}, "tensor: shapes [4 3 2] and [0] are not broadcastable: dimension -1 is 2 vs 0 (each pair must be equal, or one of them 1)"},
		{[]int{5, 2, 4, 1}, []int{3, 1, 1}, "tensor: shapes [5 2 4 1] and [3 1 1] are not broadcastable: dimension -3 is 2 vs 3 (each pair must be equal, or one of them 1)"},
	} {
		_, err := BroadcastShapes(c.a, c.b)
		if err == nil || err.Error() != c.want {
			t.Errorf("BroadcastShapes(%v, %v) error %v\nwant %s", c.a, c.b, err, c.want)
		}
		e := mustPanicShape(t, func() { Zeros(c.a...).Add(Zeros(c.b...)) })
		if e.Op != "Add" || !strings.HasSuffix(e.Error(), strings.TrimPrefix(c.want, "tensor: ")) {
			t.Errorf("Add panicked with %q", e)
		}
	}
	got, err := BroadcastShapes([]int{5, 1, 4, 1}, []int{3, 1, 1})
	if err != nil || !slices.Equal(got, []int{5, 3, 4, 1}) {
		t.Errorf("[5 1 4 1] with [3 1 1]: %v, %v; want [5 3 4 1]", got, err)
	}
	if s := Zeros(5, 1, 4, 1).Add(Ones(3, 1, 1)).Shape(); !slices.Equal(s, []int{5, 3, 4, 1}) {
		t.Errorf("Add shape %v", s)
	}
}

func TestErrorConvention(t *testing.T) {
	if _, err := FromSlice([]float32{1, 2, 3}, 2, 2); err == nil ||
		err.Error() != "tensor: a slice of length 3 cannot be a tensor of shape [2 2] (4 elements)" {
		t.Errorf("FromSlice error %v", err)
	}
	if _, err := FromSlice(nil, 2, -1); err == nil || !strings.Contains(err.Error(), "negative") {
		t.Errorf("FromSlice negative shape error %v", err)
	}
	mustPanicShape(t, func() { New([]float32{1}, 2) })
	mustPanicShape(t, func() { Zeros(-1) })
	e := mustPanicShape(t, func() { Zeros(2, 3).Matmul(Zeros(2, 3)) })
	if !strings.Contains(e.Error(), "cannot be multiplied (2x3 and 2x3)") {
		t.Errorf("Matmul error %q", e)
	}
	e = mustPanicShape(t, func() { Zeros(2, 3).SumDim([]int{2}, false) })
	if !strings.Contains(e.Error(), "dimension out of range (expected to be in range of [-2, 1], but got 2)") {
		t.Errorf("SumDim error %q", e)
	}
	e = mustPanicShape(t, func() { Zeros(3, 4).Transpose(0, 1).View(12) })
	if !strings.Contains(e.Error(), "use Reshape") {
		t.Errorf("View error %q", e)
	}
	mustPanicShape(t, func() { Zeros(3, 2).Expand(3, 4) })
	mustPanicShape(t, func() { Zeros(3).Reshape(2, -1) })
	mustPanicShape(t, func() { Zeros(3).Backward() })
	mustPanicShape(t, func() { Zeros(0).Max() })
	_, err := Einsum("ij,jk->ik", Zeros(2, 3), Zeros(4, 5))
	var se *ShapeError
	if !errors.As(err, &se) || se.Op != "Einsum" || se.Unwrap() == nil {
		t.Errorf("Einsum error %v (%T)", err, err)
	}
	if _, err := Einsum("ij,jk->ik", Zeros(2, 3)); err == nil {
		t.Error("Einsum with too few operands did not fail")
	}
}

func TestViewsShareStorage(t *testing.T) {
	x := Arange(0, 24, 1).Reshape(2, 3, 4)
	views := map[string]*Tensor{
		"View":      x.View(6, 4),
		"Reshape":   x.Reshape(4, 6),
		"Transpose": x.Transpose(0, 2),
		"Permute":   x.Permute(1, 2, 0),
		"Slice":     x.Slice(2, 1, 4, 2),
		"Narrow":    x.Narrow(1, 1, 2),
		"Expand":    x.Narrow(0, 0, 1).Expand(5, 3, 4),
		"Squeeze":   x.Narrow(0, 0, 1).Squeeze(),
		"Unsqueeze": x.Unsqueeze(1),
		"Flatten":   x.Flatten(1, 2),
		"Detach":    x.Detach(),
	}
	for name, v := range views {
		if &v.data[0] != &x.data[0] {
			t.Errorf("%s copied", name)
		}
	}
	if x.Transpose(0, 1).Reshape(6, 4).IsContiguous() != true {
		t.Error("Reshape of a transposed tensor must be a contiguous copy")
	}
	// Reading through a view.
	if got := x.Transpose(0, 2).At(3, 1, 0); got != 7 {
		t.Errorf("transposed At = %v, want 7", got)
	}
	if got := x.Slice(2, 1, 4, 2).Data(); got[0] != 1 || got[1] != 3 || got[2] != 5 {
		t.Errorf("strided slice %v", got)
	}
	if got := x.Slice(0, -1, 100, 1).Shape(); !slices.Equal(got, []int{1, 3, 4}) {
		t.Errorf("clamped slice shape %v", got)
	}
	// View of a transposed tensor where the strides allow it.
	y := Zeros(4, 6).Transpose(0, 1) // [6 4] with strides [1 6]
	if s := y.View(2, 3, 4).Strides(); !slices.Equal(s, []int{3, 1, 6}) {
		t.Errorf("view strides %v, want [3 1 6]", s)
	}
}

// TestFastPathsMatchStrided checks the kernel fast paths of the binary
// engine against its strided Go loop on the same values.
func TestFastPathsMatchStrided(t *testing.T) {
	g := NewGenerator(11)
	for _, sh := range [][2][]int{{{64, 33}, {33}}, {{64, 33}, {64, 1}}, {{33}, {64, 33}}, {{64, 1}, {64, 33}},
		{{64, 33}, {}}, {{}, {64, 33}}, {{5, 7, 9}, {5, 1, 9}}, {{5, 7, 9}, {7, 1}}, {{64, 33}, {64, 33}}} {
		a, b := Randn(g, sh[0]...), Randn(g, sh[1]...)
		for _, op := range []func(x, y *Tensor) *Tensor{(*Tensor).Add, (*Tensor).Sub, (*Tensor).Mul, (*Tensor).Div, (*Tensor).Maximum, (*Tensor).Minimum} {
			got := op(a, b).Data()
			// Same values through strided (non-contiguous) copies.
			as := stridedCopy(a)
			bs := stridedCopy(b)
			want := op(as, bs).Data()
			for i := range got {
				if got[i] != want[i] && !(got[i] != got[i] && want[i] != want[i]) {
					t.Fatalf("shapes %v: element %d fast %v, strided %v", sh, i, got[i], want[i])
				}
			}
		}
	}
}

// stridedCopy returns a tensor equal to t whose last dimension has stride 2.
func stridedCopy(t *Tensor) *Tensor {
	if t.Dim() == 0 {
		return t
	}
	s := t.Shape()
	s[len(s)-1] *= 2
	big := Zeros(s...)
	v := big.Slice(-1, 0, s[len(s)-1], 2)
	copyLoopInto(v, t)
	return v
}

func copyLoopInto(dst, src *Tensor) {
	d, s := svOf(dst), svOf(src)
	copyLoop(dst.shape, &d, &s)
}

func TestStringGrad(t *testing.T) {
	w := New([]float32{1, 2}, 2).SetRequiresGrad(true)
	if s := w.String(); s != "tensor([1., 2.], requires_grad=True)" {
		t.Errorf("leaf String %q", s)
	}
	if s := w.MulScalar(2).String(); s != "tensor([2., 4.], grad_fn=<MulBackward0>)" {
		t.Errorf("non-leaf String %q", s)
	}
}

// TestMatmulLayouts: strided, transposed, expanded and broadcast operands
// give the same products as contiguous copies of them.
func TestMatmulLayouts(t *testing.T) {
	g := NewGenerator(21)
	a4 := Randn(g, 3, 2, 4, 5)
	b4 := Randn(g, 2, 3, 5, 6)
	for name, c := range map[string][2]*Tensor{
		"batch strided":   {a4.Transpose(0, 1), b4},
		"both transposed": {Randn(g, 5, 4).Transpose(0, 1), Randn(g, 6, 5).Transpose(0, 1)},
		"expanded":        {Randn(g, 4, 1).Expand(4, 5), Randn(g, 5, 3)},
		"broadcast batch": {Randn(g, 2, 1, 4, 5), Randn(g, 3, 5, 6)},
		"folded":          {Randn(g, 2, 3, 4, 5), Randn(g, 5, 6)},
		"sliced rows":     {Randn(g, 8, 5).Slice(0, 0, 8, 2), Randn(g, 5, 3)},
	} {
		got := c[0].Matmul(c[1]).Data()
		want := c[0].Contiguous().Clone().Matmul(c[1].Contiguous().Clone()).Data()
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("%s: element %d %v, contiguous %v", name, i, got[i], want[i])
				break
			}
		}
	}
}

func TestAutogradMisuse(t *testing.T) {
	mustPanicShape(t, func() { Scalar(1).Backward() })
	w := Zeros(2).SetRequiresGrad(true)
	mustPanicShape(t, func() { w.MulScalar(2).BackwardWith(Zeros(3)) })
	mustPanicShape(t, func() { w.MulScalar(2).SetRequiresGrad(false) })
	y := w.MulScalar(2)
	y.BackwardWith(New([]float32{1, -1}, 2))
	if g := w.Grad().Data(); g[0] != 2 || g[1] != -2 {
		t.Errorf("BackwardWith grad %v, want [2 -2]", g)
	}
}
