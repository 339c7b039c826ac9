package train

import (
	"fmt"
	"os"

	"github.com/vecgrad/vecgrad/train/lossplot"
)

// plotSeries is one curve: a loss log and its legend entry, and optionally
// its moving average and the test loss of each epoch.
type plotSeries struct {
	label    string
	log      *LossLog
	diverged bool
	smooth   int           // window of the moving average; 0: none
	epochs   []EpochResult // test losses to draw; nil: none
	perEpoch int64         // training samples per epoch, to place epochs' test losses
	val      bool          // the epochs' validation losses too (a run with a validation split)
}

// runSeries is the curve of a run's loss.png: the loss log with its moving
// average, and the test loss (and, with a validation split, the validation
// loss) after each completed epoch.
func runSeries(res *Result) plotSeries {
	return plotSeries{label: res.Config.Title(), log: &res.Log, diverged: res.Diverged != nil,
		smooth: smoothWindow(res.Log.Len()), epochs: res.Epochs, perEpoch: res.epochSamples,
		val: res.Config.ValSplit > 0}
}

// smoothWindow is the moving average's window for n logged points: a tenth
// of them (at least 5), which follows the trend of a run of any length while
// averaging away most of the batch-to-batch noise; none below 10 points,
// where the raw curve is as readable.
func smoothWindow(n int) int {
	if n < 10 {
		return 0
	}
	return max(n/10, 5)
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
		ss = append(ss, s.lossplot())
	}
	if err := lossplot.WritePNG(path, title, ss, opt); err != nil {
		return fmt.Errorf("train: plot %s: %w", path, err)
	}
	return nil
}

// lossplot converts s for drawing: the finite part of its log, its test
// losses at the samples seen after each epoch.
func (s plotSeries) lossplot() lossplot.Series {
	samples, loss := s.log.finite()
	ls := lossplot.Series{Label: s.label, Samples: samples, Loss: loss, Diverged: s.diverged, Smooth: s.smooth}
	for _, e := range s.epochs {
		at := float64(int64(e.Epoch) * s.perEpoch)
		ls.TestSamples = append(ls.TestSamples, at)
		ls.TestLoss = append(ls.TestLoss, e.AvgLoss)
		if s.val {
			ls.ValSamples = append(ls.ValSamples, at)
			ls.ValLoss = append(ls.ValLoss, e.ValLoss)
		}
	}
	return ls
}

func mkdirAll(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("train: output directory: %w", err)
	}
	return nil
}
