package einsum

import (
	"fmt"

	"github.com/vecgrad/vecgrad/kernels"
)

// workspace is the scratch of one Run or Grad call: per step, the result
// (or the scratch C of the last step) and the copies of its operands.
// Buffers grow to the largest size seen and are kept with the Plan.
type workspace struct {
	vals        []view
	res, ca, cb [][]float32
	ones        []float32 // all ones; for the reductions
	grad        []float32 // Grad's result before it is broadcast
	ops         []Operand // Grad's operands

	// Bookkeeping slices (strides, label orders, loop dimensions) come from
	// arenas reset at each Run or Grad: once they have grown, a call
	// allocates nothing.
	ints  arena[int]
	bdims arena[bdim]
	dims  arena[dim]
	one   [1]float32
}

// arena hands out slices of one buffer until reset. A slice has its
// length as capacity, so that an append past it copies instead of
// overwriting the next one; when the buffer is full a larger one replaces
// it (the slices already handed out keep the old one alive).
type arena[T any] struct{ buf []T }

func (a *arena[T]) get(n int) []T {
	if len(a.buf)+n > cap(a.buf) {
		a.buf = make([]T, 0, max(2*cap(a.buf), n, 64))
	}
	k := len(a.buf)
	a.buf = a.buf[:k+n]
	s := a.buf[k : k+n : k+n]
	clear(s)
	return s
}

func (ws *workspace) reset() {
	ws.ints.buf, ws.bdims.buf, ws.dims.buf = ws.ints.buf[:0], ws.bdims.buf[:0], ws.dims.buf[:0]
}

func (ws *workspace) prepare(values, steps int) {
	for len(ws.res) < steps {
		ws.res, ws.ca, ws.cb = append(ws.res, nil), append(ws.ca, nil), append(ws.cb, nil)
	}
	if cap(ws.vals) < values {
		ws.vals = make([]view, 0, values)
	}
	ws.vals = ws.vals[:0]
}

// onesView is a vector of ones over labels, contiguous.
func (ws *workspace) onesView(labels, size []int) view {
	n := numel(labels, size)
	if len(ws.ones) < n {
		ws.ones = make([]float32, n)
		kernels.Fill(ws.ones, 1)
	}
	return ws.contiguousView(ws.ones[:n], labels, size)
}

func grow(b []float32, n int) []float32 {
	if cap(b) < n {
		return make([]float32, n)
	}
	return b[:n]
}

// Run computes the equation on ops into out, which must hold OutLen()
// elements; it is overwritten, laid out row-major in OutShape(). ops must
// have the shapes the plan was made for; they are only read and may alias
// each other but not out.
//
// The float32 intermediates and copies live in buffers the Plan keeps and
// reuses on the next call: once they have grown to the plan's sizes (and
// for each caller running concurrently), Run allocates nothing. Results depend only on the inputs: not on the
// thread count, nor on the instruction set level (see kernels.Sgemm).
//
// Run panics, naming the argument and the values, when out or ops do not
// match the plan.
func (p *Plan) Run(out []float32, ops []Operand) {
	if len(out) != p.outLen {
		panic(fmt.Sprintf("einsum: Run: len(out) = %d, the output %v has %d elements", len(out), p.outShape, p.outLen))
	}
	p.checkOps("Run", ops)
	ws := p.work.Get()
	defer p.work.Put(ws)
	ws.reset()
	p.run(ws, ops, ws.contiguousView(out, p.out, p.size))
}

func (p *Plan) checkOps(fn string, ops []Operand) {
	if len(ops) != len(p.ops) {
		panic(fmt.Sprintf("einsum: %s: %d operands for an equation of %d", fn, len(ops), len(p.ops)))
	}
	for i := range ops {
		ops[i].check(fn, i, p.shapes[i])
	}
}

// run computes the schedule into dst, a view over the output labels.
func (p *Plan) run(ws *workspace, ops []Operand, dst view) {
	if p.outLen == 0 {
		return
	}
	if p.zero { // a summed label of size 0: empty sums
		ws.fillView(dst, p.size, 0)
		return
	}
	ws.prepare(len(ops)+len(p.steps), len(p.steps))
	for i := range ops {
		ws.vals = append(ws.vals, p.inputView(ws, i, &ops[i]))
	}
	if len(p.steps) == 0 {
		ws.copyView(dst, ws.vals[0], p.size)
		return
	}
	for s := range p.steps {
		st := &p.steps[s]
		var y view
		if st.y < 0 {
			y = ws.onesView(st.k, p.size)
		} else {
			y = ws.vals[st.y]
		}
		var d *view
		if s == len(p.steps)-1 {
			d = &dst
		}
		ws.vals = append(ws.vals, ws.contract(p, s, ws.vals[st.x], y, st, d))
	}
	clear(ws.vals) // drop the references to the caller's data
}

// inputView is operand i as a view over its labels: the stride of a label
// that names several dimensions (a diagonal) is the sum of theirs, and the
// dimensions that broadcast are left out.
func (p *Plan) inputView(ws *workspace, i int, o *Operand) view {
	spec := &p.ops[i]
	v := view{data: o.Data[o.Offset:], labels: spec.labels, strides: ws.ints.get(len(spec.labels))}
	for d, l := range spec.dims {
		if !spec.keep[d] {
			continue
		}
		for t, x := range spec.labels {
			if x == l {
				v.strides[t] += o.stride(d)
			}
		}
	}
	return v
}
