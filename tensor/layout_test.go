package tensor

import (
	"math"
	"slices"
	"testing"
)

// Randomized layouts against a naive float64 reference: every fast path and
// the strided fallback of the loop engine must agree with index arithmetic.

// randLayout returns a tensor of the given shape filled with distinct
// values, laid out in storage in a random way: contiguous, permuted, or
// every other element of a larger tensor.
func randLayout(g *Generator, shape []int) *Tensor {
	switch g.Uint32() % 3 {
	case 0:
		return Randn(g, shape...)
	case 1: // a permuted contiguous tensor, permuted back
		n := len(shape)
		perm := make([]int, n)
		for i := range perm {
			perm[i] = i
		}
		for i := n - 1; i > 0; i-- {
			j := int(g.Uint32() % uint32(i+1))
			perm[i], perm[j] = perm[j], perm[i]
		}
		ps := make([]int, n)
		for i, p := range perm {
			ps[i] = shape[p]
		}
		inv := make([]int, n)
		for i, p := range perm {
			inv[p] = i
		}
		return Randn(g, ps...).Permute(inv...)
	default: // every other element along the last dimension
		if len(shape) == 0 {
			return Randn(g)
		}
		s := append([]int(nil), shape...)
		s[len(s)-1] *= 2
		return Randn(g, s...).Slice(-1, 0, s[len(s)-1], 2)
	}
}

// randBroadcastPair returns an output shape and two operand shapes that
// broadcast to it.
func randBroadcastPair(g *Generator) (out, a, b []int) {
	n := int(g.Uint32() % 5)
	out = make([]int, n)
	for i := range out {
		out[i] = 1 + int(g.Uint32()%4)
	}
	operand := func() []int {
		k := n - int(g.Uint32()%uint32(n+1))
		s := append([]int(nil), out[n-k:]...)
		for i := range s {
			if g.Uint32()%3 == 0 {
				s[i] = 1
			}
		}
		return s
	}
	a, b = operand(), operand()
	// the broadcast of a and b may be smaller than out: recompute it
	out, _ = BroadcastShapes(a, b)
	return out, a, b
}

// index returns the multi-index of flat position i in shape.
func index(shape []int, i int) []int {
	idx := make([]int, len(shape))
	for d := len(shape) - 1; d >= 0; d-- {
		idx[d] = i % shape[d]
		i /= shape[d]
	}
	return idx
}

// atBroadcast reads t at an index of the broadcast shape.
func atBroadcast(t *Tensor, idx []int) float64 {
	lead := len(idx) - t.Dim()
	j := make([]int, t.Dim())
	for d := range j {
		if t.shape[d] != 1 {
			j[d] = idx[lead+d]
		}
	}
	return float64(t.At(j...))
}

func TestBinaryRandomLayouts(t *testing.T) {
	g := NewGenerator(77)
	ops := []struct {
		name string
		f    func(a, b *Tensor) *Tensor
		ref  func(x, y float64) float64
	}{
		{"Add", (*Tensor).Add, func(x, y float64) float64 { return x + y }},
		{"Sub", (*Tensor).Sub, func(x, y float64) float64 { return x - y }},
		{"Mul", (*Tensor).Mul, func(x, y float64) float64 { return x * y }},
		{"Div", (*Tensor).Div, func(x, y float64) float64 { return x / y }},
		{"Maximum", (*Tensor).Maximum, math.Max},
		{"Minimum", (*Tensor).Minimum, math.Min},
	}
	for iter := 0; iter < 2000; iter++ {
		out, sa, sb := randBroadcastPair(g)
		a, b := randLayout(g, sa), randLayout(g, sb)
		for _, op := range ops {
			got := op.f(a, b)
			if !slices.Equal(got.shape, out) {
				t.Fatalf("%s %v %v: shape %v, want %v", op.name, sa, sb, got.shape, out)
			}
			d := got.Data()
			for i := range d {
				idx := index(out, i)
				// float32 +-*/ of float32 operands equals the float64
				// result rounded once (53 >= 2*24+2 bits).
				want := float32(op.ref(atBroadcast(a, idx), atBroadcast(b, idx)))
				if d[i] != want {
					t.Fatalf("%s of %v (strides %v) and %v (strides %v): element %v = %v, want %v",
						op.name, sa, a.strides, sb, b.strides, idx, d[i], want)
				}
			}
		}
	}
}

func TestReduceRandomLayouts(t *testing.T) {
	g := NewGenerator(78)
	for iter := 0; iter < 200; iter++ {
		n := 1 + int(g.Uint32()%4)
		shape := make([]int, n)
		for i := range shape {
			shape[i] = 1 + int(g.Uint32()%5)
		}
		x := randLayout(g, shape)
		var dims []int
		red := make([]bool, n)
		for i := range shape {
			if g.Uint32()%2 == 0 {
				dims = append(dims, i)
				red[i] = true
			}
		}
		if len(dims) == 0 {
			for i := range red {
				red[i] = true
			}
		}
		keep := g.Uint32()%2 == 0
		sum, mx, mn := x.SumDim(dims, keep).Data(), x.MaxDim(dims, keep).Data(), x.MinDim(dims, keep).Data()
		// reference: accumulate every element into its output position
		nout := len(sum)
		rs, ra := make([]float64, nout), make([]float64, nout)
		rmax, rmin := make([]float64, nout), make([]float64, nout)
		for i := range rmax {
			rmax[i], rmin[i] = math.Inf(-1), math.Inf(1)
		}
		for i := 0; i < x.Numel(); i++ {
			idx := index(shape, i)
			o := 0
			for d := range shape {
				if !red[d] {
					o = o*shape[d] + idx[d]
				}
			}
			v := float64(x.At(idx...))
			rs[o] += v
			ra[o] += math.Abs(v)
			rmax[o], rmin[o] = math.Max(rmax[o], v), math.Min(rmin[o], v)
		}
		terms := x.Numel() / nout
		for o := range rs {
			if tol := float64(terms) * eps32 * ra[o]; math.Abs(float64(sum[o])-rs[o]) > tol {
				t.Fatalf("SumDim(%v) of %v strides %v: output %d = %v, float64 %v (tolerance %g)", dims, shape, x.strides, o, sum[o], rs[o], tol)
			}
			if float64(mx[o]) != rmax[o] || float64(mn[o]) != rmin[o] {
				t.Fatalf("Max/MinDim(%v) of %v: output %d = %v/%v, want %v/%v", dims, shape, o, mx[o], mn[o], rmax[o], rmin[o])
			}
		}
	}
}
