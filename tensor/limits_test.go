package tensor

import (
	"errors"
	"math"
	"strings"
	"testing"
)

// mustShapeErr runs f and checks that it panics with a *ShapeError whose
// message holds every fragment.
func mustShapeErr(t *testing.T, f func(), fragments ...string) {
	t.Helper()
	defer func() {
		t.Helper()
		r := recover()
		e, ok := r.(*ShapeError)
		if !ok {
			t.Fatalf("panic %v (%T), want a *ShapeError mentioning %q", r, r, fragments)
		}
		for _, fr := range fragments {
			if !strings.Contains(e.Error(), fr) {
				t.Fatalf("panic %q does not mention %q", e, fr)
			}
		}
	}()
	f()
}

// Shapes too large to allocate are refused before allocating, with a
// *ShapeError, never a makeslice panic or an out-of-memory crash (issue 22,
// item 12).
func TestMaxElements(t *testing.T) {
	if err := CheckShape([]int{1 << 18, 1 << 18}); err == nil || !strings.Contains(err.Error(), "more than MaxElements = 4294967296 elements (68719476736)") {
		t.Errorf("CheckShape([2^18 2^18]) = %v", err)
	}
	if err := CheckShape([]int{1 << 16, 1 << 16}); err != nil {
		t.Errorf("CheckShape of exactly MaxElements: %v", err)
	}
	if err := CheckShape([]int{1 << 40, 1 << 40, 0}); err != nil {
		t.Errorf("an empty shape with huge sizes: %v", err)
	}
	// Past int64: the count is still spelled exactly.
	if err := CheckShape([]int{1 << 62, 1 << 62}); err == nil || !strings.Contains(err.Error(), "(21267647932558653966460912964485513216)") {
		t.Errorf("CheckShape([2^62 2^62]) = %v", err)
	}
	mustShapeErr(t, func() { Zeros(1<<18, 1<<18) }, "Zeros", "more than MaxElements")
	mustShapeErr(t, func() { Full(1, 1<<33) }, "Full", "more than MaxElements")
	// A broadcast whose result is too large.
	a, b := Zeros(1<<17, 1), Zeros(1, 1<<17)
	mustShapeErr(t, func() { a.Add(b) }, "shape [131072 131072] has more than MaxElements")

	v := Zeros(4096)
	for _, c := range []struct {
		eq  string
		ops []*Tensor
	}{
		{"a,b,c,d->abcd", []*Tensor{v, v, v, v}},
		{"a,b,c->abc", []*Tensor{v, v, v}},
	} {
		_, err := Einsum(c.eq, c.ops...)
		var se *ShapeError
		if !errors.As(err, &se) || !strings.Contains(err.Error(), "more than MaxElements") {
			t.Errorf("Einsum(%q) = %v, want a *ShapeError over MaxElements", c.eq, err)
		}
	}
	if out, err := Einsum("a,b->ab", v, v); err != nil || out.Numel() != 1<<24 {
		t.Errorf("Einsum of a 2^24 outer product: %v", err)
	}
	// The planner sums each operand first: no array is large, whatever the
	// sizes multiply to.
	if out, err := Einsum("a,b,c,d->", v, v, v, v); err != nil || out.Item() != 0 {
		t.Errorf("Einsum(a,b,c,d->) = %v, %v", out, err)
	}
}

func TestArangeLimits(t *testing.T) {
	for _, c := range []struct {
		start, end, step float64
		want             string
	}{
		{0, 1e18, 1, "1e+18 elements, more than MaxElements"},
		{0, math.Inf(1), 1, "must be finite"},
		{0, math.NaN(), 1, "must be finite"},
		{math.NaN(), 1, 1, "must be finite"},
		{0, 1, math.Inf(1), "must be finite"},
		{-1e308, 1e308, 1, "more than MaxElements"}, // end-start overflows to +Inf
		{0, 1, 0, "step must be nonzero"},
	} {
		mustShapeErr(t, func() { Arange(c.start, c.end, c.step) }, "Arange", c.want)
	}
	if got := Arange(0, 5, 2).Data(); len(got) != 3 || got[2] != 4 {
		t.Errorf("Arange(0, 5, 2) = %v", got)
	}
	if got := Arange(5, 0, 1).Numel(); got != 0 {
		t.Errorf("Arange(5, 0, 1) has %d elements, want 0", got)
	}
}

// Nil tensors, as receivers or arguments, panic (or, from Einsum, return)
// a *ShapeError naming the argument, not a nil dereference (item 13).
func TestNilTensors(t *testing.T) {
	var n *Tensor
	x := Ones(2, 2)
	mustShapeErr(t, func() { n.Add(x) }, "tensor: Add: the receiver is a nil *Tensor")
	mustShapeErr(t, func() { x.Mul(n) }, "tensor: Mul: argument b is a nil *Tensor")
	mustShapeErr(t, func() { x.Matmul(nil) }, "Matmul: argument b is a nil *Tensor")
	mustShapeErr(t, func() { n.Shape() }, "Shape: the receiver")
	mustShapeErr(t, func() { n.Sum() }, "Sum: the receiver")
	mustShapeErr(t, func() { n.Reshape(4) }, "Reshape: the receiver")
	mustShapeErr(t, func() { n.Backward() }, "Backward: the receiver")
	mustShapeErr(t, func() { x.BackwardWith(nil) }, "BackwardWith: argument grad is a nil *Tensor")
	mustShapeErr(t, func() { ZeroGrad(x, nil) }, "ZeroGrad: argument ts[1] is a nil *Tensor")
	_, err := Einsum("ij,jk->ik", x, nil)
	var se *ShapeError
	if !errors.As(err, &se) || err.Error() != "tensor: Einsum: argument ops[1] is a nil *Tensor" {
		t.Errorf("Einsum with a nil operand: %v", err)
	}
	if s := n.String(); s != "<nil>" {
		t.Errorf("nil String() = %q", s)
	}
	// SwapGrad accepts nil: it means "no buffer".
	if g := x.SwapGrad(nil); g != nil {
		t.Errorf("SwapGrad(nil) = %v", g)
	}
}
