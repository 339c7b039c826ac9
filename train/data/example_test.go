package data_test

import (
	"fmt"
	"log"
	"os"

	"github.com/vecgrad/vecgrad/tensor"
	"github.com/vecgrad/vecgrad/train/data"
)

// Write a tiny synthetic dataset in MNIST's layout, load it, and iterate
// one shuffled epoch in batches of 4 with prefetching, as a training loop
// would (the input tensor comes from the step's arena, without copying).
func Example() {
	dir, err := os.MkdirTemp("", "mnist-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	const n = 10
	images := &data.IDX{Dims: []int{n, data.Rows, data.Cols}, Data: make([]byte, n*data.Features)}
	labels := &data.IDX{Dims: []int{n}, Data: make([]byte, n)}
	for i := range n {
		images.Data[i*data.Features] = byte(255 * i / (n - 1)) // first pixel: 0 .. 255
		labels.Data[i] = byte(i % data.NumClasses)
	}
	if err := data.WriteMNIST(dir, true, images, labels, true); err != nil {
		log.Fatal(err)
	}

	train, err := data.LoadMNIST(dir, true)
	if err != nil {
		log.Fatal(err)
	}
	loader, err := data.NewLoader(train, data.LoaderOptions{BatchSize: 4, Sampling: data.Shuffle, Seed: 1, Prefetch: true})
	if err != nil {
		log.Fatal(err)
	}
	arena := tensor.NewArena()
	for b := range loader.Epoch(0) {
		x := b.Input(arena) // [b.Size, 784], pixels in [0, 1]
		fmt.Println(x.Shape(), b.Labels, x.At(0, 0))
		arena.Reset()
	}
	// Output:
	// [4 784] [6 0 1 9] 0.6666667
	// [4 784] [3 4 5 7] 0.33333334
	// [2 784] [2 8] 0.21960784
}
