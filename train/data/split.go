package data

import (
	"fmt"
	"slices"

	"github.com/vecgrad/vecgrad/tensor"
)

// splitStream is the generator stream of SplitIndices: independent of the
// epochs' orders drawn from the same seed.
const splitStream = 0x76616c // "val"

// SplitIndices divides the examples 0..n-1 into a training part and a
// validation part of nVal examples, drawn from seed (a uniform random
// permutation, as Shuffle draws one, of which the first nVal go to
// validation). Both parts are in ascending order. It panics unless 0 <
// nVal < n.
func SplitIndices(n, nVal int, seed uint64) (train, val []int) {
	if nVal <= 0 || nVal >= n {
		panic(fmt.Sprintf("data: SplitIndices(%d, %d): want 0 < nVal < n", n, nVal))
	}
	order := make([]int, n)
	shuffleOrder(tensor.NewGeneratorStream(seed, splitStream), order)
	val, train = order[:nVal], order[nVal:]
	slices.Sort(val)
	slices.Sort(train)
	return train, val
}

// Subset returns the examples idx of s (in that order) as a new source of
// the same kind, copying them. Every index must be in [0, s.Len()).
func Subset(s Source, idx []int) Source {
	r := s.rows()
	x := make([]float32, 0, len(idx)*r.features)
	for _, i := range idx {
		x = append(x, r.x[i*r.features:(i+1)*r.features]...)
	}
	switch d := s.(type) {
	case *Dataset:
		labels := make([]int, len(idx))
		for k, i := range idx {
			labels[k] = d.Labels[i]
		}
		return &Dataset{Images: x, Labels: labels, Rows: d.Rows, Cols: d.Cols, Classes: d.Classes}
	case *TensorDataset:
		sub := &TensorDataset{Classes: d.Classes, n: len(idx), x: x, xShape: d.xShape, yShape: d.yShape, features: d.features, tw: d.tw}
		if d.labels != nil {
			sub.labels = make([]int, len(idx))
			sub.y = make([]float32, len(idx))
			for k, i := range idx {
				sub.labels[k], sub.y[k] = d.labels[i], d.y[i]
			}
			return sub
		}
		sub.y = make([]float32, 0, len(idx)*d.tw)
		for _, i := range idx {
			sub.y = append(sub.y, d.y[i*d.tw:(i+1)*d.tw]...)
		}
		return sub
	}
	panic(fmt.Sprintf("data: Subset of a %T", s))
}
