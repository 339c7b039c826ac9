// Command scaling predicts the step time and efficiency of data-parallel
// training of vecgrad's MLPs on 2 to 64 machines with the alpha-beta model
// of a ring all-reduce, and draws docs/distributed-scaling.png; its table
// is docs/distributed.md's. The inputs are measured figures (the flags'
// defaults are this repository's, from vecgrad bench train and vecgrad
// bench allreduce, named in the doc): one machine's step time at each
// batch size per machine, the gradient bytes, and the network's latency.
//
//	go run ./tools/scaling [-out docs/distributed-scaling.png]
package main

import (
	"flag"
	"fmt"
	"image/color"
	"log"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/vecgrad/vecgrad/train/dist"
)

// model is an MLP's gradient size and one machine's measured step time per
// batch size (2 threads, AMD EPYC Zen 5, vecgrad bench train, 2026-12-07).
type model struct {
	name      string
	gradBytes float64
	stepSecs  map[int]float64
}

var models = []model{
	{"tutorial 784-512-512-10", 4 * 669706, map[int]float64{16: 0.198e-3, 64: 0.589e-3, 256: 2.138e-3}},
	{"wide 784-2048-2048-10", 4 * 5824522, map[int]float64{16: 4.113e-3, 64: 7.388e-3, 256: 22.81e-3}},
}

var (
	batches   = []int{16, 64, 256}
	machines  = []int{2, 4, 8, 16, 32, 64}
	linksGbps = []float64{10, 25, 100}
)

func main() {
	out := flag.String("out", "docs/distributed-scaling.png", "the plot")
	alpha := flag.Float64("alpha", 25e-6, "the network's latency per ring step, seconds")
	flag.Parse()
	// Efficiency = compute / (compute + all-reduce): the all-reduce after
	// the backward pass, not overlapped (the bound with overlap is
	// compute / max(compute, all-reduce)).
	p := plot.New()
	p.Title.Text = "predicted data-parallel efficiency, batch 256 per machine (ring all-reduce after the backward pass)"
	p.X.Label.Text = "machines"
	p.Y.Label.Text = "efficiency (compute / step)"
	p.X.Scale = plot.LogScale{}
	var ticks []plot.Tick
	for _, n := range machines {
		ticks = append(ticks, plot.Tick{Value: float64(n), Label: fmt.Sprint(n)})
	}
	p.X.Tick.Marker = plot.ConstantTicks(ticks)
	p.Y.Min, p.Y.Max = 0, 1
	p.Legend.Top, p.Legend.Left = false, true
	p.Legend.XOffs, p.Legend.YOffs = vg.Points(10), vg.Points(10)
	colors := []color.Color{color.RGBA{0, 90, 180, 255}, color.RGBA{220, 120, 0, 255}, color.RGBA{0, 150, 60, 255}}
	fmt.Println("| model | batch per machine | link | 2 | 4 | 8 | 16 | 32 | 64 | all-reduce at 64, ms | compute, ms |")
	fmt.Println("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|")
	for mi, m := range models {
		for _, b := range batches {
			for li, gbps := range linksGbps {
				bw := gbps * 1e9 / 8
				var pts plotter.XYs
				row := fmt.Sprintf("| %s | %d | %g Gb/s |", m.name, b, gbps)
				var comm float64
				for _, n := range machines {
					comm = dist.RingAllReduceSeconds(m.gradBytes, n, *alpha, bw)
					eff := m.stepSecs[b] / (m.stepSecs[b] + comm)
					row += fmt.Sprintf(" %.0f%% |", 100*eff)
					pts = append(pts, plotter.XY{X: float64(n), Y: eff})
				}
				fmt.Printf("%s %.2f | %.2f |\n", row, 1e3*comm, 1e3*m.stepSecs[b])
				if b != 256 {
					continue
				}
				l, err := plotter.NewLine(pts)
				if err != nil {
					log.Fatal(err)
				}
				l.Color = colors[li]
				if mi == 1 {
					l.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
				}
				p.Add(l)
				p.Legend.Add(fmt.Sprintf("%s, %g Gb/s", m.name, gbps), l)
			}
		}
	}
	if err := p.Save(7*vg.Inch, 4.5*vg.Inch, *out); err != nil {
		log.Fatal(err)
	}
}
