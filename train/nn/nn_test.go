package nn

import (
	"math"
	"slices"
	"testing"

	"github.com/vecgrad/vecgrad/tensor"
)

func TestLinearInit(t *testing.T) {
	l := NewLinear(784, 512, tensor.NewGenerator(1))
	if got := l.Weight.Shape(); !slices.Equal(got, []int{512, 784}) {
		t.Fatalf("weight shape %v, want [512 784] (torch's [out, in])", got)
	}
	if got := l.Bias.Shape(); !slices.Equal(got, []int{512}) {
		t.Fatalf("bias shape %v, want [512]", got)
	}
	bound := float32(1 / math.Sqrt(784))
	for _, p := range l.Parameters() {
		d := p.Tensor.Data()
		lo, hi := d[0], d[0]
		for _, v := range d {
			if v < -bound || v >= bound {
				t.Fatalf("%s: %v outside [-%v, %v)", p.Name, v, bound, bound)
			}
			lo, hi = min(lo, v), max(hi, v)
		}
		// The draws should cover the interval, not a corner of it.
		if len(d) > 500 && (lo > -0.95*bound || hi < 0.95*bound) {
			t.Errorf("%s: range [%v, %v] does not cover ±%v", p.Name, lo, hi, bound)
		}
		if !p.Tensor.RequiresGrad() {
			t.Errorf("%s does not require grad", p.Name)
		}
	}
	// Same seed, same weights; the weight is drawn before the bias.
	l2 := NewLinear(784, 512, tensor.NewGenerator(1))
	if !slices.Equal(l.Weight.Data(), l2.Weight.Data()) || !slices.Equal(l.Bias.Data(), l2.Bias.Data()) {
		t.Fatal("same seed gave different parameters")
	}
	g := tensor.NewGenerator(1)
	w := tensor.Uniform(g, -bound, bound, 512, 784)
	b := tensor.Uniform(g, -bound, bound, 512)
	if !slices.Equal(w.Data(), l.Weight.Data()) || !slices.Equal(b.Data(), l.Bias.Data()) {
		t.Fatal("parameters are not the generator's weight-then-bias draws")
	}
	if l3 := NewLinear(784, 512, tensor.NewGenerator(2)); slices.Equal(l.Weight.Data(), l3.Weight.Data()) {
		t.Fatal("different seeds gave the same weight")
	}
}

// TestLinearForward compares y = x·Wᵀ + b and its gradients with a float64
// reference.
func TestLinearForward(t *testing.T) {
	g := tensor.NewGenerator(3)
	const n, in, out = 5, 7, 3
	l := NewLinear(in, out, g)
	x := tensor.Randn(g, n, in).SetRequiresGrad(true)
	y := l.Forward(x)
	if !slices.Equal(y.Shape(), []int{n, out}) {
		t.Fatalf("output shape %v", y.Shape())
	}
	w, b, xd := l.Weight.Data(), l.Bias.Data(), x.Data()
	for i := range n {
		for j := range out {
			want := float64(b[j])
			mag := math.Abs(want)
			for k := range in {
				want += float64(xd[i*in+k]) * float64(w[j*in+k])
				mag += math.Abs(float64(xd[i*in+k]) * float64(w[j*in+k]))
			}
			got := float64(y.At(i, j))
			if tol := 2 * in * 6e-8 * mag; math.Abs(got-want) > tol {
				t.Errorf("y[%d,%d] = %v, want %v (±%v)", i, j, got, want, tol)
			}
		}
	}
	y.Sum().Backward()
	// d sum / dW[j,k] = sum_i x[i,k]; d/db[j] = n; d/dx[i,k] = sum_j W[j,k].
	gw, gb, gx := l.Weight.Grad().Data(), l.Bias.Grad().Data(), x.Grad().Data()
	for j := range out {
		if gb[j] != n {
			t.Errorf("bias grad %d = %v, want %d", j, gb[j], n)
		}
		for k := range in {
			var want float64
			for i := range n {
				want += float64(xd[i*in+k])
			}
			if math.Abs(float64(gw[j*in+k])-want) > 1e-5 {
				t.Errorf("weight grad [%d,%d] = %v, want %v", j, k, gw[j*in+k], want)
			}
		}
	}
	for k := range in {
		var want float64
		for j := range out {
			want += float64(w[j*in+k])
		}
		if math.Abs(float64(gx[k])-want) > 1e-5 {
			t.Errorf("input grad [0,%d] = %v, want %v", k, gx[k], want)
		}
	}
}

func TestSequentialNames(t *testing.T) {
	g := tensor.NewGenerator(1)
	m := NewSequential(Flatten{}, NewLinear(4, 3, g), ReLU{}, NewDropout(0.5, g), NewLinear(3, 2, g))
	var names []string
	for _, p := range m.Parameters() {
		names = append(names, p.Name)
	}
	want := []string{"1.weight", "1.bias", "4.weight", "4.bias"}
	if !slices.Equal(names, want) {
		t.Fatalf("names %v, want %v (torch's state_dict keys)", names, want)
	}
	if got := len(Tensors(m.Parameters())); got != 4 {
		t.Fatalf("Tensors: %d", got)
	}
	x := tensor.Rand(g, 2, 2, 2)
	m.Train(false)
	if y := m.Forward(x); !slices.Equal(y.Shape(), []int{2, 2}) {
		t.Fatalf("output shape %v", y.Shape())
	}
}

func TestReLUFlatten(t *testing.T) {
	x := tensor.New([]float32{-1, 2, 0, -3, 4, 5}, 1, 2, 3)
	if got := (ReLU{}).Forward(x).Data(); !slices.Equal(got, []float32{0, 2, 0, 0, 4, 5}) {
		t.Errorf("relu %v", got)
	}
	if got := (Flatten{}).Forward(x).Shape(); !slices.Equal(got, []int{1, 6}) {
		t.Errorf("flatten shape %v", got)
	}
}

func TestDropout(t *testing.T) {
	const p = 0.25
	run := func(seed uint64) (*tensor.Tensor, *tensor.Tensor) {
		x := tensor.Full(2, 50, 40).SetRequiresGrad(true)
		y := NewDropout(p, tensor.NewGenerator(seed)).Forward(x)
		y.Sum().Backward()
		return y, x.Grad()
	}
	y, gx := run(9)
	y2, _ := run(9)
	if !slices.Equal(y.Data(), y2.Data()) {
		t.Fatal("same seed, different masks")
	}
	zeros := 0
	scale := float32(1 / (1 - p))
	for i, v := range y.Data() {
		switch v {
		case 0:
			zeros++
			if gx.Data()[i] != 0 {
				t.Fatalf("dropped element %d has gradient %v", i, gx.Data()[i])
			}
		case 2 * scale:
			if gx.Data()[i] != scale {
				t.Fatalf("kept element %d has gradient %v, want %v", i, gx.Data()[i], scale)
			}
		default:
			t.Fatalf("element %d = %v, want 0 or %v", i, v, 2*scale)
		}
	}
	// 2000 Bernoulli(0.25) draws: mean 500, sd about 19.
	if zeros < 400 || zeros > 600 {
		t.Errorf("%d of 2000 dropped, want about 500", zeros)
	}
	// The mask is the generator's Float32 stream compared with p.
	g := tensor.NewGenerator(9)
	for i, v := range y.Data() {
		if (g.Float32() < p) != (v == 0) {
			t.Fatalf("element %d: mask is not the generator's draw", i)
		}
	}
	d := NewDropout(p, tensor.NewGenerator(1))
	d.Train(false)
	x := tensor.Rand(tensor.NewGenerator(2), 3, 4)
	if d.Forward(x) != x {
		t.Error("eval mode is not the identity")
	}
}

func TestDropoutArenaAllocs(t *testing.T) {
	ar := tensor.NewArena()
	w := tensor.Rand(tensor.NewGenerator(1), 8, 8).SetRequiresGrad(true)
	d := NewDropout(0.5, tensor.NewGenerator(1))
	buf := make([]float32, 4*8)
	step := func() {
		ar.Reset()
		w.ZeroGrad()
		d.Forward(ar.New(buf, 4, 8).Matmul(w)).Sum().Backward()
	}
	step()
	if n := testing.AllocsPerRun(10, step); n != 0 {
		t.Errorf("dropout step allocates %v times", n)
	}
}

// TestLinearMatchesMatmul: the fused forward and backward are bitwise
// x.Matmul(W.Transpose(0, 1)).Add(b) and its gradients.
func TestLinearMatchesMatmul(t *testing.T) {
	g := tensor.NewGenerator(4)
	l := NewLinear(37, 19, g)
	xd := tensor.Randn(g, 11, 37).Data()
	run := func(fused bool) [][]float32 {
		x := tensor.New(slices.Clone(xd), 11, 37).SetRequiresGrad(true)
		l.Weight.ZeroGrad()
		l.Bias.ZeroGrad()
		var y *tensor.Tensor
		if fused {
			y = l.Forward(x)
		} else {
			y = x.Matmul(l.Weight.Transpose(0, 1)).Add(l.Bias)
		}
		y.Mul(y).Sum().Backward()
		return [][]float32{y.Data(), x.Grad().Data(), l.Weight.Grad().Data(), l.Bias.Grad().Data()}
	}
	a, b := run(true), run(false)
	for i, what := range []string{"output", "input grad", "weight grad", "bias grad"} {
		if !slices.Equal(a[i], b[i]) {
			t.Errorf("%s differs from the Matmul path", what)
		}
	}
	// 3-D input takes the Matmul path.
	if y := l.Forward(tensor.Zeros(2, 3, 37)); !slices.Equal(y.Shape(), []int{2, 3, 19}) {
		t.Errorf("3-D output shape %v", y.Shape())
	}
}

func TestLinearArenaAllocs(t *testing.T) {
	ar := tensor.NewArena()
	g := tensor.NewGenerator(1)
	m := NewSequential(NewLinear(8, 6, g), ReLU{}, NewLinear(6, 3, g))
	buf := make([]float32, 4*8)
	step := func() {
		ar.Reset()
		for _, p := range m.Modules {
			if l, ok := p.(*Linear); ok {
				l.Weight.ZeroGrad()
				l.Bias.ZeroGrad()
			}
		}
		m.Forward(ar.New(buf, 4, 8)).Sum().Backward()
	}
	step()
	if n := testing.AllocsPerRun(10, step); n != 0 {
		t.Errorf("a Linear step allocates %v times", n)
	}
}
