package loss

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/vecgrad/vecgrad/tensor"
)

func TestErrors(t *testing.T) {
	x := tensor.Zeros(4, 10)
	y := tensor.New([]float32{1, 2, 3, 12}, 4)
	ok := tensor.New([]float32{1, 2, 3, 4}, 4)
	xk := tensor.Zeros(2, 3, 2, 2)
	probs := tensor.Zeros(4, 10)
	cases := []struct {
		name string
		run  func() (*tensor.Tensor, error)
		want []string // substrings of the message
	}{
		{"ce out of range", func() (*tensor.Tensor, error) { return CrossEntropy(x, y, CrossEntropyOptions{}) },
			[]string{"loss: CrossEntropy: target[3] = 12 is not a class index in [0, 10) or the ignore index -100"}},
		{"ce negative", func() (*tensor.Tensor, error) {
			return CrossEntropy(x, tensor.New([]float32{1, -1, 0, 0}, 4), CrossEntropyOptions{})
		}, []string{"target[1] = -1 is not a class index in [0, 10) or the ignore index -100"}},
		{"ce not integer", func() (*tensor.Tensor, error) {
			return CrossEntropy(x, tensor.New([]float32{1, 2.5, 0, 0}, 4), CrossEntropyOptions{})
		}, []string{"target[1] = 2.5 is not an integer class index"}},
		{"ce NaN target", func() (*tensor.Tensor, error) {
			return CrossEntropy(x, tensor.New([]float32{float32(math.NaN()), 0, 0, 0}, 4), CrossEntropyOptions{})
		}, []string{"target[0] = NaN"}},
		{"ce custom ignore makes -100 invalid", func() (*tensor.Tensor, error) {
			return CrossEntropy(x, tensor.New([]float32{1, -100, 0, 0}, 4), CrossEntropyOptions{IgnoreIndex: 0, HasIgnoreIndex: true})
		}, []string{"target[1] = -100", "the ignore index 0"}},
		{"ce kdim target index", func() (*tensor.Tensor, error) {
			return CrossEntropy(xk, tensor.New([]float32{0, 1, 2, 0, 1, 2, 3, 0}, 2, 2, 2), CrossEntropyOptions{})
		}, []string{"target[1, 1, 0] = 3 is not a class index in [0, 3)"}},
		{"ce target shape", func() (*tensor.Tensor, error) { return CrossEntropy(x, tensor.Zeros(5), CrossEntropyOptions{}) },
			[]string{"target of shape [5] does not fit input of shape [4 10]", "class indices need shape [4], class probabilities [4 10]"}},
		{"ce kdim target shape", func() (*tensor.Tensor, error) { return CrossEntropy(xk, tensor.Zeros(2, 2), CrossEntropyOptions{}) },
			[]string{"target of shape [2 2]", "class indices need shape [2 2 2]"}},
		{"ce scalar input", func() (*tensor.Tensor, error) {
			return CrossEntropy(tensor.Scalar(1), tensor.Scalar(0), CrossEntropyOptions{})
		},
			[]string{"input of shape [] has no class dimension"}},
		{"ce no classes", func() (*tensor.Tensor, error) {
			return CrossEntropy(tensor.Zeros(3, 0), tensor.Zeros(3), CrossEntropyOptions{})
		},
			[]string{"has 0 classes"}},
		{"ce smoothing below", func() (*tensor.Tensor, error) { return CrossEntropy(x, ok, CrossEntropyOptions{LabelSmoothing: -0.1}) },
			[]string{"label_smoothing = -0.1 is outside [0, 1]"}},
		{"ce smoothing above", func() (*tensor.Tensor, error) { return CrossEntropy(x, ok, CrossEntropyOptions{LabelSmoothing: 1.5}) },
			[]string{"label_smoothing = 1.5 is outside [0, 1]"}},
		{"ce smoothing NaN", func() (*tensor.Tensor, error) {
			return CrossEntropy(x, ok, CrossEntropyOptions{LabelSmoothing: float32(math.NaN())})
		}, []string{"label_smoothing = NaN"}},
		{"ce weight length", func() (*tensor.Tensor, error) {
			return CrossEntropy(x, ok, CrossEntropyOptions{Weight: tensor.Ones(9)})
		},
			[]string{"weight of shape [9] does not fit 10 classes (want shape [10]"}},
		{"ce weight rank", func() (*tensor.Tensor, error) {
			return CrossEntropy(x, ok, CrossEntropyOptions{Weight: tensor.Ones(1, 10)})
		},
			[]string{"weight of shape [1 10]"}},
		{"ce probabilities with ignore index", func() (*tensor.Tensor, error) {
			return CrossEntropy(x, probs, CrossEntropyOptions{IgnoreIndex: 0, HasIgnoreIndex: true})
		}, []string{"ignore_index 0 is not supported with class-probability targets"}},
		{"ce batchmean", func() (*tensor.Tensor, error) { return CrossEntropy(x, ok, CrossEntropyOptions{Reduction: BatchMean}) },
			[]string{"reduction batchmean is not one of mean, sum, none"}},
		{"ce bad reduction", func() (*tensor.Tensor, error) { return CrossEntropy(x, ok, CrossEntropyOptions{Reduction: 9}) },
			[]string{"reduction Reduction(9)"}},
		{"ce nil", func() (*tensor.Tensor, error) { return CrossEntropy(nil, ok, CrossEntropyOptions{}) },
			[]string{"must not be nil"}},
		{"nll out of range", func() (*tensor.Tensor, error) { return NLL(x, y, NLLOptions{}) },
			[]string{"loss: NLL: target[3] = 12 is not a class index in [0, 10) or the ignore index -100"}},
		{"nll target shape", func() (*tensor.Tensor, error) { return NLL(x, tensor.Zeros(4, 10), NLLOptions{}) },
			[]string{"target of shape [4 10] does not fit input of shape [4 10] (class indices need shape [4])"}},
		{"nll weight", func() (*tensor.Tensor, error) { return NLL(x, ok, NLLOptions{Weight: tensor.Ones(11)}) },
			[]string{"weight of shape [11] does not fit 10 classes"}},
		{"nll unbatched target", func() (*tensor.Tensor, error) { return NLL(tensor.Zeros(10), tensor.Zeros(1), NLLOptions{}) },
			[]string{"target of shape [1] does not fit input of shape [10] (class indices need shape [])"}},
		{"nll reduction", func() (*tensor.Tensor, error) { return NLL(x, ok, NLLOptions{Reduction: BatchMean}) },
			[]string{"batchmean is KLDiv's only"}},
		{"mse shapes", func() (*tensor.Tensor, error) { return MSE(tensor.Zeros(4), tensor.Zeros(4, 1), Mean) },
			[]string{"loss: MSE: input of shape [4] and target of shape [4 1] differ"}},
		{"mse reduction", func() (*tensor.Tensor, error) { return MSE(x, x, BatchMean) },
			[]string{"loss: MSE: reduction batchmean"}},
		{"l1 shapes", func() (*tensor.Tensor, error) { return L1(tensor.Zeros(2, 3), tensor.Zeros(3, 2), Sum) },
			[]string{"loss: L1: input of shape [2 3] and target of shape [3 2] differ"}},
		{"kldiv shapes", func() (*tensor.Tensor, error) { return KLDiv(tensor.Zeros(2, 3), tensor.Zeros(3), KLDivOptions{}) },
			[]string{"loss: KLDiv: input of shape [2 3] and target of shape [3] differ"}},
		{"kldiv reduction", func() (*tensor.Tensor, error) { return KLDiv(x, x, KLDivOptions{Reduction: 7}) },
			[]string{"reduction Reduction(7) is not one of mean, sum, none, batchmean"}},
	}
	for _, c := range cases {
		out, err := c.run()
		if err == nil {
			t.Errorf("%s: no error (result %v)", c.name, out)
			continue
		}
		if out != nil {
			t.Errorf("%s: a result with the error", c.name)
		}
		var le *Error
		if !errors.As(err, &le) {
			t.Errorf("%s: error %T is not a *loss.Error", c.name, err)
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q does not contain %q", c.name, err, w)
			}
		}
	}
}

// TestValidNearErrors: the values just inside each bound are accepted.
func TestValidNearErrors(t *testing.T) {
	x := tensor.Zeros(3, 4)
	for _, ls := range []float32{0, 1} {
		if _, err := CrossEntropy(x, tensor.New([]float32{0, 3, -100}, 3), CrossEntropyOptions{LabelSmoothing: ls}); err != nil {
			t.Error(err)
		}
	}
	// A negative ignore index is allowed with probabilities, as in torch.
	if _, err := CrossEntropy(x, tensor.Zeros(3, 4), CrossEntropyOptions{IgnoreIndex: -1, HasIgnoreIndex: true}); err != nil {
		t.Error(err)
	}
	// A class index can be the ignore index.
	if _, err := NLL(x, tensor.New([]float32{3, 3, 0}, 3), NLLOptions{IgnoreIndex: 3, HasIgnoreIndex: true}); err != nil {
		t.Error(err)
	}
}
