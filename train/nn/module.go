package nn

import "github.com/vecgrad/vecgrad/tensor"

// Module is one layer or a container of layers, as torch.nn.Module.
type Module interface {
	// Forward computes the module's output for x, recording the operations
	// for Backward when x or a parameter requires grad. Its result lives in
	// x's arena, if any.
	Forward(x *tensor.Tensor) *tensor.Tensor
	// Parameters returns the module's parameters with their state_dict
	// names, in torch's order (registration order, children in index order).
	Parameters() []Param
	// Train sets training mode (true) or evaluation mode (false), as
	// torch's module.train(mode): it changes what Dropout does.
	Train(on bool)
}

// Param is a named parameter: a leaf tensor that requires grad.
type Param struct {
	// Name is the parameter's state_dict key ("weight", "0.bias", ...).
	Name string
	// Tensor is the parameter itself (not a copy).
	Tensor *tensor.Tensor
}

// Tensors returns the tensors of ps in order: what an optimizer takes.
func Tensors(ps []Param) []*tensor.Tensor {
	out := make([]*tensor.Tensor, len(ps))
	for i, p := range ps {
		out[i] = p.Tensor
	}
	return out
}

// Buffered is implemented by modules with state that is not a parameter
// but belongs in the state_dict (BatchNorm1d's running statistics, and the
// containers that hold such modules).
type Buffered interface {
	// Buffers returns the buffers with their state_dict names, in torch's
	// order.
	Buffers() []Param
}

// Buffers returns m's buffers (none unless m is Buffered).
func Buffers(m Module) []Param {
	if b, ok := m.(Buffered); ok {
		return b.Buffers()
	}
	return nil
}
