package kernels

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestSgemmSerialAdam: p, m, v and vmax after the fused step are bit for
// bit those of SgemmSerial (the reference's arithmetic) followed by
// AdamStepSerial on each row, for every Adam variant (adamParamSets:
// Adam with and without L2 decay, AdamW, amsgrad, maximize, a first and a
// later step) on fusedRuns' products. Without amsgrad vmax, its sentinel
// values included, must come back untouched. Some gradients are NaN (a
// NaN entry of A) and some moments infinite, so that the fused path's
// NaN and infinity handling (divConst's non-finite lanes, amsgrad's NaN
// maximum) is the separate step's.
func TestSgemmSerialAdam(t *testing.T) {
	hs := adamParamSets()
	testFusedUpdate(t, len(hs), func(r *rand.Rand, ru fusedRun) updateCase {
		c := newUpdateCase(r, ru.sh, []string{"p", "m", "v", "vmax"}, func(array int) float32 {
			x := float32(r.NormFloat64())
			switch {
			case array >= 2 && r.IntN(500) == 0:
				return float32(math.Inf(1))
			case array >= 2: // v and vmax are sums of squares
				return x * x * 1e-4
			case array == 1:
				return x * 1e-2
			}
			return x
		})
		if len(c.a) > 0 && r.IntN(4) == 0 {
			c.a[r.IntN(len(c.a))] = float32(math.NaN())
		}
		return c
	}, func(ru fusedRun, rows [][]float32, grad []float32) {
		h := hs[ru.hi]
		vmax := rows[3]
		if !h.AMSGrad {
			vmax = nil
		}
		AdamStepSerial(rows[0], grad, rows[1], rows[2], vmax, h)
	}, func(c updateCase, ru fusedRun, arrays [][]float32, scratch []float32) {
		SgemmSerialAdam(c.transA, c.transB, c.m, c.n, c.k, c.a, c.lda, c.b, c.ldb, arrays[0], arrays[1], arrays[2], arrays[3], c.ldp, hs[ru.hi], scratch, ru.maxRows)
	})
}

// TestSgemmSerialAdamNoAllocations: a step allocates nothing.
func TestSgemmSerialAdamNoAllocations(t *testing.T) {
	r := rand.New(rand.NewPCG(42, 42))
	c := newUpdateCase(r, rowsShape{true, false, 256, 300, 16, false}, []string{"p", "m", "v"}, func(int) float32 { return 0.5 })
	scratch := make([]float32, 64*c.n)
	h := AdamParams{LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, Step: 3}
	checkNoAllocs(t, func() {
		SgemmSerialAdam(true, false, c.m, c.n, c.k, c.a, c.lda, c.b, c.ldb, c.before[0], c.before[1], c.before[2], nil, c.ldp, h, scratch, 64)
	})
}

// TestSgemmSerialAdamBadArguments: maxRows < 1, a short p, moment or
// scratch, invalid hyper-parameters and operands sharing memory panic
// with what is accepted.
func TestSgemmSerialAdamBadArguments(t *testing.T) {
	mem := make([]float32, 300)
	a, b := mem[:32], mem[32:48] // 8x4 and 4x4
	h := AdamParams{LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, Step: 1}
	ams := h
	ams.AMSGrad = true
	p, m, v, scratch := mem[48:80], mem[80:112], mem[112:144], mem[176:208]
	for _, tc := range []struct {
		name                   string
		maxRows                int
		h                      AdamParams
		p, m, v, vmax, scratch []float32
		want                   string
	}{
		{"maxRows 0", 0, h, p, m, v, nil, scratch, "want maxRows >= 1"},
		{"short p", 4, h, p[:31], m, v, nil, scratch, "len(p) = 31 < (m-1)*ldp + n = 32"},
		{"short m", 4, h, p, m[:31], v, nil, scratch, "len(m) = 31 < (m-1)*ldp + n = 32"},
		{"short v", 4, h, p, m, v[:31], nil, scratch, "len(v) = 31 < (m-1)*ldp + n = 32"},
		{"no vmax with amsgrad", 4, ams, p, m, v, nil, scratch, "len(vmax) = 0 < (m-1)*ldp + n = 32"},
		{"short scratch", 4, h, p, m, v, nil, scratch[:15], "len(scratch) = 15 < min(m, maxRows)*n = 16"},
		{"step 0", 4, AdamParams{Beta1: 0.9, Beta2: 0.999}, p, m, v, nil, scratch, "want Step >= 1 and betas in [0, 1)"},
		{"beta2 1", 4, AdamParams{Beta1: 0.9, Beta2: 1, Step: 1}, p, m, v, nil, scratch, "want Step >= 1 and betas in [0, 1)"},
		{"m in v", 4, h, p, m, mem[100:132], nil, scratch, "m and v share memory"},
		{"vmax in p", 4, ams, p, m, v, mem[60:92], scratch, "p and vmax share memory"},
		{"scratch in a", 4, h, p, m, v, nil, mem[16:48], "scratch and a share memory"},
		{"v in a", 4, h, p, m, mem[:32], nil, scratch, "v and a share memory"},
	} {
		func() {
			defer func() {
				msg, _ := recover().(string)
				if !strings.Contains(msg, tc.want) {
					t.Errorf("%s: panic %q, want it to say %q", tc.name, msg, tc.want)
				}
			}()
			SgemmSerialAdam(false, false, 8, 4, 4, a, 4, b, 4, tc.p, tc.m, tc.v, tc.vmax, 4, tc.h, tc.scratch, tc.maxRows)
		}()
	}
}
