//go:build !purego

package kernels

import "testing"

// TestFusedSGDNeedsPrefetchW: the fused strip (whose tiles prefetch with
// PREFETCHW) is offered exactly where CPUID reports PRFCHW.
func TestFusedSGDNeedsPrefetchW(t *testing.T) {
	if got, want := gemmWideAVX512.stripSGD != nil, hasPrefetchW(); got != want {
		t.Errorf("fused SGD strip offered: %v, PRFCHW: %v", got, want)
	}
	if !hasPrefetchW() && active == levelAVX512 {
		t.Log("this AVX-512 CPU reports no PRFCHW: SgemmSerialSGD runs unfused")
	}
}
