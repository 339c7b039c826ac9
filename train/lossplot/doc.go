// Package lossplot draws training-loss curves as PNG files: the plots of the
// classic PyTorch optimization tutorial's experiments, where an MLP
// 784-512-512-10 is trained on (Fashion-)MNIST with different optimizers,
// learning rates, momenta and batch sizes, and the training loss, logged
// every 100 batches, is plotted against the number of samples seen.
//
// [WritePNG] draws one or more [Series] on one plot and writes it atomically
// (a temporary file in the target's directory, then a rename), so a reader
// never sees a half-written image and a failed write leaves an existing file
// as it was. A run that diverged (its loss became NaN or Inf) ends at its
// last finite loss, marked with an X, and its legend entry says
// "(diverged)". A series may add a moving average of its logged points
// ([Series].Smooth, see [MovingAverage]), drawn over the lightened raw
// curve, and its test loss after each epoch ([Series].TestLoss). [Title], [BatchLabel], [LRLabel] and [MomentumLabel] spell
// titles and legend entries the way the tutorial's Python does
// ("Optimizer-SGD lr-0.001 mt-0.5 bs-16", "lr-1e-05").
//
// Drawing uses gonum.org/v1/plot with its embedded Liberation fonts: no
// system fonts or C libraries are needed.
package lossplot
