package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/vecgrad/vecgrad/train"
)

func runSweep(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("sweep", "sweep [flags]",
		"Reproduce the optimization tutorial's five comparisons, each one PNG with one curve per\n"+
			"setting plus one CSV per curve, in -out:\n"+
			"  sgd-batch     SGD lr 0.001 momentum 0.5, batch size 16 / 64 / 256\n"+
			"  sgd-lr        SGD momentum 0.5 batch 16, learning rate 10 / 0.1 / 0.001 (lr 10 diverges)\n"+
			"  sgd-momentum  SGD lr 0.001 batch 16, momentum 0 / 0.5 / 0.9\n"+
			"  adam-batch    Adam lr 0.001, batch size 16 / 64 / 256\n"+
			"  adam-lr       Adam batch 16, learning rate 0.01 / 0.001 / 0.00001\n"+
			"A setting shared by several comparisons is trained once.")
	var tf trainFlags
	tf.register(fs, "out/sweep")
	list := fs.String("experiments", "all", "comma-separated comparisons to run: all, or some of "+strings.Join(train.ExperimentNames, ", "))
	if ok, status := fs.parse(args, stdout, stderr); !ok {
		return status
	}
	names, err := train.ParseExperiments(*list)
	if err != nil {
		return fs.fail(stderr, "-experiments: %v", err)
	}
	sets, status := tf.prepare(fs, stderr)
	if status != exitOK {
		return status
	}
	base := train.DefaultConfig()
	base.Dataset, base.Epochs, base.Seed = tf.dataset, tf.epochs, tf.seed
	ctx, stop := interruptContext()
	defer stop()
	runs, err := train.Sweep(ctx, base, sets, train.SweepOptions{OutDir: tf.out, Experiments: names,
		Log: stdout, Progress: train.IsTerminal(stdout), LogEvery: tf.logEvery})
	if err != nil {
		fmt.Fprintf(stderr, "vecgrad sweep: %v\n", err)
		if errors.Is(err, context.Canceled) {
			return exitInterrupted
		}
		return exitFail
	}
	fmt.Fprintf(stdout, "\n%-14s %-10s %12s %10s %10s\n", "experiment", "setting", "samples/s", "accuracy", "test loss")
	for _, r := range runs {
		acc, loss := "-", "-"
		if n := len(r.Result.Epochs); n > 0 {
			acc = fmt.Sprintf("%.1f%%", 100*r.Result.Epochs[n-1].Accuracy)
			loss = fmt.Sprintf("%.6f", r.Result.Epochs[n-1].AvgLoss)
		}
		if r.Result.Diverged != nil {
			acc, loss = "diverged", fmt.Sprint(r.Result.Diverged.Loss)
		}
		fmt.Fprintf(stdout, "%-14s %-10s %12.0f %10s %10s\n", r.Experiment, r.Label, r.Result.SamplesPerSecond(), acc, loss)
	}
	return exitOK
}
