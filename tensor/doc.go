// Package tensor will hold vecgrad's strided float32 tensors, PyTorch
// broadcasting, einsum and reverse-mode autograd, on top of package kernels.
// It is empty until the tensor-layer issue lands.
package tensor
