package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"

	mc "github.com/vecgrad/vecgrad/internal/mathconst"
)

// kernelCase is one exported kernel run through the common harness: given
// inputs of the lengths sizes(n) reports, run writes the kernel's result to out.
type kernelCase struct {
	name  string
	sizes func(n int) (ins []int, out int)
	run   func(out []float32, in [][]float32, n int)
	// inPlace: the kernel may run with out == in[0] (same length);
	// inPlace2: also with out == in[1].
	inPlace, inPlace2 bool
	// zeroTie: a +0/-0 difference in the result is allowed (max of ±0).
	zeroTie bool
	// input draws one input value.
	input func(r *rand.Rand) float32
}

// blockShape is the [rows, cols] block a row kernel gets for size n.
func blockShape(n int) (rows, cols int) { return n%4 + 1, n }

func elementwise(k int) func(n int) ([]int, int) {
	return func(n int) ([]int, int) {
		ins := make([]int, k)
		for i := range ins {
			ins[i] = n
		}
		return ins, n
	}
}

func reduction(k int) func(n int) ([]int, int) {
	return func(n int) ([]int, int) {
		ins, _ := elementwise(k)(n)
		return ins, 1
	}
}

func nonEmptyReduction(n int) ([]int, int) { return []int{max(n, 1)}, 1 }

// kernelCases lists every exported kernel.
func kernelCases() []kernelCase {
	var cs []kernelCase
	for op := OpAdd; op <= OpMin; op++ {
		zt := op == OpMax || op == OpMin
		cs = append(cs,
			kernelCase{name: "Binary/" + op.String(), sizes: elementwise(2), inPlace: true, inPlace2: true, zeroTie: zt,
				run: func(o []float32, in [][]float32, n int) { Binary(op, o, in[0], in[1]) }},
			kernelCase{name: "BinaryAcc/" + op.String(), sizes: elementwise(3), zeroTie: zt,
				run: func(o []float32, in [][]float32, n int) { copy(o, in[2]); BinaryAcc(op, o, in[0], in[1]) }},
			kernelCase{name: "BinaryScalar/" + op.String(), sizes: func(n int) ([]int, int) { return []int{n, 1}, n }, inPlace: true, zeroTie: zt,
				run: func(o []float32, in [][]float32, n int) { BinaryScalar(op, o, in[0], in[1][0]) }},
			kernelCase{name: "BinaryScalarAcc/" + op.String(), sizes: func(n int) ([]int, int) { return []int{n, 1, n}, n }, zeroTie: zt,
				run: func(o []float32, in [][]float32, n int) { copy(o, in[2]); BinaryScalarAcc(op, o, in[0], in[1][0]) }},
			kernelCase{name: "BinaryRowVec/" + op.String(), inPlace: true, zeroTie: zt,
				sizes: func(n int) ([]int, int) { r, c := blockShape(n); return []int{r * c, c}, r * c },
				run: func(o []float32, in [][]float32, n int) {
					r, c := blockShape(n)
					BinaryRowVec(op, o, in[0], in[1], r, c)
				}},
			kernelCase{name: "BinaryRowVecAcc/" + op.String(), zeroTie: zt,
				sizes: func(n int) ([]int, int) { r, c := blockShape(n); return []int{r * c, c, r * c}, r * c },
				run: func(o []float32, in [][]float32, n int) {
					r, c := blockShape(n)
					copy(o, in[2])
					BinaryRowVecAcc(op, o, in[0], in[1], r, c)
				}},
			kernelCase{name: "BinaryColVec/" + op.String(), inPlace: true, zeroTie: zt,
				sizes: func(n int) ([]int, int) { r, c := blockShape(n); return []int{r * c, r}, r * c },
				run: func(o []float32, in [][]float32, n int) {
					r, c := blockShape(n)
					BinaryColVec(op, o, in[0], in[1], r, c)
				}},
			kernelCase{name: "BinaryColVecAcc/" + op.String(), zeroTie: zt,
				sizes: func(n int) ([]int, int) { r, c := blockShape(n); return []int{r * c, r, r * c}, r * c },
				run: func(o []float32, in [][]float32, n int) {
					r, c := blockShape(n)
					copy(o, in[2])
					BinaryColVecAcc(op, o, in[0], in[1], r, c)
				}},
		)
	}
	unaries := []struct {
		name string
		f    func(dst, x []float32)
	}{{"Relu", Relu}, {"Exp", Exp}, {"Log", Log}, {"Sqrt", Sqrt}, {"Tanh", Tanh}, {"Sigmoid", Sigmoid},
		{"Sin", Sin}, {"Cos", Cos}}
	for _, u := range unaries {
		in := anyBits
		if u.name == "Sin" || u.name == "Cos" {
			in = trigInput
		}
		cs = append(cs, kernelCase{name: u.name, sizes: elementwise(1), inPlace: true, input: in,
			run: func(o []float32, in [][]float32, n int) { u.f(o, in[0]) }})
	}
	cs = append(cs,
		kernelCase{name: "ReluBackward", sizes: elementwise(2), inPlace: true,
			run: func(o []float32, in [][]float32, n int) { ReluBackward(o, in[0], in[1]) }},
		kernelCase{name: "Axpy", sizes: func(n int) ([]int, int) { return []int{n, n, 1}, n },
			run: func(o []float32, in [][]float32, n int) { copy(o, in[1]); Axpy(o, in[2][0], in[0]) }},
		kernelCase{name: "AxpyTo", sizes: func(n int) ([]int, int) { return []int{n, n, 1}, n }, inPlace: true,
			run: func(o []float32, in [][]float32, n int) { AxpyTo(o, in[2][0], in[0], in[1]) }},
		kernelCase{name: "Scale", sizes: func(n int) ([]int, int) { return []int{n, 1}, n }, inPlace: true,
			run: func(o []float32, in [][]float32, n int) { Scale(o, in[1][0], in[0]) }},
		kernelCase{name: "Fill", sizes: func(n int) ([]int, int) { return []int{1}, n },
			run: func(o []float32, in [][]float32, n int) { Fill(o, in[0][0]) }},
		kernelCase{name: "Copy", sizes: elementwise(1),
			run: func(o []float32, in [][]float32, n int) { Copy(o, in[0]) }},
		kernelCase{name: "Sum", sizes: reduction(1),
			run: func(o []float32, in [][]float32, n int) { o[0] = Sum(in[0]) }},
		kernelCase{name: "Dot", sizes: reduction(2),
			run: func(o []float32, in [][]float32, n int) { o[0] = Dot(in[0], in[1]) }},
		kernelCase{name: "SumSq", sizes: reduction(1),
			run: func(o []float32, in [][]float32, n int) { o[0] = SumSq(in[0]) }},
		kernelCase{name: "Max", sizes: nonEmptyReduction, zeroTie: true,
			run: func(o []float32, in [][]float32, n int) { o[0] = Max(in[0]) }},
		kernelCase{name: "ArgMax", sizes: nonEmptyReduction, input: fewDistinct,
			run: func(o []float32, in [][]float32, n int) { o[0] = float32(ArgMax(in[0])) }},
		kernelCase{name: "RowSum",
			sizes: func(n int) ([]int, int) { r, c := blockShape(n); return []int{r * c}, r },
			run:   func(o []float32, in [][]float32, n int) { r, c := blockShape(n); RowSum(o, in[0], r, c) }},
		kernelCase{name: "RowMax", zeroTie: true,
			sizes: func(n int) ([]int, int) { r, c := blockShape(max(n, 1)); return []int{r * c}, r },
			run:   func(o []float32, in [][]float32, n int) { r, c := blockShape(max(n, 1)); RowMax(o, in[0], r, c) }},
		kernelCase{name: "RowLogSumExp", input: logits,
			sizes: func(n int) ([]int, int) { r, c := blockShape(n); return []int{r * c}, r },
			run:   func(o []float32, in [][]float32, n int) { r, c := blockShape(n); RowLogSumExp(o, in[0], r, c) }},
	)
	return cs
}

// specials are the values every input draw mixes in.
var specials = []float32{
	0, float32(math.Copysign(0, -1)), 1, -1, float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)),
	math.SmallestNonzeroFloat32, -math.SmallestNonzeroFloat32, 1e-40, -3e-39, math.MaxFloat32, -math.MaxFloat32, 1e-30, 3e30,
}

// mixed draws mostly ordinary values of varied magnitude, with specials.
func mixed(r *rand.Rand) float32 {
	switch k := r.IntN(16); {
	case k == 0:
		return specials[r.IntN(len(specials))]
	case k == 1:
		return anyBits(r)
	default:
		return float32(r.NormFloat64() * math.Pow(10, float64(r.IntN(7)-3)))
	}
}

// anyBits draws a uniformly random bit pattern: every exponent, NaN payloads
// and denormals included.
func anyBits(r *rand.Rand) float32 { return math.Float32frombits(r.Uint32()) }

// bitsOf returns n floats of random bits (anyBits).
func bitsOf(r *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = anyBits(r)
	}
	return s
}

// trigInput draws Sin/Cos inputs that the vector path reduces (|x| <=
// TrigMax: any bit pattern of that range, values near multiples of pi/2,
// NaN, ±Inf, ±0, denormals); one draw in 200000 is a larger finite value,
// which sends its chunk to the reference.
func trigInput(r *rand.Rand) float32 {
	switch k := r.IntN(200000); {
	case k == 0:
		return float32(math.Copysign(float64(mc.TrigMax)*(1+100*r.Float64()), r.NormFloat64()))
	case k < 2000:
		if x := specials[r.IntN(len(specials))]; !(math.Abs(float64(x)) > float64(mc.TrigMax)) || math.IsInf(float64(x), 0) {
			return x
		}
		return 0
	case k < 40000:
		return float32(float64(r.IntN(1<<17)-1<<16) * math.Pi / 2)
	}
	for {
		x := anyBits(r)
		if float32(math.Abs(float64(x))) <= mc.TrigMax {
			return x
		}
	}
}

// fewDistinct draws from a small set so that maxima tie often.
func fewDistinct(r *rand.Rand) float32 {
	if r.IntN(200) == 0 {
		return specials[r.IntN(len(specials))]
	}
	return float32(r.IntN(7) - 3)
}

// logits draws softmax-like inputs, sometimes infinite or NaN.
func logits(r *rand.Rand) float32 {
	if r.IntN(100) == 0 {
		return specials[r.IntN(len(specials))]
	}
	return float32(r.NormFloat64() * 8)
}

func (c *kernelCase) draw(r *rand.Rand) float32 {
	if c.input != nil {
		return c.input(r)
	}
	return mixed(r)
}

// sameFloat reports bitwise equality, treating any two NaNs as equal (and
// +0/-0 when zeroTie).
func sameFloat(a, b float32, zeroTie bool) bool {
	if a != a && b != b {
		return true
	}
	if zeroTie && a == 0 && b == 0 {
		return true
	}
	return math.Float32bits(a) == math.Float32bits(b)
}

// firstBitDiff returns the first index where a and b (of equal length)
// differ in their bits, NaN payloads included, or -1 where they do not.
func firstBitDiff(a, b []float32) int {
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return i
		}
	}
	return -1
}

// withLevel runs f with the active level set to name.
func withLevel(t *testing.T, name string, f func(t *testing.T)) {
	t.Helper()
	saved := ISA()
	if err := SetISA(name); err != nil {
		t.Fatal(err)
	}
	defer SetISA(saved)
	f(t)
}

// vectorLevels is the active level unless it is generic: `make test` runs
// the tests once per level (VECGRAD_ISA), so each level is checked once.
func vectorLevels() []string {
	if ISA() == "generic" {
		return nil
	}
	return []string{ISA()}
}

// testSizes: every length 0..300, then random long ones that cross ChunkLen.
func testSizes(r *rand.Rand) []int {
	var ns []int
	for n := 0; n <= 300; n++ {
		ns = append(ns, n)
	}
	long := 12
	if runtime.GOARCH == "arm64" && runtime.GOOS == "linux" {
		long = 4 // usually run under qemu
	}
	for range long {
		ns = append(ns, 301+r.IntN(3*mc.ChunkLen))
	}
	return ns
}

type problem struct {
	in  [][]float32
	out []float32
}

// newProblem fills inputs at a random offset into larger backing arrays so
// that every alignment is exercised.
func (c *kernelCase) newProblem(r *rand.Rand, n int) problem {
	inLens, outLen := c.sizes(n)
	p := problem{in: make([][]float32, len(inLens))}
	for i, l := range inLens {
		off := r.IntN(17)
		buf := make([]float32, off+l)
		for j := range buf {
			buf[j] = c.draw(r)
		}
		p.in[i] = buf[off:]
	}
	off := r.IntN(17)
	p.out = make([]float32, off+outLen)[off:]
	return p
}

func compare(t *testing.T, c *kernelCase, what string, got, want []float32) bool {
	t.Helper()
	for i := range want {
		if !sameFloat(got[i], want[i], c.zeroTie) {
			t.Errorf("%s: %s: element %d of %d: got %v (%#08x), want %v (%#08x)",
				c.name, what, i, len(want), got[i], math.Float32bits(got[i]), want[i], math.Float32bits(want[i]))
			return false
		}
	}
	return true
}

// runAt runs c at the named level on copies of p's inputs.
func runAt(t *testing.T, level string, c *kernelCase, p problem, n int) []float32 {
	var out []float32
	withLevel(t, level, func(t *testing.T) {
		out = make([]float32, len(p.out))
		c.run(out, p.in, n)
	})
	return out
}

// TestKernelsMatchGeneric checks every kernel at every vector level the
// machine has against the pure-Go reference, bit for bit.
func TestKernelsMatchGeneric(t *testing.T) {
	levels := vectorLevels()
	if len(levels) == 0 {
		t.Skip("the active level is generic, the reference itself")
	}
	for _, c := range kernelCases() {
		t.Run(c.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(1, seedOf(c.name)))
			for _, n := range testSizes(r) {
				p := c.newProblem(r, n)
				want := runAt(t, "generic", &c, p, n)
				for _, l := range levels {
					got := runAt(t, l, &c, p, n)
					if !compare(t, &c, fmt.Sprintf("%s n=%d", l, n), got, want) {
						return
					}
					for i, ok := range []bool{c.inPlace, c.inPlace2} {
						if !ok {
							continue
						}
						// dst == in[i]: run on a copy of that input.
						q := problem{in: append([][]float32(nil), p.in...)}
						q.in[i] = append([]float32(nil), p.in[i]...)
						withLevel(t, l, func(t *testing.T) { c.run(q.in[i], q.in, n) })
						if !compare(t, &c, fmt.Sprintf("%s in place of input %d, n=%d", l, i, n), q.in[i], want) {
							return
						}
					}
				}
			}
		})
	}
}

// TestGuardPages runs every kernel at the active level with each operand
// flush against a PROT_NONE page, after it and then before it, for every
// length 0..100: a read or write outside the slices faults. (`make test`
// runs the tests once per level.)
func TestGuardPages(t *testing.T) {
	for _, c := range kernelCases() {
		t.Run(c.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(2, seedOf(c.name)))
			var regions []*guardRegion
			region := func(i int) *guardRegion {
				for len(regions) <= i {
					regions = append(regions, newGuardRegion(t))
				}
				return regions[i]
			}
			for n := 0; n <= 100; n++ {
				p := c.newProblem(r, n)
				want := runAt(t, "generic", &c, p, n)
				for _, place := range []string{"tail", "head"} {
					g := problem{in: make([][]float32, len(p.in))}
					for i, in := range p.in {
						g.in[i] = region(i).place(place, len(in))
						copy(g.in[i], in)
					}
					g.out = region(len(p.in)).place(place, len(p.out))
					clear(g.out)
					c.run(g.out, g.in, n)
					if !compare(t, &c, fmt.Sprintf("%s guard %s n=%d", ISA(), place, n), g.out, want) {
						return
					}
				}
			}
		})
	}
}

// seedOf hashes a case name (FNV-1a) so that every case draws its own inputs.
func seedOf(name string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(name); i++ {
		h = (h ^ uint64(name[i])) * 1099511628211
	}
	return h
}
