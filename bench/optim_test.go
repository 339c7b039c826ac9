package bench_test

import (
	"fmt"
	"testing"

	"github.com/vecgrad/vecgrad/bench"
	"github.com/vecgrad/vecgrad/kernels"
)

// BenchmarkOptim runs every fused optimizer step of bench.OptimKernels for
// every parameter count of bench.OptimSizes at every instruction-set level:
// BenchmarkOptim/<step>/<n>/<level>. b.SetBytes counts the bytes read plus
// written per step, so the MB/s column compares with the triad roofs of
// `vecgrad cpu` (`vecgrad bench optim` prints the ratio).
func BenchmarkOptim(b *testing.B) {
	var arena bench.OptimArena
	for i := range bench.OptimKernels {
		k := &bench.OptimKernels[i]
		b.Run(k.Name, func(b *testing.B) {
			for _, n := range bench.OptimSizes {
				b.Run(fmt.Sprint(n), func(b *testing.B) {
					buf := arena.Prepare(k, n)
					for _, level := range kernels.Levels() {
						b.Run(level, func(b *testing.B) {
							setISA(b, level)
							b.SetBytes(int64(k.BytesPerParam * n))
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

func TestMeasureOptim(t *testing.T) {
	ks, err := bench.FindOptimKernels("adam,SGD+momentum")
	if err != nil || len(ks) != 2 || ks[0].Name != "SGD+momentum" || ks[1].Name != "Adam" {
		t.Fatalf("FindOptimKernels: %v, %v", ks, err)
	}
	if _, err := bench.FindOptimKernels("Adagrad"); err == nil {
		t.Error("FindOptimKernels(Adagrad): no error")
	}
	sizes, err := bench.ParseOptimSizes("1e3, 2048")
	if err != nil || len(sizes) != 2 || sizes[0] != 1000 || sizes[1] != 2048 {
		t.Fatalf("ParseOptimSizes: %v, %v", sizes, err)
	}
	for _, bad := range []string{"0", "1.5", "x", "1e10"} {
		if _, err := bench.ParseOptimSizes(bad); err == nil {
			t.Errorf("ParseOptimSizes(%q): no error", bad)
		}
	}
	levels := kernels.Levels()
	threads := []int{1, 2}
	res := bench.MeasureOptim(ks, levels, threads, []int{1000, 40000}, tiny)
	if len(res) != 2*2*len(threads)*len(levels) {
		t.Fatalf("%d results, want %d", len(res), 2*2*len(threads)*len(levels))
	}
	for i, r := range res {
		if !(r.GBs > 0) || !(r.RoofGBs > 0) || !(r.Speedup > 0) || r.WorkingSet <= 0 {
			t.Errorf("%+v: want positive figures", r)
		}
		if want := threads[i%len(threads)]; r.Threads != want {
			t.Errorf("result %d: %d threads, want %d", i, r.Threads, want)
		}
		// Adam has a divider bound, SGD none.
		if adam := r.Kernel == "Adam"; adam != (r.BoundGBs > 0) || adam != (r.BoundPct() > 0) {
			t.Errorf("%+v: divider bound %v GB/s (%v%%), want one for Adam only", r, r.BoundGBs, r.BoundPct())
		}
	}
}
