package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/vecgrad/vecgrad/train"
)

// confusionPNG is eval's default plot file, beside the checkpoint.
const confusionPNG = "confusion.png"

func runEval(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("eval", "eval -checkpoint FILE -data DIR [flags]",
		"Evaluate a checkpoint of 'vecgrad train' on a data directory in the format it was trained on\n"+
			"(the checkpoint holds the architecture, the format, the label column and the input\n"+
			"standardisation): print the loss, the accuracy and the confusion matrix, and draw the\n"+
			"matrix as a PNG. The loss is the tutorial's test loss (the mean of the batches' means)\n"+
			"at the checkpoint's batch size, as the training run printed it.")
	ckpt := fs.String("checkpoint", "", "checkpoint file written by vecgrad train (such as out/checkpoint.safetensors or out/best.safetensors)")
	dir := fs.String("data", "", "data directory in the checkpoint's format (IDX files, train.csv/test.csv, or the .npy files)")
	split := fs.String("split", "test", "which split of -data: test or train")
	png := fs.String("png", "", "where to draw the confusion matrix (default: "+confusionPNG+" beside the checkpoint)")
	if ok, status := fs.parse(args, stdout, stderr); !ok {
		return status
	}
	switch {
	case *ckpt == "":
		return fs.fail(stderr, "-checkpoint is required: the checkpoint file to evaluate")
	case *dir == "":
		return fs.fail(stderr, "-data is required: the directory of the data to evaluate on")
	case *split != "test" && *split != "train":
		return fs.fail(stderr, "-split %q: accepted test or train", *split)
	}
	if st, err := os.Stat(*dir); err != nil || !st.IsDir() {
		return fs.fail(stderr, "-data %s: no such directory", *dir)
	}
	if *png == "" {
		*png = filepath.Join(filepath.Dir(*ckpt), confusionPNG)
	}
	model, cfg, err := train.LoadModel(*ckpt)
	if err != nil {
		fmt.Fprintf(stderr, "vecgrad eval: %v\n", err)
		return exitFail
	}
	src, err := train.LoadSplitFor(*dir, cfg, *split == "train")
	if err != nil {
		fmt.Fprintf(stderr, "vecgrad eval: %v\n", err)
		return exitFail
	}
	widths := cfg.Widths()
	ev, err := train.Evaluate(model, src, cfg.BatchSize, widths[len(widths)-1])
	if err != nil {
		fmt.Fprintf(stderr, "vecgrad eval: %v\n", err)
		return exitFail
	}
	fmt.Fprintf(stdout, "Model: %s (%s)\nData: %s, %s split, %d examples\nAccuracy: %.1f%%, Avg loss: %8f\n\n",
		cfg.Architecture(), *ckpt, *dir, *split, ev.Examples, 100*ev.Accuracy, ev.AvgLoss)
	if err := ev.WriteConfusion(stdout); err != nil {
		fmt.Fprintf(stderr, "vecgrad eval: %v\n", err)
		return exitFail
	}
	name := *dir
	if abs, err := filepath.Abs(*dir); err == nil {
		name = filepath.Base(abs)
	}
	if err := ev.WriteConfusionPNG(*png, fmt.Sprintf("Confusion matrix, %s split of %s", *split, name)); err != nil {
		fmt.Fprintf(stderr, "vecgrad eval: -png: %v\n", err)
		return exitFail
	}
	fmt.Fprintf(stdout, "\nWrote %s\n", *png)
	return exitOK
}
