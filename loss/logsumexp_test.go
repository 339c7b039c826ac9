package loss

import (
	"math"
	"testing"

	"github.com/vecgrad/vecgrad/kernels"
	"github.com/vecgrad/vecgrad/tensor"
)

// TestRowLogSumExpMatchesKernel: the loss's log-sum-exp is bitwise
// kernels.RowLogSumExp, including the rows whose maximum is infinite or NaN.
func TestRowLogSumExpMatchesKernel(t *testing.T) {
	inf, nan := float32(math.Inf(1)), float32(math.NaN())
	for _, C := range []int{1, 3, 10, 67, 1000} {
		const R = 9
		x := tensor.Uniform(tensor.NewGenerator(uint64(C)), -30, 30, R, C).Data()
		x[1*C] = 1e4
		x[2*C] = -1e4
		for c := range C {
			x[3*C+c] = -inf
		}
		x[4*C] = inf
		x[5*C+C/2] = nan
		x[6*C] = -inf
		want := make([]float32, R)
		kernels.RowLogSumExp(want, x, R, C)
		got, s, tmp, e := make([]float32, R), make([]float32, R), make([]float32, R), make([]float32, R*C)
		rowLogSumExp(got, s, e, tmp, x, R, C)
		for r := range want {
			if math.Float32bits(got[r]) != math.Float32bits(want[r]) && !(got[r] != got[r] && want[r] != want[r]) {
				t.Errorf("C=%d row %d: %v, RowLogSumExp %v", C, r, got[r], want[r])
			}
		}
	}
}
