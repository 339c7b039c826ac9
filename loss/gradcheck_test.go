package loss

import (
	"testing"

	"github.com/vecgrad/vecgrad/tensor"
)

// TestGradCheck compares every loss's hand-written backward with central
// differences (tensor.GradCheck), for each reduction and the options that
// change the backward's formula.
func TestGradCheck(t *testing.T) {
	g := tensor.NewGenerator(11)
	const N, C = 5, 4
	logits := func(shape ...int) *tensor.Tensor { return tensor.Uniform(g, -2, 2, shape...) }
	idx := tensor.New([]float32{0, 3, -100, 1, 2}, N)
	idxK := tensor.New([]float32{0, 3, 1, 2, -100, 1}, 2, 3)
	idx1 := tensor.New([]float32{0, 3, 1, 1, 2}, N) // for ignore index 1
	idxK1 := tensor.New([]float32{0, 3, 1, 2, 1, 1}, 2, 3)
	w := tensor.New([]float32{0.5, 1, 1.5, 2}, C)
	probs := tensor.Rand(g, N, C).Softmax(1).Detach()
	pos := func(shape ...int) *tensor.Tensor { return tensor.Uniform(g, 0.1, 1, shape...) }
	type check struct {
		name   string
		inputs []*tensor.Tensor
		f      func(in []*tensor.Tensor) (*tensor.Tensor, error)
	}
	var checks []check
	for _, r := range []Reduction{Mean, Sum, None} {
		for _, o := range []CrossEntropyOptions{{}, {Weight: w}, {LabelSmoothing: 0.2}, {Weight: w, LabelSmoothing: 0.2, IgnoreIndex: 1, HasIgnoreIndex: true}} {
			o.Reduction = r
			y, yK := idx, idxK
			if o.HasIgnoreIndex {
				y, yK = idx1, idxK1
			}
			checks = append(checks,
				check{"CrossEntropy/" + r.String(), []*tensor.Tensor{logits(N, C)}, func(in []*tensor.Tensor) (*tensor.Tensor, error) {
					return CrossEntropy(in[0], y, o)
				}},
				check{"CrossEntropy/kdim/" + r.String(), []*tensor.Tensor{logits(2, C, 3)}, func(in []*tensor.Tensor) (*tensor.Tensor, error) {
					return CrossEntropy(in[0], yK, o)
				}})
			if !o.HasIgnoreIndex {
				checks = append(checks, check{"CrossEntropy/prob/" + r.String(), []*tensor.Tensor{logits(N, C), probs.Clone()}, func(in []*tensor.Tensor) (*tensor.Tensor, error) {
					return CrossEntropy(in[0], in[1], o)
				}})
			}
		}
		for _, o := range []NLLOptions{{}, {Weight: w}} {
			o.Reduction = r
			checks = append(checks, check{"NLL/" + r.String(), []*tensor.Tensor{logits(N, C)}, func(in []*tensor.Tensor) (*tensor.Tensor, error) {
				return NLL(in[0], idx, o)
			}})
		}
		checks = append(checks,
			check{"MSE/" + r.String(), []*tensor.Tensor{logits(3, 4), logits(3, 4)}, func(in []*tensor.Tensor) (*tensor.Tensor, error) {
				return MSE(in[0], in[1], r)
			}},
			// L1 is not differentiable at x = t: keep the two 0.5 apart.
			check{"L1/" + r.String(), []*tensor.Tensor{tensor.Uniform(g, 0.5, 1, 3, 4), tensor.Uniform(g, -1, -0.5, 3, 4)}, func(in []*tensor.Tensor) (*tensor.Tensor, error) {
				return L1(in[0], in[1], r)
			}})
	}
	for _, r := range []Reduction{Mean, Sum, None, BatchMean} {
		for _, lt := range []bool{false, true} {
			o := KLDivOptions{Reduction: r, LogTarget: lt}
			checks = append(checks, check{"KLDiv/" + r.String(), []*tensor.Tensor{logits(3, 4), pos(3, 4)}, func(in []*tensor.Tensor) (*tensor.Tensor, error) {
				return KLDiv(in[0], in[1], o)
			}})
		}
	}
	for _, c := range checks {
		err := tensor.GradCheck(func(in []*tensor.Tensor) *tensor.Tensor {
			out, err := c.f(in)
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			return out
		}, c.inputs, tensor.GradCheckOptions{Terms: 2 * (N + C)})
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
		}
	}
}
