package tensor

import (
	"errors"
	"strings"
	"testing"
)

// TestOpsGradCheck checks the new operations' gradients against central
// differences, composed with other operations so that non-contiguous
// inputs and broadcasting are covered. Masks and indices are constants the
// closures capture.
func TestOpsGradCheck(t *testing.T) {
	g := NewGenerator(7)
	m := Rand(g, 3, 4).Gt(Full(0.5, 1))
	idx := New([]float32{2, 0, 2, 1, 1, 0}, 2, 3)
	for _, c := range []struct {
		name string
		in   []*Tensor
		f    func(in []*Tensor) *Tensor
	}{
		{"cat", []*Tensor{Randn(g, 2, 3), Randn(g, 2, 2)}, func(in []*Tensor) *Tensor { return Cat(1, in[0].Mul(in[0]), in[1]) }},
		{"cat_transposed", []*Tensor{Randn(g, 3, 2), Randn(g, 1, 3)}, func(in []*Tensor) *Tensor { return Cat(0, in[0].Transpose(0, 1), in[1]) }},
		{"stack", []*Tensor{Randn(g, 2, 3), Randn(g, 2, 3)}, func(in []*Tensor) *Tensor { return Stack(1, in[0], in[1].Exp()) }},
		{"where", []*Tensor{Randn(g, 3, 4), Randn(g, 4)}, func(in []*Tensor) *Tensor { return Where(m, in[0], in[1]) }},
		{"masked_fill", []*Tensor{Randn(g, 1, 4)}, func(in []*Tensor) *Tensor { return in[0].MaskedFill(m, 3) }},
		{"clamp", []*Tensor{awayFrom(g, 0.5, 3, 4)}, func(in []*Tensor) *Tensor { return in[0].Clamp(-0.5, 0.5) }},
		{"gather", []*Tensor{Randn(g, 3, 3)}, func(in []*Tensor) *Tensor { return in[0].Transpose(0, 1).Gather(0, idx) }},
		{"index_select", []*Tensor{Randn(g, 3, 2)}, func(in []*Tensor) *Tensor { return in[0].IndexSelect(0, idx.Reshape(-1)) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			if err := GradCheck(c.f, c.in, GradCheckOptions{Terms: 2}); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// awayFrom returns normal values at least 0.2 from ±b (the kinks of Clamp).
func awayFrom(g *Generator, b float32, shape ...int) *Tensor {
	t := Randn(g, shape...)
	for i, v := range t.data {
		for _, k := range []float32{-b, b} {
			if d := v - k; d > -0.2 && d < 0.2 {
				v = k + 0.2
				if d < 0 {
					v = k - 0.2
				}
			}
		}
		t.data[i] = v
	}
	return t
}

func TestOpsErrors(t *testing.T) {
	x := Zeros(2, 3)
	for _, c := range []struct {
		f    func()
		want string
	}{
		{func() { Cat(0) }, "tensor: Cat: expected a non-empty list of tensors"},
		{func() { Cat(0, x, Zeros(2, 4)) }, "tensor: Cat: sizes of tensors must match except in dimension 0: expected size 3 but got size 4 for tensor number 1"},
		{func() { Cat(2, x) }, "dimension out of range"},
		{func() { Cat(0, x, nil) }, "tensor 1 is nil"},
		{func() { Cat(0, Scalar(1)) }, "zero-dimensional"},
		{func() { Stack(0, x, Zeros(3, 2)) }, "stack expects each tensor to be equal size, but got [2 3] at entry 0 and [3 2] at entry 1"},
		{func() { Where(Zeros(2), x, x) }, "tensor: Where: shapes [2] and [2 3] are not broadcastable"},
		{func() { x.MaskedFill(nil, 0) }, "mask is nil"},
		{func() { x.Clamp(float32(nan()), 1) }, "must not be NaN"},
		{func() { x.Gather(1, New([]float32{3, 0}, 1, 2)) }, "tensor: Gather: index 3 is out of bounds for a dimension of size 3"},
		{func() { x.Gather(1, New([]float32{0.5}, 1, 1)) }, "index 0.5 is out of bounds"},
		{func() { x.Gather(1, Zeros(2)) }, "must have the same number of dimensions"},
		{func() { x.Gather(1, Zeros(3, 1)) }, "exceeds the input [2 3] at dimension 0"},
		{func() { x.IndexSelect(0, New([]float32{-1}, 1)) }, "index -1 is out of bounds for a dimension of size 2"},
		{func() { x.IndexSelect(0, Zeros(1, 1)) }, "index must be a 1-D tensor"},
		{func() { Scalar(1).IndexSelect(0, Zeros(2)) }, "a scalar takes an index of one element, not 2"},
		{func() { x.Set(1, 2, 0) }, "tensor: Set: index 2 is out of range for dimension 0 of size 2"},
		{func() { Zeros(2).SetRequiresGrad(true).Set(1, 0) }, "cannot be changed in place while recording"},
		{func() { x.SetGrad(Zeros(3, 2)) }, "tensor: SetGrad: gradient of shape [3 2] for a tensor of shape [2 3]"},
		{func() { Zeros(2).SetRequiresGrad(true).Exp().SetGrad(nil) }, "only a leaf tensor's gradient can be set"},
	} {
		e := mustPanicShape(t, c.f)
		if !strings.Contains(e.Error(), c.want) {
			t.Errorf("panic %q, want it to contain %q", e, c.want)
		}
	}
}

func TestSetAndCopies(t *testing.T) {
	data := []float32{1, 2, 3, 4}
	shared, copied := New(data, 2, 2), NewCopy(data, 2, 2)
	data[0] = 9
	if shared.At(0, 0) != 9 || copied.At(0, 0) != 1 {
		t.Errorf("after data[0] = 9: New sees %v (want 9), NewCopy %v (want 1)", shared.At(0, 0), copied.At(0, 0))
	}
	v := copied.Transpose(0, 1) // a view: Set writes through to the storage
	v.Set(7, 0, 1)
	v.Set(5, -1, -1)
	if got := copied.Data(); got[2] != 7 || got[3] != 5 || got[0] != 1 || got[1] != 2 {
		t.Errorf("after Set through a transposed view: %v, want [1 2 7 5]", got)
	}
	p := Zeros(2).SetRequiresGrad(true)
	NoGrad(func() { p.Set(3, 1) })
	if p.At(1) != 3 {
		t.Errorf("Set inside NoGrad on a parameter: %v", p.Data())
	}
}

// TestSetGrad: SetGrad copies the values (later changes of the source do
// not reach the gradient), Backward adds to it, nil clears it.
func TestSetGrad(t *testing.T) {
	p := New([]float32{1, 2}, 2).SetRequiresGrad(true)
	src := New([]float32{10, 20}, 2)
	p.SetGrad(src)
	src.Set(0, 0)
	p.Mul(p).Sum().Backward() // adds 2p = [2 4]
	if got := p.Grad().Data(); got[0] != 12 || got[1] != 24 {
		t.Errorf("SetGrad then Backward: %v, want [12 24]", got)
	}
	p.SetGrad(Full(1, 2).Expand(2)) // a strided source
	if got := p.Grad().Data(); got[0] != 1 || got[1] != 1 {
		t.Errorf("SetGrad of an expanded tensor: %v", got)
	}
	p.SetGrad(nil)
	if p.Grad() != nil {
		t.Errorf("SetGrad(nil) left %v", p.Grad())
	}
}

// TestOpsArena: with arena inputs the results and the temporaries of the
// backward come from the arena, so a step allocates nothing on the heap
// but Where's record of its third input (Custom keeps two in the record).
func TestOpsArena(t *testing.T) {
	ar := NewArena()
	w := Randn(NewGenerator(1), 3, 4).SetRequiresGrad(true)
	m := Full(1, 3, 1)
	m.Set(0, 1, 0)
	for _, c := range []struct {
		name   string
		f      func(x *Tensor) *Tensor
		allocs float64
	}{
		{"cat", func(x *Tensor) *Tensor { return Cat(0, x, x.Mul(w)) }, 0},
		{"stack", func(x *Tensor) *Tensor { return Stack(0, x, x.Mul(w)) }, 0},
		{"clamp", func(x *Tensor) *Tensor { return x.Mul(w).Clamp(-1, 1) }, 0},
		{"masked_fill", func(x *Tensor) *Tensor { return x.Mul(w).MaskedFill(m, 0) }, 0},
		{"where", func(x *Tensor) *Tensor { return Where(m, x.Mul(w), w) }, 1},
	} {
		step := func() {
			ar.Reset()
			x := ar.Zeros(3, 4).AddScalar(1)
			y := c.f(x)
			w.ZeroGrad()
			y.Sum().Backward()
		}
		step()
		if n := testing.AllocsPerRun(20, step); n > c.allocs {
			t.Errorf("%s: %v heap allocations per step, want %v", c.name, n, c.allocs)
		}
	}
}

func nan() float64 { var z float64; return z / z }

func TestEinsumNilOperand(t *testing.T) {
	_, err := Einsum("ij,jk->ik", Zeros(2, 3), nil)
	var e *ShapeError
	if !errors.As(err, &e) || !strings.Contains(e.Error(), "ops[1] is a nil") {
		t.Errorf("Einsum with a nil operand: %v (%T), want a *ShapeError", err, err)
	}
}
