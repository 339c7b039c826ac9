package tensor

import (
	"slices"
	"sync/atomic"

	"github.com/vecgrad/vecgrad/kernels"
)

// opKind names the operation that produced a tensor. Each operation's forward
// and backward live side by side in the operation's file; backwardOp below
// only dispatches.
type opKind uint8

const (
	opLeaf opKind = iota
	opBinary
	opScalar
	opUnary
	opReshape
	opPermute
	opSlice
	opExpand
	opContiguous
	opSum
	opMax
	opSoftmax
	opLogSoftmax
	opMatmul
	opEinsum
	opCustom // an operation defined outside the package (custom.go)
)

var opNames = [...]string{
	opLeaf: "Leaf", opBinary: "Binary", opScalar: "Scalar", opUnary: "Unary",
	opReshape: "View", opPermute: "Permute", opSlice: "Slice", opExpand: "Expand",
	opContiguous: "Clone", opSum: "Sum", opMax: "Max", opSoftmax: "Softmax",
	opLogSoftmax: "LogSoftmax", opMatmul: "Matmul", opEinsum: "Einsum",
	opCustom: "Custom",
}

// record is the tape entry of one operation, kept in its output tensor: the
// operation, its inputs and whatever its backward needs besides them (no
// closures, so recording allocates nothing).
type record struct {
	op    opKind
	in    [2]*Tensor
	ins   []*Tensor // operands beyond two (einsum)
	bop   kernels.BinaryOp
	uk    unaryKind
	f     float32
	flag  bool
	nargs int
	args  [MaxDims]int
	aux   any // an operation's extra state (einsum's plan, a custom op's Function)
}

// input returns input i of the record (numInputs of them).
func (r *record) input(i int) *Tensor {
	if i < 2 {
		return r.in[i]
	}
	return r.ins[i-2]
}

func (r *record) numInputs() int {
	switch {
	case len(r.ins) > 0:
		return 2 + len(r.ins)
	case r.in[1] != nil:
		return 2
	case r.in[0] != nil:
		return 1
	}
	return 0
}

var gradOff atomic.Int32 // > 0 inside NoGrad scopes

// GradEnabled reports whether operations record the tape (true unless inside
// NoGrad or after SetGradEnabled(false)).
func GradEnabled() bool { return gradOff.Load() == 0 }

// SetGradEnabled turns recording on or off, as torch.set_grad_enabled, and
// returns the previous setting. The setting is process-wide: Go has no
// goroutine-local state, so do not evaluate without grad on one goroutine
// while another records a graph (use Detach there instead).
func SetGradEnabled(on bool) (was bool) {
	was = GradEnabled()
	if on {
		gradOff.Store(0)
	} else {
		gradOff.Store(1)
	}
	return was
}

// NoGrad runs f with recording off, as torch.no_grad: for evaluation and for
// optimizer updates. Results computed inside do not require grad. It is
// process-wide, as SetGradEnabled.
func NoGrad(f func()) {
	gradOff.Add(1)
	defer gradOff.Add(-1)
	f()
}

// track reports whether an operation on inputs that do (or do not) require
// grad must be recorded.
func track(need bool) bool { return need && gradOff.Load() == 0 }

// record1 and record2 make out a non-leaf with the given inputs if
// recording applies, and report whether it did.
func record1(out *Tensor, op opKind, a *Tensor) bool {
	if !track(a.requiresGrad) {
		return false
	}
	out.requiresGrad = true
	out.rec.op, out.rec.in[0] = op, a
	return true
}

func record2(out *Tensor, op opKind, a, b *Tensor) bool {
	if !track(a.requiresGrad || b.requiresGrad) {
		return false
	}
	out.requiresGrad = true
	out.rec.op, out.rec.in[0], out.rec.in[1] = op, a, b
	return true
}

// RequiresGrad reports whether gradients flow to this tensor.
func (t *Tensor) RequiresGrad() bool {
	nilReceiver("RequiresGrad", t)
	return t.requiresGrad
}

// SetRequiresGrad marks a leaf tensor as a parameter whose gradient Backward
// accumulates (or unmarks it), and returns it. It panics on a non-leaf.
func (t *Tensor) SetRequiresGrad(on bool) *Tensor {
	nilReceiver("SetRequiresGrad", t)
	if t.rec.op != opLeaf {
		fail("SetRequiresGrad", "only leaf tensors can change requires_grad (this one is the result of ", opNames[t.rec.op], "; use Detach)")
	}
	t.requiresGrad = on
	return t
}

// IsLeaf reports whether the tensor was not produced by a recorded operation.
func (t *Tensor) IsLeaf() bool {
	nilReceiver("IsLeaf", t)
	return t.rec.op == opLeaf
}

// Grad returns the gradient accumulated by Backward (a contiguous tensor of
// the same shape), or nil if none has been computed since creation or the
// last ZeroGrad. Non-leaf tensors have a gradient after a Backward through
// them too, valid until the next Backward.
func (t *Tensor) Grad() *Tensor {
	nilReceiver("Grad", t)
	if !t.gradSet {
		return nil
	}
	return t.grad
}

// ZeroGrad clears the accumulated gradient, as torch's zero_grad with
// set_to_none: Grad returns nil until the next Backward writes it. The buffer
// is kept, so the next Backward allocates nothing.
func (t *Tensor) ZeroGrad() {
	nilReceiver("ZeroGrad", t)
	t.gradSet = false
}

// SwapGrad installs g as the buffer that t's next Backward writes its
// gradient into, and returns t's gradient until now (Grad's result, nil if
// none). Afterwards Grad returns nil until a Backward, as after ZeroGrad.
// It lets a caller keep one gradient while the next is computed, as the
// central differences of package optim do, without copying it: hand back
// the returned tensor in a later SwapGrad and the two buffers alternate.
// g may be nil (the next Backward allocates a buffer); otherwise it must
// have t's shape, be contiguous with a storage of its own (not a view),
// come from where t lives (the heap, or t's Arena), and not be used
// elsewhere while t holds it. It panics otherwise.
func (t *Tensor) SwapGrad(g *Tensor) *Tensor {
	nilReceiver("SwapGrad", t)
	if g != nil && (!slices.Equal(g.shape, t.shape) || !g.IsContiguous() || g.offset != 0 || len(g.data) != t.Numel() || g.arena != t.arena || g == t) {
		fail("SwapGrad", "buffer of shape ", shapeStr(g.shape), " cannot hold the gradient of a tensor of shape ", shapeStr(t.shape),
			" (give a contiguous tensor of that shape with its own storage, allocated where the tensor was)")
	}
	old := t.Grad()
	t.grad, t.gradSet = g, false
	return old
}

// ZeroGrad clears the gradients of all the given tensors.
func ZeroGrad(ts ...*Tensor) {
	if err := nilOperands("ZeroGrad", "ts", ts); err != nil {
		panic(err)
	}
	for _, t := range ts {
		t.ZeroGrad()
	}
}

// Detach returns a view of the same storage that is a leaf without grad, as
// torch's detach.
func (t *Tensor) Detach() *Tensor {
	nilReceiver("Detach", t)
	return t.view(t.shape, t.strides, t.offset)
}

// Backward computes the gradient of this one-element tensor (usually a loss)
// with respect to every tensor that requires grad and that it depends on,
// adding it to their Grad (gradients accumulate across calls until
// ZeroGrad). It panics if the tensor has more than one element or does not
// require grad.
func (t *Tensor) Backward() {
	nilReceiver("Backward", t)
	if t.Numel() != 1 {
		fail("Backward", "grad can be implicitly created only for a tensor with one element, not shape ", shapeStr(t.shape), " (use BackwardWith)")
	}
	t.backward(nil)
}

// BackwardWith is Backward with an explicit upstream gradient: the
// gradient of some scalar with respect to this tensor, of the same shape.
func (t *Tensor) BackwardWith(grad *Tensor) {
	nilReceiver("BackwardWith", t)
	nilArg("BackwardWith", "grad", grad)
	if !slices.Equal(grad.shape, t.shape) {
		fail("BackwardWith", "gradient of shape ", shapeStr(grad.shape), " for a tensor of shape ", shapeStr(t.shape))
	}
	t.backward(grad)
}

var visitEpoch atomic.Uint64

func (t *Tensor) backward(seed *Tensor) {
	if !t.requiresGrad {
		fail("Backward", "the tensor does not require grad (no input of it has SetRequiresGrad(true), or it was computed under NoGrad)")
	}
	ar := t.arena
	var order, stack []*Tensor
	if ar != nil {
		order, stack = ar.order[:0], ar.stack[:0]
	}
	order, stack = t.topo(order, stack)
	for _, n := range order {
		if n.rec.op != opLeaf {
			n.gradSet = false
		}
	}
	if seed == nil {
		dst, acc := t.gradSlot()
		if acc {
			dst[0]++
		} else {
			dst[0] = 1
		}
	} else {
		g := svOf(seed)
		addGrad(t, &g)
	}
	for i := len(order) - 1; i >= 0; i-- {
		n := order[i]
		if n.rec.op != opLeaf && n.gradSet {
			n.backwardOp()
		}
	}
	if ar != nil {
		clear(order)
		ar.order, ar.stack = order[:0], stack[:0]
	}
}

// topo appends to order every tensor that requires grad and that t depends
// on, inputs before the operations that use them (depth-first post-order).
func (t *Tensor) topo(order, stack []*Tensor) ([]*Tensor, []*Tensor) {
	e := visitEpoch.Add(1)
	seen, done := 2*e, 2*e+1
	stack = append(stack, t)
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		switch n.visit {
		case done:
			stack = stack[:len(stack)-1]
		case seen:
			stack = stack[:len(stack)-1]
			n.visit = done
			order = append(order, n)
		default:
			n.visit = seen
			for i, k := 0, n.rec.numInputs(); i < k; i++ {
				in := n.rec.input(i)
				if in.requiresGrad && in.visit != seen && in.visit != done {
					stack = append(stack, in)
				}
			}
		}
	}
	return order, stack
}

// backwardOp propagates t's gradient to its inputs.
func (t *Tensor) backwardOp() {
	switch t.rec.op {
	case opBinary:
		binaryBackward(t)
	case opScalar:
		scalarBackward(t)
	case opUnary:
		unaryBackward(t)
	case opReshape:
		reshapeBackward(t)
	case opPermute:
		permuteBackward(t)
	case opSlice:
		sliceBackward(t)
	case opExpand:
		expandBackward(t)
	case opContiguous:
		contiguousBackward(t)
	case opSum:
		sumBackward(t)
	case opMax:
		maxBackward(t)
	case opSoftmax:
		softmaxBackward(t)
	case opLogSoftmax:
		logSoftmaxBackward(t)
	case opMatmul:
		matmulBackward(t)
	case opEinsum:
		einsumBackward(t)
	case opCustom:
		customBackward(t)
	default:
		panic("tensor: backward of unknown op")
	}
}

// gradSlot returns t's gradient buffer (contiguous, t's shape), creating it
// on first use, and whether the caller must add to it (acc) or overwrite
// every element (!acc). A leaf's buffer comes from where the leaf lives (the
// heap for parameters), so it survives an arena Reset.
func (t *Tensor) gradSlot() (dst []float32, acc bool) {
	if t.grad == nil {
		t.grad = newTensor(t.arena, t.shape)
		t.gradSet = true
		return t.grad.data, false
	}
	if !t.gradSet {
		t.gradSet = true
		return t.grad.data, false
	}
	return t.grad.data, true
}

// gradZeroed returns t's gradient buffer ready to be added to.
func (t *Tensor) gradZeroed() []float32 {
	dst, acc := t.gradSlot()
	if !acc {
		kernels.Fill(dst, 0)
	}
	return dst
}

// addGrad adds g, an operand over t's shape, to t's gradient.
func addGrad(t *Tensor, g *sv) {
	dst, acc := t.gradSlot()
	d := svDense(dst, t.shape)
	if acc {
		binaryLoop(kernels.OpAdd, false, t.shape, &d, &d, g)
	} else {
		copyLoop(t.shape, &d, g)
	}
}

// addGradReduce adds g, a contiguous tensor of a shape that t's shape
// broadcasts to, to t's gradient, summed over the broadcast dimensions.
// Temporaries come from ar.
func addGradReduce(ar *Arena, t *Tensor, g *Tensor) {
	if slices.Equal(t.shape, g.shape) {
		s := svOf(g)
		addGrad(t, &s)
		return
	}
	var red [MaxDims]bool
	lead := len(g.shape) - len(t.shape)
	for i := range g.shape {
		red[i] = i < lead || (t.shape[i-lead] == 1 && g.shape[i] != 1)
	}
	dst, acc := t.gradSlot()
	x := svOf(g)
	reduceInto(ar, redSum, dst, acc, g.shape, &x, &red)
}
