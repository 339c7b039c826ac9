// Package loss will hold the losses with PyTorch's semantics (MSE, L1, NLL,
// CrossEntropy, KLDiv). It is empty until the losses-and-optimizers issue
// lands.
package loss
