package loss

import (
	"fmt"
	"testing"

	"github.com/vecgrad/vecgrad/tensor"
)

// BenchmarkCrossEntropy is the target: CrossEntropy forward and
// backward on [N, C] logits in an arena (steady state: no allocation),
// reported per row of logits.
func BenchmarkCrossEntropy(b *testing.B) {
	for _, c := range []int{10, 1000} {
		for _, name := range []string{"plain", "smoothing+weight"} {
			b.Run(fmt.Sprintf("256x%d/%s", c, name), func(b *testing.B) {
				const n = 256
				g := tensor.NewGenerator(1)
				x := tensor.Randn(g, n, c).Data()
				y := make([]float32, n)
				for i := range y {
					y[i] = float32(g.Uint32() % uint32(c))
				}
				opt := CrossEntropyOptions{}
				if name != "plain" {
					opt.LabelSmoothing = 0.1
					opt.Weight = tensor.Uniform(g, 0.5, 1.5, c)
				}
				ar := tensor.NewArena()
				logits := tensor.New(x, n, c).SetRequiresGrad(true)
				step := func() {
					ar.Reset()
					logits.ZeroGrad()
					l, err := CrossEntropy(logits, ar.New(y, n), opt)
					if err != nil {
						b.Fatal(err)
					}
					l.Backward()
				}
				step()
				b.ReportAllocs()
				b.ResetTimer()
				for b.Loop() {
					step()
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/row")
			})
		}
	}
}
