package loss

import (
	"math"

	"github.com/vecgrad/vecgrad/tensor"
)

// DefaultIgnoreIndex is torch's default ignore_index: the target value that
// NLL and CrossEntropy skip unless the options set another one.
const DefaultIgnoreIndex = -100

// classInput is an NLL or CrossEntropy input arranged as rows of classes:
// x is a contiguous tensor whose storage is the [rows, c] block, one row per
// sample (and per position of a K-dimensional input), and out is the shape
// of the per-sample result (the input's shape without the class dimension).
type classInput struct {
	x       *tensor.Tensor
	rows, c int
	out     [tensor.MaxDims]int
	nout    int
}

func (ci *classInput) outShape() []int { return ci.out[:ci.nout] }

// classRows arranges input ([C], [N, C] or [N, C, d1, ...]; the class
// dimension is 1, or 0 when unbatched) as rows of classes. A K-dimensional
// input has its class dimension at stride d1*d2*...; it is moved last by a
// recorded Permute and Contiguous, a transposed copy, so that every loss
// reads and writes contiguous rows, and autograd carries the gradient back
// through the copy. A non-contiguous [N, C] input is copied likewise.
func classRows(op, what string, input *tensor.Tensor) (classInput, error) {
	var ci classInput
	nd := input.Dim()
	switch nd {
	case 0:
		return ci, errorf(op, "%s of shape [] has no class dimension (accepted: [C], [N, C] or [N, C, d1, ...])", what)
	case 1:
		ci.c, ci.rows = input.Size(0), 1
		ci.x = input.Contiguous().Reshape(1, ci.c)
	case 2:
		ci.rows, ci.c = input.Size(0), input.Size(1)
		ci.out[0], ci.nout = ci.rows, 1
		ci.x = input.Contiguous()
	default:
		var perm [tensor.MaxDims]int
		ci.c, ci.rows = input.Size(1), input.Size(0)
		ci.out[0] = ci.rows
		for i := 2; i < nd; i++ {
			perm[i-1] = i
			ci.out[i-1] = input.Size(i)
			ci.rows *= input.Size(i)
		}
		perm[nd-1] = 1
		ci.nout = nd - 1
		ci.x = input.Permute(perm[:nd]...).Contiguous()
	}
	if ci.c == 0 {
		return ci, errorf(op, "%s of shape %v has 0 classes (dimension %d)", what, input.Shape(), min(nd-1, 1))
	}
	return ci, nil
}

// sameShape reports whether a and b have the same shape (without the
// allocation of Shape).
func sameShape(a, b *tensor.Tensor) bool {
	if a.Dim() != b.Dim() {
		return false
	}
	for i := 0; i < a.Dim(); i++ {
		if a.Size(i) != b.Size(i) {
			return false
		}
	}
	return true
}

// hasShape reports whether t has the shape s.
func hasShape(t *tensor.Tensor, s []int) bool {
	if t.Dim() != len(s) {
		return false
	}
	for i, d := range s {
		if t.Size(i) != d {
			return false
		}
	}
	return true
}

// classWeight checks the per-class weight (nil, or a tensor of shape [C])
// and returns its values.
func classWeight(op string, w *tensor.Tensor, c int) ([]float32, error) {
	if w == nil {
		return nil, nil
	}
	if w.Dim() != 1 || w.Size(0) != c {
		return nil, errorf(op, "weight of shape %v does not fit %d classes (want shape [%d], one weight per class)", w.Shape(), c, c)
	}
	return w.Contiguous().Storage(), nil
}

// checkIndices verifies that every target value tg (of the tensor target)
// is an integer class index in [0, c) or the ignore index.
func checkIndices(op string, tg []float32, target *tensor.Tensor, c, ignore int) error {
	for r, v := range tg {
		k := int(v)
		if float32(k) == v && (k == ignore || k >= 0 && k < c) {
			continue
		}
		what := "is not a class index"
		if v != float32(math.Trunc(float64(v))) {
			what = "is not an integer class index"
		}
		return errorf(op, "target%s = %v %s in [0, %d) or the ignore index %d", indexStr(r, target.Shape()), v, what, c, ignore)
	}
	return nil
}

// fillIndices writes, for each row, the target class into y (-1 where the
// target is the ignore index) and its weight into wy (1 without weights, 0
// where ignored), and returns the sum of wy in float64: the denominator of
// the Mean reduction, torch's total_weight. The targets were checked.
func fillIndices(tg []float32, ignore int, weight, y, wy []float32) float64 {
	d := 0.0
	for r, v := range tg {
		k := int(v)
		if k == ignore {
			y[r], wy[r] = -1, 0
			continue
		}
		w := float32(1)
		if weight != nil {
			w = weight[k]
		}
		y[r], wy[r] = float32(k), w
		d += float64(w)
	}
	return d
}
