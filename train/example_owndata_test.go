package train_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strings"

	"github.com/vecgrad/vecgrad/train"
)

// LoadDataFor reads a CSV data directory, Run trains a custom MLP on it
// with a validation split, and LoadModel, ReadInputs and Predict classify
// new rows with the checkpoint alone.
func ExampleLoadDataFor() {
	dir, err := os.MkdirTemp("", "own")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	// Class 0 has x < y, class 1 x > y.
	var csv strings.Builder
	csv.WriteString("x,y,label\n")
	for i := range 40 {
		x, y := float32(i%7), float32(i%5)+0.5
		fmt.Fprintf(&csv, "%v,%v,%d\n", x, y, map[bool]int{true: 1}[x > y])
	}
	for _, f := range []string{train.TrainCSVFile, train.TestCSVFile} {
		if err := os.WriteFile(filepath.Join(dir, f), []byte(csv.String()), 0o644); err != nil {
			log.Fatal(err)
		}
	}
	cfg := train.DefaultConfig()
	cfg.DataFormat, cfg.LabelColumn = "csv", "label"
	cfg.Hidden, cfg.Activation, cfg.LR, cfg.Momentum, cfg.BatchSize, cfg.Epochs, cfg.ValSplit = "16", "tanh", 0.1, 0.9, 4, 20, 0.25
	sets, cfg, err := train.LoadDataFor(dir, cfg)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(cfg.Architecture(), sets.Train.Len(), "training and", sets.Val.Len(), "validation examples")
	out := filepath.Join(dir, "out")
	if _, err := train.Run(context.Background(), cfg, sets, train.Options{OutDir: out, NoPlot: true}); err != nil {
		log.Fatal(err)
	}
	model, ckCfg, err := train.LoadModel(filepath.Join(out, train.CheckpointFile))
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "new.csv"), []byte("x,y\n0,4.5\n6,0.5\n"), 0o644); err != nil {
		log.Fatal(err)
	}
	x, err := train.ReadInputs(filepath.Join(dir, "new.csv"), ckCfg)
	if err != nil {
		log.Fatal(err)
	}
	for _, p := range train.Predict(model, x, 16) {
		fmt.Println("class 1:", p[1] > 0.5)
	}
	// Output:
	// 2-16-2 tanh 30 training and 10 validation examples
	// class 1: false
	// class 1: true
}
