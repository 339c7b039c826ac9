package abi

// SGD modes: what an SGDStep variant does with the momentum buffer
// (kernels.SGDParams).
const (
	SGDPlain            = iota // no momentum; buf is not touched
	SGDFirst                   // momentum, first step: buf = d, not read
	SGDFirstNesterov           // momentum, first step, Nesterov
	SGDMomentum                // momentum: buf = momentum*buf + (1-dampening)*d
	SGDMomentumNesterov        // momentum, Nesterov
	SGDModes                   // the number of SGD modes
)

// SGDWeightDecay is the flag bit of an SGDStep variant that adds wd*p to
// the gradient; the mode takes the bits above it.
const SGDWeightDecay = 1

// SGDVariants is the number of SGDStep variants: variant = 2*mode + wd.
const SGDVariants = 2 * SGDModes

// SGD is the decoded form of an SGDStep variant.
type SGD struct {
	Mode        int  // SGDPlain ... SGDMomentumNesterov
	WeightDecay bool // d = fma(wd, p, d) first
}

// Variant returns the variant code of s.
func (s SGD) Variant() int {
	v := 2 * s.Mode
	if s.WeightDecay {
		v |= SGDWeightDecay
	}
	return v
}

// Momentum reports whether the variant reads or writes the momentum buffer.
func (s SGD) Momentum() bool { return s.Mode != SGDPlain }

// First reports whether the variant initialises the buffer to d without reading it.
func (s SGD) First() bool { return s.Mode == SGDFirst || s.Mode == SGDFirstNesterov }

// Nesterov reports whether the direction is d + momentum*buf rather than buf.
func (s SGD) Nesterov() bool { return s.Mode == SGDFirstNesterov || s.Mode == SGDMomentumNesterov }

// DecodeSGD returns the decoded form of SGDStep variant v (0 <= v < SGDVariants).
func DecodeSGD(v int) SGD { return SGD{Mode: v >> 1, WeightDecay: v&SGDWeightDecay != 0} }

// Adam decays: the weight decay an AdamStep variant applies
// (kernels.AdamParams).
const (
	AdamNoDecay   = iota // none
	AdamL2               // Adam: d = fma(wd, p, d)
	AdamDecoupled        // AdamW: p = p*decay
	AdamDecays           // the number of Adam decays
)

// AdamVariants is the number of AdamStep variants: variant = 3*amsgrad +
// decay (AdamDecays*amsgrad + decay).
const AdamVariants = 2 * AdamDecays

// Adam is the decoded form of an AdamStep variant.
type Adam struct {
	Decay   int  // AdamNoDecay, AdamL2 or AdamDecoupled
	AMSGrad bool // keep the running maximum of v in vmax and use it
}

// Variant returns the variant code of a.
func (a Adam) Variant() int {
	if a.AMSGrad {
		return AdamDecays + a.Decay
	}
	return a.Decay
}

// DecodeAdam returns the decoded form of AdamStep variant v (0 <= v < AdamVariants).
func DecodeAdam(v int) Adam { return Adam{Decay: v % AdamDecays, AMSGrad: v >= AdamDecays} }
