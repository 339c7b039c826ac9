package kernels

import (
	"math"
	"testing"

	"github.com/vecgrad/vecgrad/internal/abi"
)

// The assembly contract (internal/abi) seen from both sides: the codes the
// Go here hands to the assembly, and the codes the generated assembly
// decodes. The generators emit one loop per code below each count; these
// tests fail when a generated kernel has fewer or more loops than the
// kernels' count, runs another op under a code than the reference does, or
// when the kernels encode a parameter set into a variant whose decoding
// (the generators' view) says something else.

// abiSentinel fills the output buffers, so that an untouched buffer is
// recognisable bit for bit: a quiet NaN with a payload no kernel computes.
const abiSentinel = 0x7fc0beef

const abiLen = 37 // two full vectors at every width, and a tail

// abiArrays returns in arrays of abiLen floats in [0.5, 2.5] (every op is
// defined there: log, sqrt, division) followed by out arrays of sentinels.
func abiArrays(in, out int) [][]float32 {
	as := make([][]float32, in+out)
	for i := range as {
		as[i] = make([]float32, abiLen)
		for j := range as[i] {
			if i < in {
				as[i][j] = 0.5 + float32((j*7+i*13)%41)/20
			} else {
				as[i][j] = math.Float32frombits(abiSentinel)
			}
		}
	}
	return as
}

// abiDispatch is one kernel whose assembly decodes a code: run calls it on
// the arrays abiArrays(in, out) with the given code, through the active
// level's dispatch, or through the pure-Go reference where ref is set.
type abiDispatch struct {
	name    string
	count   int
	in, out int
	run     func(ref bool, code int, a [][]float32)
}

func abiDispatches() []abiDispatch {
	var ds []abiDispatch
	for _, cols := range []bool{false, true} {
		for _, acc := range []bool{false, true} {
			name, f, g := "BinaryRows", binaryRows, binaryRowsGeneric
			if cols {
				name, f, g = "BinaryCols", binaryCols, binaryColsGeneric
			}
			if acc {
				name += "Acc"
			}
			ds = append(ds, abiDispatch{name, abi.BinaryOps, 3, 0, func(ref bool, code int, a [][]float32) {
				const rows = 3 // a[0] holds rows x abiLen/rows floats, the broadcast operand a[1] enough for either form
				fn := f
				if ref {
					fn = g
				}
				fn(BinaryOp(code), acc, a[2][:abiLen/rows*rows], a[0][:abiLen/rows*rows], a[1], rows, abiLen/rows)
			}})
		}
	}
	ds = append(ds, abiDispatch{"Unary", abi.UnaryOps, 1, 1, func(ref bool, code int, a [][]float32) {
		f := unary
		if ref {
			f = unaryGeneric
		}
		f(unaryOp(code), a[1], a[0])
	}})
	sgd := sgdScalars{negLR: -0.05, momentum: 0.9, damp1: 0.875, wd: 0.01}
	ds = append(ds, abiDispatch{"SGDStep", abi.SGDVariants, 3, 0, func(ref bool, code int, a [][]float32) {
		f := sgdStep
		if ref {
			f = sgdStepGeneric
		}
		f(code, a[0], a[1], a[2], &sgd)
	}})
	h := AdamParams{LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: 0.01, Step: 3}
	_, adam := h.adamArgs()
	return append(ds, abiDispatch{"AdamStep", abi.AdamVariants, 5, 0, func(ref bool, code int, a [][]float32) {
		f := adamStep
		if ref {
			f = adamStepGeneric
		}
		f(code, a[0], a[1], a[2], a[3], a[4], &adam)
	}})
}

// TestABIDispatch runs every code of every kernel that decodes one, at the
// active vector level: each code below the kernels' count computes what the
// reference computes for it, bit for bit, in every array, and the count
// itself (one past the last code) returns without writing anything.
func TestABIDispatch(t *testing.T) {
	for _, lv := range vectorLevels() {
		withLevel(t, lv, func(t *testing.T) {
			for _, d := range abiDispatches() {
				for code := range d.count + 1 {
					got, want := abiArrays(d.in, d.out), abiArrays(d.in, d.out)
					d.run(false, code, got)
					if code < d.count {
						d.run(true, code, want)
					}
					for k := range want {
						if i := firstBitDiff(got[k], want[k]); i >= 0 {
							t.Errorf("%s %s code %d (count %d): array %d differs at %d: %#x, want %#x",
								lv, d.name, code, d.count, k, i, math.Float32bits(got[k][i]), math.Float32bits(want[k][i]))
							break
						}
					}
				}
			}
		})
	}
}

// TestABIEncoding checks the variants SGDStep and AdamStep hand to the
// assembly: every flag combination encodes into a variant below the count
// whose decoding (what the generators specialise on) has the same flags,
// and every variant is reached.
func TestABIEncoding(t *testing.T) {
	seen := map[int]bool{}
	for _, h := range sgdParamSets() {
		v, _ := h.sgdArgs()
		f := abi.DecodeSGD(v)
		mom := h.Momentum != 0
		if v < 0 || v >= abi.SGDVariants || f.WeightDecay != (h.WeightDecay != 0) || f.Momentum() != mom ||
			f.First() != (mom && h.FirstStep) || f.Nesterov() != (mom && h.Nesterov) {
			t.Errorf("SGD %v: variant %d decodes to %+v (momentum %v, first %v, nesterov %v)", h, v, f, f.Momentum(), f.First(), f.Nesterov())
		}
		seen[v] = true
	}
	if len(seen) != abi.SGDVariants {
		t.Errorf("SGD parameter sets reach %d variants, want all %d", len(seen), abi.SGDVariants)
	}
	clear(seen)
	for _, h := range adamParamSets() {
		v, _ := h.adamArgs()
		f := abi.DecodeAdam(v)
		decay := abi.AdamNoDecay
		if h.Decoupled {
			decay = abi.AdamDecoupled
		} else if h.WeightDecay != 0 {
			decay = abi.AdamL2
		}
		if v < 0 || v >= abi.AdamVariants || f.Decay != decay || f.AMSGrad != h.AMSGrad {
			t.Errorf("Adam %v: variant %d decodes to %+v, want decay %d, amsgrad %v", h, v, f, decay, h.AMSGrad)
		}
		seen[v] = true
	}
	if len(seen) != abi.AdamVariants {
		t.Errorf("Adam parameter sets reach %d variants, want all %d", len(seen), abi.AdamVariants)
	}
}
