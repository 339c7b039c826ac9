// Package train will hold the training layer: modules, MNIST data loading,
// the train and test loops, checkpoints and the experiments. It is empty
// until the training issue lands.
package train
