package einsum_test

import (
	"fmt"

	"github.com/vecgrad/vecgrad/tensor/internal/einsum"
)

func Example() {
	// A batched matrix product, bij,bjk->bik, on one batch of 2x3 times 3x2.
	a := einsum.Operand{Data: []float32{1, 2, 3, 4, 5, 6}, Shape: []int{1, 2, 3}}
	b := einsum.Operand{Data: []float32{1, 0, 0, 1, 1, 1}, Shape: []int{1, 3, 2}}
	p, err := einsum.Parse("bij,bjk->bik", [][]int{a.Shape, b.Shape})
	if err != nil {
		fmt.Println(err)
		return
	}
	out := make([]float32, p.OutLen())
	p.Run(out, []einsum.Operand{a, b})
	fmt.Println(p.OutShape(), out)

	// The gradient of sum(out) with respect to a: ones times bᵀ.
	gradOut := []float32{1, 1, 1, 1}
	da := make([]float32, 6)
	p.Grad(0, da, gradOut, []einsum.Operand{a, b})
	fmt.Println(da)

	// A malformed equation says which rule failed, and where.
	_, err = einsum.Parse("ij,jk->ik", [][]int{{2, 3}, {3, 4, 5}})
	fmt.Println(err)
	// Output:
	// [1 2 2] [4 5 10 11]
	// [1 1 2 1 1 2]
	// einsum: "ij,jk->ik": operand 1 has 3 dimensions but subscripts "jk" name 2
}

func ExampleParse_implicit() {
	// Without "->", the output is the ellipsis, then the subscripts named
	// once, in ASCII order (uppercase first), as in torch.einsum.
	p, _ := einsum.Parse("zA,Az,yB", [][]int{{2, 3}, {3, 2}, {4, 5}})
	fmt.Println(p.OutShape())
	// Output: [5 4]
}
