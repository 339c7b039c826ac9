package main

import (
	"fmt"
	"io"
	"path/filepath"

	"github.com/vecgrad/vecgrad/train"
)

// exitInterrupted is the exit status of a run stopped by an interrupt:
// 128 + SIGINT, what a shell reports for a process the signal killed, so
// that scripts tell an interrupted run from a failed one.
const exitInterrupted = 130

// interruptContext returns the context that an interrupt cancels; tests
// replace it.
var interruptContext = signalContext

// reportInterrupt says on stderr what an interrupted training run left in
// out, claiming a checkpoint only where one was saved: by this run after
// an epoch, or by the run it resumed. res may be nil (stopped before the
// first step).
func reportInterrupt(stderr io.Writer, res *train.Result, out string) int {
	done, epochs := 0, 0
	if res != nil {
		done, epochs = len(res.Epochs), res.Config.Epochs
	}
	if done == 0 {
		fmt.Fprintf(stderr, "vecgrad train: interrupted during epoch 1, before any epoch completed: no checkpoint was saved\n")
		return exitInterrupted
	}
	fmt.Fprintf(stderr, "vecgrad train: interrupted during epoch %d; %s holds epoch %d of %d (continue with -resume)\n",
		done+1, filepath.Join(out, train.CheckpointFile), done, epochs)
	return exitInterrupted
}
