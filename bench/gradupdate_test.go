package bench_test

import (
	"fmt"
	"testing"

	"github.com/vecgrad/vecgrad/kernels"
)

// BenchmarkGradUpdate times what the training step does for one member's
// rows of a layer: the weight gradient dW = gᵀ·x and SGD with momentum
// applied with it, three ways: fused into the product
// (kernels.SgemmSerialSGD), or block by block (kernels.SgemmSerialBlocks,
// 256 KiB blocks) with the update on each block, the weights and momentum
// prefetched while the block is computed or not:
// BenchmarkGradUpdate/<out>x<in>x<batch>/<how>. The weights and momenta
// of two such layers alternate, so that those of the wide MLP's 2048x2048
// layer (16 MB each) come from DRAM, as in the step, and the tutorial's
// 512x784 from L3. The fused path wins from L3 and loses from DRAM, and
// the prefetch is worth the update's DRAM traffic at batch 256 (the team
// step chooses by the model's size: train's fuseSGD; the figures are in
// docs/parallel-step.md).
func BenchmarkGradUpdate(b *testing.B) {
	for _, sh := range []struct{ out, in, batch int }{{2048, 2048, 256}, {512, 784, 16}} {
		g := make([]float32, sh.batch*sh.out)
		x := make([]float32, sh.batch*sh.in)
		for i := range g {
			g[i] = float32(i%7) * 1e-3
		}
		for i := range x {
			x[i] = float32(i%5) * 1e-3
		}
		var w, mom [2][]float32
		for c := range w {
			w[c], mom[c] = make([]float32, sh.out*sh.in), make([]float32, sh.out*sh.in)
			for i := range w[c] { // touched, so that no page is first mapped while timed
				w[c][i], mom[c][i] = 0.5, 0.25
			}
		}
		rows := max(1, (256<<10)/(4*sh.in))
		scratch := make([]float32, rows*sh.in)
		h := kernels.SGDParams{LR: 1e-3, Momentum: 0.5}
		for _, how := range []string{"fused", "prefetch", "none"} {
			b.Run(fmt.Sprintf("%dx%dx%d/%s", sh.out, sh.in, sh.batch, how), func(b *testing.B) {
				var p, buf []float32
				update := func(lo, hi int, c []float32) {
					kernels.SGDStepSerial(p[lo*sh.in:hi*sh.in], c[:(hi-lo)*sh.in], buf[lo*sh.in:hi*sh.in], h)
				}
				var prefetch [][]float32
				i := 0
				for b.Loop() {
					p, buf = w[i%2], mom[i%2]
					i++
					if how == "fused" {
						kernels.SgemmSerialSGD(true, false, sh.out, sh.in, sh.batch, g, sh.out, x, sh.in, p, buf, sh.in, h, scratch, rows)
						continue
					}
					if how == "prefetch" {
						prefetch = [][]float32{p, buf}
					}
					kernels.SgemmSerialBlocks(true, false, sh.out, sh.in, sh.batch, 1, g, sh.out, x, sh.in, scratch, sh.in, rows, prefetch, update)
				}
				b.ReportMetric(2*float64(sh.out*sh.in*sh.batch)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}
