package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// sgdVariants are SGD hyper-parameters covering every variant of SGDStep
// (the five modes, each with and without weight decay), with maximize,
// dampening and nesterov among them.
func sgdVariants() []SGDParams {
	var hs []SGDParams
	for _, wd := range []float64{0, 0.01} {
		hs = append(hs,
			SGDParams{LR: 0.1, WeightDecay: wd},
			SGDParams{LR: 0.05, Momentum: 0.9, FirstStep: true, WeightDecay: wd, Maximize: true},
			SGDParams{LR: 0.1, Momentum: 0.9, Dampening: 0.1, WeightDecay: wd},
			SGDParams{LR: 0.1, Momentum: 0.8, Nesterov: true, FirstStep: true, WeightDecay: wd},
			SGDParams{LR: 0.02, Momentum: 0.5, Nesterov: true, WeightDecay: wd, Maximize: true},
		)
	}
	return hs
}

// updateCase is one fused update's operands (SgemmSerialSGD,
// SgemmSerialAdam): the product, and p and the optimizer's state arrays
// laid out as its rows at stride ldp, the gaps between rows holding a
// sentinel.
type updateCase struct {
	gemmCase
	ldp    int
	names  []string    // the arrays: p first
	before [][]float32 // their values before the step
}

// updateSentinel fills the gaps of p and its state: no update may touch
// it.
var updateSentinel = float32(math.Inf(-1))

// newUpdateCase makes the product of shape sh and arrays named names,
// their elements from value (called in turn for each array's elements).
func newUpdateCase(r *rand.Rand, sh rowsShape, names []string, value func(array int) float32) updateCase {
	g := newGemmCase(r, sh.transA, sh.transB, sh.m, sh.n, sh.k, 2)
	g.alpha, g.beta = 1, 0
	c := updateCase{gemmCase: g, ldp: max(1, g.n) + r.IntN(3), names: names}
	size := max(0, (g.m-1)*c.ldp+g.n)
	for a := range names {
		s := make([]float32, size)
		for i := range s {
			s[i] = updateSentinel
			if i%c.ldp < g.n {
				s[i] = value(a)
			}
		}
		c.before = append(c.before, s)
	}
	return c
}

// want returns the arrays after SgemmSerial into a scratch and then
// step(rows, grad) on each row (rows: row i of each array): the gradient
// from the bitwise reference of SgemmSerial's arithmetic.
func (c updateCase) want(step func(rows [][]float32, grad []float32)) [][]float32 {
	after := make([][]float32, len(c.before))
	for a, s := range c.before {
		after[a] = append([]float32(nil), s...)
	}
	grad := c.reference()
	rows := make([][]float32, len(after))
	for i := range c.m {
		for a, s := range after {
			rows[a] = s[i*c.ldp:][:c.n]
		}
		step(rows, grad[i*c.ldc:][:c.n])
	}
	return after
}

// fusedRun is one call of a fused update's test: a shape, maxRows and the
// index of its hyper-parameters among variants of them.
type fusedRun struct {
	sh          rowsShape
	maxRows, hi int
}

// fusedRuns are the calls TestSgemmSerialSGD and TestSgemmSerialAdam
// make with variants sets of hyper-parameters: every transpose, the
// training step's weight gradients (through the fused strip where the
// level has it), edge tiles, several MC blocks, k across KC blocks and
// columns across NC blocks (the blocks one by one), maxRows under a row
// panel, and m or k of 0, each set of hyper-parameters on a weight
// gradient of several blocks, and three products of their own: one
// narrower than a B panel, one that reads A in place (no fused strip: the
// blocks in turn), and one swept rows first (B packed: more rows than an
// MC block) with a column edge, a first row panel that packs B and a
// partial last one.
func fusedRuns(variants int) []fusedRun {
	var runs []fusedRun
	for si, sh := range rowsShapes() {
		for mi, maxRows := range []int{7, 12, 32, 1000} {
			runs = append(runs, fusedRun{sh, maxRows, (4*si + mi) % variants})
		}
	}
	for h := range variants {
		runs = append(runs, fusedRun{rowsShape{true, false, 130, 200, 64, false}, 32, h})
	}
	return append(runs, fusedRun{rowsShape{true, false, 40, 20, 16, false}, 24, 3 % variants},
		fusedRun{rowsShape{false, false, 50, 40, 24, false}, 16, 2 % variants},
		fusedRun{rowsShape{true, false, 500, 300, 24, false}, 24, 7 % variants})
}

// testFusedUpdate runs fusedRuns: newCase makes run ru's case, step its
// reference on one row, and call the fused update on the arrays (p and
// its state, each exactly as long as asked for, placed against a guard
// page) with the scratch (likewise); the arrays after it must be bit for
// bit the reference's, and the gaps between rows (ldp > n) never written.
func testFusedUpdate(t *testing.T, variants int, newCase func(r *rand.Rand, ru fusedRun) updateCase,
	step func(ru fusedRun, rows [][]float32, grad []float32), call func(c updateCase, ru fusedRun, arrays [][]float32, scratch []float32)) {
	useBlocks := shapeBlocks(t)
	r := rand.New(rand.NewPCG(41, 41))
	for i, ru := range fusedRuns(variants) {
		useBlocks(ru.sh)
		c := newCase(r, ru)
		name := fmt.Sprintf("%s ldp %d, maxRows %d, variant %d at %s", c.gemmCase, c.ldp, ru.maxRows, ru.hi, ISA())
		want := c.want(func(rows [][]float32, grad []float32) { step(ru, rows, grad) })
		where := []string{"head", "tail"}[i%2]
		arrays := make([][]float32, len(c.before))
		for a, s := range c.before {
			arrays[a] = newGuardRegionFor(t, len(s)).place(where, len(s))
			copy(arrays[a], s)
		}
		rows := min(c.m, ru.maxRows)
		call(c, ru, arrays, newGuardRegionFor(t, rows*c.n).place(where, rows*c.n))
		for a := range want {
			for j := range want[a] {
				if !sameFloat(arrays[a][j], want[a][j], false) {
					t.Fatalf("%s: %s[%d] = %v, want %v", name, c.names[a], j, arrays[a][j], want[a][j])
				}
			}
		}
	}
}

// TestSgemmSerialSGD: p and buf after the fused step are bit for bit
// those of SgemmSerial (the reference's arithmetic) followed by
// SGDStepSerial on each row, for every SGD variant (fusedRuns).
func TestSgemmSerialSGD(t *testing.T) {
	hs := sgdVariants()
	testFusedUpdate(t, len(hs), func(r *rand.Rand, ru fusedRun) updateCase {
		return newUpdateCase(r, ru.sh, []string{"p", "buf"}, func(int) float32 { return float32(r.NormFloat64()) })
	}, func(ru fusedRun, rows [][]float32, grad []float32) {
		buf := rows[1]
		if hs[ru.hi].Momentum == 0 {
			buf = nil
		}
		SGDStepSerial(rows[0], grad, buf, hs[ru.hi])
	}, func(c updateCase, ru fusedRun, arrays [][]float32, scratch []float32) {
		SgemmSerialSGD(c.transA, c.transB, c.m, c.n, c.k, c.a, c.lda, c.b, c.ldb, arrays[0], arrays[1], c.ldp, hs[ru.hi], scratch, ru.maxRows)
	})
}

// TestSgemmSerialSGDNoAllocations: a step allocates nothing.
func TestSgemmSerialSGDNoAllocations(t *testing.T) {
	r := rand.New(rand.NewPCG(42, 42))
	c := newUpdateCase(r, rowsShape{true, false, 256, 300, 16, false}, []string{"p", "buf"}, func(int) float32 { return 0.5 })
	scratch := make([]float32, 64*c.n)
	h := SGDParams{LR: 1e-3, Momentum: 0.5}
	call := func() {
		SgemmSerialSGD(true, false, c.m, c.n, c.k, c.a, c.lda, c.b, c.ldb, c.before[0], c.before[1], c.ldp, h, scratch, 64)
	}
	checkNoAllocs(t, call)
}

// TestSgemmSerialSGDBadArguments: maxRows < 1, a short p, buf or scratch,
// and operands sharing memory panic with what is accepted.
func TestSgemmSerialSGDBadArguments(t *testing.T) {
	mem := make([]float32, 200)
	a, b := mem[:32], mem[32:48] // 8x4 and 4x4
	h := SGDParams{LR: 0.1, Momentum: 0.9}
	for _, tc := range []struct {
		name            string
		maxRows         int
		p, buf, scratch []float32
		want            string
	}{
		{"maxRows 0", 0, mem[48:80], mem[80:112], mem[112:144], "want maxRows >= 1"},
		{"short p", 4, mem[48:79], mem[80:112], mem[112:144], "len(p) = 31 < (m-1)*ldp + n = 32"},
		{"short buf", 4, mem[48:80], mem[80:111], mem[112:144], "len(buf) = 31 < (m-1)*ldp + n = 32"},
		{"short scratch", 4, mem[48:80], mem[80:112], mem[112:127], "len(scratch) = 15 < min(m, maxRows)*n = 16"},
		{"p in buf", 4, mem[48:80], mem[60:92], mem[112:144], "p and buf share memory"},
		{"scratch in a", 4, mem[48:80], mem[80:112], mem[16:48], "scratch and a share memory"},
		{"p in b", 4, mem[40:72], mem[80:112], mem[112:144], "p and b share memory"},
	} {
		func() {
			defer func() {
				msg, _ := recover().(string)
				if !strings.Contains(msg, tc.want) {
					t.Errorf("%s: panic %q, want it to say %q", tc.name, msg, tc.want)
				}
			}()
			SgemmSerialSGD(false, false, 8, 4, 4, a, 4, b, 4, tc.p, tc.buf, 4, h, tc.scratch, tc.maxRows)
		}()
	}
}
