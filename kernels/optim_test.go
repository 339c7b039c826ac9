package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"

	mc "github.com/vecgrad/vecgrad/internal/mathconst"
)

// optimCase is one variant of SGDStep or AdamStep: the operands it updates
// (arrays[0] is p, arrays[1] the gradient; only the arrays the variant
// uses), how each is drawn, and one step on them, in place.
type optimCase struct {
	name   string
	arrays []string
	draw   []func(r *rand.Rand) float32
	step   func(a [][]float32)
}

// nonNeg draws second-moment values: mostly |mixed|, sometimes anything
// (negative, NaN, Inf), which the formulas must carry through alike.
func nonNeg(r *rand.Rand) float32 {
	x := mixed(r)
	if r.IntN(32) != 0 {
		x = float32(math.Abs(float64(x)))
	}
	return x
}

func (h SGDParams) String() string {
	return fmt.Sprintf("lr=%g,mom=%g,damp=%g,wd=%g,nesterov=%v,max=%v,first=%v",
		h.LR, h.Momentum, h.Dampening, h.WeightDecay, h.Nesterov, h.Maximize, h.FirstStep)
}

func (h AdamParams) String() string {
	return fmt.Sprintf("lr=%g,b1=%g,b2=%g,eps=%g,wd=%g,t=%d,adamw=%v,ams=%v,max=%v",
		h.LR, h.Beta1, h.Beta2, h.Eps, h.WeightDecay, h.Step, h.Decoupled, h.AMSGrad, h.Maximize)
}

// sgdParamSets lists every flag combination of SGDStep.
func sgdParamSets() []SGDParams {
	var hs []SGDParams
	for _, maximize := range []bool{false, true} {
		for _, wd := range []float64{0, 1e-2} {
			hs = append(hs, SGDParams{LR: 0.05, WeightDecay: wd, Maximize: maximize})
			for _, first := range []bool{false, true} {
				for _, nesterov := range []bool{false, true} {
					for _, damp := range []float64{0, 0.1} {
						hs = append(hs, SGDParams{LR: 0.05, Momentum: 0.9, Dampening: damp, WeightDecay: wd,
							Nesterov: nesterov, Maximize: maximize, FirstStep: first})
					}
				}
			}
		}
	}
	return hs
}

// adamParamSets lists every flag combination of AdamStep (Adam without and
// with L2 decay, AdamW with and without decay; amsgrad; maximize; a first
// and a later step).
func adamParamSets() []AdamParams {
	var hs []AdamParams
	for _, maximize := range []bool{false, true} {
		for _, ams := range []bool{false, true} {
			for _, dec := range []struct {
				decoupled bool
				wd        float64
			}{{false, 0}, {false, 1e-2}, {true, 1e-2}, {true, 0}} {
				for _, t := range []int{1, 7} {
					hs = append(hs, AdamParams{LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: dec.wd,
						Step: t, Decoupled: dec.decoupled, AMSGrad: ams, Maximize: maximize})
				}
			}
		}
	}
	return hs
}

func optimCases() []optimCase {
	var cs []optimCase
	for _, h := range sgdParamSets() {
		c := optimCase{name: "SGD/" + h.String(), arrays: []string{"p", "g"}, draw: []func(*rand.Rand) float32{mixed, mixed}}
		if h.Momentum != 0 {
			c.arrays, c.draw = append(c.arrays, "buf"), append(c.draw, mixed)
			c.step = func(a [][]float32) { SGDStep(a[0], a[1], a[2], h) }
		} else {
			c.step = func(a [][]float32) { SGDStep(a[0], a[1], nil, h) }
		}
		cs = append(cs, c)
	}
	for _, h := range adamParamSets() {
		c := optimCase{name: "Adam/" + h.String(), arrays: []string{"p", "g", "m", "v"},
			draw: []func(*rand.Rand) float32{mixed, mixed, mixed, nonNeg}}
		if h.AMSGrad {
			c.arrays, c.draw = append(c.arrays, "vmax"), append(c.draw, nonNeg)
			c.step = func(a [][]float32) { AdamStep(a[0], a[1], a[2], a[3], a[4], h) }
		} else {
			c.step = func(a [][]float32) { AdamStep(a[0], a[1], a[2], a[3], nil, h) }
		}
		cs = append(cs, c)
	}
	return cs
}

// optimSizes: every length 0..300, then one random length up to 3*ChunkLen
// (testSizes draws 12: there are 68 variants here, each with its own draw);
// under qemu (arm64) only every fourth variant gets the long one.
func optimSizes(r *rand.Rand, variant int) []int {
	var ns []int
	for n := 0; n <= 300; n++ {
		ns = append(ns, n)
	}
	if runtime.GOARCH == "amd64" || variant%4 == 0 {
		ns = append(ns, 301+r.IntN(3*mc.ChunkLen))
	}
	return ns
}

// newOperands draws n elements of every operand at random offsets into
// larger arrays (every alignment).
func (c *optimCase) newOperands(r *rand.Rand, n int) [][]float32 {
	a := make([][]float32, len(c.arrays))
	for i := range a {
		off := r.IntN(17)
		buf := make([]float32, off+n)
		for j := range buf {
			buf[j] = c.draw[i](r)
		}
		a[i] = buf[off:]
	}
	return a
}

func cloneAll(a [][]float32) [][]float32 {
	b := make([][]float32, len(a))
	for i := range a {
		b[i] = append([]float32(nil), a[i]...)
	}
	return b
}

// stepAt runs one step of c at level on copies of a and returns them.
func (c *optimCase) stepAt(t *testing.T, level string, a [][]float32) [][]float32 {
	b := cloneAll(a)
	withLevel(t, level, func(t *testing.T) { c.step(b) })
	return b
}

// compareAll checks every operand bit for bit (any NaN equals any NaN).
func (c *optimCase) compareAll(t *testing.T, what string, got, want [][]float32) bool {
	t.Helper()
	for k := range want {
		for i := range want[k] {
			if !sameFloat(got[k][i], want[k][i], false) {
				t.Errorf("%s: %s: %s[%d] of %d: got %v (%#08x), want %v (%#08x)", c.name, what, c.arrays[k], i, len(want[k]),
					got[k][i], math.Float32bits(got[k][i]), want[k][i], math.Float32bits(want[k][i]))
				return false
			}
		}
	}
	return true
}

// TestOptimMatchGeneric checks every SGD and Adam variant at every vector
// level the machine has against the pure-Go reference, bit for bit, on
// every operand (all are updated in place).
func TestOptimMatchGeneric(t *testing.T) {
	levels := vectorLevels()
	if len(levels) == 0 {
		t.Skip("the active level is generic, the reference itself")
	}
	for i, c := range optimCases() {
		t.Run(c.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(3, seedOf(c.name)))
			for _, n := range optimSizes(r, i) {
				a := c.newOperands(r, n)
				want := c.stepAt(t, "generic", a)
				for _, l := range levels {
					if !c.compareAll(t, fmt.Sprintf("%s n=%d", l, n), c.stepAt(t, l, a), want) {
						return
					}
				}
			}
		})
	}
}

// TestOptimThreadsBitwise checks that a step large enough to be split
// across the workers gives bitwise the same operands, NaN payloads
// included, for 1, 2 and 5 threads, in every variant.
func TestOptimThreadsBitwise(t *testing.T) {
	saved := Threads()
	defer SetThreads(saved)
	for i, c := range optimCases() {
		if gemmSlow() && i%6 != 0 { // under qemu a variant takes seconds: a sample of them
			continue
		}
		r := rand.New(rand.NewPCG(5, seedOf(c.name)))
		a := c.newOperands(r, stepSplitMin+3*stepTaskLen+77)
		var want [][]float32
		for _, th := range []int{1, 2, 5} {
			SetThreads(th)
			got := cloneAll(a)
			c.step(got)
			if want == nil {
				want = got
				continue
			}
			for k := range want {
				if i := firstBitDiff(got[k], want[k]); i >= 0 {
					t.Fatalf("%s: %d threads: %s[%d] = %#08x, 1 thread %#08x", c.name, th, c.arrays[k], i,
						math.Float32bits(got[k][i]), math.Float32bits(want[k][i]))
				}
			}
		}
	}
}

// TestOptimGuardPages runs every variant at the active level with each
// operand flush against a PROT_NONE page, after it and then before it, for
// every length 0..100.
func TestOptimGuardPages(t *testing.T) {
	for _, c := range optimCases() {
		t.Run(c.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(4, seedOf(c.name)))
			regions := make([]*guardRegion, len(c.arrays))
			for i := range regions {
				regions[i] = newGuardRegion(t)
			}
			for n := 0; n <= 100; n++ {
				a := c.newOperands(r, n)
				want := c.stepAt(t, "generic", a)
				for _, place := range []string{"tail", "head"} {
					g := make([][]float32, len(a))
					for i := range a {
						g[i] = regions[i].place(place, n)
						copy(g[i], a[i])
					}
					c.step(g)
					if !c.compareAll(t, fmt.Sprintf("%s guard %s n=%d", ISA(), place, n), g, want) {
						return
					}
				}
			}
		})
	}
}

// TestOptimUnusedState checks that the state a variant does not use is
// neither read nor written: buf without momentum (nil or not), vmax without
// amsgrad, buf on the first step (NaN there must not leak in).
func TestOptimUnusedState(t *testing.T) {
	const n = 37
	nan := float32(math.NaN())
	fillNaN := func() []float32 {
		x := make([]float32, n)
		for i := range x {
			x[i] = nan
		}
		return x
	}
	ones := func() []float32 {
		x := make([]float32, n)
		for i := range x {
			x[i] = 1
		}
		return x
	}
	for _, l := range Levels() {
		withLevel(t, l, func(t *testing.T) {
			buf := fillNaN()
			p := ones()
			SGDStep(p, ones(), buf, SGDParams{LR: 0.5})
			SGDStep(p, ones(), nil, SGDParams{LR: 0.5})
			if p[0] != 0 || p[n-1] != 0 || buf[0] == buf[0] {
				t.Errorf("%s: SGD without momentum: p[0] = %v (want 0), buf touched: %v", l, p[0], buf[0])
			}
			p = ones()
			SGDStep(p, ones(), buf, SGDParams{LR: 0.5, Momentum: 0.9, FirstStep: true})
			if p[n-1] != 0.5 || buf[n-1] != 1 {
				t.Errorf("%s: SGD first step: p = %v (want 0.5), buf = %v (want 1)", l, p[n-1], buf[n-1])
			}
			vmax := fillNaN()
			p, m, v := ones(), ones(), ones()
			AdamStep(p, ones(), m, v, vmax, AdamParams{LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, Step: 1})
			if p[n-1] != p[n-1] || vmax[0] == vmax[0] {
				t.Errorf("%s: Adam without amsgrad: p = %v, vmax touched: %v", l, p[n-1], vmax[0])
			}
			AdamStep(p, ones(), m, v, nil, AdamParams{LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, Step: 2})
		})
	}
}

func TestOptimBadLengthsPanic(t *testing.T) {
	a, b := make([]float32, 10), make([]float32, 12)
	for _, l := range Levels() {
		withLevel(t, l, func(t *testing.T) {
			mom := SGDParams{LR: 0.1, Momentum: 0.9}
			mustPanic(t, func() { SGDStep(a, b, a, mom) }, "SGDStep", "len(g) = 12", "len(p) = 10")
			mustPanic(t, func() { SGDStep(a, a, b, mom) }, "SGDStep", "len(buf) = 12", "len(p) = 10")
			mustPanic(t, func() { SGDStep(a, a, nil, mom) }, "SGDStep", "len(buf) = 0")
			adam := AdamParams{LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, Step: 1}
			mustPanic(t, func() { AdamStep(a, b, a, a, nil, adam) }, "AdamStep", "len(g) = 12", "len(p) = 10")
			mustPanic(t, func() { AdamStep(a, a, b, a, nil, adam) }, "AdamStep", "len(m) = 12")
			mustPanic(t, func() { AdamStep(a, a, a, b, nil, adam) }, "AdamStep", "len(v) = 12")
			adam.AMSGrad = true
			mustPanic(t, func() { AdamStep(a, a, a, a, b, adam) }, "AdamStep", "len(vmax) = 12")
			mustPanic(t, func() { AdamStep(a, a, a, a, nil, adam) }, "AdamStep", "len(vmax) = 0")
			for _, bad := range []AdamParams{{Beta1: 0.9, Beta2: 0.999, Step: 0}, {Beta1: 0.9, Beta2: 1, Step: 1},
				{Beta1: 0.9, Beta2: -0.5, Step: 1}, {Beta1: 1, Beta2: 0.999, Step: 1}, {Beta1: 0.9, Beta2: math.NaN(), Step: 1}} {
				mustPanic(t, func() { AdamStep(a, a, a, a, nil, bad) }, "AdamStep", fmt.Sprintf("Step = %d", bad.Step), "want Step >= 1 and betas in [0, 1)")
			}
		})
	}
}

// ---- against a float64 transcription of PyTorch's update -------------------
//
// torchSGD and torchAdam transcribe torch.optim's single-tensor updates in
// float64 from the same float32 inputs and float64 hyper-parameters. Next to
// every value they carry an error bound for the float32 computation, derived
// from the operation: a result rounded once has relative error at most
// u = 2^-24, every float32 scalar (lr, momentum, 1-dampening, ...) too, so a
// value computed with k roundings along its deepest path is within
// k*u*A of the exact one, where A is the same expression with every term
// replaced by its absolute value. Errors carried in from an earlier step
// (the trajectory test) propagate through the same linear recurrences.

const u32 = 1.0 / (1 << 24)

// e64 is a float64 value with the bound on the float32 computation's error.
type e64 struct{ x, err float64 }

type torchSGD struct {
	h      SGDParams
	p, buf []e64
}

func (s *torchSGD) step(g []float32) {
	h := s.h
	for i := range s.p {
		p := s.p[i]
		d, ad := float64(g[i]), math.Abs(float64(g[i]))
		if h.Maximize {
			d = -d
		}
		ed := 0.0
		if h.WeightDecay != 0 {
			d += h.WeightDecay * p.x
			ad += math.Abs(h.WeightDecay * p.x)
			ed = math.Abs(h.WeightDecay)*p.err + 2*u32*ad // wd rounded, fma
		}
		if h.Momentum != 0 {
			b := e64{d, ed}
			if !h.FirstStep {
				old := s.buf[i]
				x := h.Momentum*old.x + (1-h.Dampening)*d
				a := math.Abs(h.Momentum*old.x) + math.Abs((1-h.Dampening)*d)
				b = e64{x, math.Abs(h.Momentum)*old.err + math.Abs(1-h.Dampening)*ed + 4*u32*a}
				ad = a + math.Abs(1-h.Dampening)*ad
			}
			s.buf[i] = b
			if h.Nesterov {
				d += h.Momentum * b.x
				ed += math.Abs(h.Momentum)*b.err + 2*u32*(math.Abs(d)+math.Abs(h.Momentum*b.x))
			} else {
				d, ed = b.x, b.err
			}
		}
		np := p.x - h.LR*d
		s.p[i] = e64{np, p.err + math.Abs(h.LR)*ed + 2*u32*(math.Abs(p.x)+math.Abs(h.LR*d))}
	}
}

type torchAdam struct {
	h             AdamParams
	p, m, v, vmax []e64
}

func (s *torchAdam) step(g []float32) {
	h := s.h
	t := float64(h.Step)
	bc1, bc2 := 1-math.Pow(h.Beta1, t), 1-math.Pow(h.Beta2, t)
	step := h.LR / bc1
	for i := range s.p {
		p := s.p[i]
		d := float64(g[i])
		if h.Maximize {
			d = -d
		}
		ed := 0.0
		switch {
		case h.Decoupled:
			p = e64{p.x * (1 - h.LR*h.WeightDecay), p.err*math.Abs(1-h.LR*h.WeightDecay) + 2*u32*math.Abs(p.x)}
		case h.WeightDecay != 0:
			ed = math.Abs(h.WeightDecay)*p.err + 2*u32*(math.Abs(d)+math.Abs(h.WeightDecay*p.x))
			d += h.WeightDecay * p.x
		}
		om := s.m[i]
		m := h.Beta1*om.x + (1-h.Beta1)*d
		em := h.Beta1*om.err + (1-h.Beta1)*ed + 4*u32*(math.Abs(h.Beta1*om.x)+math.Abs((1-h.Beta1)*d))
		s.m[i] = e64{m, em}
		// v: a sum of non-negative terms, so its relative error stays
		// bounded: that of the old v, or of d² (twice d's), plus 6 roundings.
		ov := s.v[i]
		v := h.Beta2*ov.x + (1-h.Beta2)*d*d
		ev := h.Beta2*ov.err + (1-h.Beta2)*(2*math.Abs(d)*ed+ed*ed) + 6*u32*v
		s.v[i] = e64{v, ev}
		vv := e64{v, ev}
		if h.AMSGrad {
			ox := s.vmax[i]
			if ox.x > v {
				vv = ox
			}
			vv.err = max(ox.err, ev) // the maximum is within the larger bound of either
			s.vmax[i] = vv
		}
		sq := math.Sqrt(vv.x)
		// sqrt(v ± e) is within e/(2 sqrt(v)) and within sqrt(e) of sqrt(v).
		esq := math.Sqrt(vv.err)
		if sq > 0 {
			esq = min(esq, vv.err/(2*sq))
		}
		bcs := math.Sqrt(bc2)
		den := sq/bcs + h.Eps
		eden := esq/bcs + 5*u32*den // bc2s, sqrt, division, eps, sum
		q := step * m / den
		// q = step*m/den: m's error scaled, den's relative error, 3 roundings
		// (negStep, the product, the quotient); den - eden > 0 keeps it finite.
		eq := (step*em+math.Abs(q)*eden)/(den-eden)*(1+4*u32) + 3*u32*math.Abs(q)
		s.p[i] = e64{p.x - q, p.err + eq + u32*(math.Abs(p.x)+math.Abs(q))}
	}
}

// ordinary draws finite values of magnitude 1e-3..1e3, either sign, or 0:
// no overflow, no denormal intermediate (whose absolute error the relative
// bounds above do not cover).
func ordinary(r *rand.Rand) float32 {
	if r.IntN(50) == 0 {
		return 0
	}
	x := float32(math.Pow(10, 6*r.Float64()-3))
	if r.IntN(2) == 0 {
		x = -x
	}
	return x
}

func ordinaryNonNeg(r *rand.Rand) float32 { return float32(math.Abs(float64(ordinary(r)))) }

func toE64(x []float32) []e64 {
	y := make([]e64, len(x))
	for i := range x {
		y[i] = e64{x: float64(x[i])}
	}
	return y
}

// checkNear compares a float32 trajectory with the transcription's.
func checkNear(t *testing.T, what string, got []float32, want []e64) bool {
	t.Helper()
	for i := range want {
		if d := math.Abs(float64(got[i]) - want[i].x); !(d <= want[i].err) {
			t.Errorf("%s[%d]: got %v, float64 transcription %v: |difference| %.3g > derived bound %.3g",
				what, i, got[i], want[i].x, d, want[i].err)
			return false
		}
	}
	return true
}

// TestOptimMatchesTorch runs every variant's reference (the generic level)
// for 20 steps from the same start as the float64 transcription of
// PyTorch's update, with a fresh random gradient each step, and checks every
// step's parameters and state against it within the derived bounds.
func TestOptimMatchesTorch(t *testing.T) {
	const n, steps = 300, 20
	withLevel(t, "generic", func(t *testing.T) {
		for _, h0 := range sgdParamSets() {
			r := rand.New(rand.NewPCG(5, seedOf(h0.String())))
			p, buf := make([]float32, n), make([]float32, n)
			for i := range p {
				p[i], buf[i] = ordinary(r), ordinary(r)
			}
			ref := torchSGD{h: h0, p: toE64(p), buf: toE64(buf)}
			g := make([]float32, n)
			for k := range steps {
				h := h0
				h.FirstStep = h0.FirstStep && k == 0
				ref.h = h
				for i := range g {
					g[i] = ordinary(r)
				}
				SGDStep(p, g, buf, h)
				ref.step(g)
				what := fmt.Sprintf("SGD %v step %d: ", h0, k+1)
				if !checkNear(t, what+"p", p, ref.p) || (h.Momentum != 0 && !checkNear(t, what+"buf", buf, ref.buf)) {
					break
				}
			}
		}
		for _, h0 := range adamParamSets() {
			r := rand.New(rand.NewPCG(6, seedOf(h0.String())))
			p, m, v, vmax := make([]float32, n), make([]float32, n), make([]float32, n), make([]float32, n)
			for i := range p {
				p[i], m[i], v[i], vmax[i] = ordinary(r), ordinary(r), ordinaryNonNeg(r), ordinaryNonNeg(r)
			}
			ref := torchAdam{h: h0, p: toE64(p), m: toE64(m), v: toE64(v), vmax: toE64(vmax)}
			g := make([]float32, n)
			for k := range steps {
				h := h0
				h.Step = h0.Step + k
				ref.h = h
				for i := range g {
					g[i] = ordinary(r)
				}
				AdamStep(p, g, m, v, vmax, h)
				ref.step(g)
				what := fmt.Sprintf("Adam %v step %d: ", h0, h.Step)
				ok := checkNear(t, what+"p", p, ref.p) && checkNear(t, what+"m", m, ref.m) && checkNear(t, what+"v", v, ref.v)
				if ok && h.AMSGrad {
					ok = checkNear(t, what+"vmax", vmax, ref.vmax)
				}
				if !ok {
					break
				}
			}
		}
	})
}

// TestOptimBoundsAreTight guards the derived bounds against being vacuous:
// across the transcription checks above, the largest |difference|/bound
// must be a sizeable fraction (the bounds are worst cases, so not near 1).
func TestOptimBoundsAreTight(t *testing.T) {
	const n = 2000
	worst := 0.0
	withLevel(t, "generic", func(t *testing.T) {
		r := rand.New(rand.NewPCG(7, 7))
		h := AdamParams{LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, Step: 3}
		p, m, v, g := make([]float32, n), make([]float32, n), make([]float32, n), make([]float32, n)
		for i := range p {
			p[i], m[i], v[i], g[i] = ordinary(r), ordinary(r), ordinaryNonNeg(r), ordinary(r)
		}
		ref := torchAdam{h: h, p: toE64(p), m: toE64(m), v: toE64(v)}
		AdamStep(p, g, m, v, nil, h)
		ref.step(g)
		for i := range p {
			if ref.p[i].err > 0 {
				worst = max(worst, math.Abs(float64(p[i])-ref.p[i].x)/ref.p[i].err)
			}
		}
	})
	if worst < 0.02 || worst > 1 {
		t.Errorf("largest |difference|/bound = %.3g: want it in [0.02, 1] (bounds neither vacuous nor violated)", worst)
	}
}
