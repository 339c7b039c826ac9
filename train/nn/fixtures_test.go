package nn

import (
	"math"
	"slices"
	"testing"

	"github.com/vecgrad/vecgrad/internal/fixture"
	"github.com/vecgrad/vecgrad/tensor"
)

// The fixtures are PyTorch's values for the layers, written by
// tools/nnfixtures/gen.py.

type layerCase struct {
	Name  string `json:"name"`
	Layer string `json:"layer"`
	Args  struct {
		Approximate string  `json:"approximate"`
		Slope       float32 `json:"slope"`
		Dim         int     `json:"dim"`
		Num         int     `json:"num"`
		Shape       []int   `json:"shape"`
		C           int     `json:"c"`
	} `json:"args"`
	Params        map[string]fixture.Tensor `json:"params"`
	BuffersBefore map[string]fixture.Tensor `json:"buffers_before"`
	Warmup        []fixture.Tensor          `json:"warmup"`
	X             fixture.Tensor            `json:"x"`
	Out           fixture.Tensor            `json:"out"`
	Upstream      fixture.Tensor            `json:"upstream"`
	GradX         *fixture.Tensor           `json:"grad_x"`
	Grads         map[string]fixture.Tensor `json:"grads"`
	Buffers       map[string]fixture.Tensor `json:"buffers"`
	EvalOut       *fixture.Tensor           `json:"eval_out"`
}

func fixT(f fixture.Tensor) *tensor.Tensor { return tensor.New(f.Float32s(), f.Shape...) }

// layerOf builds the case's module and its tolerance factor: how many
// float32 roundings of the largest value an output element's error may
// hold, given the arithmetic (see the cases).
func layerOf(c *layerCase) (m Module, terms float64) {
	a := c.Args
	n := float64(c.X.Shape[len(c.X.Shape)-1])
	switch c.Layer {
	case "tanh":
		return Tanh{}, 4 // kernel and libm within 2 ulp each
	case "sigmoid":
		return Sigmoid{}, 4
	case "gelu":
		return GELU{Approximate: a.Approximate}, 4 // float64 erf rounded once vs torch's float32 erf
	case "leaky_relu":
		return LeakyReLU{NegativeSlope: a.Slope}, 1
	case "softmax":
		return Softmax{Dim: a.Dim}, n + 4 // exp, a sum of n terms, a division
	case "log_softmax":
		return LogSoftmax{Dim: a.Dim}, n + 4
	case "embedding":
		return NewEmbedding(a.Num, a.Dim, tensor.NewGenerator(1)), 1
	case "layer_norm":
		k := 1.0
		for _, d := range a.Shape {
			k *= float64(d)
		}
		return NewLayerNorm(a.Shape...), 4*k + 8 // mean and variance sums of k terms, rsqrt, affine
	case "batch_norm":
		k := float64(numel(c.X.Shape) / a.C)
		return NewBatchNorm1d(a.C), 4*k + 8
	}
	panic("unknown layer " + c.Layer)
}

func numel(s []int) int {
	n := 1
	for _, d := range s {
		n *= d
	}
	return n
}

// TestLayerFixtures runs each layer with PyTorch's parameters on PyTorch's
// input and compares the output, the gradients of the input and of every
// parameter (by state_dict name), and, for BatchNorm1d, the running
// statistics after the training steps and the output in evaluation mode.
func TestLayerFixtures(t *testing.T) {
	var f struct {
		Cases []layerCase `json:"cases"`
	}
	if err := fixture.Load("testdata/layer_fixtures.json", &f); err != nil {
		t.Fatal(err)
	}
	if len(f.Cases) < 14 {
		t.Fatalf("%d cases", len(f.Cases))
	}
	for i := range f.Cases {
		c := &f.Cases[i]
		t.Run(c.Name, func(t *testing.T) {
			m, terms := layerOf(c)
			params := m.Parameters()
			if len(params) != len(c.Params) {
				t.Fatalf("%d parameters, torch has %d", len(params), len(c.Params))
			}
			for _, p := range params {
				want, ok := c.Params[p.Name]
				if !ok {
					t.Fatalf("parameter %q is not in torch's state_dict", p.Name)
				}
				if !slices.Equal(p.Tensor.Shape(), want.Shape) {
					t.Fatalf("%s: shape %v, torch's %v", p.Name, p.Tensor.Shape(), want.Shape)
				}
				copy(p.Tensor.Storage(), want.Float32s())
			}
			for _, bf := range Buffers(m) {
				closeTo(t, "initial "+bf.Name, bf.Tensor, c.BuffersBefore[bf.Name], 0)
			}
			for _, w := range c.Warmup {
				m.Forward(fixT(w))
			}
			x := fixT(c.X)
			if c.GradX != nil {
				x.SetRequiresGrad(true)
			}
			out := m.Forward(x)
			closeTo(t, "output", out, c.Out, terms)
			out.BackwardWith(fixT(c.Upstream))
			if c.GradX != nil {
				closeTo(t, "input gradient", x.Grad(), *c.GradX, 2*terms)
			}
			for _, p := range params {
				closeTo(t, p.Name+" gradient", p.Tensor.Grad(), c.Grads[p.Name], 2*terms)
			}
			if len(Buffers(m)) != len(c.Buffers) {
				t.Fatalf("%d buffers, torch has %d", len(Buffers(m)), len(c.Buffers))
			}
			for _, bf := range Buffers(m) {
				closeTo(t, bf.Name, bf.Tensor, c.Buffers[bf.Name], terms)
			}
			if c.EvalOut != nil {
				m.Train(false)
				var y *tensor.Tensor
				tensor.NoGrad(func() { y = m.Forward(fixT(c.X)) })
				closeTo(t, "evaluation output", y, *c.EvalOut, 8)
			}
		})
	}
}

// closeTo fails unless got has want's shape and every element is within
// terms float32 roundings of the largest magnitude in want (and of its own):
// terms*eps32*(|w| + max|w|); NaN must match NaN, ±Inf exactly.
func closeTo(t *testing.T, what string, got *tensor.Tensor, want fixture.Tensor, terms float64) {
	t.Helper()
	if got == nil {
		t.Fatalf("%s: nil", what)
	}
	if !slices.Equal(got.Shape(), want.Shape) {
		t.Fatalf("%s: shape %v, want %v", what, got.Shape(), want.Shape)
	}
	w := want.Float32s()
	m := 0.0
	for _, v := range w {
		if !math.IsInf(float64(v), 0) && !math.IsNaN(float64(v)) {
			m = math.Max(m, math.Abs(float64(v)))
		}
	}
	const eps32 = 0x1p-23
	for i, g := range got.Data() {
		gv, wv := float64(g), float64(w[i])
		if math.IsNaN(wv) || math.IsInf(wv, 0) {
			if !(math.IsNaN(gv) && math.IsNaN(wv)) && gv != wv {
				t.Errorf("%s: element %d is %v, want %v", what, i, g, w[i])
			}
			continue
		}
		if tol := terms * eps32 * (math.Abs(wv) + m); !(math.Abs(gv-wv) <= tol) {
			t.Errorf("%s: element %d is %v, want %v (±%.3g)", what, i, g, w[i], tol)
		}
	}
}
