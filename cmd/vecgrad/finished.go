package main

import (
	"fmt"
	"io"
	"path/filepath"

	"github.com/vecgrad/vecgrad/train"
)

// reportFinished reports whether res is a resumed run that had already done
// all its epochs, and if so says so on stdout with the last test result,
// instead of a throughput over no training ("0 samples/s"). Nothing is
// written, -summary-json included: a finished run has no throughput to
// report.
func reportFinished(stdout io.Writer, res *train.Result, out string, summary string) bool {
	if res.ResumedEpochs < res.Config.Epochs || len(res.Epochs) == 0 {
		return false
	}
	last := res.Epochs[len(res.Epochs)-1]
	fmt.Fprintf(stdout, "The run in %s is finished: %d of %d epochs done (test accuracy %.1f%%, avg loss %f); nothing to train (give -epochs above %d to train further)\n",
		filepath.Join(out, train.CheckpointFile), len(res.Epochs), res.Config.Epochs, 100*last.Accuracy, last.AvgLoss, res.Config.Epochs)
	if summary != "" {
		fmt.Fprintf(stdout, "-summary-json %s: not written (no training in this run)\n", summary)
	}
	return true
}
