package einsum

import (
	"cmp"
	"slices"
)

// view is a value of the schedule: an operand or an intermediate, as
// labels with one stride each. Element (label values v_l) is at
// data[sum v_l*strides[l]].
type view struct {
	data    []float32
	labels  []int
	strides []int
}

// strideOf is the stride of label l; 0 when v does not vary along l.
func (v *view) strideOf(l int) int {
	for t, x := range v.labels {
		if x == l {
			return v.strides[t]
		}
	}
	return 0
}

// contiguousView lays labels out row-major, in order, over data.
func (ws *workspace) contiguousView(data []float32, labels, size []int) view {
	v := view{data: data, labels: labels, strides: ws.ints.get(len(labels))}
	n := 1
	for t := len(labels) - 1; t >= 0; t-- {
		v.strides[t] = n
		n *= size[labels[t]]
	}
	return v
}

// order returns the labels of group sorted as they lie in v's memory:
// by decreasing stride, ties by label id.
func (ws *workspace) order(group []int, v *view) []int {
	o := ws.ints.get(len(group))
	copy(o, group)
	slices.SortStableFunc(o, func(a, b int) int {
		if c := cmp.Compare(v.strideOf(b), v.strideOf(a)); c != 0 {
			return c
		}
		return cmp.Compare(a, b)
	})
	return o
}

// flatten returns the one stride with which the labels of ord, outer to
// inner, step through v as a single index, or false when they do not (the
// stride of a label must be the next one's stride times its size). Labels
// of size 1 do not count; a group of size 1 flattens with stride 0.
func flatten(v *view, ord, size []int) (int, bool) {
	stride, next := 0, -1
	for t := len(ord) - 1; t >= 0; t-- {
		l := ord[t]
		if size[l] == 1 {
			continue
		}
		s := v.strideOf(l)
		if next >= 0 && s != next {
			return 0, false
		}
		if next < 0 {
			stride = s
		}
		next = s * size[l]
	}
	return stride, true
}

func numel(labels, size []int) int {
	n := 1
	for _, l := range labels {
		n *= size[l]
	}
	return n
}

// asMatrix views v as the rows x cols matrix with row index over the
// labels r and column index over c (each outer to inner), in a form Sgemm
// reads: row-major with unit column stride, or (trans) its transpose
// stored row-major. ld is the stored row stride.
func asMatrix(v *view, r, c, size []int) (trans bool, ld int, ok bool) {
	R, C := numel(r, size), numel(c, size)
	sr, ok1 := flatten(v, r, size)
	sc, ok2 := flatten(v, c, size)
	if !ok1 || !ok2 {
		return false, 0, false
	}
	if C == 1 || sc == 1 {
		ld := sr
		if R == 1 { // one row: any ld >= C reads the same elements
			ld = max(C, 1)
		}
		if ld >= max(C, 1) {
			return false, ld, true
		}
	}
	if R == 1 || sr == 1 {
		ld := sc
		if C == 1 {
			ld = max(R, 1)
		}
		if ld >= max(R, 1) {
			return true, ld, true
		}
	}
	return false, 0, false
}

// innermost is the label of size > 1 with the smallest stride in v, or -1.
func innermost(v *view, size []int) int {
	best, bs := -1, 0
	for t, l := range v.labels {
		if size[l] > 1 && (best < 0 || v.strides[t] < bs) {
			best, bs = l, v.strides[t]
		}
	}
	return best
}
