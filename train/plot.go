package train

import (
	"fmt"
	"os"

	"github.com/vecgrad/vecgrad/train/lossplot"
)

// plotSeries is one curve: a loss log and its legend entry.
type plotSeries struct {
	label    string
	log      *LossLog
	diverged bool
}

// writePlot draws the loss logs against the samples seen into a PNG at path.
// A diverged log is drawn up to its last finite loss (lossplot marks the
// end).
func writePlot(path, title string, series []plotSeries) error {
	return writePlotOpt(path, title, series, lossplot.Options{})
}

// writePlotOpt is writePlot with drawing options.
func writePlotOpt(path, title string, series []plotSeries, opt lossplot.Options) error {
	var ss []lossplot.Series
	for _, s := range series {
		samples, loss := s.log.finite()
		ss = append(ss, lossplot.Series{Label: s.label, Samples: samples, Loss: loss, Diverged: s.diverged})
	}
	if err := lossplot.WritePNG(path, title, ss, opt); err != nil {
		return fmt.Errorf("train: plot %s: %w", path, err)
	}
	return nil
}

func mkdirAll(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("train: output directory: %w", err)
	}
	return nil
}
