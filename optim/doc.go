// Package optim will hold the optimizers with PyTorch's exact update rules
// (SGD, Adam, AdamW) on fused kernels. It is empty until the
// losses-and-optimizers issue lands.
package optim
