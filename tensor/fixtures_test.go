package tensor

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/vecgrad/vecgrad/internal/fixture"
)

// The fixtures are PyTorch's values, written by tools/torchfixtures/gen.py.

// jnum is a JSON number or one of the strings "nan", "inf", "-inf".
type jnum = fixture.Number

type fixTensor struct{ fixture.Tensor }

func (f fixTensor) tensor() *Tensor { return New(f.Float32s(), f.Shape...) }

type fixCase struct {
	Name     string          `json:"name"`
	Op       string          `json:"op"`
	Args     json.RawMessage `json:"args"`
	Inputs   []fixTensor     `json:"inputs"`
	Out      fixTensor       `json:"out"`
	Prep     string          `json:"prep"`
	Upstream *fixTensor      `json:"upstream"`
	Grads    []fixTensor     `json:"grads"`
}

type fixArgs struct {
	Dims       []int   `json:"dims"`
	Keepdim    bool    `json:"keepdim"`
	Dim        int     `json:"dim"`
	Correction int     `json:"correction"`
	P          float32 `json:"p"`
	S          float32 `json:"s"`
	Shape      []int   `json:"shape"`
	Sizes      []int   `json:"sizes"`
	D0         int     `json:"d0"`
	D1         int     `json:"d1"`
	Start      int     `json:"start"`
	End        int     `json:"end"`
	Step       int     `json:"step"`
	Length     int     `json:"length"`
	Eq         string  `json:"eq"`
}

type fixtures struct {
	TorchVersion string `json:"torch_version"`
	Broadcast    []struct {
		A      []int  `json:"a"`
		B      []int  `json:"b"`
		Result []int  `json:"result"`
		Error  string `json:"error"`
	} `json:"broadcast"`
	Cases []fixCase `json:"cases"`
	Print []struct {
		Shape []int  `json:"shape"`
		Data  []jnum `json:"data"`
		Str   string `json:"str"`
	} `json:"print"`
	Arange []struct {
		Start, End, Step float64
		Out              fixTensor `json:"out"`
	} `json:"arange"`
}

var (
	fixOnce sync.Once
	fix     fixtures
	fixErr  error
)

func loadFixtures(t *testing.T) *fixtures {
	t.Helper()
	fixOnce.Do(func() {
		b, err := os.ReadFile("testdata/torch_fixtures.json")
		if err != nil {
			fixErr = err
			return
		}
		fixErr = json.Unmarshal(b, &fix)
	})
	if fixErr != nil {
		t.Fatal(fixErr)
	}
	return &fix
}

// runFixOp applies the case's operation with this package's API.
func runFixOp(c *fixCase, in []*Tensor) (*Tensor, error) {
	var a fixArgs
	if len(c.Args) > 0 {
		if err := json.Unmarshal(c.Args, &a); err != nil {
			return nil, err
		}
	}
	x := in[0]
	if c.Prep == "t" {
		x = x.Transpose(0, 1)
	}
	var y *Tensor
	if len(in) > 1 {
		y = in[1]
	}
	switch c.Op {
	case "add":
		return x.Add(y), nil
	case "sub":
		return x.Sub(y), nil
	case "mul":
		return x.Mul(y), nil
	case "div":
		return x.Div(y), nil
	case "maximum":
		return x.Maximum(y), nil
	case "minimum":
		return x.Minimum(y), nil
	case "eq":
		return x.Eq(y), nil
	case "ne":
		return x.Ne(y), nil
	case "lt":
		return x.Lt(y), nil
	case "le":
		return x.Le(y), nil
	case "gt":
		return x.Gt(y), nil
	case "ge":
		return x.Ge(y), nil
	case "add_scalar":
		return x.AddScalar(a.S), nil
	case "sub_scalar":
		return x.SubScalar(a.S), nil
	case "rsub_scalar":
		return x.RSubScalar(a.S), nil
	case "mul_scalar":
		return x.MulScalar(a.S), nil
	case "div_scalar":
		return x.DivScalar(a.S), nil
	case "neg":
		return x.Neg(), nil
	case "exp":
		return x.Exp(), nil
	case "log":
		return x.Log(), nil
	case "sqrt":
		return x.Sqrt(), nil
	case "relu":
		return x.Relu(), nil
	case "sigmoid":
		return x.Sigmoid(), nil
	case "tanh":
		return x.Tanh(), nil
	case "abs":
		return x.Abs(), nil
	case "pow":
		return x.Pow(a.P), nil
	case "sum":
		return x.SumDim(a.Dims, a.Keepdim), nil
	case "mean":
		return x.MeanDim(a.Dims, a.Keepdim), nil
	case "max":
		return x.MaxDim(a.Dims, a.Keepdim), nil
	case "min":
		return x.MinDim(a.Dims, a.Keepdim), nil
	case "var":
		return x.VarDim(a.Dims, a.Correction, a.Keepdim), nil
	case "argmax", "argmin":
		var hasDim struct {
			Dim *int `json:"dim"`
		}
		json.Unmarshal(c.Args, &hasDim)
		switch {
		case hasDim.Dim == nil && c.Op == "argmax":
			return x.ArgMax(), nil
		case hasDim.Dim == nil:
			return x.ArgMin(), nil
		case c.Op == "argmax":
			return x.ArgMaxDim(a.Dim, a.Keepdim), nil
		}
		return x.ArgMinDim(a.Dim, a.Keepdim), nil
	case "softmax":
		return x.Softmax(a.Dim), nil
	case "log_softmax":
		return x.LogSoftmax(a.Dim), nil
	case "matmul":
		return x.Matmul(y), nil
	case "reshape":
		return x.Reshape(a.Shape...), nil
	case "view":
		return x.View(a.Shape...), nil
	case "permute":
		return x.Permute(a.Dims...), nil
	case "transpose":
		return x.Transpose(a.D0, a.D1), nil
	case "slice":
		return x.Slice(a.Dim, a.Start, a.End, a.Step), nil
	case "narrow":
		return x.Narrow(a.Dim, a.Start, a.Length), nil
	case "expand":
		return x.Expand(a.Sizes...), nil
	case "squeeze":
		return x.Squeeze(a.Dims...), nil
	case "unsqueeze":
		return x.Unsqueeze(a.Dim), nil
	case "flatten":
		return x.Flatten(a.Start, a.End), nil
	case "contiguous":
		return x.Contiguous(), nil
	case "einsum":
		ops := slices.Clone(in)
		ops[0] = x
		return Einsum(a.Eq, ops...)
	}
	return nil, fmt.Errorf("unknown fixture op %q", c.Op)
}

// ulpTol is the number of float32 ulps (of the reference value) by which an
// operation may differ from PyTorch: 0 for the correctly rounded IEEE
// operations; for the transcendentals the kernels' documented maximum error
// plus PyTorch's (SLEEF, at most about 1 ulp... 3.5 for sigmoid's two steps),
// rounded up.
func ulpTol(op string) float64 {
	switch op {
	case "exp", "log", "tanh":
		return 3
	case "sigmoid":
		return 6
	case "pow", "div_scalar":
		return 2
	}
	return 0
}

// sumTerms is the number of float32 additions behind one output element of
// a reducing operation (0 for elementwise ones).
func sumTerms(c *fixCase) int {
	in := c.Inputs[0].Shape
	switch c.Op {
	case "sum", "mean", "var", "softmax", "log_softmax", "einsum":
		n := 1
		for _, s := range c.Inputs {
			n = max(n, numel(s.Shape))
		}
		return n + 2
	case "matmul":
		return in[len(in)-1] + 1
	}
	return 0
}

func TestTorchForward(t *testing.T) {
	f := loadFixtures(t)
	if len(f.Cases) < 200 {
		t.Fatalf("only %d fixture cases", len(f.Cases))
	}
	for i := range f.Cases {
		c := &f.Cases[i]
		t.Run(c.Name, func(t *testing.T) {
			in := make([]*Tensor, len(c.Inputs))
			for j, x := range c.Inputs {
				in[j] = x.tensor()
			}
			out, err := runFixOp(c, in)
			if err != nil {
				t.Fatal(err)
			}
			want := c.Out.tensor()
			if !slices.Equal(out.Shape(), want.Shape()) {
				t.Fatalf("shape %v, want %v", out.Shape(), want.Shape())
			}
			compareValues(t, c, "forward", out.Data(), want.Data(), in)
		})
	}
}

// compareValues checks got against PyTorch's want with the tolerance of the
// operation: ulps for elementwise operations; for sums of n terms
// 2*n*eps32*(the largest |term| scale), both implementations' error bound.
func compareValues(t *testing.T, c *fixCase, what string, got, want []float32, in []*Tensor) {
	t.Helper()
	n := sumTerms(c)
	scale := 0.0
	for _, x := range in {
		for _, v := range x.Data() {
			scale = max(scale, math.Abs(float64(v)))
		}
	}
	if c.Op == "matmul" || c.Op == "einsum" || c.Op == "var" {
		scale *= scale // products of two inputs
		if c.Op == "einsum" && len(in) == 3 {
			scale *= math.Sqrt(scale)
		}
	}
	for j := range want {
		g, w := float64(got[j]), float64(want[j])
		if math.IsNaN(w) && math.IsNaN(g) || g == w {
			continue
		}
		tol := ulpTol(c.Op) * ulp32(w)
		if n > 0 {
			tol += 2 * float64(n) * eps32 * max(scale, math.Abs(w))
		}
		if !(math.Abs(g-w) <= tol) {
			t.Errorf("%s element %d: got %v, PyTorch %v (difference %.3g > tolerance %.3g)", what, j, g, w, math.Abs(g-w), tol)
			return
		}
	}
}

func ulp32(v float64) float64 {
	a := math.Abs(float32Val(v))
	next := math.Nextafter32(float32(a), float32(math.Inf(1)))
	return float64(next) - a
}

func float32Val(v float64) float64 { return float64(float32(v)) }

func TestTorchBackward(t *testing.T) {
	f := loadFixtures(t)
	for i := range f.Cases {
		c := &f.Cases[i]
		if c.Upstream == nil {
			continue
		}
		t.Run(c.Name, func(t *testing.T) {
			in := make([]*Tensor, len(c.Inputs))
			for j, x := range c.Inputs {
				in[j] = x.tensor().SetRequiresGrad(true)
			}
			out, err := runFixOp(c, in)
			if err != nil {
				t.Fatal(err)
			}
			up := c.Upstream.tensor()
			out.BackwardWith(up)
			// A gradient element is a sum of at most numel(out) upstream
			// values times local derivatives, each a few roundings: the
			// bound 4*eps32*(numel(out)+terms) times the largest magnitude.
			nterms := up.Numel() + sumTerms(c) + 4
			for j, gw := range c.Grads {
				want := gw.tensor().Data()
				g := in[j].Grad()
				if g == nil {
					g = Zeros(in[j].Shape()...)
				}
				got := g.Data()
				scale := 1.0
				for _, v := range want {
					scale = max(scale, math.Abs(float64(v)))
				}
				for k := range want {
					tol := 4 * eps32 * float64(nterms) * scale
					if d := math.Abs(float64(got[k]) - float64(want[k])); !(d <= tol) {
						t.Fatalf("grad of input %d element %d: got %v, PyTorch %v (difference %.3g > %.3g)", j, k, got[k], want[k], d, tol)
					}
				}
			}
		})
	}
}

func TestTorchBroadcast(t *testing.T) {
	f := loadFixtures(t)
	for _, c := range f.Broadcast {
		got, err := BroadcastShapes(c.A, c.B)
		if c.Error != "" {
			if err == nil {
				t.Errorf("BroadcastShapes(%v, %v) = %v, PyTorch fails: %s", c.A, c.B, got, c.Error)
				continue
			}
			var se *ShapeError
			if !errors.As(err, &se) {
				t.Errorf("error %v is not a *ShapeError", err)
			}
			for _, want := range []string{shapeStr(c.A), shapeStr(c.B), "not broadcastable", "dimension -"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not mention %q", err, want)
				}
			}
			continue
		}
		if err != nil || !slices.Equal(got, c.Result) {
			t.Errorf("BroadcastShapes(%v, %v) = %v, %v; PyTorch %v", c.A, c.B, got, err, c.Result)
		}
		// and the operation itself
		a, b := Zeros(c.A...), Zeros(c.B...)
		if s := a.Add(b).Shape(); !slices.Equal(s, c.Result) {
			t.Errorf("Add shape %v, want %v", s, c.Result)
		}
	}
}

func TestTorchPrint(t *testing.T) {
	f := loadFixtures(t)
	for _, p := range f.Print {
		d := make([]float32, len(p.Data))
		for i, v := range p.Data {
			d[i] = float32(v)
		}
		got := New(d, p.Shape...).String()
		if got != p.Str {
			t.Errorf("String of %v:\n got %s\nwant %s", p.Shape, got, p.Str)
		}
	}
}

func TestTorchArange(t *testing.T) {
	f := loadFixtures(t)
	for _, a := range f.Arange {
		got := Arange(a.Start, a.End, a.Step)
		want := a.Out.tensor()
		if !slices.Equal(got.Shape(), want.Shape()) || !slices.Equal(got.Data(), want.Data()) {
			t.Errorf("Arange(%v, %v, %v) = %v, PyTorch %v", a.Start, a.End, a.Step, got, want)
		}
	}
}
