package bench_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/vecgrad/vecgrad/bench"
	"github.com/vecgrad/vecgrad/kernels"
)

// BenchmarkSgemm runs kernels.Sgemm on every shape of bench.GemmShapes at
// every level and at one and all threads (GOMAXPROCS, so -cpu 1,2 varies
// it): BenchmarkSgemm/<shape>/<level>/t<threads>. The generic level is run
// only up to 512 (a pure-Go 2048³ product takes seconds). Operands are
// prepared once per shape; the GFLOP/s metric counts 2*M*N*K per call.
func BenchmarkSgemm(b *testing.B) {
	for _, s := range bench.GemmShapes {
		b.Run(s.ID(), func(b *testing.B) {
			o := bench.NewGemmOperands(s)
			for _, level := range kernels.Levels() {
				if level == "generic" && s.MaxDim() > 512 {
					continue
				}
				for _, t := range benchThreads() {
					b.Run(fmt.Sprintf("%s/t%d", level, t), func(b *testing.B) {
						setISA(b, level)
						setThreads(b, t)
						for b.Loop() {
							o.Vecgrad()
						}
						reportGFLOPS(b, s)
					})
				}
			}
		})
	}
}

// BenchmarkGonumGemm runs gonum's pure-Go blas32.Gemm on the same shapes:
// BenchmarkGonumGemm/<shape>. Gonum splits large products over GOMAXPROCS
// goroutines: -cpu 1 gives its one-thread figure.
func BenchmarkGonumGemm(b *testing.B) {
	for _, s := range bench.GemmShapes {
		b.Run(s.ID(), func(b *testing.B) {
			o := bench.NewGemmOperands(s)
			for b.Loop() {
				o.Gonum()
			}
			reportGFLOPS(b, s)
		})
	}
}

func reportGFLOPS(b *testing.B, s bench.GemmShape) {
	b.ReportMetric(s.Flops()*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}

// benchThreads is 1 and GOMAXPROCS.
func benchThreads() []int {
	if all := bench.AllCores(); all > 1 {
		return []int{1, all}
	}
	return []int{1}
}

// setThreads sets the kernels' worker count for the rest of the (sub)test or
// benchmark.
func setThreads(tb testing.TB, n int) {
	prev := kernels.Threads()
	kernels.SetThreads(n)
	tb.Cleanup(func() { kernels.SetThreads(prev) })
}

// TestGemmShapes checks the shape table: unique IDs, the backward products
// derived from each forward one, and the -shapes syntax.
func TestGemmShapes(t *testing.T) {
	ids := map[string]bool{}
	var square, train int
	for i, s := range bench.GemmShapes {
		if ids[s.ID()] {
			t.Errorf("shape %s listed twice", s.ID())
		}
		ids[s.ID()] = true
		switch s.Group {
		case "square":
			square++
		case "train":
			train++
			if !s.TransB {
				continue
			}
			// Y = X·Wᵀ (batch x in x out, NT): dX = dY·W (batch x out x in),
			// dW = dYᵀ·X (out x batch x in, TN).
			dX, dW := bench.GemmShapes[i+1], bench.GemmShapes[i+2]
			if want := fmt.Sprintf("%dx%dx%d", s.M, s.N, s.K); dX.ID() != want {
				t.Errorf("dX of %s is %s, want %s", s.ID(), dX.ID(), want)
			}
			if want := fmt.Sprintf("%dx%dx%d_TN", s.N, s.M, s.K); dW.ID() != want {
				t.Errorf("dW of %s is %s, want %s", s.ID(), dW.ID(), want)
			}
		default:
			t.Errorf("shape %s: group %q", s.ID(), s.Group)
		}
	}
	if square != 6 || train != 15 {
		t.Errorf("%d square and %d train shapes, want 6 and 15", square, train)
	}
	for list, want := range map[string][]string{
		"square":                   {"64x64x64", "128x128x128", "256x256x256", "512x512x512", "1024x1024x1024", "2048x2048x2048"},
		"64x512x784_nt, 3x5x7_TT":  {"64x512x784_NT", "3x5x7_TT"},
		"512x512x512,square,5x6x7": {"512x512x512", "64x64x64", "128x128x128", "256x256x256", "1024x1024x1024", "2048x2048x2048", "5x6x7"},
	} {
		got, err := bench.ParseGemmShapes(list)
		var gotIDs []string
		for _, s := range got {
			gotIDs = append(gotIDs, s.ID())
		}
		if err != nil || !slices.Equal(gotIDs, want) {
			t.Errorf("ParseGemmShapes(%q) = %v, %v; want %v", list, gotIDs, err, want)
		}
	}
	if all, _ := bench.ParseGemmShapes("all"); len(all) != len(bench.GemmShapes) {
		t.Errorf("all: %d shapes, want %d", len(all), len(bench.GemmShapes))
	}
	if s, _ := bench.ParseGemmShapes("512x64x784_TN"); len(s) != 1 || s[0].Role != "fc1 dW b64" {
		t.Errorf("512x64x784_TN: got %+v, want the table's fc1 dW b64", s)
	}
	for _, bad := range []string{"", "64x64", "64x64x0", "axbxc", "64x64x64_XN", "squares"} {
		if _, err := bench.ParseGemmShapes(bad); err == nil {
			t.Errorf("ParseGemmShapes(%q): no error", bad)
		}
	}
}

// TestGemmSmoke measures small odd shapes at every level, one and two
// threads, and gonum: every result is checked before it is timed.
func TestGemmSmoke(t *testing.T) {
	shapes, err := bench.ParseGemmShapes("17x33x9,9x17x33_NT,33x9x17_TN,5x7x3_TT")
	if err != nil {
		t.Fatal(err)
	}
	var impls []bench.GemmImpl
	for _, level := range kernels.Levels() {
		impls = append(impls, bench.GemmImpl{Level: level, Threads: 1})
		if bench.AllCores() > 1 {
			impls = append(impls, bench.GemmImpl{Level: level, Threads: 2})
		}
	}
	impls = append(impls, bench.GemmImpl{Gonum: true, Threads: 1})
	for _, s := range shapes {
		g, err := bench.GemmGFLOPS(bench.NewGemmOperands(s), impls, tiny)
		if err != nil {
			t.Errorf("%s: %v", s.ID(), err)
			continue
		}
		for i, v := range g {
			if !(v > 0) {
				t.Errorf("%s %v: %v GFLOP/s", s.ID(), impls[i], v)
			}
		}
	}
	o := bench.NewGemmOperands(shapes[0])
	if _, err := bench.GemmGFLOPS(o, []bench.GemmImpl{{Level: "nosuch", Threads: 1}}, tiny); err == nil {
		t.Error("level nosuch: no error")
	}
	if _, err := bench.GemmGFLOPS(o, []bench.GemmImpl{{Gonum: true, Threads: bench.AllCores() + 1}}, tiny); err == nil {
		t.Error("threads > GOMAXPROCS: no error")
	}
	// A wrong product must be caught.
	o.Gonum()
	o.C[len(o.C)-1] += 1
	if err := o.Check(); err == nil {
		t.Error("Check: a corrupted C passed")
	}
}
