package einsum

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"slices"
	"testing"
)

// torchFixture is testdata/torch.json, written by testdata/gen.py with
// torch.einsum in float64 on float32-exact inputs.
type torchFixture struct {
	Torch string
	Cases []struct {
		Eq       string
		Shapes   [][]int
		Inputs   [][]float64
		OutShape []int `json:"out_shape"`
		Out      []float64
		GradOut  []float64 `json:"grad_out"`
		Grads    [][]float64
	}
	Errors []struct {
		Eq     string
		Shapes [][]int
		Torch  string
	}
}

func loadTorch(t *testing.T) *torchFixture {
	t.Helper()
	b, err := os.ReadFile("testdata/torch.json")
	if err != nil {
		t.Fatal(err)
	}
	var f torchFixture
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	if len(f.Cases) < 50 || len(f.Errors) < 20 {
		t.Fatalf("testdata/torch.json has %d cases and %d errors: regenerate it with testdata/gen.py", len(f.Cases), len(f.Errors))
	}
	return &f
}

// checkRef checks the float64 reference itself against torch: the same
// sums in another order, so within a few float64 roundings.
func checkRef(t *testing.T, what string, ref refResult, want []float64) {
	t.Helper()
	if len(ref.val) != len(want) {
		t.Fatalf("%s: reference has %d elements, torch %d", what, len(ref.val), len(want))
	}
	for i := range want {
		if math.Abs(ref.val[i]-want[i]) > 1e-13*(1+ref.abs[i]) {
			t.Fatalf("%s: reference element %d = %v, torch %v", what, i, ref.val[i], want[i])
		}
	}
}

func f32(x []float64) []float32 {
	o := make([]float32, len(x))
	for i, v := range x {
		o[i] = float32(v)
	}
	return o
}

func TestTorchOutputs(t *testing.T) {
	fx := loadTorch(t)
	for _, c := range fx.Cases {
		what := fmt.Sprintf("%q %v", c.Eq, c.Shapes)
		p, err := Parse(c.Eq, c.Shapes)
		if err != nil {
			t.Errorf("%s: torch accepts it, Parse: %v", what, err)
			continue
		}
		if !slices.Equal(p.OutShape(), c.OutShape) {
			t.Errorf("%s: OutShape %v, torch %v", what, p.OutShape(), c.OutShape)
			continue
		}
		ref := refEinsum(c.Eq, c.Shapes, c.Inputs)
		checkRef(t, what, ref, c.Out)
		ops := make([]Operand, len(c.Shapes))
		for i, sh := range c.Shapes {
			ops[i] = Operand{Data: f32(c.Inputs[i]), Shape: sh}
		}
		out := make([]float32, p.OutLen())
		p.Run(out, ops)
		ref.val = c.Out // compare with torch's values, within the reference's bound
		checkClose(t, what, out, ref, len(ops))

		for i := range ops {
			gref := refGrad(c.Eq, c.Shapes, c.Inputs, c.GradOut, i)
			checkRef(t, fmt.Sprintf("%s grad %d", what, i), gref, c.Grads[i])
			got := make([]float32, len(c.Inputs[i]))
			p.Grad(i, got, f32(c.GradOut), ops)
			gref.val = c.Grads[i]
			checkClose(t, fmt.Sprintf("%s grad %d", what, i), got, gref, len(ops))
		}
	}
}

func TestTorchErrors(t *testing.T) {
	fx := loadTorch(t)
	for _, c := range fx.Errors {
		_, err := Parse(c.Eq, c.Shapes)
		var e *Error
		if !errors.As(err, &e) {
			t.Errorf("Parse(%q, %v) = %v, want an *Error (torch: %s)", c.Eq, c.Shapes, err, c.Torch)
		}
	}
}
