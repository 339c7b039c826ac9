package abi

import "testing"

// TestVariantsRoundTrip checks that every variant code below each count
// decodes to flags that encode back to it, so that the counts the
// generators emit loops for and the encodings kernels uses are one space.
func TestVariantsRoundTrip(t *testing.T) {
	for v := range SGDVariants {
		f := DecodeSGD(v)
		if f.Mode < SGDPlain || f.Mode >= SGDModes || f.Variant() != v {
			t.Errorf("SGD variant %d decodes to %+v, which encodes to %d", v, f, f.Variant())
		}
	}
	for v := range AdamVariants {
		f := DecodeAdam(v)
		if f.Decay < AdamNoDecay || f.Decay >= AdamDecays || f.Variant() != v {
			t.Errorf("Adam variant %d decodes to %+v, which encodes to %d", v, f, f.Variant())
		}
	}
}

// TestSGDModes checks the mode predicates against the table of
// gen/KERNELS.md (mode 0 plain, 1 first, 2 first+nesterov, 3 momentum,
// 4 momentum+nesterov).
func TestSGDModes(t *testing.T) {
	want := [SGDModes]struct{ mom, first, nest bool }{
		SGDPlain:            {false, false, false},
		SGDFirst:            {true, true, false},
		SGDFirstNesterov:    {true, true, true},
		SGDMomentum:         {true, false, false},
		SGDMomentumNesterov: {true, false, true},
	}
	for mode, w := range want {
		s := SGD{Mode: mode}
		if s.Momentum() != w.mom || s.First() != w.first || s.Nesterov() != w.nest {
			t.Errorf("mode %d: momentum %v first %v nesterov %v, want %+v", mode, s.Momentum(), s.First(), s.Nesterov(), w)
		}
	}
}

// TestNames checks that every op code has a distinct name.
func TestNames(t *testing.T) {
	for _, names := range [][]string{BinaryNames[:], UnaryNames[:]} {
		seen := map[string]bool{}
		for code, n := range names {
			if n == "" || seen[n] {
				t.Errorf("code %d: name %q empty or repeated", code, n)
			}
			seen[n] = true
		}
	}
}
