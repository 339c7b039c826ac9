// Package nn holds vecgrad's neural-network modules with torch.nn's
// semantics: Linear and Embedding (PyTorch's default initialization),
// LayerNorm and BatchNorm1d (running statistics in training mode, used in
// evaluation mode), the activations ReLU, LeakyReLU, GELU, Tanh, Sigmoid,
// Softmax and LogSoftmax, Flatten, Dropout and Sequential, each a Module
// with a Forward on package tensor's autograd, a train/eval mode and named
// parameters (and, for BatchNorm1d, named buffers: see Buffered).
//
// # Errors
//
// A constructor argument out of range or an input of the wrong shape is a
// programming mistake: it panics with an *Error (shape mistakes inside the
// tensor operations with a *tensor.ShapeError), as package tensor does.
//
// # Parameters and names
//
// Parameters are leaf tensors on the Go heap that require grad; a training
// step's activations live in the input's Arena (package tensor), so Forward
// allocates nothing once the arena has grown. Parameters names are
// torch's state_dict keys: a Linear's are "weight" and "bias", and Sequential
// prefixes each child's with its index, counting the children without
// parameters too, so Sequential(Linear, ReLU, Linear) has "0.weight",
// "0.bias", "2.weight", "2.bias", as torch.nn.Sequential does.
//
// # Randomness
//
// Every random choice (initial weights, dropout masks) comes from a
// tensor.Generator the caller passes in, so the same seed gives bitwise the
// same model and the same masks on every machine and thread count.
package nn
