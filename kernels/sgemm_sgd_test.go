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

// sgdCase is one SgemmSerialSGD call's operands: p and buf laid out as
// the product's rows at stride ldp, the gaps between rows holding a
// sentinel.
type sgdCase struct {
	gemmCase
	h        SGDParams
	ldp      int
	p0, buf0 []float32 // the values before the step
}

// sgdSentinel fills the gaps of p and buf: no update may touch it.
var sgdSentinel = float32(math.Inf(-1))

func newSGDCase(r *rand.Rand, sh rowsShape, h SGDParams) sgdCase {
	return newSGDCaseGaps(r, sh, h, r.IntN(3))
}

// newSGDCaseGaps is newSGDCase with ldp = n + gap.
func newSGDCaseGaps(r *rand.Rand, sh rowsShape, h SGDParams, gap int) sgdCase {
	g := newGemmCase(r, sh.transA, sh.transB, sh.m, sh.n, sh.k, 2)
	g.alpha, g.beta = 1, 0
	c := sgdCase{gemmCase: g, h: h, ldp: max(1, g.n) + gap}
	size := max(0, (g.m-1)*c.ldp+g.n)
	c.p0, c.buf0 = make([]float32, size), make([]float32, size)
	for i := range size {
		c.p0[i], c.buf0[i] = sgdSentinel, sgdSentinel
		if i%c.ldp < g.n {
			c.p0[i], c.buf0[i] = float32(r.NormFloat64()), float32(r.NormFloat64())
		}
	}
	return c
}

// want returns p and buf after SgemmSerial into a scratch and then
// SGDStepSerial on each row: the gradient from the bitwise reference of
// SgemmSerial's arithmetic.
func (c sgdCase) want() (p, buf []float32) {
	p, buf = append([]float32(nil), c.p0...), append([]float32(nil), c.buf0...)
	grad := c.reference()
	for i := range c.m {
		row := func(s []float32) []float32 { return s[i*c.ldp:][:c.n] }
		b := row(buf)
		if c.h.Momentum == 0 {
			b = nil
		}
		SGDStepSerial(row(p), grad[i*c.ldc:][:c.n], b, c.h)
	}
	return p, buf
}

// sgdRun is one case of the SGD products' tests: a shape, the block
// height and the optimizer's variant.
type sgdRun struct {
	sh      rowsShape
	maxRows int
	h       SGDParams
}

// sgdRuns runs every shape at maxRows 7, 12, 32 and 1000 (the variants
// hs in turn), then every variant on the shape several at maxRows rows.
func sgdRuns(shapes []rowsShape, hs []SGDParams, several rowsShape, rows int) []sgdRun {
	var runs []sgdRun
	for si, sh := range shapes {
		for mi, maxRows := range []int{7, 12, 32, 1000} {
			runs = append(runs, sgdRun{sh, maxRows, hs[(4*si+mi)%len(hs)]})
		}
	}
	for _, h := range hs {
		runs = append(runs, sgdRun{several, rows, h})
	}
	return runs
}

// guardedCopy returns a copy of s placed against a guard page (where:
// "head" or "tail").
func guardedCopy(t *testing.T, where string, s []float32) []float32 {
	g := newGuardRegionFor(t, len(s)).place(where, len(s))
	copy(g, s)
	return g
}

// TestSgemmSerialSGD: p and buf after the fused step are bit for bit
// those of SgemmSerial (the reference's arithmetic) followed by
// SGDStepSerial on each row, for every SGD variant, every transpose, the
// training step's weight gradients (through GemmStripSGD where the level
// has it), edge tiles, several MC blocks, k across KC blocks and columns
// across NC blocks (the blocks one by one), maxRows under a row panel, and
// m or k of 0; p, buf and the scratch, each exactly the size asked for,
// placed against a guard page, and the gaps between p's and buf's rows
// (ldp > n) never written.
func TestSgemmSerialSGD(t *testing.T) {
	useBlocks := shapeBlocks(t)
	r := rand.New(rand.NewPCG(41, 41))
	hs := sgdVariants()
	runs := sgdRuns(rowsShapes(), hs, rowsShape{true, false, 130, 200, 64, false}, 32) // then every variant on several blocks
	// A product narrower than a B panel, one that reads A in place (no
	// fused strip: the blocks in turn), and one swept rows first (B
	// packed: more rows than an MC block) with a column edge, a first row
	// panel that packs B and a partial last one.
	runs = append(runs, sgdRun{rowsShape{true, false, 40, 20, 16, false}, 24, hs[3]}, // narrower than a B panel: no strip
		sgdRun{rowsShape{false, false, 50, 40, 24, false}, 16, hs[2]},
		sgdRun{rowsShape{true, false, 500, 300, 24, false}, 24, hs[7]})
	for i, ru := range runs {
		useBlocks(ru.sh)
		c := newSGDCase(r, ru.sh, ru.h)
		name := fmt.Sprintf("%s ldp %d, maxRows %d, %+v at %s", c.gemmCase, c.ldp, ru.maxRows, ru.h, ISA())
		wantP, wantBuf := c.want()
		where := []string{"head", "tail"}[i%2]
		p, buf := guardedCopy(t, where, c.p0), guardedCopy(t, where, c.buf0)
		rows := min(c.m, ru.maxRows)
		scratch := newGuardRegionFor(t, rows*c.n).place(where, rows*c.n)
		SgemmSerialSGD(c.transA, c.transB, c.m, c.n, c.k, c.a, c.lda, c.b, c.ldb, p, buf, c.ldp, ru.h, scratch, ru.maxRows)
		checkSGDResult(t, name, p, buf, wantP, wantBuf)
	}
}

// checkSGDResult fails t at the first element of p or buf that is not
// want's, bit for bit.
func checkSGDResult(t *testing.T, name string, p, buf, wantP, wantBuf []float32) {
	t.Helper()
	for j := range wantP {
		if !sameFloat(p[j], wantP[j], false) {
			t.Fatalf("%s: p[%d] = %v, want %v", name, j, p[j], wantP[j])
		}
		if !sameFloat(buf[j], wantBuf[j], false) {
			t.Fatalf("%s: buf[%d] = %v, want %v", name, j, buf[j], wantBuf[j])
		}
	}
}

// TestSgemmSerialSGDNoAllocations: a step allocates nothing.
func TestSgemmSerialSGDNoAllocations(t *testing.T) {
	r := rand.New(rand.NewPCG(42, 42))
	c := newSGDCase(r, rowsShape{true, false, 256, 300, 16, false}, SGDParams{LR: 1e-3, Momentum: 0.5})
	scratch := make([]float32, 64*c.n)
	call := func() {
		SgemmSerialSGD(true, false, c.m, c.n, c.k, c.a, c.lda, c.b, c.ldb, c.p0, c.buf0, c.ldp, c.h, scratch, 64)
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
