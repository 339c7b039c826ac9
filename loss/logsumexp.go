package loss

import (
	"math"

	"github.com/vecgrad/vecgrad/kernels"
)

// rowLogSumExp sets lse[r] = log(sum_c exp(x[r*C+c])) for the [R, C] block
// x, bit for bit as kernels.RowLogSumExp computes it: m + log(s) with m the
// row maximum (0 where that is infinite or NaN) and s = sum_c exp(x - m) in
// kernels.Sum's order. It keeps e = exp(x - m) and s, so that the backward
// takes softmax as e/s without an exponential of its own: one exp pass per
// element for forward and backward together.
//
// It differs from RowLogSumExp in taking the R logarithms in one call of
// the vectorized kernels.Log (bitwise the kernels' scalar log): the scalar
// logarithm per row costs several times the rest of a 10-class row. tmp
// needs R floats.
func rowLogSumExp(lse, s, e, tmp, x []float32, R, C int) {
	kernels.RowMax(lse, x, R, C)
	for r, m := range lse {
		if math.IsInf(float64(m), 0) || m != m {
			lse[r] = 0
		}
	}
	kernels.BinaryColVec(kernels.OpSub, e, x, lse, R, C)
	kernels.Exp(e, e)
	kernels.RowSum(s, e, R, C)
	kernels.Log(tmp, s)
	kernels.Binary(kernels.OpAdd, lse, lse, tmp)
}
