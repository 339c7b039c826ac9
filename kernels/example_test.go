package kernels_test

import (
	"fmt"

	"github.com/vecgrad/vecgrad/kernels"
)

func ExampleBinaryRowVec() {
	// Add a bias vector to every row of a [2, 3] block, in place.
	x := []float32{1, 2, 3, 4, 5, 6}
	bias := []float32{10, 20, 30}
	kernels.BinaryRowVec(kernels.OpAdd, x, x, bias, 2, 3)
	fmt.Println(x)
	// Output: [11 22 33 14 25 36]
}

func ExampleBinaryRowVecStrided() {
	// A thread owns columns 1 and 2 of a [2, 4] block: add their biases
	// and take the gradient's sum of rows for them, one call each.
	x := []float32{
		1, 2, 3, 4,
		5, 6, 7, 8,
	}
	bias := []float32{10, 20}
	kernels.BinaryRowVecStrided(kernels.OpAdd, x[1:], x[1:], bias, 2, 2, 4)
	fmt.Println(x)
	sum := make([]float32, 2)
	kernels.SumRowsStrided(sum, x[1:], 2, 2, 4)
	fmt.Println(sum)
	// Output:
	// [1 12 23 4 5 16 27 8]
	// [28 50]
}

func ExampleAxpy() {
	w := []float32{1, 1, 1}
	grad := []float32{0.5, -1, 2}
	kernels.Axpy(w, -0.1, grad) // w -= 0.1 * grad
	fmt.Println(w)
	// Output: [0.95 1.1 0.8]
}

func ExampleRowLogSumExp() {
	logits := []float32{0, 0, 1000, 1000}
	lse := make([]float32, 2)
	kernels.RowLogSumExp(lse, logits, 2, 2)
	fmt.Printf("%.4f %.4f\n", lse[0], lse[1])
	// Output: 0.6931 1000.6932
}

func ExampleSetISA() {
	saved := kernels.ISA()
	if err := kernels.SetISA("generic"); err != nil {
		fmt.Println(err)
	}
	fmt.Println(kernels.ISA())
	kernels.SetISA(saved)
	// Output: generic
}

func ExampleSgemm() {
	// C = A·Bᵀ for A [2x3] and B [2x3] (row-major): the product a linear
	// layer's backward pass needs.
	a := []float32{1, 2, 3, 4, 5, 6}
	b := []float32{1, 0, 1, 0, 1, 0}
	c := make([]float32, 4)
	kernels.Sgemm(false, true, 2, 2, 3, 1, a, 3, b, 3, 0, c, 2)
	fmt.Println(c)
	// Output: [4 2 10 5]
}

func ExampleSgemmSerialBlocks() {
	// A weight gradient dW = gᵀ·x (g [2x3], x [2x2]) consumed two rows at a
	// time, as an optimizer would: each block arrives in the same scratch,
	// and the weights w it updates are prefetched while it is computed.
	g := []float32{1, 2, 3, 4, 5, 6}
	x := []float32{1, 0, 0, 1}
	w := []float32{10, 10, 10, 10, 10, 10}
	scratch := make([]float32, 2*2)
	kernels.SgemmSerialBlocks(true, false, 3, 2, 2, 1, g, 3, x, 2, scratch, 2, 2, [][]float32{w}, func(lo, hi int, c []float32) {
		fmt.Println(lo, hi, c)
		for i, d := range c[:(hi-lo)*2] {
			w[lo*2+i] -= d
		}
	})
	fmt.Println(w)
	// Output:
	// 0 2 [1 4 2 5]
	// 2 3 [3 6]
	// [9 6 8 5 7 4]
}

func ExampleSgemmSerialSGD() {
	// One SGD step (lr 0.1, momentum 0.9: the momentum buffer's first step
	// takes the gradient itself) on a 2x2 weight with its gradient
	// dW = gᵀ·x (g [1x2], x [1x2]), computed and applied in one call.
	g := []float32{1, 2}
	x := []float32{3, 4}
	w := []float32{1, 1, 1, 1}
	mom := make([]float32, 4)
	scratch := make([]float32, 2*2)
	h := kernels.SGDParams{LR: 0.1, Momentum: 0.9, FirstStep: true}
	kernels.SgemmSerialSGD(true, false, 2, 2, 1, g, 2, x, 2, w, mom, 2, h, scratch, 2)
	fmt.Println(w, mom)
	// Output: [0.7 0.6 0.39999998 0.19999999] [3 4 6 8]
}

func ExampleSgemmSerialBiasRelu() {
	// A linear layer's forward with its ReLU: a batch of 2 samples of 3
	// features through 2 outputs, out = max(x·Wᵀ + b, 0).
	x := []float32{1, 2, 3, 4, 5, 6}
	w := []float32{1, 0, -1, 0.5, 0.5, 0.5} // [out, in]
	b := []float32{0.5, -4}
	out := make([]float32, 2*2)
	kernels.SgemmSerialBiasRelu(2, 2, 3, x, 3, w, 3, b, true, out, 2)
	fmt.Println(out)
	// Output: [0 0 0 3.5]
}
