package loss

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"slices"
	"sync"
	"testing"

	"github.com/vecgrad/vecgrad/internal/fixture"
	"github.com/vecgrad/vecgrad/tensor"
)

// The fixtures are PyTorch's values, written by tools/lossfixtures/gen.py.

// jnum is a JSON number or one of the strings "nan", "inf", "-inf".
type jnum = fixture.Number

type fixTensor struct{ fixture.Tensor }

func (f *fixTensor) values() []float32 { return f.Float32s() }

func (f *fixTensor) tensor() *tensor.Tensor { return tensor.New(f.values(), f.Shape...) }

type fixCase struct {
	Name string `json:"name"`
	Loss string `json:"loss"`
	Opts struct {
		Reduction      string     `json:"reduction"`
		Weight         *fixTensor `json:"weight"`
		IgnoreIndex    *int       `json:"ignore_index"`
		LabelSmoothing float32    `json:"label_smoothing"`
		LogTarget      bool       `json:"log_target"`
	} `json:"opts"`
	Input      fixTensor  `json:"input"`
	Target     fixTensor  `json:"target"`
	Out        fixTensor  `json:"out"`
	Upstream   fixTensor  `json:"upstream"`
	GradInput  fixTensor  `json:"grad_input"`
	GradTarget *fixTensor `json:"grad_target"`
}

var (
	fixOnce  sync.Once
	fixCases []fixCase
	fixErr   error
)

func loadFixtures(t *testing.T) []fixCase {
	t.Helper()
	fixOnce.Do(func() {
		b, err := os.ReadFile("testdata/loss_fixtures.json")
		if err != nil {
			fixErr = err
			return
		}
		var f struct {
			Cases []fixCase `json:"cases"`
		}
		fixErr = json.Unmarshal(b, &f)
		fixCases = f.Cases
	})
	if fixErr != nil {
		t.Fatal(fixErr)
	}
	return fixCases
}

func parseReduction(s string) Reduction {
	switch s {
	case "sum":
		return Sum
	case "none":
		return None
	case "batchmean":
		return BatchMean
	}
	return Mean
}

// run applies the case's loss with this package's API.
func (c *fixCase) run(x, t *tensor.Tensor) (*tensor.Tensor, error) {
	r := parseReduction(c.Opts.Reduction)
	var w *tensor.Tensor
	if c.Opts.Weight != nil {
		w = c.Opts.Weight.tensor()
	}
	switch c.Loss {
	case "cross_entropy":
		o := CrossEntropyOptions{Reduction: r, Weight: w, LabelSmoothing: c.Opts.LabelSmoothing}
		if c.Opts.IgnoreIndex != nil {
			o.IgnoreIndex, o.HasIgnoreIndex = *c.Opts.IgnoreIndex, true
		}
		return CrossEntropy(x, t, o)
	case "nll":
		o := NLLOptions{Reduction: r, Weight: w}
		if c.Opts.IgnoreIndex != nil {
			o.IgnoreIndex, o.HasIgnoreIndex = *c.Opts.IgnoreIndex, true
		}
		return NLL(x, t, o)
	case "mse":
		return MSE(x, t, r)
	case "l1":
		return L1(x, t, r)
	case "kl_div":
		return KLDiv(x, t, KLDivOptions{Reduction: r, LogTarget: c.Opts.LogTarget})
	}
	return nil, fmt.Errorf("unknown fixture loss %q", c.Loss)
}

const eps32 = 0x1p-23

func maxAbs(v []float32) float64 {
	m := 0.0
	for _, x := range v {
		if a := math.Abs(float64(x)); a > m && !math.IsInf(a, 0) {
			m = a
		}
	}
	return m
}

// bounds returns the tolerances of a case, derived from float32 arithmetic
// rather than tuned: each implementation rounds every term of a sum once
// or a few times, so two of them may differ by 4*eps32 (two
// implementations, two roundings each) times the number of terms behind a
// value times the magnitude of those terms.
//
// Class losses: a per-sample term is bounded by M = wmax*(2*max|x| + log C
// + 1) (|lse - x_c| <= max x - min x + log C), and lse is a C-term sum;
// Sum adds R terms, Mean then divides by the denominator, so the value
// bound is M*R*wmax/D (index targets) or M (probabilities). A gradient
// element is g times f (1, 1/D or 1/R) times terms of size up to 2*wmax*
// (1+W), and softmax = exp(x - lse) carries lse's rounding, |lse|*eps32
// relative: its term count grows by max|x|.
func (c *fixCase) bounds() (fwd, grad float64) {
	x := c.Input.values()
	tg := c.Target.values()
	up := maxAbs(c.Upstream.values())
	mx := maxAbs(x)
	r := parseReduction(c.Opts.Reduction)
	n := float64(len(x))
	switch c.Loss {
	case "cross_entropy", "nll":
		C := c.Input.Shape[0]
		if len(c.Input.Shape) > 1 {
			C = c.Input.Shape[1]
		}
		rows := float64(len(x) / C)
		wmax, wsum := 1.0, float64(C)
		var w []float32
		if c.Opts.Weight != nil {
			w = c.Opts.Weight.values()
			wmax, wsum = maxAbs(w), 0
			for _, v := range w {
				wsum += float64(v)
			}
		}
		prob := slices.Equal(c.Target.Shape, c.Input.Shape)
		ignore := -100
		if c.Opts.IgnoreIndex != nil {
			ignore = *c.Opts.IgnoreIndex
		}
		d := 0.0 // Mean's denominator with class indices
		if !prob {
			for _, v := range tg {
				if k := int(v); k != ignore {
					if w != nil {
						d += float64(w[k])
					} else {
						d++
					}
				}
			}
		}
		M := wmax * (2*mx + math.Log(float64(C)) + 1)
		if prob {
			M *= 1 + float64(C)*float64(c.Opts.LabelSmoothing)
		}
		f := 1.0
		switch {
		case r == Sum:
			M *= rows
		case r == Mean && prob:
			f = 1 / rows
		case r == Mean:
			M *= rows * wmax / d
			f = 1 / d
		}
		terms := float64(C) + rows + 4
		return 4 * eps32 * terms * M, 4 * eps32 * (float64(C) + 4 + mx) * up * f * 2 * wmax * (1 + wsum)
	case "mse", "l1", "kl_div":
		// A pointwise term: (x-t)^2, |x-t|, or t*(log t - x) and
		// exp(t)*(t - x), bounded by s = a^2 with a = |x| + |t| + |log t|
		// + 1 (times e^|t| with log targets); its derivatives by 2a.
		a := mx + maxAbs(tg) + 1
		for _, v := range tg {
			if v > 0 {
				a = max(a, mx+math.Abs(math.Log(float64(v)))+maxAbs(tg)+1)
			}
		}
		s, sg := a*a, 2*a
		if c.Opts.LogTarget {
			s *= math.Exp(maxAbs(tg))
			sg *= math.Exp(maxAbs(tg))
		}
		f := 1.0
		switch r {
		case Sum:
			s *= n
		case BatchMean:
			f = 1 / float64(max(1, c.Input.Shape[0]))
			s *= n * f
		case Mean:
			f = 1 / n
		}
		terms := n + 4
		if r == None {
			terms = 4
		}
		return 4 * eps32 * terms * s, 4 * eps32 * 4 * up * f * sg
	}
	panic("unknown loss " + c.Loss)
}

// compare checks got against PyTorch's want within tol (NaN where PyTorch
// has NaN, the same infinities).
func compare(t *testing.T, what string, got, want []float32, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, PyTorch %d", what, len(got), len(want))
	}
	for i := range want {
		g, w := float64(got[i]), float64(want[i])
		if math.IsNaN(w) && math.IsNaN(g) || g == w {
			continue
		}
		if !(math.Abs(g-w) <= tol) {
			t.Errorf("%s element %d: got %v, PyTorch %v (difference %.3g > tolerance %.3g)", what, i, g, w, math.Abs(g-w), tol)
			return
		}
	}
}

func TestTorchFixtures(t *testing.T) {
	cases := loadFixtures(t)
	if len(cases) < 300 {
		t.Fatalf("only %d fixture cases", len(cases))
	}
	for i := range cases {
		c := &cases[i]
		t.Run(c.Name, func(t *testing.T) {
			x := c.Input.tensor().SetRequiresGrad(true)
			tg := c.Target.tensor()
			if c.GradTarget != nil {
				tg.SetRequiresGrad(true)
			}
			out, err := c.run(x, tg)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(out.Shape(), c.Out.Shape) {
				t.Fatalf("result shape %v, PyTorch %v", out.Shape(), c.Out.Shape)
			}
			fwd, grad := c.bounds()
			compare(t, "value", out.Data(), c.Out.values(), fwd)
			out.BackwardWith(c.Upstream.tensor())
			compare(t, "input gradient", x.Grad().Data(), c.GradInput.values(), grad)
			if c.GradTarget != nil {
				compare(t, "target gradient", tg.Grad().Data(), c.GradTarget.values(), grad)
			}
		})
	}
}
