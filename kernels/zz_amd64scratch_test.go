//go:build amd64 && !purego

package kernels

import (
	"math"
	"os"
	"runtime"
	"strconv"
	"sync"
	"testing"

	"github.com/vecgrad/vecgrad/asm"
	"golang.org/x/sys/cpu"
)

func TestScratchUnaryBits(t *testing.T) {
	s := os.Getenv("SCRATCH_STRIDE")
	if s == "" {
		t.Skip("SCRATCH_STRIDE not set")
	}
	stride, _ := strconv.ParseUint(s, 10, 64)
	impls := map[string]func(op int, d, x *float32, n int){"avx2": asm.UnaryAVX2}
	if cpu.X86.HasAVX512F {
		impls["avx512"] = asm.UnaryAVX512
	}
	for op := 1; op <= 5; op++ {
		if op == 3 {
			continue
		}
		var wg sync.WaitGroup
		var mu sync.Mutex
		bad := 0
		workers := runtime.GOMAXPROCS(0)
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				const batch = 1 << 16
				x, want, got := make([]float32, batch), make([]float32, batch), make([]float32, batch)
				for start := uint64(w) * batch * stride; start < 1<<32; start += uint64(workers) * batch * stride {
					k := 0
					for b := start; b < 1<<32 && k < batch; b += stride {
						x[k] = math.Float32frombits(uint32(b))
						k++
					}
					unaryGeneric(unaryOp(op), want[:k], x[:k])
					for name, f := range impls {
						f(op, &got[0], &x[0], k)
						for i := 0; i < k; i++ {
							if !(want[i] != want[i] && got[i] != got[i]) && math.Float32bits(want[i]) != math.Float32bits(got[i]) {
								mu.Lock()
								if bad < 10 {
									t.Errorf("op %d %s x=%g (%#x): got %g (%#x) want %g (%#x)", op, name, x[i], math.Float32bits(x[i]), got[i], math.Float32bits(got[i]), want[i], math.Float32bits(want[i]))
								}
								bad++
								mu.Unlock()
							}
						}
					}
				}
			}(w)
		}
		wg.Wait()
		if bad > 0 {
			t.Errorf("op %d: %d mismatches", op, bad)
		}
	}
}

func TestScratchPeak(t *testing.T) {
	if cpu.X86.HasAVX512F {
		if got := asm.FMAPeakAVX512(10); got != 10*24*16*2 {
			t.Fatal(got)
		}
	}
	if got := asm.FMAPeakAVX2(10); got != 10*12*8*2 {
		t.Fatal(got)
	}
}

func BenchmarkScratchPeak512(b *testing.B) {
	if !cpu.X86.HasAVX512F {
		b.Skip("no AVX-512")
	}
	var f int
	for i := 0; i < b.N; i++ {
		f += asm.FMAPeakAVX512(100000)
	}
	b.ReportMetric(float64(f)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}

func BenchmarkScratchPeak2(b *testing.B) {
	var f int
	for i := 0; i < b.N; i++ {
		f += asm.FMAPeakAVX2(100000)
	}
	b.ReportMetric(float64(f)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}

type scratchISA struct {
	name      string
	axpy      func(d, x, y *float32, n int, a float32)
	unary     func(op int, d, x *float32, n int)
	dot       func(a, b *float32, n int) float32
	rowSum    func(d, a *float32, rows, n int)
	rowSumExp func(d, a, s *float32, rows, n int)
	rowMax    func(d, a *float32, rows, n int)
	binRows   func(op int, d, a, v *float32, rows, n int)
	argMax    func(a *float32, n int) int
}

func scratchISAs() []scratchISA {
	l := []scratchISA{{"avx2", asm.AxpyToAVX2, asm.UnaryAVX2, asm.DotAVX2, asm.RowSumAVX2, asm.RowSumExpAVX2, asm.RowMaxAVX2, asm.BinaryRowsAVX2, asm.ArgMaxAVX2}}
	if cpu.X86.HasAVX512F {
		l = append(l, scratchISA{"avx512", asm.AxpyToAVX512, asm.UnaryAVX512, asm.DotAVX512, asm.RowSumAVX512, asm.RowSumExpAVX512, asm.RowMaxAVX512, asm.BinaryRowsAVX512, asm.ArgMaxAVX512})
	}
	return l
}

func BenchmarkScratchKernels(b *testing.B) {
	const n = 4096
	x, y, d := make([]float32, n), make([]float32, n), make([]float32, n)
	sh := make([]float32, 64)
	for i := range x {
		x[i], y[i] = float32(i%97)*0.01-0.3, float32(i%13)*0.1+0.01
	}
	for _, is := range scratchISAs() {
		run := func(name string, f func()) {
			b.Run(is.name+"/"+name, func(b *testing.B) {
				for i := 0; i < b.N; i++ {
					f()
				}
				b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds()/1e9, "Gelem/s")
			})
		}
		run("AxpyTo", func() { is.axpy(&d[0], &x[0], &y[0], n, 1.5) })
		for op, nm := range []string{"Relu", "Exp", "Log", "Sqrt", "Tanh", "Sigmoid"} {
			run("Unary"+nm, func() { is.unary(op, &d[0], &y[0], n) })
		}
		run("Dot", func() { is.dot(&x[0], &y[0], n) })
		run("RowSum64x64", func() { is.rowSum(&d[0], &x[0], 64, 64) })
		run("RowSumExp64x64", func() { is.rowSumExp(&d[0], &x[0], &sh[0], 64, 64) })
		run("RowMax64x64", func() { is.rowMax(&d[0], &x[0], 64, 64) })
		run("BinaryRowsAdd64x64", func() { is.binRows(0, &d[0], &x[0], &y[0], 64, 64) })
		run("BinaryRowsMax64x64", func() { is.binRows(6, &d[0], &x[0], &y[0], 64, 64) })
		run("BinaryRowsAdd410x10", func() { is.binRows(0, &d[0], &x[0], &y[0], 409, 10) })
		run("ArgMax", func() { is.argMax(&x[0], n) })
	}
}
