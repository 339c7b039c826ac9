package einsum

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// gradCase runs Grad for every operand of eq and compares it with want(i)
// within the bound of the float64 reference gradient.
func gradCase(t *testing.T, rng *rand.Rand, eq string, shapes [][]int, layout int, centralDiff bool) {
	t.Helper()
	p, err := Parse(eq, shapes)
	if err != nil {
		t.Fatalf("Parse(%q, %v): %v", eq, shapes, err)
	}
	ops := make([]Operand, len(shapes))
	vals := make([][]float64, len(shapes))
	for i, sh := range shapes {
		ops[i], vals[i] = makeOperand(rng, sh, layout)
	}
	gOut := make([]float64, p.OutLen())
	for i := range gOut {
		gOut[i] = float64(float32(rng.Float64()*2 - 1))
	}
	for i := range ops {
		ref := refGrad(eq, shapes, vals, gOut, i)
		what := fmt.Sprintf("%q %v layout %d: grad %d", eq, shapes, layout, i)
		if centralDiff {
			// The einsum is linear in each operand, so central differences of
			// the float64 reference are exact up to rounding.
			loss := func() float64 {
				r := refEinsum(eq, shapes, vals)
				s := 0.0
				for k, v := range r.val {
					s += gOut[k] * v
				}
				return s
			}
			const h = 1.0 / 1024
			for k := range vals[i] {
				x := vals[i][k]
				vals[i][k] = x + h
				up := loss()
				vals[i][k] = x - h
				down := loss()
				vals[i][k] = x
				cd := (up - down) / (2 * h)
				if math.Abs(cd-ref.val[k]) > 1e-9*(1+ref.abs[k]) {
					t.Fatalf("%s: element %d: central difference %v, reference %v", what, k, cd, ref.val[k])
				}
				ref.val[k] = cd
			}
		}
		got := make([]float32, len(vals[i]))
		for k := range got {
			got[k] = float32(math.NaN()) // must be overwritten
		}
		p.Grad(i, got, f32(gOut), ops)
		checkClose(t, what, got, ref, len(ops)+1)
	}
}

func TestGradCentralDifferences(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, c := range []struct {
		eq     string
		shapes [][]int
	}{
		{"ij,jk->ik", [][]int{{2, 3}, {3, 4}}},
		{"ii->i", [][]int{{3, 3}}},                               // diagonal
		{"ii", [][]int{{3, 3}}},                                  // trace
		{"iij,jk->ik", [][]int{{2, 2, 3}, {3, 2}}},               // diagonal inside a contraction
		{"ij->", [][]int{{2, 3}}},                                // everything summed
		{"ij,j->j", [][]int{{4, 3}, {3}}},                        // i summed in operand 0 only: broadcast back
		{"...ij,...jk->...ik", [][]int{{2, 1, 2, 3}, {3, 3, 2}}}, // ellipsis broadcasting
		{"b...,b...->...", [][]int{{2, 3}, {2, 1}}},
		{"ij,ij->ij", [][]int{{1, 3}, {2, 1}}}, // labelled size-1 broadcasting
		{",ij->ij", [][]int{{}, {2, 3}}},       // scalar operand
		{"i,->", [][]int{{3}, {}}},
		{"->", [][]int{{}}},
		{"bn,anm,bm->ba", [][]int{{2, 3}, {2, 3, 2}, {2, 2}}},
		{"ab,bc,cd->", [][]int{{2, 3}, {3, 2}, {2, 2}}},
		{"i,i->i", [][]int{{0}, {0}}},
		{"ij,jk->ik", [][]int{{2, 0}, {0, 3}}},
	} {
		for layout := range 3 {
			gradCase(t, rng, c.eq, c.shapes, layout, true)
		}
	}
}

func TestGradRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	n := 400
	if testing.Short() {
		n = 100
	}
	for range n {
		eq, shapes := randomEquation(rng)
		gradCase(t, rng, eq, shapes, rng.IntN(3), false)
	}
}
