package tensor

import (
	"math"
	"slices"
	"testing"

	"github.com/vecgrad/vecgrad/internal/fixture"
)

// The fixtures are PyTorch's values for the indexing and selection
// operations, written by tools/opsfixtures/gen.py.

type opsCase struct {
	Name string `json:"name"`
	Op   string `json:"op"`
	Args struct {
		Dim int            `json:"dim"`
		Lo  fixture.Number `json:"lo"`
		Hi  fixture.Number `json:"hi"`
		V   fixture.Number `json:"v"`
	} `json:"args"`
	Inputs   []fixTensor `json:"inputs"`
	Diff     []bool      `json:"diff"`
	Out      fixTensor   `json:"out"`
	Upstream fixTensor   `json:"upstream"`
	Grads    []fixTensor `json:"grads"`
}

func runOpsCase(c *opsCase, in []*Tensor) *Tensor {
	a := c.Args
	switch c.Op {
	case "cat":
		return Cat(a.Dim, in...)
	case "cat_t":
		return Cat(a.Dim, in[0].Transpose(0, 1), in[1])
	case "stack":
		return Stack(a.Dim, in...)
	case "where":
		return Where(in[0], in[1], in[2])
	case "masked_fill":
		return in[0].MaskedFill(in[1], float32(a.V))
	case "clamp":
		return in[0].Clamp(float32(a.Lo), float32(a.Hi))
	case "gather":
		return in[0].Gather(a.Dim, in[1])
	case "index_select":
		return in[0].IndexSelect(a.Dim, in[1])
	}
	panic("unknown op " + c.Op)
}

// TestOpsFixtures checks each operation's values and gradients against
// PyTorch's. They are copies and selections of the inputs, so the values
// and every gradient that is not a sum must be bitwise equal. Gather and
// IndexSelect add the upstream values of repeated picks into one element,
// one at a time in index order as torch's CPU scatter_add and index_add do,
// so those match bitwise too.
func TestOpsFixtures(t *testing.T) {
	var f struct {
		Cases []opsCase `json:"cases"`
	}
	if err := fixture.Load("testdata/ops_fixtures.json", &f); err != nil {
		t.Fatal(err)
	}
	if len(f.Cases) == 0 {
		t.Fatal("no cases")
	}
	for i := range f.Cases {
		c := &f.Cases[i]
		t.Run(c.Name, func(t *testing.T) {
			in := make([]*Tensor, len(c.Inputs))
			for k, x := range c.Inputs {
				in[k] = x.tensor()
				if c.Diff[k] {
					in[k].SetRequiresGrad(true)
				}
			}
			out := runOpsCase(c, in)
			sameBits(t, "value", out, c.Out.tensor())
			out.BackwardWith(c.Upstream.tensor())
			g := 0
			for k, x := range in {
				if !c.Diff[k] {
					continue
				}
				got := x.Grad()
				if got == nil {
					got = Zeros(x.Shape()...)
				}
				sameBits(t, "gradient of input "+itoa(k), got, c.Grads[g].tensor())
				g++
			}
		})
	}
}

// sameBits fails unless got and want have one shape and the same values
// (NaN equal to NaN).
func sameBits(t *testing.T, what string, got, want *Tensor) {
	t.Helper()
	if !slices.Equal(got.Shape(), want.Shape()) {
		t.Fatalf("%s: shape %v, want %v", what, got.Shape(), want.Shape())
	}
	gd, wd := got.Data(), want.Data()
	for i := range gd {
		if gd[i] != wd[i] && !(math.IsNaN(float64(gd[i])) && math.IsNaN(float64(wd[i]))) {
			t.Fatalf("%s: element %d is %v, want %v", what, i, gd[i], wd[i])
		}
	}
}
