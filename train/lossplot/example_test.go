package lossplot_test

import (
	"fmt"
	"image/png"
	"log"
	"math"
	"os"
	"path/filepath"

	"github.com/vecgrad/vecgrad/train/lossplot"
)

// Two runs of the tutorial's batch-size experiment and one that diverged,
// on one plot.
func ExampleWritePNG() {
	dir, err := os.MkdirTemp("", "lossplot")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	var series []lossplot.Series
	for _, bs := range []int{16, 64} {
		s := lossplot.Series{Label: lossplot.BatchLabel(bs)}
		for i := 1; i <= 30; i++ { // the loss every 100 batches
			s.Samples = append(s.Samples, float64(i*100*bs))
			s.Loss = append(s.Loss, 0.4+1.9*math.Exp(-float64(i*bs)/400))
		}
		series = append(series, s)
	}
	series = append(series, lossplot.Series{
		Label:    lossplot.LRLabel(10),
		Samples:  []float64{1600, 3200, 4800},
		Loss:     []float64{2.3, 40, math.NaN()},
		Diverged: true,
	})

	path := filepath.Join(dir, "loss.png")
	title := lossplot.Title("SGD", 0.001, 0.5, 16)
	if err := lossplot.WritePNG(path, title, series, lossplot.Options{LogY: true}); err != nil {
		log.Fatal(err)
	}

	f, err := os.Open(path)
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	cfg, err := png.DecodeConfig(f)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s: %dx%d PNG\n", title, cfg.Width, cfg.Height)
	// Output:
	// Optimizer-SGD lr-0.001 mt-0.5 bs-16: 768x480 PNG
}
