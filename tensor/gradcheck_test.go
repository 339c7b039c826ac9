package tensor

import (
	"strings"
	"testing"
)

// awayFromZero returns normal values at least 0.2 from 0 (more than 2h from
// the kinks of Relu, Abs and Maximum at the default step).
func awayFromZero(g *Generator, shape ...int) *Tensor {
	t := Randn(g, shape...)
	for i, v := range t.data {
		if v < 0 {
			t.data[i] = v - 0.2
		} else {
			t.data[i] = v + 0.2
		}
	}
	return t
}

func positiveVals(g *Generator, shape ...int) *Tensor {
	t := Rand(g, shape...)
	for i, v := range t.data {
		t.data[i] = v + 0.5
	}
	return t
}

// distinct returns a permutation of well-separated values (no near-ties for
// Max and Min).
func distinct(g *Generator, shape ...int) *Tensor {
	t := Zeros(shape...)
	n := len(t.data)
	for i := range t.data {
		t.data[i] = float32(i-n/2) * 0.37
	}
	for i := n - 1; i > 0; i-- { // Fisher-Yates
		j := int(g.Uint32() % uint32(i+1))
		t.data[i], t.data[j] = t.data[j], t.data[i]
	}
	return t
}

type gcCase struct {
	name   string
	inputs func(g *Generator) []*Tensor
	f      func(in []*Tensor) *Tensor
	terms  int
}

func gcCases() []gcCase {
	two := func(sa, sb []int) func(g *Generator) []*Tensor {
		return func(g *Generator) []*Tensor { return []*Tensor{awayFromZero(g, sa...), awayFromZero(g, sb...)} }
	}
	one := func(mk func(*Generator, ...int) *Tensor, s ...int) func(g *Generator) []*Tensor {
		return func(g *Generator) []*Tensor { return []*Tensor{mk(g, s...)} }
	}
	posB := func(sa, sb []int) func(g *Generator) []*Tensor {
		return func(g *Generator) []*Tensor { return []*Tensor{awayFromZero(g, sa...), positiveVals(g, sb...)} }
	}
	var cs []gcCase
	for _, sh := range []struct {
		name   string
		sa, sb []int
	}{{"same", []int{3, 4}, []int{3, 4}}, {"row", []int{3, 4}, []int{4}}, {"col", []int{3, 4}, []int{3, 1}},
		{"scalar", []int{3, 4}, nil}, {"left", []int{4}, []int{2, 3, 4}}, {"doc", []int{5, 1, 4, 1}, []int{3, 1, 1}}} {
		cs = append(cs,
			gcCase{"add_" + sh.name, two(sh.sa, sh.sb), func(in []*Tensor) *Tensor { return in[0].Add(in[1]) }, 1},
			gcCase{"sub_" + sh.name, two(sh.sa, sh.sb), func(in []*Tensor) *Tensor { return in[0].Sub(in[1]) }, 1},
			gcCase{"mul_" + sh.name, two(sh.sa, sh.sb), func(in []*Tensor) *Tensor { return in[0].Mul(in[1]) }, 1},
			gcCase{"div_" + sh.name, posB(sh.sa, sh.sb), func(in []*Tensor) *Tensor { return in[0].Div(in[1]) }, 2},
			gcCase{"maximum_" + sh.name, func(g *Generator) []*Tensor {
				a := distinct(g, sh.sa...)
				b := distinct(g, sh.sb...)
				for i := range b.data {
					b.data[i] += 0.11 // never within 2h of an element of a
				}
				return []*Tensor{a, b}
			}, func(in []*Tensor) *Tensor { return in[0].Maximum(in[1]) }, 1},
			gcCase{"minimum_" + sh.name, func(g *Generator) []*Tensor {
				a := distinct(g, sh.sa...)
				b := distinct(g, sh.sb...)
				for i := range b.data {
					b.data[i] += 0.11
				}
				return []*Tensor{a, b}
			}, func(in []*Tensor) *Tensor { return in[0].Minimum(in[1]) }, 1},
		)
	}
	cs = append(cs,
		gcCase{"add_transposed", two([]int{4, 3}, []int{3, 4}), func(in []*Tensor) *Tensor { return in[0].Transpose(0, 1).Add(in[1]) }, 1},
		gcCase{"mul_self", one(awayFromZero, 3, 4), func(in []*Tensor) *Tensor { return in[0].Mul(in[0]) }, 1},
		gcCase{"add_scalar", one(awayFromZero, 3, 4), func(in []*Tensor) *Tensor { return in[0].AddScalar(2) }, 1},
		gcCase{"sub_scalar", one(awayFromZero, 3, 4), func(in []*Tensor) *Tensor { return in[0].SubScalar(2) }, 1},
		gcCase{"rsub_scalar", one(awayFromZero, 3, 4), func(in []*Tensor) *Tensor { return in[0].RSubScalar(2) }, 1},
		gcCase{"mul_scalar", one(awayFromZero, 3, 4), func(in []*Tensor) *Tensor { return in[0].MulScalar(-1.5) }, 1},
		gcCase{"div_scalar", one(awayFromZero, 3, 4), func(in []*Tensor) *Tensor { return in[0].DivScalar(3) }, 1},
		gcCase{"neg", one(Randn, 3, 4), func(in []*Tensor) *Tensor { return in[0].Neg() }, 1},
		gcCase{"exp", one(Randn, 3, 4), func(in []*Tensor) *Tensor { return in[0].Exp() }, 2},
		gcCase{"log", one(positiveVals, 3, 4), func(in []*Tensor) *Tensor { return in[0].Log() }, 2},
		gcCase{"sqrt", one(positiveVals, 3, 4), func(in []*Tensor) *Tensor { return in[0].Sqrt() }, 1},
		gcCase{"relu", one(awayFromZero, 3, 4), func(in []*Tensor) *Tensor { return in[0].Relu() }, 1},
		gcCase{"relu_transposed", one(awayFromZero, 4, 3), func(in []*Tensor) *Tensor { return in[0].Transpose(0, 1).Relu() }, 1},
		gcCase{"sigmoid", one(Randn, 3, 4), func(in []*Tensor) *Tensor { return in[0].Sigmoid() }, 3},
		gcCase{"tanh", one(Randn, 3, 4), func(in []*Tensor) *Tensor { return in[0].Tanh() }, 2},
		gcCase{"abs", one(awayFromZero, 3, 4), func(in []*Tensor) *Tensor { return in[0].Abs() }, 1},
		gcCase{"pow2", one(awayFromZero, 3, 4), func(in []*Tensor) *Tensor { return in[0].Pow(2) }, 1},
		gcCase{"pow1.7", one(positiveVals, 3, 4), func(in []*Tensor) *Tensor { return in[0].Pow(1.7) }, 2},
		gcCase{"pow-0.5", one(positiveVals, 3, 4), func(in []*Tensor) *Tensor { return in[0].Pow(-0.5) }, 2},
		gcCase{"sum", one(Randn, 2, 3, 4), func(in []*Tensor) *Tensor { return in[0].Sum() }, 24},
		gcCase{"sum_0", one(Randn, 2, 3, 4), func(in []*Tensor) *Tensor { return in[0].SumDim([]int{0}, false) }, 2},
		gcCase{"sum_02_keep", one(Randn, 2, 3, 4), func(in []*Tensor) *Tensor { return in[0].SumDim([]int{0, 2}, true) }, 8},
		gcCase{"sum_transposed", one(Randn, 4, 3), func(in []*Tensor) *Tensor { return in[0].Transpose(0, 1).SumDim([]int{1}, false) }, 4},
		gcCase{"mean_1", one(Randn, 2, 3, 4), func(in []*Tensor) *Tensor { return in[0].MeanDim([]int{1}, false) }, 4},
		gcCase{"mean", one(Randn, 2, 3, 4), func(in []*Tensor) *Tensor { return in[0].Mean() }, 25},
		gcCase{"var_1", one(Randn, 2, 3, 4), func(in []*Tensor) *Tensor { return in[0].VarDim([]int{1}, 1, false) }, 8},
		gcCase{"var", one(Randn, 2, 3, 4), func(in []*Tensor) *Tensor { return in[0].Var() }, 50},
		gcCase{"max_2", one(distinct, 2, 3, 4), func(in []*Tensor) *Tensor { return in[0].MaxDim([]int{2}, false) }, 1},
		gcCase{"max", one(distinct, 2, 3, 4), func(in []*Tensor) *Tensor { return in[0].Max() }, 1},
		gcCase{"min_01_keep", one(distinct, 2, 3, 4), func(in []*Tensor) *Tensor { return in[0].MinDim([]int{0, 1}, true) }, 1},
		gcCase{"softmax_last", one(Randn, 3, 5), func(in []*Tensor) *Tensor { return in[0].Softmax(-1) }, 8},
		gcCase{"softmax_0", one(Randn, 3, 4, 2), func(in []*Tensor) *Tensor { return in[0].Softmax(0) }, 8},
		gcCase{"log_softmax_last", one(Randn, 3, 5), func(in []*Tensor) *Tensor { return in[0].LogSoftmax(1) }, 8},
		gcCase{"log_softmax_1", one(Randn, 2, 4, 3), func(in []*Tensor) *Tensor { return in[0].LogSoftmax(1) }, 8},
		gcCase{"matmul_mm", two([]int{3, 4}, []int{4, 5}), func(in []*Tensor) *Tensor { return in[0].Matmul(in[1]) }, 5},
		gcCase{"matmul_dot", two([]int{5}, []int{5}), func(in []*Tensor) *Tensor { return in[0].Matmul(in[1]) }, 6},
		gcCase{"matmul_vm", two([]int{4}, []int{4, 3}), func(in []*Tensor) *Tensor { return in[0].Matmul(in[1]) }, 5},
		gcCase{"matmul_mv", two([]int{3, 4}, []int{4}), func(in []*Tensor) *Tensor { return in[0].Matmul(in[1]) }, 5},
		gcCase{"matmul_bmm", two([]int{2, 3, 4}, []int{2, 4, 5}), func(in []*Tensor) *Tensor { return in[0].Matmul(in[1]) }, 5},
		gcCase{"matmul_b_m", two([]int{2, 3, 4}, []int{4, 5}), func(in []*Tensor) *Tensor { return in[0].Matmul(in[1]) }, 5},
		gcCase{"matmul_m_b", two([]int{3, 4}, []int{2, 4, 5}), func(in []*Tensor) *Tensor { return in[0].Matmul(in[1]) }, 5},
		gcCase{"matmul_bcast", two([]int{2, 1, 3, 4}, []int{3, 4, 5}), func(in []*Tensor) *Tensor { return in[0].Matmul(in[1]) }, 5},
		gcCase{"matmul_transposed", two([]int{4, 3}, []int{5, 4}), func(in []*Tensor) *Tensor {
			return in[0].Transpose(0, 1).Matmul(in[1].Transpose(0, 1))
		}, 5},
		gcCase{"matmul_expanded", two([]int{3, 1}, []int{4, 2}), func(in []*Tensor) *Tensor { return in[0].Expand(3, 4).Matmul(in[1]) }, 5},
		gcCase{"matmul_batch_strided", two([]int{3, 2, 4, 5}, []int{2, 3, 5, 2}), func(in []*Tensor) *Tensor {
			return in[0].Transpose(0, 1).Matmul(in[1])
		}, 6},
		gcCase{"matmul_batch_bcast_b", two([]int{2, 3, 4}, []int{1, 4, 5}), func(in []*Tensor) *Tensor { return in[0].Matmul(in[1]) }, 5},
		gcCase{"reshape", one(Randn, 2, 3, 4), func(in []*Tensor) *Tensor { return in[0].Reshape(4, -1).Mul(in[0].Reshape(4, 6)) }, 1},
		gcCase{"reshape_copy", one(Randn, 3, 4), func(in []*Tensor) *Tensor { return in[0].Transpose(0, 1).Reshape(12) }, 1},
		gcCase{"view", one(Randn, 2, 3, 4), func(in []*Tensor) *Tensor { return in[0].View(6, 4) }, 1},
		gcCase{"permute", one(Randn, 2, 3, 4), func(in []*Tensor) *Tensor { return in[0].Permute(2, 0, 1).Exp() }, 2},
		gcCase{"slice", one(Randn, 4, 7), func(in []*Tensor) *Tensor { return in[0].Slice(1, 1, 6, 2) }, 1},
		gcCase{"narrow_twice", one(Randn, 4, 6), func(in []*Tensor) *Tensor {
			return in[0].Narrow(1, 2, 3).Add(in[0].Narrow(1, 0, 3))
		}, 1},
		gcCase{"expand", one(Randn, 3, 1), func(in []*Tensor) *Tensor { return in[0].Expand(2, 3, 4) }, 4},
		gcCase{"squeeze_unsqueeze", one(Randn, 1, 3, 1, 2), func(in []*Tensor) *Tensor { return in[0].Squeeze().Unsqueeze(0) }, 1},
		gcCase{"flatten", one(Randn, 2, 3, 4), func(in []*Tensor) *Tensor { return in[0].Flatten(0, 1) }, 1},
		gcCase{"contiguous", one(Randn, 3, 4), func(in []*Tensor) *Tensor { return in[0].Transpose(0, 1).Contiguous() }, 1},
		gcCase{"clone", one(Randn, 3, 4), func(in []*Tensor) *Tensor { return in[0].Clone() }, 1},
		gcCase{"mlp", func(g *Generator) []*Tensor {
			return []*Tensor{Randn(g, 4, 6), Randn(g, 6, 5), Randn(g, 5), Randn(g, 5, 3)}
		}, func(in []*Tensor) *Tensor {
			h := in[0].Matmul(in[1]).Add(in[2]).Tanh()
			return h.Matmul(in[3]).LogSoftmax(1).Mean()
		}, 40},
	)
	for _, e := range []struct {
		name, eq string
		shapes   [][]int
	}{{"matmul", "ij,jk->ik", [][]int{{3, 4}, {4, 5}}}, {"trace", "ii->", [][]int{{4, 4}}},
		{"diagonal", "ii->i", [][]int{{3, 3}}}, {"outer", "i,j->ij", [][]int{{3}, {4}}},
		{"bmm", "bij,bjk->bik", [][]int{{2, 3, 4}, {2, 4, 5}}}, {"bilinear", "bn,anm,bm->ba", [][]int{{2, 3}, {4, 3, 5}, {2, 5}}},
		{"ellipsis", "...ij,...jk->...ik", [][]int{{2, 3, 4}, {4, 5}}}} {
		cs = append(cs, gcCase{"einsum_" + e.name, func(g *Generator) []*Tensor {
			var in []*Tensor
			for _, s := range e.shapes {
				in = append(in, Randn(g, s...))
			}
			return in
		}, func(in []*Tensor) *Tensor { return MustEinsum(e.eq, in...) }, 16})
	}
	cs = append(cs, gcCase{"einsum_self", one(Randn, 5), func(in []*Tensor) *Tensor { return MustEinsum("i,i->", in[0], in[0]) }, 6})
	return cs
}

func TestGradCheck(t *testing.T) {
	for i, c := range gcCases() {
		t.Run(c.name, func(t *testing.T) {
			in := c.inputs(NewGenerator(uint64(100 + i)))
			if err := GradCheck(c.f, in, GradCheckOptions{Terms: c.terms}); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestGradCheckCatchesWrongGradient makes sure the checker is not blind: a
// function whose recorded gradient is wrong (x*x with one factor detached,
// whose gradient is x instead of 2x) must fail.
func TestGradCheckCatchesWrongGradient(t *testing.T) {
	x := awayFromZero(NewGenerator(3), 3, 4)
	err := GradCheck(func(in []*Tensor) *Tensor { return in[0].Mul(in[0].Detach()) }, []*Tensor{x}, GradCheckOptions{})
	if err == nil || !strings.Contains(err.Error(), "analytic") {
		t.Fatalf("GradCheck of a wrong gradient returned %v", err)
	}
}
