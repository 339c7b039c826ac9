package einsum

import (
	"math/rand/v2"
	"testing"
)

// TestNoAllocations: once a plan's buffers have grown, Run and Grad
// allocate nothing, on every execution path (an einsum may run in every
// training step).
func TestNoAllocations(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	for _, c := range []struct {
		eq     string
		shapes [][]int
	}{
		{"bij,bjk->bik", [][]int{{2, 8, 9}, {2, 9, 7}}},
		{"ij,jk,kl->il", [][]int{{8, 9}, {9, 7}, {7, 6}}},
		{"bi,bi->b", [][]int{{5, 9}, {5, 9}}},
		{"ij->i", [][]int{{5, 9}}},
		{"ij->j", [][]int{{5, 9}}},
		{"ii->i", [][]int{{5, 5}}},
		{"bi,bj->bij", [][]int{{3, 4}, {3, 5}}},
		{"ij,ij->ij", [][]int{{3, 4}, {3, 4}}},
		{"...ij,...jk", [][]int{{2, 1, 3, 4}, {5, 4, 2}}},
		{"iij,jk->ik", [][]int{{3, 3, 4}, {4, 2}}},
		{"ij->", [][]int{{0, 3}}},
	} {
		p, err := Parse(c.eq, c.shapes)
		if err != nil {
			t.Fatal(err)
		}
		ops := make([]Operand, len(c.shapes))
		for i, sh := range c.shapes {
			ops[i], _ = makeOperand(rng, sh, 1)
		}
		out := make([]float32, p.OutLen())
		if n := testing.AllocsPerRun(10, func() { p.Run(out, ops) }); n != 0 {
			t.Errorf("%s: Run allocates %v times per call", c.eq, n)
		}
		for i, op := range ops {
			n := 1
			for _, d := range op.Shape {
				n *= d
			}
			dst := make([]float32, n)
			if a := testing.AllocsPerRun(10, func() { p.Grad(i, dst, out, ops) }); a != 0 {
				t.Errorf("%s: Grad(%d) allocates %v times per call", c.eq, i, a)
			}
		}
	}
}
