package tensor

// This file is the extension point for operations defined outside the
// package (package loss's fused losses): a forward computed by the caller
// and a hand-written backward, recorded on the tape like any built-in
// operation and, like them, without allocating.
//
// Allocation-free recording is why the API has this shape. The backward is
// an interface value (Function) that is meant to be stateless: a zero-size
// struct or a pointer to a package-level variable, which Go stores in an
// interface without allocating. Everything that varies per call lives in
// the result tensor, which comes from the arena: its inputs (the record's
// input slots), up to CustomInts integers (the record's argument array) and
// any number of saved float32 values, kept in the capacity of the result's
// storage just past its elements (one arena request for both). A closure or
// a per-call state struct would be one heap allocation per training step.

// Function is the backward of a custom differentiable operation (see
// Custom). Backward receives the operation's handle after the gradient of
// its result is known (CustomOp.Grad) and adds the gradient of every input
// that requires grad (CustomOp.InputGrad). It runs once per Backward call
// through the result, in the tape's reverse order.
//
// Implementations should be stateless values (a zero-size struct type or a
// pointer to a package-level variable) so that recording boxes nothing on
// the heap; per-call state belongs in CustomOp.Ints and CustomOp.Saved.
type Function interface {
	Backward(op CustomOp)
}

// CustomInts is the number of integers a custom operation can keep per call
// (CustomOp.Ints).
const CustomInts = MaxDims

// CustomOp is a handle on one call of a custom operation: its result, its
// inputs and the state its forward saved for the backward. It is one pointer
// (to the result tensor, which holds the record), so passing it allocates
// nothing.
type CustomOp struct{ t *Tensor }

// Custom starts a custom operation on inputs with the backward fn: it
// returns the handle of a new contiguous result of the given shape, in the
// arena of the first input that has one (the Go heap otherwise), with room
// for saved float32 values (CustomOp.Saved). The caller writes the result's
// values (Out().Storage()) and the saved state before the result is used.
//
// If recording is on and some input requires grad, the result is a
// non-leaf that requires grad and Backward through it calls fn.Backward;
// otherwise it is a leaf and fn is never called. A recorded operation keeps
// all its inputs (CustomOp.Input) but Backward visits only those that
// require grad, so constants the backward reads, such as a loss's targets,
// can be inputs too (and lend the result their arena). Two inputs are
// stored in the record itself; more cost one allocation. Custom panics with a *ShapeError if the shape is invalid or
// saved is negative.
func Custom(fn Function, shape []int, saved int, inputs ...*Tensor) CustomOp {
	mustShape("Custom", shape)
	if err := nilOperands("Custom", "inputs", inputs); err != nil {
		panic(err)
	}
	if saved < 0 {
		fail("Custom", "saved = ", itoa(saved), " must not be negative")
	}
	ar := arenaOf(inputs...)
	t := ar.tensor()
	t.setShape(shape)
	n := numel(shape)
	t.data = ar.floats(n + saved)[:n] // the saved values live in the capacity
	need := false
	for _, in := range inputs {
		need = need || in.requiresGrad
	}
	if track(need) {
		t.requiresGrad = true
		t.rec.op = opCustom
		t.rec.aux = fn
		copy(t.rec.in[:], inputs)
		if len(inputs) > 2 {
			t.rec.ins = append([]*Tensor(nil), inputs[2:]...)
		}
	}
	return CustomOp{t}
}

// Out returns the result tensor (contiguous, offset 0).
func (o CustomOp) Out() *Tensor { return o.t }

// Recorded reports whether the operation was recorded on the tape (some
// input requires grad and recording is on): a forward may skip preparing
// state that only the backward reads when it was not.
func (o CustomOp) Recorded() bool { return o.t.rec.op == opCustom }

// NumInputs returns the number of inputs recorded (0 when not Recorded).
func (o CustomOp) NumInputs() int { return o.t.rec.numInputs() }

// Input returns recorded input i, in the order they were given to Custom.
func (o CustomOp) Input(i int) *Tensor { return o.t.rec.input(i) }

// Ints returns the CustomInts integers kept with this call (zero until
// set), for sizes, flags and indices the backward needs.
func (o CustomOp) Ints() []int { return o.t.rec.args[:] }

// Saved returns the saved float32 values of this call: the length given to
// Custom, uninitialized in an arena. They live as long as the result.
func (o CustomOp) Saved() []float32 {
	n := len(o.t.data)
	return o.t.data[n:cap(o.t.data)]
}

// Scratch returns n float32 values of temporary memory from the result's
// arena (uninitialized), or zeroed ones from the Go heap when it has none;
// valid until the arena's Reset. Forwards and backwards use it for their
// intermediate rows.
func (o CustomOp) Scratch(n int) []float32 { return o.t.arena.floats(n) }

// Grad returns the gradient of the result during Backward: contiguous over
// the result's shape (row-major), read-only.
func (o CustomOp) Grad() []float32 { return o.t.grad.data[:len(o.t.data)] }

// InputGrad returns the gradient buffer of input i (which must require
// grad) for the backward to fill: contiguous over the input's shape in
// row-major order whatever the input's strides, and whether the backward
// must add to it (acc) or set every element (!acc, the buffer holds stale
// values). Calling it marks the gradient as set, so a backward that calls it
// must then write the whole buffer (or add to it).
func (o CustomOp) InputGrad(i int) (dst []float32, acc bool) {
	in := o.t.rec.input(i)
	if !in.requiresGrad {
		fail("Custom", "InputGrad(", itoa(i), "): the input does not require grad")
	}
	return in.gradSlot()
}

// customBackward dispatches to the operation's Function.
func customBackward(t *Tensor) { t.rec.aux.(Function).Backward(CustomOp{t}) }
