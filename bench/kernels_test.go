package bench_test

import (
	"fmt"
	"testing"

	"github.com/vecgrad/vecgrad/bench"
	"github.com/vecgrad/vecgrad/kernels"
)

// benchClasses are the size classes the Go benchmarks run (L3 is left to
// `vecgrad bench kernels -sizes`).
var benchClasses = []bench.Class{bench.L1, bench.L2, bench.DRAM}

// BenchmarkKernels runs every kernel of bench.Kernels at every size class and
// instruction-set level: BenchmarkKernels/<kernel>/<class>_<n>/<level>. The
// operands are prepared once per kernel and size, outside the timed loop;
// b.SetBytes counts the bytes read plus written per call, so the MB/s column
// compares with the triad roofs of `vecgrad cpu`.
func BenchmarkKernels(b *testing.B) {
	var arena bench.Arena
	caches := bench.DetectCaches()
	for i := range bench.Kernels {
		k := &bench.Kernels[i]
		b.Run(k.Name, func(b *testing.B) {
			for _, cl := range benchClasses {
				n := k.Len(caches.WorkingSet(cl))
				b.Run(fmt.Sprintf("%s_%d", cl, n), func(b *testing.B) {
					buf := arena.Prepare(k, n)
					for _, level := range kernels.Levels() {
						b.Run(level, func(b *testing.B) {
							setISA(b, level)
							b.SetBytes(int64(k.BytesPerElem() * n))
							b.ReportAllocs()
							for b.Loop() {
								k.Run(buf)
							}
						})
					}
				})
			}
		})
	}
}

// setISA switches the kernels to level for the rest of the (sub)test or
// benchmark and restores the previous level at its end.
func setISA(tb testing.TB, level string) {
	tb.Helper()
	prev := kernels.ISA()
	if err := kernels.SetISA(level); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = kernels.SetISA(prev) })
}
