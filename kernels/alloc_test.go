package kernels

import "testing"

// TestNoAllocations: the kernels run in training steps; none may allocate.
func TestNoAllocations(t *testing.T) {
	a, b, d := make([]float32, 1000), make([]float32, 1000), make([]float32, 1000)
	for i := range a {
		a[i], b[i] = float32(i)+1, 0.5
	}
	calls := map[string]func(){
		"Binary":       func() { Binary(OpMul, d, a, b) },
		"BinaryScalar": func() { BinaryScalar(OpAdd, d, a, 2) },
		"BinaryRowVec": func() { BinaryRowVecAcc(OpAdd, d, a, b[:100], 10, 100) },
		"BinaryColVec": func() { BinaryColVec(OpSub, d, a, b[:10], 10, 100) },
		"Axpy":         func() { Axpy(d, 2, a) },
		"Scale":        func() { Scale(d, 2, a) },
		"Fill":         func() { Fill(d, 1) },
		"Exp":          func() { Exp(d, a) },
		"ReluBackward": func() { ReluBackward(d, b, a) },
		"Sum":          func() { _ = Sum(a) },
		"Dot":          func() { _ = Dot(a, b) },
		"Max":          func() { _ = Max(a) },
		"ArgMax":       func() { _ = ArgMax(a) },
		"RowSum":       func() { RowSum(d, a, 10, 100) },
		"RowLogSumExp": func() { RowLogSumExp(d, a, 100, 10) },
	}
	for _, l := range Levels() {
		withLevel(t, l, func(t *testing.T) {
			for name, f := range calls {
				if n := testing.AllocsPerRun(20, f); n != 0 {
					t.Errorf("%s at %s: %v allocations per call", name, l, n)
				}
			}
		})
	}
}

// checkNoAllocs runs call once (filling the free lists and pools) and
// then fails t if further calls allocate.
func checkNoAllocs(t *testing.T, call func()) {
	t.Helper()
	call()
	if n := testing.AllocsPerRun(10, call); n != 0 {
		t.Errorf("%v allocations per call", n)
	}
}
