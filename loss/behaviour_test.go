package loss

import (
	"math"
	"slices"
	"testing"

	"github.com/vecgrad/vecgrad/tensor"
)

// grads runs f on fresh leaves copied from x and t (t requiring grad when
// tgrad), backward through the sum of the result, k times summed (k = 2
// makes each backward add to a gradient that is already set), and returns
// the value and both gradients.
func grads(t *testing.T, f func(x, t *tensor.Tensor) (*tensor.Tensor, error), x, tg *tensor.Tensor, tgrad bool, k int) (float32, []float32, []float32) {
	t.Helper()
	xi := x.Clone().Detach().SetRequiresGrad(true)
	ti := tg.Clone().Detach().SetRequiresGrad(tgrad)
	var total *tensor.Tensor
	for range k {
		l, err := f(xi, ti)
		if err != nil {
			t.Fatal(err)
		}
		if l.Numel() != 1 || l.Dim() != 0 {
			l = l.Sum()
		}
		if total == nil {
			total = l
		} else {
			total = total.Add(l)
		}
	}
	total.Backward()
	var gt []float32
	if tgrad {
		gt = ti.Grad().Data()
	}
	return total.Item(), xi.Grad().Data(), gt
}

var behaviourLosses = []struct {
	name  string
	tgrad bool // the loss differentiates the target
	probs bool // target: probabilities rather than indices
	f     func(x, t *tensor.Tensor) (*tensor.Tensor, error)
}{
	{"CrossEntropy", false, false, func(x, t *tensor.Tensor) (*tensor.Tensor, error) {
		return CrossEntropy(x, t, CrossEntropyOptions{Weight: classWeights, LabelSmoothing: 0.3})
	}},
	{"CrossEntropy/none", false, false, func(x, t *tensor.Tensor) (*tensor.Tensor, error) {
		return CrossEntropy(x, t, CrossEntropyOptions{Reduction: None, LabelSmoothing: 0.3})
	}},
	{"CrossEntropy/probabilities", true, true, func(x, t *tensor.Tensor) (*tensor.Tensor, error) {
		return CrossEntropy(x, t, CrossEntropyOptions{Weight: classWeights, LabelSmoothing: 0.3})
	}},
	{"NLL", false, false, func(x, t *tensor.Tensor) (*tensor.Tensor, error) {
		return NLL(x, t, NLLOptions{Weight: classWeights, Reduction: None})
	}},
	{"MSE", true, true, func(x, t *tensor.Tensor) (*tensor.Tensor, error) { return MSE(x, t, None) }},
	{"L1", true, true, func(x, t *tensor.Tensor) (*tensor.Tensor, error) { return L1(x, t, Sum) }},
	{"KLDiv", true, true, func(x, t *tensor.Tensor) (*tensor.Tensor, error) {
		return KLDiv(x, t, KLDivOptions{Reduction: BatchMean})
	}},
	{"KLDiv/log", true, true, func(x, t *tensor.Tensor) (*tensor.Tensor, error) {
		return KLDiv(x, t, KLDivOptions{Reduction: None, LogTarget: true})
	}},
}

func behaviourInputs() (x, idx, probs *tensor.Tensor) {
	g := tensor.NewGenerator(5)
	x = tensor.Uniform(g, -3, 3, 6, 10)
	idx = tensor.New([]float32{1, 9, -100, 0, 4, 4}, 6)
	probs = tensor.Rand(g, 6, 10).AddScalar(0.1).Softmax(1)
	return x, idx, probs
}

// TestGradientsAccumulate: a backward that adds to an already set gradient
// (the acc path of every loss's backward) adds exactly what it would set.
func TestGradientsAccumulate(t *testing.T) {
	x, idx, probs := behaviourInputs()
	for _, c := range behaviourLosses {
		tg := idx
		if c.probs {
			tg = probs
		}
		_, gx1, gt1 := grads(t, c.f, x, tg, c.tgrad, 1)
		_, gx2, gt2 := grads(t, c.f, x, tg, c.tgrad, 2)
		for i := range gx1 {
			if gx2[i] != 2*gx1[i] {
				t.Fatalf("%s: input gradient %d: twice %v, once %v", c.name, i, gx2[i], gx1[i])
			}
		}
		for i := range gt1 {
			if gt2[i] != 2*gt1[i] && !(math.IsNaN(float64(gt1[i])) && math.IsNaN(float64(gt2[i]))) {
				t.Fatalf("%s: target gradient %d: twice %v, once %v", c.name, i, gt2[i], gt1[i])
			}
		}
	}
}

// TestNonContiguous: views with other strides (transposed storage) give the
// same values and gradients as contiguous tensors.
func TestNonContiguous(t *testing.T) {
	x, idx, probs := behaviourInputs()
	pt := probs.Transpose(0, 1).Contiguous().Detach().Transpose(0, 1) // same values, column-major
	for _, c := range behaviourLosses {
		tg, tgt := idx, idx
		if c.probs {
			tg, tgt = probs, pt
		}
		f := func(strided bool) (*tensor.Tensor, []float32) {
			xi := x.Clone().Detach().SetRequiresGrad(true)
			in, tt := xi, tg
			if strided { // the same values as a column-major view of a leaf
				xi = tensor.New(x.Transpose(0, 1).Data(), 10, 6).SetRequiresGrad(true)
				in, tt = xi.Transpose(0, 1), tgt
				if in.IsContiguous() {
					t.Fatal("the test input is contiguous")
				}
			}
			l, err := c.f(in, tt)
			if err != nil {
				t.Fatal(err)
			}
			if l.Dim() != 0 {
				l = l.Sum()
			}
			l.Backward()
			g := xi.Grad()
			if strided {
				g = g.Transpose(0, 1)
			}
			return l, g.Data()
		}
		l1, g1 := f(false)
		l2, g2 := f(true)
		if l1.Item() != l2.Item() || !slices.Equal(g1, g2) {
			t.Errorf("%s: strided input: loss %v vs %v, gradients equal %v", c.name, l2.Item(), l1.Item(), slices.Equal(g1, g2))
		}
	}
}

// TestNoGrad: without recording the result is a plain leaf with the same
// value.
func TestNoGrad(t *testing.T) {
	x, idx, probs := behaviourInputs()
	x.SetRequiresGrad(true)
	for _, c := range behaviourLosses {
		tg := idx
		if c.probs {
			tg = probs
		}
		with, err := c.f(x, tg)
		if err != nil {
			t.Fatal(err)
		}
		var without *tensor.Tensor
		tensor.NoGrad(func() { without, err = c.f(x, tg) })
		if err != nil {
			t.Fatal(err)
		}
		if without.RequiresGrad() || !with.RequiresGrad() {
			t.Errorf("%s: requires grad %v with recording, %v without", c.name, with.RequiresGrad(), without.RequiresGrad())
		}
		if !slices.Equal(with.Data(), without.Data()) {
			t.Errorf("%s: values differ without recording", c.name)
		}
	}
}

// TestExtremeLogits: logits of ±1e4 (and a row of them all) give finite
// values and gradients, and the exact values the math says.
func TestExtremeLogits(t *testing.T) {
	x := tensor.New([]float32{1e4, -1e4, 0, -1e4, -1e4, 1e4, 1e4, 1e4, 1e4}, 3, 3).SetRequiresGrad(true)
	y := tensor.New([]float32{0, 1, 2}, 3)
	l, err := CrossEntropy(x, y, CrossEntropyOptions{Reduction: None})
	if err != nil {
		t.Fatal(err)
	}
	// Row 0: lse = 1e4, loss 0; row 1: lse = 1e4, loss 2e4; row 2: log 3.
	want := []float32{0, 2e4, float32(math.Log(3))}
	got := l.Data()
	for i := range want {
		if math.Abs(float64(got[i]-want[i])) > 4*eps32*1e4 {
			t.Errorf("loss[%d] = %v, want %v", i, got[i], want[i])
		}
	}
	l.Sum().Backward()
	for i, v := range x.Grad().Data() {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) || math.Abs(float64(v)) > 1 {
			t.Errorf("gradient %d = %v", i, v)
		}
	}
}
