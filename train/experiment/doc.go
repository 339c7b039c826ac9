// Package experiment holds vecgrad's measurement experiments on the
// tutorial's MLP: studies that train or probe the model and write a plot
// and a CSV of what they measured, run from `vecgrad experiment NAME`.
//
// GradientNoise measures the variance of the mini-batch gradient against
// the batch size (the `gradient-noise` experiment).
package experiment
