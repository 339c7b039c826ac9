package optim

import (
	"fmt"

	"github.com/vecgrad/vecgrad/kernels"
)

// Ranged is an optimizer whose step can be taken a range of a parameter at
// a time, from gradients held anywhere: what a training step needs that
// updates each layer as soon as its gradient is complete, while the
// gradient is still in cache (PyTorch's optimizer-in-backward hooks), and
// from several threads at once. SGD and Adam (and AdamW) implement it.
//
// BeginStep, then StepRange over every element of every parameter (each
// element once, the ranges in any order and on any goroutines, disjoint
// ranges concurrently), is bit for bit Step with those gradients: the
// update is elementwise, and each element's arithmetic is the same.
type Ranged interface {
	Optimizer
	// BeginStep starts a step in which every parameter receives a
	// gradient: per-step state advances once (Adam's step counts; state
	// buffers are allocated on the first step). It is not safe for
	// concurrent use.
	BeginStep()
	// StepRange updates elements [lo, hi) of parameter i (numbered as in
	// Params) from grad, their gradient (len(grad) == hi-lo), on the
	// calling goroutine alone. It panics on a range or length that does
	// not fit (a programming error).
	StepRange(i, lo, hi int, grad []float32)
	// StateRange appends to dst, and returns, the state buffers of
	// elements [lo, hi) of parameter i as live slices (writing them
	// changes the state): SGD's momentum buffer, Adam's m and v and the
	// amsgrad maximum, those that exist (none before the first step
	// allocates them). Processes that each step a part of a parameter
	// share their parts of the state through it; the training step
	// prefetches them (appending to a dst of room enough allocates
	// nothing). It panics on a range that does not fit.
	StateRange(dst [][]float32, i, lo, hi int) [][]float32
}

var (
	_ Ranged = (*SGD)(nil)
	_ Ranged = (*Adam)(nil)
)

// BeginStep starts a step of every parameter (see Ranged).
func (o *SGD) BeginStep() {
	if o.hyper == nil {
		o.hyper = make([]kernels.SGDParams, len(o.params))
	}
	for i := range o.params {
		o.hyper[i] = o.begin(i)
	}
}

// StepRange updates elements [lo, hi) of parameter i (see Ranged).
func (o *SGD) StepRange(i, lo, hi int, grad []float32) {
	p := rangeOf("SGD", o.params[i].Storage(), i, lo, hi, grad)
	var buf []float32
	if o.buf[i] != nil {
		buf = o.buf[i][lo:hi]
	}
	kernels.SGDStepSerial(p, grad, buf, o.hyper[i])
}

// KernelRange returns what StepRange(i, lo, hi, grad) hands to
// kernels.SGDStepSerial besides the gradient: the parameter's elements
// [lo, hi), the momentum buffer's (nil without momentum) and the step's
// hyper-parameters, for a caller that computes the gradient and applies
// the step in one kernel (kernels.SgemmSerialSGD: the training step's
// weight gradient with the update fused into the product). Valid from
// BeginStep to the next; the slices are live. It panics on a range that
// does not fit.
func (o *SGD) KernelRange(i, lo, hi int) (p, buf []float32, h kernels.SGDParams) {
	p = o.params[i].Storage()
	checkRange("SGD", "KernelRange(%d, %d, %d)", i, lo, hi, len(p))
	if o.hyper == nil {
		panic("optim: SGD: KernelRange before BeginStep: the step's hyper-parameters are set by BeginStep")
	}
	if o.buf[i] != nil {
		buf = o.buf[i][lo:hi]
	}
	return p[lo:hi], buf, o.hyper[i]
}

// StateRange returns the momentum buffer's elements [lo, hi) of parameter
// i, if it has one (see Ranged).
func (o *SGD) StateRange(dst [][]float32, i, lo, hi int) [][]float32 {
	return liveRanges(dst, "SGD", o.params[i].Storage(), i, lo, hi, o.buf[i])
}

// BeginStep starts a step of every parameter (see Ranged).
func (o *Adam) BeginStep() {
	for i := range o.params {
		o.begin(i)
	}
}

// StepRange updates elements [lo, hi) of parameter i (see Ranged).
func (o *Adam) StepRange(i, lo, hi int, grad []float32) {
	p := rangeOf(o.name, o.params[i].Storage(), i, lo, hi, grad)
	var vmax []float32
	if o.vmax[i] != nil {
		vmax = o.vmax[i][lo:hi]
	}
	kernels.AdamStepSerial(p, grad, o.m[i][lo:hi], o.v[i][lo:hi], vmax, o.hyper(i))
}

// StateRange returns m's, v's and (with amsgrad) the maximum's elements
// [lo, hi) of parameter i, once they exist (see Ranged).
func (o *Adam) StateRange(dst [][]float32, i, lo, hi int) [][]float32 {
	return liveRanges(dst, o.name, o.params[i].Storage(), i, lo, hi, o.m[i], o.v[i], o.vmax[i])
}

// liveRanges appends [lo, hi) of each non-nil state buffer of parameter
// i to dst (p its values, for the range check).
func liveRanges(dst [][]float32, op string, p []float32, i, lo, hi int, bufs ...[]float32) [][]float32 {
	checkRange(op, "StateRange(dst, %d, %d, %d)", i, lo, hi, len(p))
	for _, b := range bufs {
		if b != nil {
			dst = append(dst, b[lo:hi])
		}
	}
	return dst
}

// checkRange panics unless [lo, hi) lies in parameter i of n elements,
// naming op's call with call (a format of i, lo and hi: formatted only
// then, so that the check allocates nothing).
func checkRange(op, call string, i, lo, hi, n int) {
	if lo < 0 || hi < lo || hi > n {
		panic(fmt.Sprintf("optim: %s: %s: want 0 <= lo <= hi <= %d (the parameter's size)", op, fmt.Sprintf(call, i, lo, hi), n))
	}
}

// rangeOf returns p[lo:hi] after checking the range and grad's length.
func rangeOf(op string, p []float32, i, lo, hi int, grad []float32) []float32 {
	if lo < 0 || hi < lo || hi > len(p) || len(grad) != hi-lo {
		panic(fmt.Sprintf("optim: %s: StepRange(%d, %d, %d) with %d gradients: want 0 <= lo <= hi <= %d (the parameter's size) and hi-lo gradients",
			op, i, lo, hi, len(grad), len(p)))
	}
	return p[lo:hi]
}
