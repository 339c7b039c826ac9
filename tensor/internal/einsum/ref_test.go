package einsum

import (
	"math"
	"sort"
	"strings"
	"testing"
)

// This file is the tests' independent reference: its own parser (valid
// equations only) and a float64 einsum that loops over the full index
// space. It shares no code with the package.

// refEq is an equation in the reference's form: every label one rune, the
// ellipsis expanded into runes 0x100+d (d counted from the left of the
// broadcast ellipsis shape).
type refEq struct {
	in  [][]rune
	out []rune
}

func refParse(eq string, shapes [][]int) refEq {
	eq = strings.Map(func(r rune) rune {
		if strings.ContainsRune(" \t\n\r\v\f", r) {
			return -1
		}
		return r
	}, eq)
	lhs, rhs, explicit := strings.Cut(eq, "->")
	terms := strings.Split(lhs, ",")
	ell := 0
	for i, t := range terms {
		if strings.Contains(t, "...") {
			ell = max(ell, len(shapes[i])-(len(t)-3))
		}
	}
	ellRunes := func(n int) []rune {
		var r []rune
		for d := ell - n; d < ell; d++ {
			r = append(r, rune(0x100+d))
		}
		return r
	}
	var e refEq
	for i, t := range terms {
		var r []rune
		if a, b, ok := strings.Cut(t, "..."); ok {
			r = append(append(append(r, []rune(a)...), ellRunes(len(shapes[i])-len(a)-len(b))...), []rune(b)...)
		} else {
			r = []rune(t)
		}
		e.in = append(e.in, r)
	}
	if explicit {
		if a, b, ok := strings.Cut(rhs, "..."); ok {
			e.out = append(append(append(e.out, []rune(a)...), ellRunes(ell)...), []rune(b)...)
		} else {
			e.out = []rune(rhs)
		}
		return e
	}
	e.out = ellRunes(ell)
	count := map[rune]int{}
	for _, t := range terms {
		for _, r := range strings.ReplaceAll(t, "...", "") {
			count[r]++
		}
	}
	var once []rune
	for r, c := range count {
		if c == 1 {
			once = append(once, r)
		}
	}
	sort.Slice(once, func(i, j int) bool { return once[i] < once[j] })
	e.out = append(e.out, once...)
	return e
}

// refResult is the reference output with, per element, the sum of the
// absolute values of its terms, for the error bound.
type refResult struct {
	shape []int
	val   []float64
	abs   []float64
	terms int // terms summed into each element
}

// refLoop visits every point of eq's full index space, calling f with the
// row-major offset in each operand (a dimension of size 1 is indexed at 0
// whatever its label's size: broadcasting) and in the output, after
// calling start with the output's shape and number of elements. It returns
// the output shape and the number of points that land on one output
// element.
func refLoop(eq string, shapes [][]int, start func(outShape []int, n int), f func(offs []int, o int)) (outShape []int, terms int) {
	e := refParse(eq, shapes)
	size := map[rune]int{}
	var labels []rune
	for i, t := range e.in {
		for d, r := range t {
			n, ok := size[r]
			if !ok {
				labels = append(labels, r)
			}
			if !ok || n == 1 {
				size[r] = shapes[i][d]
			}
		}
	}
	outShape = []int{}
	outLen := 1
	for _, r := range e.out {
		outShape = append(outShape, size[r])
		outLen *= size[r]
	}
	start(outShape, outLen)
	terms = 1
	total := 1
	for _, r := range labels {
		total *= size[r]
		if !strings.ContainsRune(string(e.out), r) {
			terms *= size[r]
		}
	}
	idx := map[rune]int{}
	offs := make([]int, len(e.in))
	for flat := 0; flat < total; flat++ {
		x := flat
		for k := len(labels) - 1; k >= 0; k-- {
			idx[labels[k]] = x % size[labels[k]]
			x /= size[labels[k]]
		}
		for i, t := range e.in {
			off, stride := 0, 1
			for d := len(t) - 1; d >= 0; d-- {
				if shapes[i][d] != 1 {
					off += idx[t[d]] * stride
				}
				stride *= shapes[i][d]
			}
			offs[i] = off
		}
		o := 0
		for _, r := range e.out {
			o = o*size[r] + idx[r]
		}
		f(offs, o)
	}
	return outShape, terms
}

// refEinsum evaluates eq on contiguous float64 operands of the given
// shapes.
func refEinsum(eq string, shapes [][]int, data [][]float64) refResult {
	var res refResult
	res.shape, res.terms = refLoop(eq, shapes, func(_ []int, n int) {
		res.val, res.abs = make([]float64, n), make([]float64, n)
	}, func(offs []int, o int) {
		prod := 1.0
		for i, off := range offs {
			prod *= data[i][off]
		}
		res.val[o] += prod
		res.abs[o] += math.Abs(prod)
	})
	return res
}

// refGrad is the gradient of sum(gradOut ⊙ einsum) with respect to
// operand i: each point of the index space adds gradOut times the other
// operands' factors to the element of operand i it reads. terms is the
// most points that land on one element of operand i.
func refGrad(eq string, shapes [][]int, data [][]float64, gradOut []float64, i int) refResult {
	n := 1
	for _, d := range shapes[i] {
		n *= d
	}
	res := refResult{shape: shapes[i], val: make([]float64, n), abs: make([]float64, n)}
	hits := make([]int, n)
	refLoop(eq, shapes, func([]int, int) {}, func(offs []int, o int) {
		prod := gradOut[o]
		for j, off := range offs {
			if j != i {
				prod *= data[j][off]
			}
		}
		res.val[offs[i]] += prod
		res.abs[offs[i]] += math.Abs(prod)
		hits[offs[i]]++
	})
	for _, h := range hits {
		res.terms = max(res.terms, h)
	}
	return res
}

// eps32 is float32's machine epsilon.
const eps32 = 1.0 / (1 << 23)

// checkClose compares got with the reference: each element within
// 2*(terms+nops)*eps32*sum|terms| (a sum of terms products of nops
// float32 factors, each rounding once per operation on its path).
func checkClose(t *testing.T, what string, got []float32, ref refResult, nops int) {
	t.Helper()
	if len(got) != len(ref.val) {
		t.Fatalf("%s: %d elements, want %d", what, len(got), len(ref.val))
	}
	bound := 2 * float64(ref.terms+nops) * eps32
	bad := 0
	for i, g := range got {
		err := math.Abs(float64(g) - ref.val[i])
		if !(err <= bound*ref.abs[i]) {
			if bad++; bad <= 5 {
				t.Errorf("%s: element %d = %v, want %v (error %.3g > bound %.3g)", what, i, g, ref.val[i], err, bound*ref.abs[i])
			}
		}
	}
	if bad > 5 {
		t.Errorf("%s: %d elements out of bounds", what, bad)
	}
}
