package loss_test

import (
	"fmt"

	"github.com/vecgrad/vecgrad/loss"
	"github.com/vecgrad/vecgrad/tensor"
)

func ExampleCrossEntropy() {
	logits := tensor.New([]float32{
		2, 0, -1,
		0, 3, 0,
		1, 1, 1,
	}, 3, 3).SetRequiresGrad(true)
	target := tensor.New([]float32{0, 1, loss.DefaultIgnoreIndex}, 3) // the last sample is ignored
	l, err := loss.CrossEntropy(logits, target, loss.CrossEntropyOptions{})
	if err != nil {
		panic(err)
	}
	l.Backward() // (softmax - one-hot) / 2: two samples count (values as PyTorch's)
	fmt.Printf("%.4f\n", l.Item())
	fmt.Println(logits.Grad())

	_, err = loss.CrossEntropy(logits, tensor.New([]float32{0, 1, 12}, 3), loss.CrossEntropyOptions{})
	fmt.Println(err)
	// Output:
	// 0.1324
	// tensor([[-0.0781,  0.0571,  0.0210],
	//         [ 0.0226, -0.0453,  0.0226],
	//         [ 0.0000,  0.0000,  0.0000]])
	// loss: CrossEntropy: target[2] = 12 is not a class index in [0, 3) or the ignore index -100
}

func ExampleKLDiv() {
	logp := tensor.New([]float32{-0.5, -1}, 1, 2).LogSoftmax(1)
	q := tensor.New([]float32{0.25, 0.75}, 1, 2)
	l, _ := loss.KLDiv(logp, q, loss.KLDivOptions{Reduction: loss.BatchMean})
	fmt.Printf("%.6f\n", l.Item())
	// Output: 0.286742
}
