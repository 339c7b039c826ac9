package kernels

import (
	"math"
	"math/big"
	"math/rand/v2"
	"testing"

	mc "github.com/vecgrad/vecgrad/internal/mathconst"
)

// The tests here hold the pure-Go references (and so every level, which
// TestKernelsMatchGeneric ties to them bit for bit) to independent math:
// float64, math/big, and the definitions in the doc comments.

const u = 1.0 / (1 << 24) // unit roundoff of float32

// exactFMA32 rounds a*b+c computed exactly with math/big to float32.
func exactFMA32(a, b, c float32) float32 {
	if math.IsInf(float64(a), 0) || math.IsInf(float64(b), 0) || math.IsInf(float64(c), 0) ||
		a != a || b != b || c != c {
		return float32(float64(a)*float64(b) + float64(c))
	}
	x := new(big.Float).SetPrec(0).SetFloat64(float64(a))
	x.SetPrec(200).Mul(x, new(big.Float).SetFloat64(float64(b)))
	x.Add(x, new(big.Float).SetFloat64(float64(c)))
	f, _ := x.Float32() // round to nearest even, denormals and overflow included
	if f == 0 && x.Sign() == 0 {
		return float32(float64(a)*float64(b) + float64(c)) // the sign of an exact zero
	}
	return f
}

func TestFMA32Exact(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 3))
	check := func(a, b, c float32) {
		if got, want := fma32(a, b, c), exactFMA32(a, b, c); !sameFloat(got, want, false) {
			t.Fatalf("fma32(%g, %g, %g) = %g (%#x), want %g (%#x)", a, b, c, got, math.Float32bits(got), want, math.Float32bits(want))
		}
	}
	for range 200000 {
		check(mixed(r), mixed(r), mixed(r))
		// Near-cancelling c makes the exact result need many bits: the case
		// where rounding the float64 sum to float32 would round twice.
		a, b := mixed(r), mixed(r)
		p := a * b
		check(a, b, -p+mixed(r)*1e-7*p)
		check(a, b, -p)
	}
	// Double-rounding traps: the exact result lies a hair off a float32
	// halfway point, so close that the float64 sum lands on the tie and
	// rounding that to float32 (to even) goes the wrong way.
	// (1+2^-23) - 2^-24(1-2^-23)(1+2^-23) = 1 + 2^-24 + 2^-70: up, to 1+2^-23.
	check(-(1-0x1p-23)*0x1p-24, 1+0x1p-23, 1+0x1p-23)
	// (1+2^-23) + 2^-24(1+2^-18)(1-2^-18) = 1 + 2^-23 + 2^-24 - 2^-60: down,
	// where the tie would round to the even 1+2^-22.
	check(0x1p-24*(1+0x1p-18), 1-0x1p-18, 1+0x1p-23)
	if got := math.Float32bits(fma32(-(1-0x1p-23)*0x1p-24, 1+0x1p-23, 1+0x1p-23)); got != 0x3f800001 {
		t.Fatalf("trap 1: fma32 = %#x, want 0x3f800001", got)
	}
	// Random traps of the same shape: c plus (half an ulp of c) * (1 - 2^-2s),
	// with the product sign and c's sign random, so both directions occur.
	for range 20000 {
		c := float32(r.NormFloat64() * math.Pow(2, float64(r.IntN(60)-30)))
		if c == 0 {
			continue
		}
		half := float32(ulp32(float64(c)) / 2)
		s := 15 + r.IntN(9)
		x := float32(math.Ldexp(1, -s))
		a, b := half*(1+x), 1-x
		if r.IntN(2) == 0 {
			a = -a
		}
		check(a, b, c)
	}
}

func TestBinaryOpsExact(t *testing.T) {
	r := rand.New(rand.NewPCG(4, 4))
	for range 100000 {
		a, b := mixed(r), mixed(r)
		a64, b64 := float64(a), float64(b)
		// + - * / of float32 values computed in float64 and rounded once more
		// are correctly rounded (53 >= 2*24+2).
		want := map[BinaryOp]float32{
			OpAdd: float32(a64 + b64), OpSub: float32(a64 - b64), OpRSub: float32(b64 - a64),
			OpMul: float32(a64 * b64), OpDiv: float32(a64 / b64), OpRDiv: float32(b64 / a64),
			OpMax: torchMaximum(a, b), OpMin: -torchMaximum(-a, -b),
		}
		for op, w := range want {
			if got := applyBinary(op, a, b); !sameFloat(got, w, op == OpMax || op == OpMin) {
				t.Fatalf("%v(%g, %g) = %g, want %g", op, a, b, got, w)
			}
		}
	}
}

// torchMaximum is torch.maximum: NaN if either is NaN, else the larger.
func torchMaximum(a, b float32) float32 {
	if a != a || b != b {
		return float32(math.NaN())
	}
	return float32(math.Max(float64(a), float64(b)))
}

// sumBound is the forward error bound of Sum's order for n elements: each
// element passes through at most n/64 lane additions, 6 tree levels and one
// addition per further chunk, so |error| <= k*u*sum|x| / (1-k*u).
func sumBound(n int, absSum float64) float64 {
	k := float64((n+mc.SumLanes-1)/mc.SumLanes + 6 + (n+mc.ChunkLen-1)/mc.ChunkLen)
	return k * u * absSum / (1 - k*u)
}

func TestSumDotAgainstFloat64(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 5))
	for _, n := range []int{1, 7, 64, 65, 1000, 70000, 200001} {
		a, b := make([]float32, n), make([]float32, n)
		var s, sa, d, da, q float64
		for i := range a {
			a[i], b[i] = float32(r.NormFloat64()), float32(r.NormFloat64()*100)
			s += float64(a[i])
			sa += math.Abs(float64(a[i]))
			d += float64(a[i]) * float64(b[i])
			da += math.Abs(float64(a[i]) * float64(b[i]))
			q += float64(a[i]) * float64(a[i])
		}
		if got := Sum(a); math.Abs(float64(got)-s) > sumBound(n, sa) {
			t.Errorf("Sum n=%d: %g, float64 %g, bound %g", n, got, s, sumBound(n, sa))
		}
		if got := Dot(a, b); math.Abs(float64(got)-d) > sumBound(n, da) {
			t.Errorf("Dot n=%d: %g, float64 %g, bound %g", n, got, d, sumBound(n, da))
		}
		if got := SumSq(a); math.Abs(float64(got)-q) > sumBound(n, q) {
			t.Errorf("SumSq n=%d: %g, float64 %g, bound %g", n, got, q, sumBound(n, q))
		}
		if got, want := SumSq(a), Dot(a, a); got != want {
			t.Errorf("SumSq n=%d = %g != Dot(a, a) = %g", n, got, want)
		}
	}
}

// TestSumOrder checks the documented order itself: a tree of lanes written
// out independently of sumGeneric.
func TestSumOrder(t *testing.T) {
	r := rand.New(rand.NewPCG(6, 6))
	for _, n := range []int{1, 63, 64, 129, 1000, mc.ChunkLen + 77} {
		x := make([]float32, n)
		for i := range x {
			x[i] = float32(r.NormFloat64()) * float32(math.Pow(2, float64(r.IntN(40)-20)))
		}
		var total float32
		for lo := 0; lo < n; lo += mc.ChunkLen {
			chunk := x[lo:min(lo+mc.ChunkLen, n)]
			p := make([]float32, 64)
			for i, v := range chunk {
				p[i%64] += v
			}
			for len(p) > 1 { // halve: p[j] + p[j+h]
				h := len(p) / 2
				q := make([]float32, h)
				for j := range q {
					q[j] = p[j] + p[j+h]
				}
				p = q
			}
			if lo == 0 {
				total = p[0]
			} else {
				total += p[0]
			}
		}
		if got := Sum(x); got != total {
			t.Errorf("Sum n=%d = %g, documented order gives %g", n, got, total)
		}
	}
}

func TestMaxArgMaxSemantics(t *testing.T) {
	nan := float32(math.NaN())
	cases := []struct {
		x    []float32
		max  float32
		barg int
	}{
		{[]float32{1, 3, 3, 2}, 3, 1},
		{[]float32{-5}, -5, 0},
		{[]float32{1, nan, 5, nan}, nan, 1},
		{[]float32{float32(math.Inf(-1)), float32(math.Inf(-1))}, float32(math.Inf(-1)), 0},
	}
	for _, c := range cases {
		if got := Max(c.x); !sameFloat(got, c.max, true) {
			t.Errorf("Max(%v) = %v, want %v", c.x, got, c.max)
		}
		if got := ArgMax(c.x); got != c.barg {
			t.Errorf("ArgMax(%v) = %d, want %d", c.x, got, c.barg)
		}
	}
	// Across chunks: the maximum in a later chunk, ties resolved to the first.
	x := make([]float32, 3*mc.ChunkLen)
	x[mc.ChunkLen+5], x[2*mc.ChunkLen+1] = 7, 7
	if got := ArgMax(x); got != mc.ChunkLen+5 {
		t.Errorf("ArgMax across chunks = %d, want %d", got, mc.ChunkLen+5)
	}
	x[2*mc.ChunkLen+9] = nan
	if got := ArgMax(x); got != 2*mc.ChunkLen+9 {
		t.Errorf("ArgMax with NaN in the last chunk = %d, want %d", got, 2*mc.ChunkLen+9)
	}
}

func TestRowLogSumExpAgainstFloat64(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	inf := math.Inf(1)
	for _, n := range []int{1, 3, 10, 100, 1000, mc.ChunkLen + 3} {
		rows := 5
		a := make([]float32, rows*n)
		for i := range a {
			a[i] = float32(r.NormFloat64() * 20)
		}
		got := make([]float32, rows)
		RowLogSumExp(got, a, rows, n)
		for row := range rows {
			x := a[row*n : row*n+n]
			m := math.Inf(-1)
			for _, v := range x {
				m = math.Max(m, float64(v))
			}
			var s, spread float64
			for _, v := range x {
				s += math.Exp(float64(v) - m)
				spread = math.Max(spread, m-float64(v))
			}
			want := m + math.Log(s)
			// exp's error (2u) and the shifted argument's rounding (spread*u)
			// per term, Sum's order, log's error (2u), the final addition.
			k := float64(n/mc.SumLanes + 8)
			tol := (k+4+spread)*u + 2*u*math.Abs(math.Log(s)) + u*math.Abs(want)
			if d := math.Abs(float64(got[row]) - want); d > tol {
				t.Errorf("n=%d row %d: got %v, want %v (|diff| %g > %g)", n, row, got[row], want, d, tol)
			}
		}
	}
	// Infinite and NaN rows, and the empty row.
	special := []float32{float32(math.Inf(-1)), float32(math.Inf(-1)), 1, float32(math.Inf(1)), float32(math.NaN()), 2}
	got := make([]float32, 3)
	RowLogSumExp(got, special, 3, 2)
	if !(math.IsInf(float64(got[0]), -1) && math.IsInf(float64(got[1]), 1) && got[2] != got[2]) {
		t.Errorf("RowLogSumExp of [-Inf -Inf], [1 +Inf], [NaN 2] = %v, want [-Inf +Inf NaN]", got)
	}
	RowLogSumExp(got[:1], nil, 1, 0)
	if !math.IsInf(float64(got[0]), -1) || inf != inf {
		t.Errorf("RowLogSumExp of an empty row = %v, want -Inf", got[0])
	}
}
