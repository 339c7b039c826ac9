package data

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/vecgrad/vecgrad/tensor"
)

// TestTensorDatasetLoader: a Loader over a TensorDataset delivers each
// example's input in its own shape and its target, classes or regression,
// for the order the sampler chose.
func TestTensorDatasetLoader(t *testing.T) {
	const n = 7
	x := tensor.Arange(0, n*2*3, 1).Reshape(n, 2, 3)
	for _, c := range []struct {
		name    string
		y       *tensor.Tensor
		classes int
		tshape  []int
	}{
		{"classes", tensor.New([]float32{0, 2, 1, 2, 0, 1, 1}, n), 3, []int{}},
		{"regression", tensor.Arange(0, n*2, 1).MulScalar(0.5).Reshape(n, 2), 0, []int{2}},
	} {
		t.Run(c.name, func(t *testing.T) {
			ds, err := NewTensorDataset(x, c.y, c.classes)
			if err != nil {
				t.Fatal(err)
			}
			if ds.Len() != n || ds.Features() != 6 || !slices.Equal(ds.InputShape(), []int{2, 3}) || !slices.Equal(ds.TargetShape(), c.tshape) {
				t.Fatalf("Len %d, Features %d, InputShape %v, TargetShape %v", ds.Len(), ds.Features(), ds.InputShape(), ds.TargetShape())
			}
			l, err := NewLoader(ds, LoaderOptions{BatchSize: 3, Sampling: Shuffle, Seed: 5, Prefetch: true})
			if err != nil {
				t.Fatal(err)
			}
			yd := c.y.Data()
			tw := len(yd) / n
			seen := 0
			for b := range l.Epoch(1) {
				in, tg := b.Input(nil), b.Target(nil)
				if want := []int{b.Size, 2, 3}; !slices.Equal(in.Shape(), want) {
					t.Fatalf("input shape %v, want %v", in.Shape(), want)
				}
				if want := append([]int{b.Size}, c.tshape...); !slices.Equal(tg.Shape(), want) {
					t.Fatalf("target shape %v, want %v", tg.Shape(), want)
				}
				for r, i := range b.Indices {
					if got, want := in.Data()[r*6:(r+1)*6], x.Data()[i*6:(i+1)*6]; !slices.Equal(got, want) {
						t.Errorf("row %d (example %d): input %v, want %v", r, i, got, want)
					}
					if got, want := tg.Data()[r*tw:(r+1)*tw], yd[i*tw:(i+1)*tw]; !slices.Equal(got, want) {
						t.Errorf("row %d (example %d): target %v, want %v", r, i, got, want)
					}
					if c.classes > 0 && b.Labels[r] != int(yd[i]) {
						t.Errorf("row %d: label %d, want %v", r, b.Labels[r], yd[i])
					}
				}
				if c.classes == 0 && len(b.Labels) != 0 {
					t.Errorf("regression batch has labels %v", b.Labels)
				}
				seen += b.Size
			}
			if seen != n {
				t.Errorf("an epoch delivered %d examples, want %d", seen, n)
			}
		})
	}
}

// TestTensorDatasetCopies: the dataset keeps its own copy.
func TestTensorDatasetCopies(t *testing.T) {
	xs := []float32{1, 2}
	ds, err := NewTensorDataset(tensor.New(xs, 2, 1), tensor.New([]float32{0, 1}, 2), 2)
	if err != nil {
		t.Fatal(err)
	}
	xs[0] = 100
	l, _ := NewLoader(ds, LoaderOptions{BatchSize: 2})
	for b := range l.Epoch(0) {
		if b.X[0] != 1 {
			t.Errorf("the dataset saw a later change of the caller's slice: %v", b.X)
		}
	}
}

func TestTensorDatasetErrors(t *testing.T) {
	nan := float32(math.NaN())
	x := tensor.Zeros(3, 2)
	for _, c := range []struct {
		x, y    *tensor.Tensor
		classes int
		want    string
	}{
		{nil, tensor.Zeros(3), 2, "must not be nil"},
		{tensor.Scalar(1), tensor.Zeros(3), 2, "both need a first dimension"},
		{x, tensor.Zeros(4), 2, "x has 3 examples (shape [3 2]) but y has 4 (shape [4])"},
		{tensor.Zeros(0, 2), tensor.Zeros(0), 2, "no examples"},
		{x, tensor.Zeros(3), -1, "classes = -1"},
		{x, tensor.Zeros(3, 1), 2, "class targets of shape [3 1] (accepted: [N]"},
		{x, tensor.New([]float32{0, 2, 1}, 3), 2, "example 1 has class 2 (accepted: whole numbers 0 to 1)"},
		{x, tensor.New([]float32{0, 0.5, 1}, 3), 2, "example 1 has class 0.5"},
		{x, tensor.New([]float32{0, -1, 1}, 3), 2, "example 1 has class -1"},
		{x, tensor.New([]float32{0, nan, 1}, 3), 2, "example 1 has class NaN"},
		{tensor.New([]float32{0, 0, 0, nan, 0, 0}, 3, 2), tensor.Zeros(3), 2, "example 1 has feature 1 = NaN (accepted: finite values)"},
		{x, tensor.New([]float32{0, 0, 0, 0, float32(math.Inf(1)), 0}, 3, 2), 0, "example 2 has target value +Inf"},
	} {
		_, err := NewTensorDataset(c.x, c.y, c.classes)
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), "data: NewTensorDataset: ") {
			t.Errorf("error %v, want one containing %q", err, c.want)
		}
	}
	var nilDS *TensorDataset
	if _, err := NewLoader(nilDS, LoaderOptions{BatchSize: 1}); err == nil || !strings.Contains(err.Error(), "the dataset is nil") {
		t.Errorf("NewLoader(nil): %v", err)
	}
}

// TestBatchLiteral: a Batch made outside a Loader keeps the old shapes,
// [Size, Features] inputs and [Size] targets.
func TestBatchLiteral(t *testing.T) {
	b := &Batch{X: make([]float32, 6), Targets: make([]float32, 2), Size: 2, Features: 3}
	if in, tg := b.Input(nil).Shape(), b.Target(nil).Shape(); !slices.Equal(in, []int{2, 3}) || !slices.Equal(tg, []int{2}) {
		t.Errorf("shapes %v and %v, want [2 3] and [2]", in, tg)
	}
	ar := tensor.NewArena()
	if n := testing.AllocsPerRun(10, func() { ar.Reset(); b.Input(ar); b.Target(ar) }); n != 0 {
		t.Errorf("%v allocations per Input and Target", n)
	}
}
