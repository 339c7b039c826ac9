package nn

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/vecgrad/vecgrad/tensor"
)

// Sequential is torch.nn.Sequential: its modules applied in order.
type Sequential struct {
	Modules []Module
}

// NewSequential returns the container of the given modules.
func NewSequential(modules ...Module) *Sequential {
	return &Sequential{Modules: modules}
}

// Forward applies each module to the previous one's output.
func (s *Sequential) Forward(x *tensor.Tensor) *tensor.Tensor {
	for _, m := range s.Modules {
		x = m.Forward(x)
	}
	return x
}

// Parameters returns every module's parameters, each name prefixed with the
// module's index ("0.weight", "2.bias", ...): modules without parameters
// keep their index, as in torch's state_dict.
func (s *Sequential) Parameters() []Param { return s.prefixed(Module.Parameters) }

// Buffers returns every module's buffers (see Buffered), named as
// Parameters names parameters ("1.running_mean", ...).
func (s *Sequential) Buffers() []Param { return s.prefixed(Buffers) }

func (s *Sequential) prefixed(list func(Module) []Param) []Param {
	var ps []Param
	for i, m := range s.Modules {
		prefix := strconv.Itoa(i) + "."
		for _, p := range list(m) {
			ps = append(ps, Param{prefix + p.Name, p.Tensor})
		}
	}
	return ps
}

// Train sets the mode of every module.
func (s *Sequential) Train(on bool) {
	for _, m := range s.Modules {
		m.Train(on)
	}
}

// String prints the container as torch does, one indexed module a line.
func (s *Sequential) String() string {
	var b strings.Builder
	b.WriteString("Sequential(\n")
	for i, m := range s.Modules {
		fmt.Fprintf(&b, "  (%d): %v\n", i, m)
	}
	b.WriteString(")")
	return b.String()
}
