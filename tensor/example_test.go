package tensor_test

import (
	"fmt"

	"github.com/vecgrad/vecgrad/tensor"
)

func ExampleBroadcastShapes() {
	s, err := tensor.BroadcastShapes([]int{5, 1, 4, 1}, []int{3, 1, 1})
	fmt.Println(s, err)
	_, err = tensor.BroadcastShapes([]int{4, 3, 2}, []int{2, 3})
	fmt.Println(err)
	// Output:
	// [5 3 4 1] <nil>
	// tensor: shapes [4 3 2] and [2 3] are not broadcastable: dimension -1 is 2 vs 3 (each pair must be equal, or one of them 1)
}

func ExampleTensor_Add() {
	x := tensor.New([]float32{1, 2, 3, 4, 5, 6}, 2, 3)
	bias := tensor.New([]float32{10, 20, 30}, 3)
	fmt.Println(x.Add(bias)) // the bias is broadcast over the rows
	// Output:
	// tensor([[11., 22., 33.],
	//         [14., 25., 36.]])
}

func ExampleTensor_Backward() {
	w := tensor.New([]float32{1, 2, 3}, 3).SetRequiresGrad(true)
	x := tensor.New([]float32{0.5, -1, 2}, 3)
	loss := w.Mul(x).Sum() // d loss / d w = x
	loss.Backward()
	fmt.Println(loss.Item(), w.Grad())
	// Output: 4.5 tensor([ 0.5000, -1.0000,  2.0000])
}

func ExampleTensor_Matmul() {
	a := tensor.Arange(0, 6, 1).Reshape(2, 3)
	b := tensor.Ones(3)
	fmt.Println(a.Matmul(b))                 // matrix times vector
	fmt.Println(a.Matmul(a.Transpose(0, 1))) // a transposed view, read in place
	// Output:
	// tensor([ 3., 12.])
	// tensor([[ 5., 14.],
	//         [14., 50.]])
}

func ExampleEinsum() {
	a := tensor.Arange(0, 9, 1).Reshape(3, 3)
	tr, err := tensor.Einsum("ii->", a)
	fmt.Println(tr, err)
	_, err = tensor.Einsum("ij,jk->ik", a, tensor.Ones(2, 2))
	fmt.Println(err != nil)
	// Output:
	// tensor(12.) <nil>
	// true
}

// A training step in an arena: after the first step, repeating it with the
// same shapes allocates nothing on the Go heap.
func ExampleArena() {
	g := tensor.NewGenerator(1)
	w := tensor.Uniform(g, -0.5, 0.5, 4, 2).SetRequiresGrad(true)
	b := tensor.Zeros(2).SetRequiresGrad(true)
	xs := []float32{1, 2, 3, 4, 5, 6, 7, 8}
	ys := []float32{1, 0, 0, 1}
	ar := tensor.NewArena()
	for step := 0; step < 3; step++ {
		ar.Reset()
		tensor.ZeroGrad(w, b)
		x, y := ar.New(xs, 2, 4), ar.New(ys, 2, 2)
		loss := x.Matmul(w).Add(b).Sub(y).Pow(2).Mean()
		loss.Backward()
		tensor.NoGrad(func() { // the optimizer update: p -= 0.01 * grad
			for _, p := range []*tensor.Tensor{w, b} {
				ps, gs := p.Storage(), p.Grad().Storage()
				for i := range ps {
					ps[i] -= 0.01 * gs[i]
				}
			}
		})
		fmt.Printf("step %d loss %.4f\n", step, loss.Item())
	}
	// Output:
	// step 0 loss 6.8349
	// step 1 loss 0.5922
	// step 2 loss 0.5786
}

func ExampleGradCheck() {
	g := tensor.NewGenerator(2)
	x := tensor.Randn(g, 3, 4)
	err := tensor.GradCheck(func(in []*tensor.Tensor) *tensor.Tensor {
		return in[0].Tanh().Softmax(1)
	}, []*tensor.Tensor{x}, tensor.GradCheckOptions{Terms: 8})
	fmt.Println(err)
	// Output: <nil>
}

func ExampleTensor_String() {
	fmt.Println(tensor.New([]float32{1e-5, 1, 100}, 3))
	fmt.Println(tensor.Arange(0, 2000, 1).DivScalar(7))
	// Output:
	// tensor([1.0000e-05, 1.0000e+00, 1.0000e+02])
	// tensor([0.0000e+00, 1.4286e-01, 2.8571e-01,  ..., 2.8529e+02, 2.8543e+02,
	//         2.8557e+02])
}
