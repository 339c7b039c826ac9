package loss

import "github.com/vecgrad/vecgrad/kernels"

// Reduction says how a loss combines its per-element values, as torch's
// reduction argument. The zero value is Mean, torch's default.
type Reduction uint8

const (
	// Mean averages: over all elements for MSE, L1 and KLDiv; over the
	// weights of the non-ignored targets for NLL and CrossEntropy with class
	// indices; over the samples for CrossEntropy with probabilities.
	Mean Reduction = iota
	// Sum adds the per-element values.
	Sum
	// None returns the per-element values (one per sample for NLL and
	// CrossEntropy, the input's shape for the pointwise losses).
	None
	// BatchMean (KLDiv only) divides the sum by the batch size, the size of
	// the input's first dimension: the mathematically correct KL divergence
	// of a batch of distributions.
	BatchMean
)

var reductionNames = [...]string{Mean: "mean", Sum: "sum", None: "none", BatchMean: "batchmean"}

// String returns torch's name of the reduction ("mean", "sum", "none",
// "batchmean").
func (r Reduction) String() string {
	if int(r) < len(reductionNames) {
		return reductionNames[r]
	}
	return "Reduction(" + itoa(int(r)) + ")"
}

// checkReduction rejects values outside the enumeration and BatchMean where
// the loss does not define it.
func checkReduction(op string, r Reduction, batchMean bool) error {
	switch {
	case r <= None:
		return nil
	case r == BatchMean && batchMean:
		return nil
	case batchMean:
		return errorf(op, "reduction %v is not one of mean, sum, none, batchmean", r)
	}
	return errorf(op, "reduction %v is not one of mean, sum, none (batchmean is KLDiv's only)", r)
}

// reduceTo writes the reduction of the per-element values v into out (one
// element for Mean and Sum, len(v) for None): the sum is kernels.Sum, in its
// fixed order, and Mean divides it by denom.
func reduceTo(out, v []float32, r Reduction, denom float64) {
	switch r {
	case None:
		copy(out, v)
	case Sum:
		out[0] = kernels.Sum(v)
	default:
		out[0] = float32(float64(kernels.Sum(v)) / denom)
	}
}
