package nn

import (
	"fmt"

	"github.com/vecgrad/vecgrad/tensor"
)

// Embedding is torch.nn.Embedding: a lookup table of Num vectors of Dim
// values, the parameter "weight" of shape [Num, Dim].
type Embedding struct {
	Num, Dim int
	Weight   *tensor.Tensor // [Num, Dim]
}

// NewEmbedding returns a table of num vectors of dim values, initialized
// as torch's: every weight drawn from the standard normal distribution (g's
// Randn, row-major). It panics with an *Error unless num and dim are
// positive.
func NewEmbedding(num, dim int, g *tensor.Generator) *Embedding {
	if num <= 0 || dim <= 0 {
		fail("NewEmbedding", "num = %d and dim = %d must be positive", num, dim)
	}
	return &Embedding{Num: num, Dim: dim, Weight: tensor.Randn(g, num, dim).SetRequiresGrad(true)}
}

// Forward returns the rows of the table that x picks: x holds whole-number
// indices in [0, Num) as float32 (any shape), and the result has x's shape
// with Dim appended. The weight's gradient adds up the upstream rows of
// every pick. It panics with a *tensor.ShapeError on an index out of range.
func (e *Embedding) Forward(x *tensor.Tensor) *tensor.Tensor {
	shape := append(x.Shape(), e.Dim)
	return e.Weight.IndexSelect(0, x.Reshape(-1)).Reshape(shape...)
}

// Parameters returns "weight".
func (e *Embedding) Parameters() []Param { return []Param{{"weight", e.Weight}} }

// Train does nothing.
func (e *Embedding) Train(bool) {}

// String is torch's "Embedding(10, 3)".
func (e *Embedding) String() string { return fmt.Sprintf("Embedding(%d, %d)", e.Num, e.Dim) }
