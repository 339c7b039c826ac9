package nn

import "github.com/vecgrad/vecgrad/tensor"

// Flatten is torch.nn.Flatten with its defaults (start_dim 1, end_dim -1):
// it merges every dimension after the batch dimension, [N, 28, 28] to
// [N, 784], as a view when the strides allow it.
type Flatten struct{}

// Forward returns x.Flatten(1, -1); a tensor with fewer than two
// dimensions is returned as it is (nothing to merge).
func (Flatten) Forward(x *tensor.Tensor) *tensor.Tensor {
	if x.Dim() < 2 {
		return x
	}
	return x.Flatten(1, -1)
}

// Parameters returns none.
func (Flatten) Parameters() []Param { return nil }

// Train does nothing.
func (Flatten) Train(bool) {}

// String is torch's "Flatten(start_dim=1, end_dim=-1)".
func (Flatten) String() string { return "Flatten(start_dim=1, end_dim=-1)" }
