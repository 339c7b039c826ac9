package data

import (
	"slices"
	"testing"

	"github.com/vecgrad/vecgrad/tensor"
)

func TestSplitIndices(t *testing.T) {
	tr, val := SplitIndices(10, 3, 7)
	all := slices.Concat(tr, val)
	slices.Sort(all)
	if len(val) != 3 || len(tr) != 7 || !slices.IsSorted(tr) || !slices.IsSorted(val) || !slices.Equal(all, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}) {
		t.Fatalf("SplitIndices(10, 3, 7) = %v, %v", tr, val)
	}
	tr2, val2 := SplitIndices(10, 3, 7)
	_, val3 := SplitIndices(10, 3, 8)
	if !slices.Equal(tr, tr2) || !slices.Equal(val, val2) || slices.Equal(val, val3) {
		t.Errorf("not a function of the seed: %v %v %v", val, val2, val3)
	}
}

func TestSubset(t *testing.T) {
	d, err := NewTensorDataset(tensor.New([]float32{0, 1, 2, 3, 4, 5}, 3, 2), tensor.New([]float32{2, 0, 1}, 3), 3)
	if err != nil {
		t.Fatal(err)
	}
	s := Subset(d, []int{2, 0})
	x, labels := Contents(s)
	if s.Len() != 2 || !slices.Equal(x, []float32{4, 5, 0, 1}) || !slices.Equal(labels, []int{1, 2}) || ClassCount(s) != 3 {
		t.Errorf("Subset: %v %v", x, labels)
	}
	m := &Dataset{Images: []float32{0, 1, 2, 3}, Labels: []int{4, 5}, Rows: 1, Cols: 2, Classes: 6}
	sm := Subset(m, []int{1}).(*Dataset)
	if !slices.Equal(sm.Images, []float32{2, 3}) || !slices.Equal(sm.Labels, []int{5}) || sm.Classes != 6 || sm.Cols != 2 {
		t.Errorf("Subset of a Dataset: %+v", sm)
	}
}
