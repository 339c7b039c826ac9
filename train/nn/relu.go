package nn

import "github.com/vecgrad/vecgrad/tensor"

// ReLU is torch.nn.ReLU: max(x, 0) elementwise.
type ReLU struct{}

// Forward returns x.Relu().
func (ReLU) Forward(x *tensor.Tensor) *tensor.Tensor { return x.Relu() }

// Parameters returns none.
func (ReLU) Parameters() []Param { return nil }

// Train does nothing.
func (ReLU) Train(bool) {}

// String is torch's "ReLU()".
func (ReLU) String() string { return "ReLU()" }
