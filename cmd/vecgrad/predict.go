package main

import (
	"fmt"
	"io"
	"path/filepath"
	"strconv"

	"github.com/vecgrad/vecgrad/internal/atomicfile"
	"github.com/vecgrad/vecgrad/train"
)

func runPredict(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("predict", "predict -checkpoint FILE -input X.csv|X.npy [-out preds.csv]",
		"Classify examples with a checkpoint of 'vecgrad train'. The input holds the features alone:\n"+
			"a CSV with a header row naming the training columns in their order, without the label,\n"+
			"or a .npy array [N, ...] of the training examples' shape; they are standardised as in\n"+
			"training (the checkpoint records how). The output CSV has a header row, then per example\n"+
			"the predicted class and one probability column per class (prob_0, prob_1, ...).")
	ckpt := fs.String("checkpoint", "", "checkpoint file written by vecgrad train")
	input := fs.String("input", "", "examples to classify: a .csv or .npy file of features")
	out := fs.String("out", "predictions.csv", "output CSV (written atomically)")
	if ok, status := fs.parse(args, stdout, stderr); !ok {
		return status
	}
	switch {
	case *ckpt == "":
		return fs.fail(stderr, "-checkpoint is required: the checkpoint file to predict with")
	case *input == "":
		return fs.fail(stderr, "-input is required: a .csv or .npy file of features")
	case *out == "":
		return fs.fail(stderr, "-out is empty: give the output CSV file")
	case sameFile(*out, *input) || sameFile(*out, *ckpt):
		return fs.fail(stderr, "-out %s is an input file: choose another output", *out)
	}
	model, cfg, err := train.LoadModel(*ckpt)
	if err != nil {
		fmt.Fprintf(stderr, "vecgrad predict: %v\n", err)
		return exitFail
	}
	x, err := train.ReadInputs(*input, cfg)
	if err != nil {
		fmt.Fprintf(stderr, "vecgrad predict: %v\n", err)
		return exitFail
	}
	probs := train.Predict(model, x, cfg.BatchSize)
	if err := atomicfile.Write(*out, func(w io.Writer) error { return writePredictions(w, probs) }); err != nil {
		fmt.Fprintf(stderr, "vecgrad predict: -out: %v\n", err)
		return exitFail
	}
	fmt.Fprintf(stdout, "Predicted %d examples with %s; wrote %s\n", len(probs), cfg.Architecture(), *out)
	return exitOK
}

// writePredictions writes the header "class,prob_0,...", then per example
// its most probable class (the first of equals) and its probabilities,
// each the shortest decimal that reads back as the same float32.
func writePredictions(w io.Writer, probs [][]float32) error {
	if len(probs) == 0 {
		return nil
	}
	b := []byte("class")
	for k := range probs[0] {
		b = append(b, ",prob_"...)
		b = strconv.AppendInt(b, int64(k), 10)
	}
	b = append(b, '\n')
	for _, p := range probs {
		best := 0
		for k, v := range p {
			if v > p[best] {
				best = k
			}
		}
		b = strconv.AppendInt(b, int64(best), 10)
		for _, v := range p {
			b = append(b, ',')
			b = strconv.AppendFloat(b, float64(v), 'g', -1, 32)
		}
		b = append(b, '\n')
		if len(b) > 1<<16 {
			if _, err := w.Write(b); err != nil {
				return err
			}
			b = b[:0]
		}
	}
	_, err := w.Write(b)
	return err
}

// sameFile reports whether two paths name the same file (by their
// cleaned absolute names).
func sameFile(a, b string) bool {
	aa, err1 := filepath.Abs(a)
	bb, err2 := filepath.Abs(b)
	return err1 == nil && err2 == nil && aa == bb
}
