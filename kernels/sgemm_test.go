package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sync"
	"testing"

	mc "github.com/vecgrad/vecgrad/internal/mathconst"
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
)

// gemmCase is one Sgemm call with its operands laid out in larger backing
// arrays (leading dimensions above the minimum, random offsets).
type gemmCase struct {
	transA, transB bool
	m, n, k        int
	alpha, beta    float32
	a, b, c        []float32
	lda, ldb, ldc  int
}

func (g gemmCase) String() string {
	return fmt.Sprintf("transA=%v transB=%v m=%d n=%d k=%d alpha=%g beta=%g lda=%d ldb=%d ldc=%d",
		g.transA, g.transB, g.m, g.n, g.k, g.alpha, g.beta, g.lda, g.ldb, g.ldc)
}

var gemmScalars = []float32{0, 1, -0.5, 2}

// randFloats returns n standard normal floats drawn from r.
func randFloats(r *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(r.NormFloat64())
	}
	return s
}

// newGemmCase draws operands; slack adds to each leading dimension.
func newGemmCase(r *rand.Rand, transA, transB bool, m, n, k, slack int) gemmCase {
	// alpha == 0 skips the product altogether: TestSgemmSpecialValues covers it.
	g := gemmCase{transA: transA, transB: transB, m: m, n: n, k: k,
		alpha: gemmScalars[1+r.IntN(3)], beta: gemmScalars[r.IntN(4)]}
	mat := func(rows, cols int) ([]float32, int) {
		ld := max(1, cols) + r.IntN(slack+1)
		off := r.IntN(9)
		return randFloats(r, off+max(0, (rows-1)*ld+cols))[off:], ld
	}
	if transA {
		g.a, g.lda = mat(k, m)
	} else {
		g.a, g.lda = mat(m, k)
	}
	if transB {
		g.b, g.ldb = mat(n, k)
	} else {
		g.b, g.ldb = mat(k, n)
	}
	g.c, g.ldc = mat(m, n)
	return g
}

func (g gemmCase) run(c []float32) {
	Sgemm(g.transA, g.transB, g.m, g.n, g.k, g.alpha, g.a, g.lda, g.b, g.ldb, g.beta, c, g.ldc)
}

func (g gemmCase) reference() []float32 {
	c := append([]float32(nil), g.c...)
	sgemmReference(g.transA, g.transB, g.m, g.n, g.k, g.alpha, g.a, g.lda, g.b, g.ldb, g.beta, c, g.ldc)
	return c
}

// checkBitwise runs g at the active level and compares every element of C
// (and the untouched gaps between rows) with the reference.
func (g gemmCase) checkBitwise(t *testing.T) bool {
	t.Helper()
	want := g.reference()
	got := append([]float32(nil), g.c...)
	g.run(got)
	for i := range want {
		if !sameFloat(got[i], want[i], false) {
			t.Errorf("%s at %s: c[%d] (row %d, col %d) = %v, want %v", g, ISA(), i, i/g.ldc, i%g.ldc, got[i], want[i])
			return false
		}
	}
	return true
}

func transposes() [][2]bool {
	return [][2]bool{{false, false}, {false, true}, {true, false}, {true, true}}
}

// TestSgemmMatchesReference sweeps each of m, n, k over 0..70 (the others
// random), for all transposes and alpha, beta in {0, 1, -0.5, 2}, plus random
// shapes that cross the KC block, against the reference bit for bit.
func TestSgemmMatchesReference(t *testing.T) {
	r := rand.New(rand.NewPCG(10, 10))
	maxDim, extra := 70, 8
	if runtime.GOARCH != "amd64" {
		maxDim, extra = 40, 2 // qemu
	}
	for _, tr := range transposes() {
		for d := 0; d <= maxDim; d++ {
			dims := [3]int{r.IntN(maxDim + 1), r.IntN(maxDim + 1), r.IntN(maxDim + 1)}
			dims[d%3] = d
			if !newGemmCase(r, tr[0], tr[1], dims[0], dims[1], dims[2], 3).checkBitwise(t) {
				return
			}
		}
		for range extra {
			m, n, k := 1+r.IntN(150), 1+r.IntN(150), mc.GemmKC/2+r.IntN(2*mc.GemmKC)
			if !newGemmCase(r, tr[0], tr[1], m, n, k, 5).checkBitwise(t) {
				return
			}
		}
	}
}

// TestSgemmBlockingBitwise shrinks MC and NC so that modest shapes cross
// several MC and NC blocks (and pack B, which the in-place path skips), in
// both loop orders (columns first, with and without L2 blocks of B, and
// rows first over several L2 blocks per NC block), and checks them against
// the reference bit for bit.
func TestSgemmBlockingBitwise(t *testing.T) {
	savedMC, savedNC, savedNCL2, savedL1 := gemmMC, gemmNC, gemmNCL2, gemmL1
	defer func() { gemmMC, gemmNC, gemmNCL2, gemmL1 = savedMC, savedNC, savedNCL2, savedL1 }()
	gemmMC, gemmNC = 48, 96
	r := rand.New(rand.NewPCG(16, 16))
	for i := range 24 {
		switch i / 4 % 3 {
		case 0: // columns first: L2 holds no B block
			gemmNCL2, gemmL1 = 0, savedL1
		case 1: // rows first: no B micro-panel fits half of L1
			gemmNCL2, gemmL1 = 40, 0
		case 2: // columns first: every B micro-panel fits half of L1
			gemmNCL2, gemmL1 = 40, 1<<30
		}
		if got, want := gemmRowsFirst(16), i/4%3 == 1; got != want {
			t.Fatalf("gemmRowsFirst with gemmNCL2 %d, gemmL1 %d: %v, want %v", gemmNCL2, gemmL1, got, want)
		}
		tr := transposes()[i%4]
		m, n, k := 40+r.IntN(120), 90+r.IntN(250), 1+r.IntN(300)
		if gemmSlow() {
			m, n = m/2, n/2
		}
		if !newGemmCase(r, tr[0], tr[1], m, n, k, 3).checkBitwise(t) {
			return
		}
	}
}

// TestSgemmPowerOfTwoStrides runs narrow products (n <= 16, A read in
// place where alpha is 1) whose rows of A are a multiple of 256 floats
// apart, which the narrow tile runs as 8-row tiles, C at such a stride
// too half of the time, and wider products whose rows of B are 512 floats
// apart, against the reference bit for bit.
func TestSgemmPowerOfTwoStrides(t *testing.T) {
	r := rand.New(rand.NewPCG(17, 17))
	for _, m := range []int{8, 16, 24, 40, 64, 72, 100} {
		for _, n := range []int{1, 10, 16} {
			k := []int{7, 300}[m%2]
			for _, ld := range []int{256, 512} {
				if ld < k {
					continue
				}
				g := newGemmCase(r, false, false, m, n, k, 0)
				g.alpha = []float32{1, 1, -0.5}[r.IntN(3)]
				g.a, g.lda = randFloats(r, m*ld), ld
				if r.IntN(2) == 0 {
					g.c, g.ldc = randFloats(r, m*ld), ld
				}
				if !g.checkBitwise(t) {
					return
				}
			}
		}
	}
	// B's rows a multiple of 256 floats apart, read in place where the band
	// has at most two row panels (readsBInPlace), packed beyond: bands of
	// one to five row panels, full and partial B panels, k across KC.
	for _, m := range []int{1, 12, 16, 24, 25, 48, 60} {
		for _, n := range []int{40, 64, 100} {
			k := []int{16, 300}[m%2]
			g := newGemmCase(r, false, false, m, n, k, 0)
			g.b, g.ldb = randFloats(r, (k-1)*512+n), 512
			if !g.checkBitwise(t) {
				return
			}
		}
	}
}

// gemmBound is the forward error bound of the defined order for one element:
// alpha's rounding, k fused products, one addition per further KC block and
// beta's fma, each at most one rounding: gamma(k') * (|alpha| sum|a||b| + |beta c|).
func gemmBound(k int, absProd, absBetaC float64) float64 {
	kk := float64(k + (k+mc.GemmKC-1)/mc.GemmKC + 2)
	return kk * u / (1 - kk*u) * (absProd + absBetaC)
}

// TestSgemmAgainstFloat64 checks random shapes up to 600 against a float64
// product and gonum's blas32 within the derived bound.
func TestSgemmAgainstFloat64(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 11))
	n := 12
	if gemmSlow() {
		n = 3
	}
	for i := range n {
		tr := transposes()[i%4]
		g := newGemmCase(r, tr[0], tr[1], 1+r.IntN(600), 1+r.IntN(600), 1+r.IntN(600), 7)
		g.alpha, g.beta = -0.5, 2
		got := append([]float32(nil), g.c...)
		g.run(got)
		gon := append([]float32(nil), g.c...)
		ta, tb := blas.NoTrans, blas.NoTrans
		if g.transA {
			ta = blas.Trans
		}
		if g.transB {
			tb = blas.Trans
		}
		ar, ac, br, bc := g.m, g.k, g.k, g.n
		if g.transA {
			ar, ac = ac, ar
		}
		if g.transB {
			br, bc = bc, br
		}
		blas32.Gemm(ta, tb, g.alpha,
			blas32.General{Rows: ar, Cols: ac, Stride: g.lda, Data: g.a},
			blas32.General{Rows: br, Cols: bc, Stride: g.ldb, Data: g.b},
			g.beta, blas32.General{Rows: g.m, Cols: g.n, Stride: g.ldc, Data: gon})
		opA := func(i, p int) float64 {
			if g.transA {
				return float64(g.a[p*g.lda+i])
			}
			return float64(g.a[i*g.lda+p])
		}
		opB := func(p, j int) float64 {
			if g.transB {
				return float64(g.b[j*g.ldb+p])
			}
			return float64(g.b[p*g.ldb+j])
		}
		for i := 0; i < g.m; i++ {
			for j := 0; j < g.n; j++ {
				var s, abs float64
				for p := 0; p < g.k; p++ {
					prod := opA(i, p) * opB(p, j)
					s += prod
					abs += math.Abs(prod)
				}
				c0 := float64(g.c[i*g.ldc+j])
				want := float64(g.alpha)*s + float64(g.beta)*c0
				bound := gemmBound(g.k, math.Abs(float64(g.alpha))*abs, math.Abs(float64(g.beta)*c0))
				if d := math.Abs(float64(got[i*g.ldc+j]) - want); d > bound {
					t.Fatalf("%s: C(%d,%d) = %v, float64 %v, |diff| %g > bound %g", g, i, j, got[i*g.ldc+j], want, d, bound)
				}
				// gonum accumulates in another order: both lie within the bound of the truth.
				if d := math.Abs(float64(got[i*g.ldc+j]) - float64(gon[i*g.ldc+j])); d > 2*bound {
					t.Fatalf("%s: C(%d,%d) = %v, gonum %v, |diff| %g > %g", g, i, j, got[i*g.ldc+j], gon[i*g.ldc+j], d, 2*bound)
				}
			}
		}
	}
}

// TestSgemmThreadsBitwise: 1, 2 and 7 threads give identical bits, for
// shapes split by rows and by columns (under -race in make test, with
// each band's far prefetching on).
func TestSgemmThreadsBitwise(t *testing.T) {
	saved, savedWork, savedFar := Threads(), gemmWorkPerThread, gemmFarMinBytes
	defer func() { SetThreads(saved); gemmWorkPerThread, gemmFarMinBytes = savedWork, savedFar }()
	gemmWorkPerThread = 1 // split even the small shapes as far as their tiles allow
	gemmFarMinBytes = 0   // and every band prefetch its next block of B (a stream of its own)
	r := rand.New(rand.NewPCG(12, 12))
	// (m, n, k); alpha 1 too, for the tiles that read A in place (among them
	// the narrow TN tile, split by rows or by its column blocks).
	// 64x256x300: B packed by each band's first tiles from rows a multiple
	// of 256 floats apart, its second KC block prefetched during the first.
	shapes := [][3]int{{300, 97, 301}, {37, 500, 290}, {784, 512, 64}, {64, 10, 512}, {100, 10, 70}, {16, 16, 300}, {64, 256, 300}}
	if gemmSlow() {
		shapes = [][3]int{{100, 37, 301}, {17, 200, 90}, {8, 70, 30}, {16, 16, 30}, {64, 256, 300}}
	}
	for i, s := range shapes {
		for _, tr := range transposes() {
			g := newGemmCase(r, tr[0], tr[1], s[0], s[1], s[2], 2)
			g.alpha, g.beta = []float32{2, 1}[i%2], -0.5
			var first []float32
			for _, th := range []int{1, 2, 7} {
				SetThreads(th)
				got := append([]float32(nil), g.c...)
				g.run(got)
				if first == nil {
					first = got
					continue
				}
				if i := firstBitDiff(got, first); i >= 0 {
					t.Fatalf("%s: %d threads: c[%d] = %v, 1 thread %v", g, th, i, got[i], first[i])
				}
			}
		}
	}
}

// TestSgemmTeamBitwise runs team mode (sgemm_team.go: shared packed B,
// dynamic row tasks) on shapes with edges in every dimension, several KC
// and B blocks, every transpose and beta, and checks it against the
// reference bit for bit (so against the one-thread bands, which the other
// tests check), with the gaps between C's rows untouched. gemmTeamForce
// makes it run on machines whose L2 would not choose team mode.
func TestSgemmTeamBitwise(t *testing.T) {
	if runtime.GOMAXPROCS(0) < 2 {
		t.Skip("team mode needs GOMAXPROCS >= 2")
	}
	saved, savedForce := Threads(), gemmTeamForce
	defer func() { SetThreads(saved); gemmTeamForce = savedForce }()
	gemmTeamForce = true
	SetThreads(2) // team mode needs m >= 2*gemmTeamMinRowTasks*teamRows = 576
	r := rand.New(rand.NewPCG(14, 14))
	shapes := [][3]int{{601, 301, 300}, {700, 97, 70}, {1000, 200, 40}}
	if gemmSlow() {
		shapes = [][3]int{{600, 45, 300}}
	}
	before := gemmTeamRuns.Load()
	for _, s := range shapes {
		for _, tr := range transposes() {
			g := newGemmCase(r, tr[0], tr[1], s[0], s[1], s[2], 3)
			g.checkBitwise(t)
		}
	}
	if gemmTeamRuns.Load() == before {
		t.Fatal("no product ran in team mode")
	}
}

func TestSgemmSpecialValues(t *testing.T) {
	nan := float32(math.NaN())
	a := []float32{1, 2, 3, 4}
	// beta == 0: NaN in C must not survive.
	c := []float32{nan, nan, nan, nan}
	Sgemm(false, false, 2, 2, 2, 1, a, 2, a, 2, 0, c, 2)
	if want := []float32{7, 10, 15, 22}; fmt.Sprint(c) != fmt.Sprint(want) {
		t.Errorf("beta=0 over NaN: C = %v, want %v", c, want)
	}
	// alpha == 0: A and B are not read (NaN there does not propagate).
	c = []float32{1, 2, 3, 4}
	Sgemm(false, false, 2, 2, 2, 0, []float32{nan, nan, nan, nan}, 2, a, 2, 2, c, 2)
	if want := []float32{2, 4, 6, 8}; fmt.Sprint(c) != fmt.Sprint(want) {
		t.Errorf("alpha=0: C = %v, want %v", c, want)
	}
	// k == 0 and beta == 0: C becomes 0 even where it held NaN.
	c = []float32{nan, 5}
	Sgemm(false, false, 1, 2, 0, 1, nil, 1, nil, 2, 0, c, 2)
	if c[0] != 0 || c[1] != 0 {
		t.Errorf("k=0, beta=0: C = %v, want [0 0]", c)
	}
	// m or n == 0: nothing happens, nothing is checked beyond the dimensions.
	Sgemm(false, false, 0, 3, 3, 1, nil, 3, make([]float32, 9), 3, 1, nil, 3)
	// Batches whose operands are not read may be shorter than their strides.
	SgemmBatch(2, false, false, 0, 3, 3, 1, nil, 3, 9, make([]float32, 18), 3, 9, 1, nil, 3, 9)
	c = []float32{nan, 1, nan, 2}
	SgemmBatch(2, false, false, 1, 2, 0, 1, nil, 1, 3, nil, 2, 3, 0, c, 2, 2)
	if fmt.Sprint(c) != "[0 0 0 0]" {
		t.Errorf("batch with k=0, beta=0: C = %v, want zeros", c)
	}
}

func TestSgemmBatch(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 13))
	const batch, m, n, k = 3, 17, 40, 23
	g := newGemmCase(r, false, true, m, n, k, 0)
	a, b, c := randFloats(r, batch*m*k+5), randFloats(r, batch*n*k+3), randFloats(r, batch*m*n+1)
	want := append([]float32(nil), c...)
	for i := range batch {
		sgemmReference(false, true, m, n, k, g.alpha, a[i*(m*k+1):], k, b[i*n*k:], k, g.beta, want[i*m*n:], n)
	}
	SgemmBatch(batch, false, true, m, n, k, g.alpha, a, k, m*k+1, b, k, n*k, g.beta, c, n, m*n)
	for i := range c {
		if !sameFloat(c[i], want[i], false) {
			t.Fatalf("batch: c[%d] = %v, want %v", i, c[i], want[i])
		}
	}
}

// TestSgemmGuardPages places A, B and C flush against PROT_NONE pages
// (after, then before), with minimal leading dimensions.
func TestSgemmGuardPages(t *testing.T) {
	r := rand.New(rand.NewPCG(14, 14))
	regions := [3]*guardRegion{newGuardRegionFor(t, 80*300), newGuardRegionFor(t, 80*300), newGuardRegionFor(t, 80*80)}
	// Random shapes, then shapes whose last row panel runs on an edge tile
	// in place (m % MR of 4 or 8 with MR 12, 16 or 8 with the narrow 24, 4
	// with AVX2's 6; full column panels), across two KC blocks too.
	edge := [][3]int{{16, 64, 40}, {20, 64, 300}, {40, 16, 33}, {32, 16, 20}, {10, 32, 7}, {64, 32, 50}}
	for i := range 80 + 16*len(edge) {
		tr, ab := transposes()[i/4%4], i%4
		m, n, k := 1+r.IntN(79), 1+r.IntN(79), 1+r.IntN(79)
		if q := i - 80; q >= 0 { // every transpose with every alpha, beta pair
			e := edge[q/16]
			m, n, k = e[0], e[1], e[2]
			tr, ab = transposes()[q%4], q/4%4
		}
		g := newGemmCase(r, tr[0], tr[1], m, n, k, 0)
		// alpha 1 reads A in place where the level can, -0.5 packs it; beta 1
		// reads C, beta 0 must not.
		g.alpha, g.beta = []float32{-0.5, 1}[ab/2], gemmScalars[ab%2]
		g.checkGuarded(t, regions)
	}
}

// checkGuarded runs g with A, B and C flush against the guard pages of
// regions (after, then before) and compares C with the reference bit for
// bit.
func (g gemmCase) checkGuarded(t *testing.T, regions [3]*guardRegion) {
	t.Helper()
	want := g.reference()
	for _, place := range []string{"tail", "head"} {
		h := g
		h.a = regions[0].place(place, len(g.a))
		h.b = regions[1].place(place, len(g.b))
		c := regions[2].place(place, len(g.c))
		copy(h.a, g.a)
		copy(h.b, g.b)
		copy(c, g.c)
		h.run(c)
		for j := range want {
			if !sameFloat(c[j], want[j], false) {
				t.Fatalf("%s guard %s: c[%d] = %v, want %v", g, place, j, c[j], want[j])
			}
		}
	}
}

// TestSgemmNarrowTN covers the TN products with at most 16 columns (alpha
// 1: the narrow TN tile at AVX-512 and AVX2, A and B read in place): every
// column count, row counts around the 16-row tile, k across KC blocks, with
// A, B and C flush against guard pages, against the reference bit for bit.
func TestSgemmNarrowTN(t *testing.T) {
	r := rand.New(rand.NewPCG(18, 18))
	regions := [3]*guardRegion{newGuardRegionFor(t, 300*120), newGuardRegionFor(t, 300*16), newGuardRegionFor(t, 120*16)}
	for n := 1; n <= 16; n++ {
		for _, m := range []int{1, 15, 16, 17, 40, 100} {
			k := []int{1, 3, 100, 256, 300}[r.IntN(5)]
			g := newGemmCase(r, true, false, m, n, k, 0)
			g.alpha, g.beta = 1, gemmScalars[r.IntN(4)]
			g.checkGuarded(t, regions)
		}
	}
}

func TestSgemmBadArguments(t *testing.T) {
	a := make([]float32, 12)
	mustPanic(t, func() { Sgemm(false, false, -1, 2, 2, 1, a, 2, a, 2, 0, a, 2) }, "Sgemm: m = -1 < 0")
	mustPanic(t, func() { Sgemm(false, false, 3, 4, 2, 1, a, 1, a, 4, 0, a, 4) }, "lda = 1 < max(1, k) = 2")
	mustPanic(t, func() { Sgemm(true, false, 3, 4, 2, 1, a, 2, a, 4, 0, a, 4) }, "lda = 2 < max(1, m) = 3")
	mustPanic(t, func() { Sgemm(false, true, 3, 4, 2, 1, a, 2, a, 1, 0, a, 4) }, "ldb = 1 < max(1, k) = 2")
	mustPanic(t, func() { Sgemm(false, false, 3, 4, 2, 1, a, 2, a, 4, 0, a, 3) }, "ldc = 3 < max(1, n) = 4")
	mustPanic(t, func() { Sgemm(false, false, 4, 4, 2, 1, a[:7], 2, a, 4, 0, make([]float32, 16), 4) }, "len(a) = 7 < (m-1)*lda + k = 8")
	mustPanic(t, func() { Sgemm(false, false, 3, 4, 4, 1, a, 4, a, 4, 0, a, 4) }, "len(b) = 12 < (k-1)*ldb + n = 16")
	mustPanic(t, func() { Sgemm(false, false, 3, 4, 2, 1, a, 2, a, 4, 0, a[:11], 4) }, "len(c) = 11 < (m-1)*ldc + n = 12")
	mustPanic(t, func() { SgemmBatch(2, false, false, 2, 2, 2, 1, a, 2, 4, a, 2, 4, 0, a[:7], 2, 4) }, "len(c) = 7 < (batch-1)*strideC + (m-1)*ldc + n = 8")
	mustPanic(t, func() { Sgemm(false, false, 1<<40, 2, 2, 1, a, 1<<40, a, 2, 0, a, 2) }, "the extent of a overflows int")
}

func TestSgemmNoAllocations(t *testing.T) {
	saved := Threads()
	defer SetThreads(saved)
	r := rand.New(rand.NewPCG(15, 15))
	for _, tr := range transposes() {
		n := 512
		if gemmSlow() {
			n = 96
		}
		g := newGemmCase(r, tr[0], tr[1], 64, n, 300, 0)
		g.alpha, g.beta = 1, 1
		for _, th := range []int{1, 2} {
			SetThreads(th)
			c := append([]float32(nil), g.c...)
			g.run(c) // warm the pools
			if n := testing.AllocsPerRun(10, func() { g.run(c) }); n != 0 {
				t.Errorf("%s, %d threads: %v allocations per call", g, th, n)
			}
		}
	}
}

// gemmSlow: the generic level (software fma) or emulation under qemu: the
// tests use smaller shapes there.
func gemmSlow() bool { return ISA() == "generic" || runtime.GOARCH != "amd64" }

// TestSgemmConcurrentTeams runs large products from several goroutines at
// once (team mode for one of them at a time, bands for the others) and
// checks each against its one-goroutine result: no deadlock, no
// interference.
func TestSgemmConcurrentTeams(t *testing.T) {
	if runtime.GOMAXPROCS(0) < 2 || gemmSlow() {
		t.Skip("needs GOMAXPROCS >= 2 and a fast level")
	}
	saved, savedForce := Threads(), gemmTeamForce
	defer func() { SetThreads(saved); gemmTeamForce = savedForce }()
	gemmTeamForce = true
	SetThreads(3)
	r := rand.New(rand.NewPCG(15, 15))
	cases := make([]gemmCase, 4)
	want := make([][]float32, len(cases))
	for i := range cases {
		cases[i] = newGemmCase(r, i%2 == 1, false, 900+i, 150, 300, 0)
		want[i] = append([]float32(nil), cases[i].c...)
		cases[i].run(want[i])
	}
	var wg sync.WaitGroup
	got := make([][]float32, len(cases))
	for i := range cases {
		wg.Go(func() {
			for range 5 {
				got[i] = append(got[i][:0], cases[i].c...)
				cases[i].run(got[i])
			}
		})
	}
	wg.Wait()
	for i := range cases {
		if e := firstBitDiff(got[i], want[i]); e >= 0 {
			t.Fatalf("%s run concurrently: c[%d] = %v, alone %v", cases[i], e, got[i][e], want[i][e])
		}
	}
}

// TestRowStride: rows a multiple of 4 KiB long get a cache line more;
// others keep their length.
func TestRowStride(t *testing.T) {
	for _, c := range []struct{ n, want int }{{0, 0}, {1, 1}, {512, 512}, {784, 784}, {1000, 1000}, {1024, 1040}, {2048, 2064}, {3072, 3088}} {
		if got := RowStride(c.n); got != c.want {
			t.Errorf("RowStride(%d) = %d, want %d", c.n, got, c.want)
		}
	}
}
