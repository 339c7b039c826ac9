package data

import (
	"fmt"
	"math"
	"slices"

	"github.com/vecgrad/vecgrad/tensor"
)

// Source is what a Loader delivers: a Dataset (MNIST's images and labels)
// or a TensorDataset (any tensors of your own). Its methods are the
// package's own, so the Loader can rely on a source having been validated
// at construction.
type Source interface {
	// Len returns the number of examples.
	Len() int
	// Features returns the number of float32 values of one example's input.
	Features() int
	rows() rowSource
}

// rowSource is a source's data as the Loader reads it: examples of
// features values each in x (row-major, each of shape xShape), with either
// a class each in labels, or targetWidth regression values each (of shape
// targetShape) in targets, labels then nil.
type rowSource struct {
	x           []float32
	xShape      []int
	features    int
	labels      []int
	targets     []float32
	targetShape []int
	targetWidth int
}

// TensorDataset is a dataset over tensors of your own, as
// torch.utils.data.TensorDataset: example i is X[i] (any shape after the
// first dimension) with target Y[i], either a class index (Classes > 0: Y
// is [N] and holds whole numbers in [0, Classes)) or regression values
// (Classes == 0: Y is [N, ...] of any shape after the first dimension).
// NewTensorDataset validates everything once, so a Loader over it can
// never fail later.
type TensorDataset struct {
	// Classes is the number of classes, or 0 for regression targets.
	Classes int

	n            int
	x, y         []float32 // contiguous copies
	xShape       []int     // shape of one example's input
	yShape       []int     // shape of one example's target (regression)
	labels       []int     // Y as ints (classes)
	features, tw int
}

// NewTensorDataset returns the dataset of examples (x[i], y[i]), copying
// both tensors' values (later changes to them do not reach the dataset).
// It returns an error, naming the first offending example, if a tensor is
// nil or has no dimensions, x and y disagree on the number of examples,
// there are none, x holds NaN or ±Inf, classes is negative, or with
// classes > 0 y is not 1-D or holds a value that is not a whole number in
// [0, classes), or with classes == 0 y holds NaN or ±Inf.
func NewTensorDataset(x, y *tensor.Tensor, classes int) (*TensorDataset, error) {
	switch {
	case x == nil || y == nil:
		return nil, fmt.Errorf("data: NewTensorDataset: x and y must not be nil")
	case x.Dim() == 0 || y.Dim() == 0:
		return nil, fmt.Errorf("data: NewTensorDataset: x of shape %v and y of shape %v: both need a first dimension, the examples", x.Shape(), y.Shape())
	case x.Size(0) != y.Size(0):
		return nil, fmt.Errorf("data: NewTensorDataset: x has %d examples (shape %v) but y has %d (shape %v): the first dimensions must agree", x.Size(0), x.Shape(), y.Size(0), y.Shape())
	case x.Size(0) == 0:
		return nil, fmt.Errorf("data: NewTensorDataset: no examples (x of shape %v)", x.Shape())
	case classes < 0:
		return nil, fmt.Errorf("data: NewTensorDataset: classes = %d (accepted: a positive class count, or 0 for regression targets)", classes)
	case classes > 0 && y.Dim() != 1:
		return nil, fmt.Errorf("data: NewTensorDataset: class targets of shape %v (accepted: [N], one class index per example)", y.Shape())
	}
	n := x.Size(0)
	d := &TensorDataset{Classes: classes, n: n, x: x.Data(), y: y.Data(), xShape: x.Shape()[1:], yShape: y.Shape()[1:]}
	d.features = len(d.x) / n
	d.tw = len(d.y) / n
	for i, v := range d.x {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return nil, fmt.Errorf("data: NewTensorDataset: example %d has feature %d = %v (accepted: finite values)", i/d.features, i%d.features, v)
		}
	}
	if classes == 0 {
		for i, v := range d.y {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return nil, fmt.Errorf("data: NewTensorDataset: example %d has target value %v (accepted: finite values)", i/max(d.tw, 1), v)
			}
		}
		return d, nil
	}
	d.labels = make([]int, n)
	for i, v := range d.y {
		if !(v >= 0 && v < float32(classes)) || v != float32(math.Trunc(float64(v))) {
			return nil, fmt.Errorf("data: NewTensorDataset: example %d has class %v (accepted: whole numbers 0 to %d)", i, v, classes-1)
		}
		d.labels[i] = int(v)
	}
	return d, nil
}

// Len returns the number of examples.
func (d *TensorDataset) Len() int { return d.n }

// Features returns the number of values of one example's input (the
// product of X's sizes after the first).
func (d *TensorDataset) Features() int { return d.features }

// InputShape returns the shape of one example's input (X's shape without
// the first dimension).
func (d *TensorDataset) InputShape() []int { return slices.Clone(d.xShape) }

// TargetShape returns the shape of one example's target: [] for a class
// index, Y's shape without the first dimension for regression targets.
func (d *TensorDataset) TargetShape() []int { return slices.Clone(d.yShape) }

func (d *TensorDataset) rows() rowSource {
	r := rowSource{x: d.x, xShape: d.xShape, features: d.features, targetWidth: 1}
	if d.Classes > 0 {
		r.labels = d.labels
		return r
	}
	r.targets, r.targetShape, r.targetWidth = d.y, d.yShape, d.tw
	return r
}

// rows presents MNIST's images as [Features] inputs with class labels.
func (d *Dataset) rows() rowSource {
	f := d.Features()
	return rowSource{x: d.Images, xShape: []int{f}, features: f, labels: d.Labels, targetWidth: 1}
}
