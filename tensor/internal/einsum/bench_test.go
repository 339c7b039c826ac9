package einsum

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/vecgrad/vecgrad/kernels"
)

// BenchmarkBatchMatmul runs bij,bjk->bik through the einsum and, in the
// same iteration, the kernels.SgemmBatch call it stands for, and reports
// both times and their ratio (einsum/sgemm; the target is at most 1.1).
func BenchmarkBatchMatmul(b *testing.B) {
	for _, s := range []struct{ batch, m, k, n int }{
		{8, 64, 128, 64},
		{1, 512, 512, 512},
		{64, 16, 16, 16},
	} {
		b.Run(fmt.Sprintf("b%d_%dx%dx%d", s.batch, s.m, s.k, s.n), func(b *testing.B) {
			rng := rand.New(rand.NewPCG(1, 1))
			x, _ := makeOperand(rng, []int{s.batch, s.m, s.k}, 0)
			y, _ := makeOperand(rng, []int{s.batch, s.k, s.n}, 0)
			p, err := Parse("bij,bjk->bik", [][]int{x.Shape, y.Shape})
			if err != nil {
				b.Fatal(err)
			}
			out := make([]float32, p.OutLen())
			ref := make([]float32, p.OutLen())
			ops := []Operand{x, y}
			p.Run(out, ops) // warm the plan's buffers
			var te, tg time.Duration
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				t0 := time.Now()
				p.Run(out, ops)
				t1 := time.Now()
				kernels.SgemmBatch(s.batch, false, false, s.m, s.n, s.k, 1, x.Data, s.k, s.m*s.k, y.Data, s.n, s.k*s.n, 0, ref, s.n, s.m*s.n)
				t2 := time.Now()
				te += t1.Sub(t0)
				tg += t2.Sub(t1)
			}
			b.ReportMetric(float64(te.Nanoseconds())/float64(b.N), "einsum-ns/op")
			b.ReportMetric(float64(tg.Nanoseconds())/float64(b.N), "sgemm-ns/op")
			b.ReportMetric(float64(te)/float64(tg), "ratio")
			flops := 2 * float64(s.batch*s.m*s.n*s.k)
			b.ReportMetric(flops/float64(te.Nanoseconds())*float64(b.N), "einsum-GFLOP/s")
		})
	}
}

// BenchmarkEinsum times a few other equations: a chain, a reduction, a
// transposed read and an elementwise product.
func BenchmarkEinsum(b *testing.B) {
	for _, c := range []struct {
		eq     string
		shapes [][]int
	}{
		{"ij,jk,kl->il", [][]int{{256, 64}, {64, 256}, {256, 32}}},
		{"bhqd,bhkd->bhqk", [][]int{{4, 4, 64, 32}, {4, 4, 64, 32}}},
		{"ij->j", [][]int{{512, 512}}},
		{"ij->i", [][]int{{512, 512}}},
		{"ij,ij->ij", [][]int{{512, 512}, {512, 512}}},
		{"ij->ji", [][]int{{512, 512}}},
		{"bi,bi->b", [][]int{{4096, 64}, {4096, 64}}},
		{"bi,bj->bij", [][]int{{1024, 16}, {1024, 16}}},
		{"bij,bj->bi", [][]int{{256, 64, 64}, {256, 64}}},
		{"i,ij->ij", [][]int{{512}, {512, 512}}},
	} {
		b.Run(c.eq, func(b *testing.B) {
			rng := rand.New(rand.NewPCG(1, 1))
			p, err := Parse(c.eq, c.shapes)
			if err != nil {
				b.Fatal(err)
			}
			ops := make([]Operand, len(c.shapes))
			for i, sh := range c.shapes {
				ops[i], _ = makeOperand(rng, sh, 0)
			}
			out := make([]float32, p.OutLen())
			b.ReportAllocs()
			for b.Loop() {
				p.Run(out, ops)
			}
		})
	}
}
