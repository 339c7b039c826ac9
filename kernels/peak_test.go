package kernels

import "testing"

// TestDividerPeaks checks that SqrtPeak and DivPeak report the lanes they
// compute (the divider rates of `vecgrad cpu` divide by them): 8 vectors
// per iteration at the vector levels, 8 chains at generic; none for
// iters <= 0.
func TestDividerPeaks(t *testing.T) {
	lanes := map[string]int{"avx512": 16, "avx2": 8, "neon": 4, "generic": 1}
	for _, l := range append(vectorLevels(), "generic") {
		withLevel(t, l, func(t *testing.T) {
			for _, p := range []struct {
				name string
				f    func(int) int
			}{{"SqrtPeak", SqrtPeak}, {"DivPeak", DivPeak}} {
				for _, iters := range []int{-1, 0, 1, 3, 1000} {
					want := max(iters, 0) * 8 * lanes[l]
					if got := p.f(iters); got != want {
						t.Errorf("%s(%d) = %d lanes, want %d", p.name, iters, got, want)
					}
				}
			}
		})
	}
}

// TestAdamDividerWork pins the divider work AdamStep reports at each level:
// one square root, and two divisions except where divConst takes the one by
// bc2s (AVX-512; AVX2 without amsgrad).
func TestAdamDividerWork(t *testing.T) {
	divs := map[string][2]int{"avx512": {1, 1}, "avx2": {1, 2}, "neon": {2, 2}, "generic": {2, 2}}
	for _, l := range append(vectorLevels(), "generic") {
		withLevel(t, l, func(t *testing.T) {
			for i, ams := range []bool{false, true} {
				s, d := AdamDividerWork(ams)
				if s != 1 || d != divs[l][i] {
					t.Errorf("AdamDividerWork(amsgrad %v) = %d square roots, %d divisions; want 1, %d", ams, s, d, divs[l][i])
				}
			}
		})
	}
}
