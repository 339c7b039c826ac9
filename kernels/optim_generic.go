package kernels

import (
	"math"

	"github.com/vecgrad/vecgrad/internal/abi"
)

// The references of the fused optimizer steps (SGDStep, AdamStep): the
// specification every level reproduces bit for bit. Each float32(...)
// conversion around a product marks a rounding the compiler must not fuse
// into a following addition (Go fuses x*y + z on arm64 otherwise); fma32 is
// the one fused multiply-add.

// flipSign XORs the sign bit of sign into x: -x when sign is -0, x when +0
// (the maximize negation, one VXORPS / EOR in the assembly).
func flipSign(x, sign float32) float32 {
	return math.Float32frombits(math.Float32bits(x) ^ math.Float32bits(sign))
}

// sgdStepGeneric runs variant (2*mode + wd, internal/abi) over p, g and,
// for the momentum modes, buf.
func sgdStepGeneric(variant int, p, g, buf []float32, s *sgdScalars) {
	f := abi.DecodeSGD(variant)
	wd, mom, first, nest := f.WeightDecay, f.Momentum(), f.First(), f.Nesterov()
	for i := range p {
		d := flipSign(g[i], s.sign)
		if wd {
			d = fma32(s.wd, p[i], d)
		}
		if mom {
			var b float32
			if first {
				b = d
			} else {
				b = fma32(s.damp1, d, float32(s.momentum*buf[i]))
			}
			buf[i] = b
			if nest {
				d = fma32(s.momentum, b, d)
			} else {
				d = b
			}
		}
		p[i] = fma32(s.negLR, d, p[i])
	}
}

// maxNaN is torch.maximum(a, b) as kernels' OpMax computes it: a if a is
// NaN or a > b, else b (so a NaN b propagates too).
func maxNaN(a, b float32) float32 {
	if a != a || a > b {
		return a
	}
	return b
}

// adamStepGeneric runs variant (3*amsgrad + decay, internal/abi) over p, g,
// m, v and, for amsgrad, vmax.
func adamStepGeneric(variant int, p, g, m, v, vmax []float32, s *adamScalars) {
	f := abi.DecodeAdam(variant)
	decay, ams := f.Decay, f.AMSGrad
	for i := range p {
		d := flipSign(g[i], s.sign)
		pi := p[i]
		switch decay {
		case abi.AdamDecoupled:
			pi = float32(pi * s.decay)
		case abi.AdamL2:
			d = fma32(s.wd, pi, d)
		}
		mi := fma32(s.c1, d, float32(s.beta1*m[i]))
		vi := fma32(float32(s.c2*d), d, float32(s.beta2*v[i]))
		m[i], v[i] = mi, vi
		if ams {
			vi = maxNaN(vmax[i], vi)
			vmax[i] = vi
		}
		den := float32(sqrt32(vi)/s.bc2s) + s.eps
		p[i] = pi + float32(float32(s.negStep*mi)/den)
	}
}
