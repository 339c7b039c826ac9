//go:build !purego

package kernels

import "testing"

// TestFusedUpdatesNeedPrefetchW: the fused strips (whose tiles prefetch
// with PREFETCHW) are offered exactly where CPUID reports PRFCHW, and
// there the tutorial's first weight gradient takes them, so that
// TestSgemmSerialSGD and TestSgemmSerialAdam check GemmStripSGD and
// GemmStripAdam at AVX-512 and not only the blocks.
func TestFusedUpdatesNeedPrefetchW(t *testing.T) {
	if got, want := gemmWideAVX512.stripSGD != nil, hasPrefetchW(); got != want {
		t.Errorf("fused SGD strip offered: %v, PRFCHW: %v", got, want)
	}
	if got, want := gemmWideAVX512.stripAdam != nil, hasPrefetchW(); got != want {
		t.Errorf("fused Adam strip offered: %v, PRFCHW: %v", got, want)
	}
	if !hasPrefetchW() && active == levelAVX512 {
		t.Log("this AVX-512 CPU reports no PRFCHW: SgemmSerialSGD and SgemmSerialAdam run unfused")
	}
	kern, ok := blocksInOneProduct(active, true, false, 512, 784, 16, 1, 64)
	want := active == levelAVX512 && hasPrefetchW()
	for _, d := range []rowsDone{{sgd: gemmSGD{p: []float32{0}}}, {adam: gemmAdam{p: []float32{0}}}} {
		if got := ok && d.fusedBy(kern); got != want {
			t.Errorf("at %s the tutorial's first weight gradient runs fused (sgd %v): %v, want %v", ISA(), d.sgd.p != nil, got, want)
		}
	}
}
