package state

import "github.com/vecgrad/vecgrad/train/nn"

// Submodule returns m as a module that a torch class holds in the
// attribute name: its parameters and buffers are named "name." followed by
// m's names, as in the state_dict of
//
//	class NeuralNetwork(nn.Module):
//	    def __init__(self):
//	        self.linear_relu_stack = nn.Sequential(...)
//
// which names them "linear_relu_stack.0.weight", ... Forward and Train are
// m's. Save and Load through it write and read those names.
func Submodule(name string, m nn.Module) nn.Module {
	return &submodule{Module: m, prefix: name + "."}
}

type submodule struct {
	nn.Module
	prefix string
}

func (s *submodule) Parameters() []nn.Param { return s.prefixed(s.Module.Parameters()) }

func (s *submodule) Buffers() []nn.Param { return s.prefixed(nn.Buffers(s.Module)) }

func (s *submodule) prefixed(ps []nn.Param) []nn.Param {
	out := make([]nn.Param, len(ps))
	for i, p := range ps {
		out[i] = nn.Param{Name: s.prefix + p.Name, Tensor: p.Tensor}
	}
	return out
}
