package einsum

import (
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/vecgrad/vecgrad/internal/freelist"
)

// Plan is a parsed equation bound to the shapes of its operands: the
// output shape and the schedule of reductions and pairwise contractions
// that computes it. A Plan is safe for concurrent use; each concurrent
// caller gets its own scratch buffers, which the Plan keeps for later calls.
type Plan struct {
	eq       string
	shapes   [][]int
	size     []int // size of each label
	ops      []operandSpec
	out      []int // output labels, in order
	outShape []int
	outLen   int
	maxLen   float64 // elements of the largest of the output and the steps' results
	zero     bool    // some label the operands use has size 0: the output is empty or zeros
	steps    []step  // empty: the output is a strided copy of operand 0

	work freelist.List[workspace]

	gradMu sync.Mutex
	grads  []*gradPlan // built on first use, one per operand
}

// operandSpec is how one operand's dimensions map to labels.
type operandSpec struct {
	dims   []int // label of each dimension
	labels []int // its labels: distinct, in order of first appearance, without the size-1 dimensions that broadcast
	keep   []bool
	diag   bool // a label names two or more dimensions
}

// step is one reduction or pairwise contraction. Values 0..nops-1 are the
// operands; step s makes value nops+s. y < 0 sums x over k (a product with
// a vector of ones).
type step struct {
	x, y           int
	batch, m, n, k []int // sorted label ids: in both and kept, only in x, only in y, in both and summed
}

// newPlan builds the schedule for operands whose dimension labels are
// dims, with label sizes size and output labels out.
func newPlan(eq string, shapes, dims [][]int, size, out []int) *Plan {
	p := &Plan{eq: eq, shapes: shapes, size: size, out: out, outLen: 1}
	for _, l := range out {
		p.outShape = append(p.outShape, size[l])
		p.outLen *= size[l]
	}
	p.outShape = append([]int{}, p.outShape...) // never nil: a scalar has shape []
	p.maxLen = p.numel(out)
	p.ops = make([]operandSpec, len(dims))
	for i, dl := range dims {
		o := &p.ops[i]
		o.dims = dl
		o.keep = make([]bool, len(dl))
		for d, l := range dl {
			// A dimension of size 1 under a label of another size broadcasts:
			// the operand does not vary along it, so it is not one of its
			// labels (it is indexed at 0).
			if shapes[i][d] == 1 && size[l] != 1 {
				continue
			}
			o.keep[d] = true
			if slices.Contains(o.labels, l) {
				o.diag = true
				continue
			}
			o.labels = append(o.labels, l)
			if size[l] == 0 {
				p.zero = true
			}
		}
	}
	p.grads = make([]*gradPlan, len(dims))
	p.schedule()
	return p
}

// schedule plans the steps: first each operand is summed over the labels
// that only it has and the output lacks; then, greedily, the pair whose
// contraction removes the most elements (opt_einsum's greedy cost: the
// size of the result minus the sizes of the two inputs; ties go to the
// first pair in order) is contracted, its result appended to the list.
func (p *Plan) schedule() {
	sc := &scheduler{p: p}
	for i := range p.ops {
		sc.active = append(sc.active, planValue{i, sorted(p.ops[i].labels)})
	}
	for t := range sc.active {
		sc.sumOwn(t)
	}
	for len(sc.active) > 1 {
		sc.contract(sc.bestPair())
	}
}

// planValue is an operand or a step's result while the schedule is built.
type planValue struct {
	id     int   // 0..nops-1 an operand, nops+s step s's result
	labels []int // sorted
}

// scheduler holds the values not yet contracted while schedule plans the
// steps of p.
type scheduler struct {
	p      *Plan
	active []planValue
}

// needed reports whether label l is used outside active values a and b:
// by the output or another value.
func (sc *scheduler) needed(l, a, b int) bool {
	if slices.Contains(sc.p.out, l) {
		return true
	}
	for t, v := range sc.active {
		if t != a && t != b && slices.Contains(v.labels, l) {
			return true
		}
	}
	return false
}

// add appends step s, whose result has labels, and returns its value.
func (sc *scheduler) add(s step, labels []int) planValue {
	p := sc.p
	p.maxLen = max(p.maxLen, p.numel(labels))
	p.steps = append(p.steps, s)
	return planValue{len(p.ops) + len(p.steps) - 1, labels}
}

// sumOwn replaces active value t by its sum over the labels no other
// value and not the output uses, where there are any.
func (sc *scheduler) sumOwn(t int) {
	var kept, summed []int
	for _, l := range sc.active[t].labels {
		if sc.needed(l, t, t) {
			kept = append(kept, l)
		} else {
			summed = append(summed, l)
		}
	}
	if len(summed) > 0 {
		sc.active[t] = sc.add(step{x: sc.active[t].id, y: -1, m: kept, k: summed}, kept)
	}
}

// bestPair returns the pair of active values whose contraction removes
// the most elements (the first such pair in order).
func (sc *scheduler) bestPair() (bi, bj int) {
	bi, bj = 0, 1
	best := 0.0
	for i := range sc.active {
		for j := i + 1; j < len(sc.active); j++ {
			var kept []int
			for _, l := range union(sc.active[i].labels, sc.active[j].labels) {
				if sc.needed(l, i, j) {
					kept = append(kept, l)
				}
			}
			cost := sc.p.numel(kept) - sc.p.numel(sc.active[i].labels) - sc.p.numel(sc.active[j].labels)
			if i == 0 && j == 1 || cost < best {
				bi, bj, best = i, j, cost
			}
		}
	}
	return bi, bj
}

// contract appends the step that contracts active values bi < bj and
// replaces them by its result, at the end of the list.
func (sc *scheduler) contract(bi, bj int) {
	x, y := sc.active[bi], sc.active[bj]
	var s step
	s.x, s.y = x.id, y.id
	var kept []int
	for _, l := range union(x.labels, y.labels) {
		inX, inY := slices.Contains(x.labels, l), slices.Contains(y.labels, l)
		keep := sc.needed(l, bi, bj)
		switch {
		case inX && inY && keep:
			s.batch = append(s.batch, l)
		case inX && inY:
			s.k = append(s.k, l)
		case inX && keep:
			s.m = append(s.m, l)
		case inY && keep:
			s.n = append(s.n, l)
		default:
			panic("einsum: internal error: a label in one operand only is not summed first")
		}
		if keep {
			kept = append(kept, l)
		}
	}
	v := sc.add(s, kept)
	sc.active = slices.Delete(sc.active, bj, bj+1)
	sc.active = slices.Delete(sc.active, bi, bi+1)
	sc.active = append(sc.active, v)
}

// numel is the number of elements over labels, as a float64 (it may
// overflow int in the planner's arithmetic).
func (p *Plan) numel(labels []int) float64 {
	n := 1.0
	for _, l := range labels {
		n *= float64(p.size[l])
	}
	return n
}

func sorted(s []int) []int { return slices.Sorted(slices.Values(s)) }

func union(a, b []int) []int { return slices.Compact(sorted(append(append([]int{}, a...), b...))) }

// OutShape returns the shape of the output (a new slice; empty for a
// scalar).
func (p *Plan) OutShape() []int { return append([]int{}, p.outShape...) }

// MaxLen returns the number of elements of the largest array Run fills:
// the output or a step's result (the scratch copies of operands are no
// larger than what they copy). It is a float64, exact up to 2^53, because
// a plan may describe arrays whose size overflows an int: a caller bounds
// it before calling Run, which would allocate them. OutLen is meaningful
// only when MaxLen fits in an int.
func (p *Plan) MaxLen() float64 { return p.maxLen }

// OutLen returns the number of elements of the output.
func (p *Plan) OutLen() int { return p.outLen }

// NumOperands returns the number of operands the equation names.
func (p *Plan) NumOperands() int { return len(p.ops) }

// Shape returns the shape of operand i the plan was made for (a new
// slice).
func (p *Plan) Shape(i int) []int { return append([]int{}, p.shapes[i]...) }

// Equation returns the equation the plan was parsed from.
func (p *Plan) Equation() string { return p.eq }

// String describes the schedule, one step per line, values v0.. being the
// operands and then the steps' results: for example
//
//	bij,bjk->bik -> [2 3 5]
//	  v2 = v0·v1 batch "b" left "i" right "k" sum "j"
func (p *Plan) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s -> %v", p.eq, p.outShape)
	names := func(ls []int) string {
		var s strings.Builder
		for _, l := range ls {
			s.WriteString(labelName(l))
		}
		return s.String()
	}
	nops := len(p.ops)
	if len(p.steps) == 0 {
		b.WriteString(": copy v0")
	}
	for s, st := range p.steps {
		if st.y < 0 {
			fmt.Fprintf(&b, "\n  v%d = sum(v%d) keep %q sum %q", nops+s, st.x, names(st.m), names(st.k))
			continue
		}
		fmt.Fprintf(&b, "\n  v%d = v%d·v%d batch %q left %q right %q sum %q", nops+s, st.x, st.y, names(st.batch), names(st.m), names(st.n), names(st.k))
	}
	return b.String()
}

// labelName is a letter, or "…N" for the N-th dimension of the ellipsis.
func labelName(l int) string {
	switch {
	case l < 26:
		return string(rune('A' + l))
	case l < numLetters:
		return string(rune('a' + l - 26))
	}
	return fmt.Sprintf("…%d", l-numLetters)
}
