package nn

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/vecgrad/vecgrad/tensor"
)

// TestLayerGradCheck checks each layer's gradients (input and parameters)
// against central differences; the parameters are inputs of the check.
func TestLayerGradCheck(t *testing.T) {
	g := tensor.NewGenerator(11)
	for _, c := range []struct {
		name  string
		m     Module
		x     *tensor.Tensor
		terms int
	}{
		{"gelu", GELU{}, tensor.Randn(g, 3, 4), 2},
		{"gelu_tanh", GELU{Approximate: "tanh"}, tensor.Randn(g, 3, 4), 2},
		{"leaky_relu", LeakyReLU{NegativeSlope: 0.2}, awayFromZero(g, 3, 4), 1},
		{"layer_norm", NewLayerNorm(4), tensor.Randn(g, 3, 4), 16},
		{"batch_norm_2d", NewBatchNorm1d(3), tensor.Randn(g, 5, 3), 20},
		{"batch_norm_3d", NewBatchNorm1d(2), tensor.Randn(g, 3, 2, 4), 48},
		{"softmax", Softmax{Dim: 0}, tensor.Randn(g, 3, 4), 4},
	} {
		t.Run(c.name, func(t *testing.T) {
			ps := Tensors(c.m.Parameters())
			for _, p := range ps { // move the affine parameters off their init
				copy(p.Storage(), tensor.Randn(g, p.Shape()...).AddScalar(1).Data())
			}
			in := append([]*tensor.Tensor{c.x}, ps...)
			f := func(in []*tensor.Tensor) *tensor.Tensor { return c.m.Forward(in[0]) }
			if err := tensor.GradCheck(f, in, tensor.GradCheckOptions{Terms: c.terms}); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func awayFromZero(g *tensor.Generator, shape ...int) *tensor.Tensor {
	x := tensor.Randn(g, shape...)
	d := x.Storage()
	for i, v := range d {
		if v < 0 {
			d[i] = v - 0.2
		} else {
			d[i] = v + 0.2
		}
	}
	return x
}

// TestLayerInit: torch's initial values, names and printing.
func TestLayerInit(t *testing.T) {
	ln := NewLayerNorm(2, 3)
	bn := NewBatchNorm1d(4)
	for _, c := range []struct {
		what string
		got  *tensor.Tensor
		want []float32
	}{
		{"LayerNorm weight", ln.Weight, []float32{1, 1, 1, 1, 1, 1}},
		{"LayerNorm bias", ln.Bias, []float32{0, 0, 0, 0, 0, 0}},
		{"BatchNorm1d weight", bn.Weight, []float32{1, 1, 1, 1}},
		{"BatchNorm1d bias", bn.Bias, []float32{0, 0, 0, 0}},
		{"running_mean", bn.RunningMean, []float32{0, 0, 0, 0}},
		{"running_var", bn.RunningVar, []float32{1, 1, 1, 1}},
		{"num_batches_tracked", bn.NumBatchesTracked, []float32{0}},
	} {
		if !slices.Equal(c.got.Data(), c.want) {
			t.Errorf("%s = %v, want %v", c.what, c.got.Data(), c.want)
		}
	}
	if ln.Eps != 1e-5 || bn.Eps != 1e-5 || bn.Momentum != 0.1 {
		t.Errorf("eps %v, %v, momentum %v; torch's are 1e-05 and 0.1", ln.Eps, bn.Eps, bn.Momentum)
	}
	e := NewEmbedding(5, 3, tensor.NewGenerator(4))
	if want := tensor.Randn(tensor.NewGenerator(4), 5, 3).Data(); !slices.Equal(e.Weight.Data(), want) {
		t.Errorf("Embedding weight is not the generator's standard normal draws")
	}
	model := NewSequential(NewLinear(4, 4, tensor.NewGenerator(1)), NewBatchNorm1d(4), GELU{}, NewLayerNorm(4), e)
	var names []string
	for _, p := range model.Parameters() {
		names = append(names, p.Name)
	}
	for _, p := range model.Buffers() {
		names = append(names, p.Name)
	}
	want := "0.weight 0.bias 1.weight 1.bias 3.weight 3.bias 4.weight 1.running_mean 1.running_var 1.num_batches_tracked"
	if got := strings.Join(names, " "); got != want {
		t.Errorf("names %s\nwant  %s", got, want)
	}
	for _, c := range []struct {
		m    fmt.Stringer
		want string
	}{
		{Tanh{}, "Tanh()"}, {Sigmoid{}, "Sigmoid()"}, {GELU{}, "GELU(approximate='none')"},
		{NewLeakyReLU(), "LeakyReLU(negative_slope=0.01)"}, {Softmax{Dim: 1}, "Softmax(dim=1)"},
		{LogSoftmax{Dim: -1}, "LogSoftmax(dim=-1)"}, {e, "Embedding(5, 3)"},
		{NewLayerNorm(4), "LayerNorm((4,), eps=1e-05, elementwise_affine=True)"},
		{ln, "LayerNorm((2, 3), eps=1e-05, elementwise_affine=True)"},
		{bn, "BatchNorm1d(4, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)"},
	} {
		if got := c.m.String(); got != c.want {
			t.Errorf("String() = %q, want %q", got, c.want)
		}
	}
}

// TestBatchNormModes: evaluation uses the running statistics and leaves
// them alone; training updates them.
func TestBatchNormModes(t *testing.T) {
	bn := NewBatchNorm1d(2)
	x := tensor.New([]float32{1, 10, 3, 30}, 2, 2)
	bn.Train(false)
	y := bn.Forward(x) // running mean 0, var 1: y = x/sqrt(1+eps)
	if got := y.At(1, 1); got < 29.999 || got > 30 {
		t.Errorf("eval output %v, want about 30", got)
	}
	if bn.NumBatchesTracked.Item() != 0 {
		t.Error("evaluation counted a batch")
	}
	bn.Train(true)
	bn.Forward(x)
	// Channel 0: mean 2, unbiased var 2; channel 1: mean 20, unbiased var 200.
	if got, want := bn.RunningMean.Data(), []float32{0.2, 2}; !slices.Equal(got, want) {
		t.Errorf("running mean %v, want %v", got, want)
	}
	if got, want := bn.RunningVar.Data(), []float32{0.9*1 + 0.1*2, 0.9*1 + 0.1*200}; !slices.Equal(got, want) {
		t.Errorf("running var %v, want %v", got, want)
	}
	if bn.NumBatchesTracked.Item() != 1 {
		t.Errorf("num_batches_tracked %v", bn.NumBatchesTracked.Item())
	}
}

// TestLayerErrors: mistakes panic with *Error (or, for indices, the
// tensor package's *ShapeError).
func TestLayerErrors(t *testing.T) {
	for _, c := range []struct {
		f    func()
		want string
	}{
		{func() { NewLinear(0, 3, nil) }, "nn: NewLinear: in = 0 and out = 3: the feature counts must be positive"},
		{func() { NewDropout(1, nil) }, "nn: NewDropout: p = 1 must be in [0, 1)"},
		{func() { NewLinear(3, 2, tensor.NewGenerator(1)).Forward(tensor.Zeros(1, 4)) }, "nn: Linear: input of shape [1 4]"},
		{func() { NewEmbedding(0, 2, nil) }, "nn: NewEmbedding: num = 0 and dim = 2 must be positive"},
		{func() { NewLayerNorm() }, "nn: NewLayerNorm: shape []"},
		{func() { NewLayerNorm(3).Forward(tensor.Zeros(2, 4)) }, "nn: LayerNorm: input of shape [2 4] does not end in the normalized shape [3]"},
		{func() { NewBatchNorm1d(0) }, "nn: NewBatchNorm1d: num_features = 0"},
		{func() { NewBatchNorm1d(3).Forward(tensor.Zeros(2, 4)) }, "nn: BatchNorm1d: expected input of shape [N 3] or [N 3 L], got [2 4]"},
		{func() { NewBatchNorm1d(3).Forward(tensor.Zeros(1, 3)) }, "expected more than 1 value per channel when training"},
		{func() { GELU{Approximate: "erf"}.Forward(tensor.Zeros(1)) }, `nn: GELU: approximate = "erf"`},
	} {
		func() {
			defer func() {
				e, ok := recover().(*Error)
				if !ok || !strings.Contains(e.Error(), c.want) {
					t.Errorf("panic %v, want an *Error containing %q", e, c.want)
				}
			}()
			c.f()
		}()
	}
	defer func() {
		if _, ok := recover().(*tensor.ShapeError); !ok {
			t.Error("an embedding index out of range did not panic with a *tensor.ShapeError")
		}
	}()
	NewEmbedding(3, 2, tensor.NewGenerator(1)).Forward(tensor.New([]float32{3}, 1))
}
