package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/vecgrad/vecgrad/train"
	"github.com/vecgrad/vecgrad/train/data"
	"github.com/vecgrad/vecgrad/train/experiment"
)

func init() {
	experiments["convergence"] = experimentCmd{
		summary: "logistic regression: loss against passes and seconds for GD, SGD, momentum, Adam, L-BFGS, Newton-CG",
		run:     runConvergenceExperiment,
	}
}

func runConvergenceExperiment(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("experiment convergence", "experiment convergence [flags]",
		"Train multinomial logistic regression (784x10 weights and 10 biases, mean softmax\n"+
			"cross-entropy, from zero) on the first -subset training examples with each method,\n"+
			"for -passes passes over them, recording the training loss on the subset:\n"+
			"  gd         full-batch gradient descent, lr 0.5\n"+
			"  sgd        mini-batch SGD, lr 0.1\n"+
			"  momentum   mini-batch SGD, lr 0.05, momentum 0.9\n"+
			"  adam       mini-batch Adam, lr 0.001 (torch's defaults)\n"+
			"  lbfgs      full-batch L-BFGS, torch's defaults, strong-Wolfe line search\n"+
			"  newton-cg  full-batch Newton-CG, Armijo line search, at most 10 CG iterations a step\n"+
			"A pass is N examples' worth of gradient evaluations (line-search trials and the two\n"+
			"gradients of each Hessian-vector product included); seconds exclude the loss recording.\n"+
			"Writes to -out: loss-vs-passes.png and loss-vs-seconds.png (one curve per method, log\n"+
			"loss axis) and METHOD.csv (passes, seconds, loss) per method.")
	dataset := fs.String("dataset", "mnist", "dataset: "+strings.Join(train.Datasets, " or "))
	dataDir := fs.String("data", "", "directory holding the dataset's four IDX files (default data/<dataset>)")
	passes := fs.Float64("passes", experiment.DefaultConvergencePasses, "budget of each method in passes over the subset")
	subset := fs.Int("subset", experiment.DefaultConvergenceSubset, "training examples used (the first ones; at most the dataset's size)")
	batch := fs.Int("batch-size", experiment.DefaultConvergenceBatchSize, "mini-batch size of sgd, momentum and adam")
	seed := fs.Uint64("seed", 1, "seed of the mini-batch order")
	methods := fs.String("methods", "all", "comma-separated methods: all, or some of "+strings.Join(experiment.ConvergenceMethods, ", "))
	out := fs.String("out", "out/experiment/convergence", "output directory")
	if ok, status := fs.parse(args, stdout, stderr); !ok {
		return status
	}
	ms, err := experiment.ParseConvergenceMethods(*methods)
	if err != nil {
		return fs.fail(stderr, "-methods: %v", err)
	}
	switch {
	case !(*passes > 0) || *passes > 1e6:
		return fs.fail(stderr, "-passes %v: want a positive number of passes (at most 1e6)", *passes)
	case *subset < 1:
		return fs.fail(stderr, "-subset %d: want at least 1 example", *subset)
	case *batch < 1:
		return fs.fail(stderr, "-batch-size %d: want at least 1", *batch)
	case !contains(train.Datasets, *dataset):
		return fs.fail(stderr, "-dataset %q: unknown dataset (accepted: %s)", *dataset, strings.Join(train.Datasets, ", "))
	}
	if *dataDir == "" {
		*dataDir = train.DefaultDataDir(*dataset)
	}
	if st, err := os.Stat(*dataDir); err != nil || !st.IsDir() {
		return fs.fail(stderr, "-data %s: no such directory (fetch the data with 'vecgrad data --dataset %s --dir %s', or 'make data' for MNIST)",
			*dataDir, *dataset, *dataDir)
	}
	trainSet, err := data.LoadMNIST(*dataDir, true)
	if err != nil {
		fmt.Fprintf(stderr, "vecgrad experiment convergence: %v\n", err)
		return exitFail
	}
	if *subset > trainSet.Len() {
		return fs.fail(stderr, "-subset %d: the training set has only %d examples", *subset, trainSet.Len())
	}
	ctx, stop := signalContext()
	defer stop()
	curves, err := experiment.Convergence(ctx, trainSet, experiment.ConvergenceOptions{Passes: *passes, Subset: *subset,
		BatchSize: *batch, Seed: *seed, Methods: ms})
	if err != nil {
		if errors.Is(err, context.Canceled) {
			fmt.Fprintf(stderr, "vecgrad experiment convergence: interrupted\n")
		} else {
			fmt.Fprintf(stderr, "vecgrad experiment convergence: %v\n", err)
		}
		return exitFail
	}
	fmt.Fprintf(stdout, "%-10s %8s %10s %12s\n", "method", "passes", "seconds", "final loss")
	for _, c := range curves {
		i := len(c.Loss) - 1
		fmt.Fprintf(stdout, "%-10s %8.2f %10.3f %12.6f\n", c.Method, c.Passes[i], c.Seconds[i], c.Loss[i])
	}
	files, err := experiment.WriteConvergence(*out, curves)
	if err != nil {
		fmt.Fprintf(stderr, "vecgrad experiment convergence: %v\n", err)
		return exitFail
	}
	fmt.Fprintf(stdout, "Wrote %s\n", strings.Join(files, ", "))
	return exitOK
}
