package nn

import (
	"fmt"

	"github.com/vecgrad/vecgrad/tensor"
)

// Dropout is torch.nn.Dropout: in training mode each element is zeroed with
// probability P and the others are scaled by 1/(1-P) (inverted dropout, so
// that evaluation needs no rescaling); in evaluation mode it is the identity.
// The mask comes from the Generator, one Float32 per element in row-major
// order (element kept when u >= P), so runs with the same seed drop the same
// elements.
type Dropout struct {
	P        float64
	g        *tensor.Generator
	training bool
}

// NewDropout returns a Dropout layer in training mode that zeroes elements
// with probability p, drawing its masks from g. It panics with an *Error unless 0 <= p < 1
// (torch accepts p = 1, which zeroes everything; it is never useful and
// makes the scale infinite, so it is refused here).
func NewDropout(p float64, g *tensor.Generator) *Dropout {
	if !(p >= 0 && p < 1) {
		fail("NewDropout", "p = %v must be in [0, 1)", p)
	}
	return &Dropout{P: p, g: g, training: true}
}

// Forward returns x with the dropout mask applied (training mode, P > 0) or
// x itself. The result and the mask (kept for the backward) live in x's
// arena, so a training step with dropout still allocates nothing.
func (d *Dropout) Forward(x *tensor.Tensor) *tensor.Tensor {
	if !d.training || d.P == 0 {
		return x
	}
	x = x.Contiguous()
	n := x.Numel()
	// The shape goes through an array on the stack: x.Shape() would
	// allocate a copy every step.
	var dims [tensor.MaxDims]int
	for i := range x.Dim() {
		dims[i] = x.Size(i)
	}
	op := tensor.Custom(dropoutBackward{}, dims[:x.Dim()], n, x)
	mask, in, out := op.Saved(), x.Storage(), op.Out().Storage()
	p, scale := float32(d.P), float32(1/(1-d.P))
	for i := range n {
		m := float32(0)
		if d.g.Float32() >= p {
			m = scale
		}
		mask[i] = m
		out[i] = in[i] * m
	}
	return op.Out()
}

// dropoutBackward multiplies the upstream gradient by the saved mask.
type dropoutBackward struct{}

func (dropoutBackward) Backward(op tensor.CustomOp) {
	g, mask := op.Grad(), op.Saved()
	dst, acc := op.InputGrad(0)
	for i := range dst {
		if acc {
			dst[i] += g[i] * mask[i]
		} else {
			dst[i] = g[i] * mask[i]
		}
	}
}

// Parameters returns none.
func (d *Dropout) Parameters() []Param { return nil }

// Train sets training (on) or evaluation mode.
func (d *Dropout) Train(on bool) { d.training = on }

// String is torch's "Dropout(p=0.5, inplace=False)".
func (d *Dropout) String() string { return fmt.Sprintf("Dropout(p=%v, inplace=False)", d.P) }
