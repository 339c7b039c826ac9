package train_test

import (
	"context"
	"fmt"
	"log"
	"os"

	"github.com/vecgrad/vecgrad/train"
)

// Run trains the tutorial's MLP; here one epoch with the defaults (SGD, lr
// 0.001, momentum 0.5, batch 16) on MNIST, if `make data` has put it in
// data/mnist.
func ExampleRun() {
	sets, err := train.LoadData(train.DefaultDataDir("mnist"))
	if err != nil {
		log.Fatal(err)
	}
	cfg := train.DefaultConfig()
	cfg.Epochs = 1
	res, err := train.Run(context.Background(), cfg, sets, train.Options{OutDir: "out", Log: os.Stdout})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%.0f samples/s, test accuracy %.1f%%\n", res.SamplesPerSecond(), 100*res.Epochs[0].Accuracy)
}
