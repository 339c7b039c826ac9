package tensor

import "math"

// Generator is the package's seeded random number generator. Its algorithm
// is fixed here, independent of the Go version and the machine, so the same
// seed gives bitwise the same tensors everywhere:
//
//   - Bits: PCG-XSH-RR 64/32 (O'Neill's pcg32): state = state*6364136223846793005 + inc
//     (mod 2^64), output = rotr32(uint32(((old >> 18) ^ old) >> 27), old >> 59),
//     seeded as pcg32_srandom(seed, stream) with the stream 0xda3e39cb94b95bdb.
//   - Float32: the top 24 bits of one output times 2^-24, uniform on [0, 1).
//   - Float64: 53 bits from two outputs (high word first) times 2^-53.
//   - Normal: Marsaglia's polar form of the Box–Muller transform on float64
//     pairs u, v = 2*Float64()-1 (rejecting s = u²+v² outside (0, 1)), giving
//     u*f and then v*f with f = sqrt(-2 ln(s)/s); ln is the fdlibm algorithm in
//     this file with every product explicitly rounded (no fused multiply-add),
//     so it is the same on every architecture; the result is rounded to float32.
//
// Tensors are filled in row-major order from one sequential stream, so the
// thread count never matters. A Generator is not safe for concurrent use.
type Generator struct {
	state, inc uint64
	spare      float64 // second normal of the last polar pair
	hasSpare   bool
}

const defaultStream = 0xda3e39cb94b95bdb

// NewGenerator returns a generator seeded with seed.
func NewGenerator(seed uint64) *Generator { return NewGeneratorStream(seed, defaultStream) }

// NewGeneratorStream returns a generator with the given seed and stream
// selector (pcg32_srandom(seed, stream)); different streams are independent
// sequences.
func NewGeneratorStream(seed, stream uint64) *Generator {
	g := &Generator{inc: stream<<1 | 1}
	g.Uint32()
	g.state += seed
	g.Uint32()
	return g
}

// Uint32 returns the next 32 random bits.
func (g *Generator) Uint32() uint32 {
	old := g.state
	g.state = old*6364136223846793005 + g.inc
	xorshifted := uint32(((old >> 18) ^ old) >> 27)
	rot := uint32(old >> 59)
	return xorshifted>>rot | xorshifted<<((-rot)&31)
}

// Float32 returns a uniform number in [0, 1) with 24 random bits.
func (g *Generator) Float32() float32 {
	return float32(g.Uint32()>>8) * (1.0 / (1 << 24))
}

// Float64 returns a uniform number in [0, 1) with 53 random bits.
func (g *Generator) Float64() float64 {
	hi, lo := uint64(g.Uint32()), uint64(g.Uint32())
	return float64((hi<<32|lo)>>11) * (1.0 / (1 << 53))
}

// Normal returns a standard normal number (mean 0, variance 1) in float64.
func (g *Generator) Normal() float64 {
	if g.hasSpare {
		g.hasSpare = false
		return g.spare
	}
	for {
		u := 2*g.Float64() - 1
		v := 2*g.Float64() - 1
		s := float64(u*u) + float64(v*v)
		if s >= 1 || s == 0 {
			continue
		}
		f := math.Sqrt(float64(-2*logNoFMA(s)) / s)
		g.spare, g.hasSpare = float64(v*f), true
		return float64(u * f)
	}
}

// logNoFMA is the natural logarithm of x in (0, 1], fdlibm's e_log.c (the
// algorithm of Go's pure-Go math.Log) with every product rounded before it is
// added, so that no architecture fuses them.
func logNoFMA(x float64) float64 {
	const (
		ln2Hi = 6.93147180369123816490e-01 // 3fe62e42 fee00000
		ln2Lo = 1.90821492927058770002e-10 // 3dea39ef 35793c76
		l1    = 6.666666666666735130e-01   // 3FE55555 55555593
		l2    = 3.999999999940941908e-01   // 3FD99999 9997FA04
		l3    = 2.857142874366239149e-01   // 3FD24924 94229359
		l4    = 2.222219843214978396e-01   // 3FCC71C5 1D8E78AF
		l5    = 1.818357216161805012e-01   // 3FC74664 96CB03DE
		l6    = 1.531383769920937332e-01   // 3FC39A09 D078C69F
		l7    = 1.479819860511658591e-01   // 3FC2F112 DF3E5244
	)
	f1, ki := math.Frexp(x)
	if f1 < math.Sqrt2/2 {
		f1 *= 2
		ki--
	}
	f := f1 - 1
	k := float64(ki)
	s := f / (2 + f)
	s2 := float64(s * s)
	s4 := float64(s2 * s2)
	t1 := float64(s2 * (l1 + float64(s4*(l3+float64(s4*(l5+float64(s4*l7)))))))
	t2 := float64(s4 * (l2 + float64(s4*(l4+float64(s4*l6)))))
	r := t1 + t2
	hfsq := float64(0.5 * float64(f*f))
	return float64(k*ln2Hi) - ((hfsq - (float64(s*(hfsq+r)) + float64(k*ln2Lo))) - f)
}

// Rand returns a tensor of uniform numbers in [0, 1) (Generator.Float32).
func Rand(g *Generator, shape ...int) *Tensor {
	mustShape("Rand", shape)
	t := newTensor(nil, shape)
	for i := range t.data {
		t.data[i] = g.Float32()
	}
	return t
}

// Uniform returns a tensor of uniform numbers in [lo, hi): lo + (hi-lo)*u
// for u = Generator.Float64(), computed in float64 and rounded to float32
// (a result that rounds up to hi is replaced by the largest float32 below
// it). It panics unless lo < hi.
func Uniform(g *Generator, lo, hi float32, shape ...int) *Tensor {
	mustShape("Uniform", shape)
	if !(lo < hi) {
		fail("Uniform", "the range [lo, hi) is empty: lo = ", ftoa(lo), ", hi = ", ftoa(hi))
	}
	t := newTensor(nil, shape)
	below := math.Nextafter32(hi, float32(math.Inf(-1)))
	for i := range t.data {
		u := g.Float64()
		v := float32(float64(lo) + float64((float64(hi)-float64(lo))*u))
		if v >= hi {
			v = below
		}
		t.data[i] = v
	}
	return t
}

// Randn returns a tensor of standard normal numbers (Generator.Normal).
func Randn(g *Generator, shape ...int) *Tensor {
	mustShape("Randn", shape)
	t := newTensor(nil, shape)
	for i := range t.data {
		t.data[i] = float32(g.Normal())
	}
	return t
}
