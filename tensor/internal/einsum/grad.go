package einsum

import (
	"fmt"
	"slices"

	"github.com/vecgrad/vecgrad/kernels"
)

// gradPlan computes the gradient of one operand: the einsum of the output
// gradient with the other operands onto the labels of that operand that
// they carry, then written over the operand's shape.
type gradPlan struct {
	sub     *Plan // (gradOut, others...) -> present
	others  []int // the forward operands that feed sub, after gradOut
	present []int // operand i's labels that gradOut or the others carry, in operand i's order
	full    bool  // present is all of operand i's labels

	outStrides []int // of gradOut: contiguous over the output shape
	dstStrides []int // of dst over operand i's labels: a diagonal's is the sum of its dimensions'; a broadcast dimension is indexed at 0
}

// Grad sets dst to the gradient, with respect to operand i, of
// sum(gradOut ⊙ Run(ops)): dst[x] = ∂/∂ops[i][x] of that sum, laid out
// row-major in the shape of operand i (len(dst) is its number of
// elements). It is what reverse-mode autograd needs for an einsum node:
// gradOut is the gradient of the loss with respect to the output (OutLen()
// elements, row-major in OutShape()), ops the operands of the forward call.
// dst is overwritten, not accumulated into.
//
// The gradient is itself an einsum, of gradOut and the other operands onto
// operand i's labels, with the parts a plain einsum lacks: on a diagonal
// (a label repeated in operand i) it is written on the diagonal and the
// rest of dst is zero; along a label only operand i has, summed in the
// forward, it is broadcast; along a dimension of size 1 that broadcast in
// the forward (a labelled one or one under the ellipsis) it is summed.
//
// Grad panics, naming the argument, when the arguments do not match the
// plan; it allocates as Run does.
func (p *Plan) Grad(i int, dst, gradOut []float32, ops []Operand) {
	if i < 0 || i >= len(p.ops) {
		panic(fmt.Sprintf("einsum: Grad: operand %d of an equation of %d", i, len(p.ops)))
	}
	if len(gradOut) != p.outLen {
		panic(fmt.Sprintf("einsum: Grad: len(gradOut) = %d, the output %v has %d elements", len(gradOut), p.outShape, p.outLen))
	}
	shape := p.shapes[i]
	n := 1
	for _, d := range shape {
		n *= d
	}
	if len(dst) != n {
		panic(fmt.Sprintf("einsum: Grad: len(dst) = %d, operand %d of shape %v has %d elements", len(dst), i, shape, n))
	}
	p.checkOps("Grad", ops)
	if n == 0 {
		return
	}
	g := p.gradPlan(i)
	ws := g.sub.work.Get()
	defer g.sub.work.Put(ws)
	ws.reset()
	sub := append(ws.ops[:0], Operand{Data: gradOut, Shape: p.outShape, Strides: g.outStrides})
	for _, j := range g.others {
		sub = append(sub, ops[j])
	}
	ws.ops = sub
	defer clear(sub) // drop the references to the caller's data

	// dst as a view over operand i's labels: a diagonal's stride is the sum
	// of its dimensions' strides; a broadcast dimension is indexed at 0.
	spec := &p.ops[i]
	whole := view{data: dst, labels: spec.labels, strides: g.dstStrides}
	if spec.diag {
		kernels.Fill(dst, 0)
	}
	if g.full {
		g.sub.run(ws, sub, whole)
		return
	}
	ws.grad = grow(ws.grad, g.sub.outLen)
	part := ws.contiguousView(ws.grad, g.present, p.size)
	g.sub.run(ws, sub, part)
	ws.copyView(whole, part, p.size) // broadcast along the labels part lacks
}

// gradPlan returns the plan of operand i's gradient, building it on first
// use.
func (p *Plan) gradPlan(i int) *gradPlan {
	p.gradMu.Lock()
	defer p.gradMu.Unlock()
	if g := p.grads[i]; g != nil {
		return g
	}
	g := &gradPlan{}
	shapes := [][]int{p.outShape}
	dims := [][]int{p.out}
	avail := append([]int{}, p.out...)
	for j := range p.ops {
		if j == i {
			continue
		}
		g.others = append(g.others, j)
		shapes = append(shapes, p.shapes[j])
		dims = append(dims, p.ops[j].dims)
		avail = append(avail, p.ops[j].labels...)
	}
	for _, l := range p.ops[i].labels {
		if slices.Contains(avail, l) {
			g.present = append(g.present, l)
		}
	}
	g.full = len(g.present) == len(p.ops[i].labels)
	g.outStrides = Contiguous(p.outShape)
	spec := &p.ops[i]
	cs := Contiguous(p.shapes[i])
	g.dstStrides = make([]int, len(spec.labels))
	for d, l := range spec.dims {
		if spec.keep[d] {
			g.dstStrides[slices.Index(spec.labels, l)] += cs[d]
		}
	}
	g.sub = newPlan(p.eq, shapes, dims, p.size, g.present)
	p.grads[i] = g
	return g
}
