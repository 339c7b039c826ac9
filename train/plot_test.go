package train

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// TestRunPlotSeries checks what a run's loss.png is drawn from: the whole
// loss log, its moving average, and the test loss of each epoch at the
// samples seen after it.
func TestRunPlotSeries(t *testing.T) {
	dir := t.TempDir()
	sets := synthetic(t, dir, 96, 40)
	cfg := tinyConfig()
	cfg.BatchSize = 8
	out := filepath.Join(dir, "out")
	res, err := Run(context.Background(), cfg, sets, Options{OutDir: out, LogEvery: 1})
	if err != nil {
		t.Fatal(err)
	}
	ls := runSeries(res).lossplot()
	// 96 samples in batches of 8, every batch logged, 2 epochs: 24 points,
	// smoothed over a tenth of them, at least 5.
	if len(ls.Samples) != 24 || ls.Samples[23] != 192 || ls.Smooth != 5 {
		t.Errorf("%d points up to %v samples, smoothing %d; want 24 up to 192, 5", len(ls.Samples), ls.Samples[len(ls.Samples)-1], ls.Smooth)
	}
	if len(ls.TestSamples) != 2 || ls.TestSamples[0] != 96 || ls.TestSamples[1] != 192 ||
		ls.TestLoss[0] != res.Epochs[0].AvgLoss || ls.TestLoss[1] != res.Epochs[1].AvgLoss {
		t.Errorf("test points %v %v, want at 96 and 192 the epochs' losses %+v", ls.TestSamples, ls.TestLoss, res.Epochs)
	}
	if _, err := os.Stat(filepath.Join(out, PlotFile)); err != nil {
		t.Error(err)
	}
	if len(ls.ValSamples) != 0 {
		t.Errorf("validation points %v without a validation split", ls.ValSamples)
	}
	// With a validation split, the epochs' validation losses at the same
	// sample counts.
	cfg.ValSplit = 0.25
	val, err := Run(context.Background(), cfg, sets, Options{OutDir: filepath.Join(dir, "val"), LogEvery: 1})
	if err != nil {
		t.Fatal(err)
	}
	vs := runSeries(val).lossplot()
	if len(vs.ValSamples) != 2 || vs.ValSamples[1] != vs.TestSamples[1] || vs.ValLoss[0] != val.Epochs[0].ValLoss || vs.ValLoss[1] != val.Epochs[1].ValLoss || val.Epochs[1].ValLoss == 0 {
		t.Errorf("validation points %v %v, want the epochs' validation losses %+v", vs.ValSamples, vs.ValLoss, val.Epochs)
	}
	for n, want := range map[int]int{0: 0, 9: 0, 10: 5, 49: 5, 50: 5, 51: 5, 60: 6, 1000: 100} {
		if got := smoothWindow(n); got != want {
			t.Errorf("smoothWindow(%d) = %d, want %d", n, got, want)
		}
	}
}
