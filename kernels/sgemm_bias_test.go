package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// biasShapes are forwards X·Wᵀ + b: batches that the transposed product
// serves at the levels that have it (fused: full bands of 8 rows and
// partial ones of every height 1..7, columns not a multiple of 8, more
// columns than one transposed block), and ones it does not (more rows,
// too little k for the transposition to pay, k = 0, several KC blocks on
// the blocked path, the classifier's 10 columns on the narrow tile), each
// with ldc > n.
var biasShapes = []struct {
	m, n, k int
	fused   bool
}{
	{16, 200, 300, true}, {7, 33, 40, true}, {13, 300, 200, true}, {1, 20, 5, true}, {3, 4100, 8, true},
	{10, 96, 64, true}, {12, 128, 128, true}, {14, 80, 80, true},
	{64, 512, 784, false}, {67, 100, 50, false}, {67, 100, 600, false}, {256, 10, 512, false}, {13, 70, 9, false}, {20, 30, 0, false},
}

// TestSgemmSerialBiasRelu: SgemmSerialBiasRelu equals SgemmSerial, then
// BinaryRowVecStrided's add of the bias and ReluStrided, bit for bit, with
// and without the ReLU, with NaN, infinite and signed-zero biases and a
// NaN row of the product; bias
// and C flush against guard pages, the gaps between C's rows untouched.
func TestSgemmSerialBiasRelu(t *testing.T) {
	forEachSweep(t, func(sweep string) {
		testSgemmSerialBiasRelu(t, sweep)
	})
}

// forEachSweep runs f with the blocking as the caches set it, then with
// the blocked path's sweep forced rows first over L2 blocks of 64
// columns of B and MC blocks of 48 rows, then columns first, so that an
// epilogue applied while the sweep goes (sgemm_out.go) meets several MC,
// KC and L2 blocks of one product at every level.
func forEachSweep(t *testing.T, f func(sweep string)) {
	savedL1, savedNCL2, savedMC := gemmL1, gemmNCL2, gemmMC
	defer func() { gemmL1, gemmNCL2, gemmMC = savedL1, savedNCL2, savedMC }()
	for _, sw := range []struct {
		name         string
		l1, ncL2, mc int
	}{
		{"caches' blocking", savedL1, savedNCL2, savedMC},
		{"rows first", 0, 64, 48},
		{"columns first", 1 << 30, 64, 48},
	} {
		gemmL1, gemmNCL2, gemmMC = sw.l1, sw.ncL2, sw.mc
		f(sw.name)
	}
}

func testSgemmSerialBiasRelu(t *testing.T, sweep string) {
	r := rand.New(rand.NewPCG(51, 51))
	for i, sh := range biasShapes {
		for _, relu := range []bool{false, true} {
			name := fmt.Sprintf("%dx%dx%d relu=%v at %s, %s", sh.m, sh.n, sh.k, relu, ISA(), sweep)
			lda, ldb, ldc := sh.k+1, sh.k+2, sh.n+3
			a, b := randFloats(r, sh.m*lda), randFloats(r, sh.n*ldb)
			if sh.k > 0 { // a NaN row of C whose payload must win over a NaN bias's (the add's operand order) and pass the ReLU
				a[(sh.m-1)*lda] = math.Float32frombits(0x7fc12345)
			}
			bias0 := randFloats(r, sh.n)
			for j, v := range []float32{float32(math.NaN()), float32(math.Inf(-1)), float32(math.Inf(1)), float32(math.Copysign(0, -1)), 0} {
				if j < sh.n {
					bias0[(j*7)%sh.n] = v
				}
			}
			want := make([]float32, (sh.m-1)*ldc+sh.n)
			for j := range want {
				want[j] = -3 // the gaps
			}
			SgemmSerial(false, true, sh.m, sh.n, sh.k, 1, a, lda, b, ldb, 0, want, ldc)
			BinaryRowVecStrided(OpAdd, want, want, bias0, sh.m, sh.n, ldc)
			if relu {
				ReluStrided(want, want, sh.m, sh.n, ldc)
			}
			where := []string{"head", "tail"}[i%2]
			bias := newGuardRegionFor(t, sh.n).place(where, sh.n)
			copy(bias, bias0)
			c := newGuardRegionFor(t, len(want)).place(where, len(want))
			for j := range c {
				c[j] = float32(math.NaN()) // beta 0: not read
				if j%ldc >= sh.n {
					c[j] = -3
				}
			}
			SgemmSerialBiasRelu(sh.m, sh.n, sh.k, a, lda, b, ldb, bias, relu, c, ldc)
			for j := range want {
				if math.Float32bits(c[j]) != math.Float32bits(want[j]) {
					t.Fatalf("%s: C[%d][%d] = %v, want %v", name, j/ldc, j%ldc, c[j], want[j])
				}
			}
		}
	}
}

// TestSgemmSerialBiasReluFused: at the levels with GemmTranspose, the
// shapes of biasShapes marked fused take the fused transposes (so that
// the test above checks the assembly at every band height), and the
// others except the tutorial's batch 64, which depends on the level's
// tile, do not.
func TestSgemmSerialBiasReluFused(t *testing.T) {
	if gemmKernelFor(active, 0).transposeBias == nil {
		t.Skipf("no GemmTransposeBias at %s: the bias and ReLU are always separate passes", ISA())
	}
	for _, sh := range biasShapes {
		fused := sh.k > 0 && gemmDual(active, false, true, sh.m, sh.n, sh.k, 1, 0)
		if fused != sh.fused && sh.m != 64 {
			t.Errorf("%dx%dx%d: fused %v, want %v", sh.m, sh.n, sh.k, fused, sh.fused)
		}
	}
}

// TestSgemmSerialBiasReluBadArguments: a short bias, a bias inside C, and
// what SgemmSerial rejects.
func TestSgemmSerialBiasReluBadArguments(t *testing.T) {
	a, b, c, bias := make([]float32, 16*8), make([]float32, 32*8), make([]float32, 16*32), make([]float32, 32)
	for _, tc := range []struct {
		name, want string
		f          func()
	}{
		{"short bias", "len(bias) = 31 < n = 32", func() { SgemmSerialBiasRelu(16, 32, 8, a, 8, b, 8, bias[:31], true, c, 32) }},
		{"bias in C", "bias shares memory with c", func() { SgemmSerialBiasRelu(16, 32, 8, a, 8, b, 8, c[32:64], true, c, 32) }},
		{"short C", "len(c)", func() { SgemmSerialBiasRelu(16, 32, 8, a, 8, b, 8, bias, true, c[:100], 32) }},
		{"C over A", "share memory", func() { SgemmSerialBiasRelu(4, 8, 8, c, 8, b, 8, bias, true, c[8:], 8) }},
	} {
		func() {
			defer func() {
				msg, _ := recover().(string)
				if !strings.Contains(msg, tc.want) {
					t.Errorf("%s: panic %q, want one containing %q", tc.name, msg, tc.want)
				}
			}()
			tc.f()
		}()
	}
}

// TestSgemmSerialBiasReluNoAllocations: the fused and the unfused path
// allocate nothing once the scratch exists.
func TestSgemmSerialBiasReluNoAllocations(t *testing.T) {
	r := rand.New(rand.NewPCG(52, 52))
	for _, m := range []int{16, 67} {
		const n, k = 256, 128
		a, b, bias, c := randFloats(r, m*k), randFloats(r, n*k), randFloats(r, n), make([]float32, m*n)
		run := func() { SgemmSerialBiasRelu(m, n, k, a, k, b, k, bias, true, c, n) }
		run()
		if allocs := testing.AllocsPerRun(5, run); allocs != 0 {
			t.Errorf("m = %d: %v allocations, want 0", m, allocs)
		}
	}
}

// reluBackwardShapes are input gradients g·W followed by ReLU's backward:
// the blocked path with several KC blocks, MC blocks (under forEachSweep's
// blocking) and partial tiles, B read in place and packed, batches the
// transposed product may serve, k = 0, and 10 and 16 columns (the narrow
// tile).
var reluBackwardShapes = []struct{ m, n, k int }{
	{64, 300, 520}, {100, 130, 300}, {67, 100, 50}, {256, 96, 40}, {16, 200, 300}, {5, 40, 600}, {13, 70, 9}, {20, 30, 0}, {256, 10, 300}, {70, 16, 40},
}

// TestSgemmSerialReluBackward: SgemmSerialReluBackward equals SgemmSerial
// followed by ReluBackwardStrided and, with a sum, SumRowsStrided, bit for
// bit, under every sweep (forEachSweep), with x holding positives,
// negatives, signed zeros, NaNs and infinities and two NaN rows of the
// product with different payloads; x, C and the sum flush against guard pages, the gaps between
// C's rows untouched.
func TestSgemmSerialReluBackward(t *testing.T) {
	forEachSweep(t, func(sweep string) {
		r := rand.New(rand.NewPCG(53, 53))
		for i, sh := range reluBackwardShapes {
			name := fmt.Sprintf("%dx%dx%d at %s, %s", sh.m, sh.n, sh.k, ISA(), sweep)
			lda, ldb, ldc := sh.k+1, sh.n+2, sh.n+3
			a, b := randFloats(r, sh.m*lda), randFloats(r, max(sh.k, 1)*ldb)
			if sh.k > 0 { // NaN rows of the product with two payloads: the sum's add keeps the first's
				a[0] = math.Float32frombits(0x7fc54321)
				a[(sh.m-1)*lda] = math.Float32frombits(0x7fc12345)
			}
			span := (sh.m-1)*ldc + sh.n
			specials := []float32{float32(math.NaN()), float32(math.Inf(-1)), float32(math.Inf(1)), float32(math.Copysign(0, -1)), 0}
			where := []string{"head", "tail"}[i%2]
			x := newGuardRegionFor(t, span).place(where, span)
			for j := range x {
				x[j] = float32(r.NormFloat64())
				if j%11 == 0 {
					x[j] = specials[(j/11)%len(specials)]
				}
			}
			want := make([]float32, span)
			for j := range want {
				want[j] = -3 // the gaps
			}
			SgemmSerial(false, false, sh.m, sh.n, sh.k, 1, a, lda, b, ldb, 0, want, ldc)
			ReluBackwardStrided(want, want, x, sh.m, sh.n, ldc)
			wantSum := make([]float32, sh.n)
			SumRowsStrided(wantSum, want, sh.m, sh.n, ldc)
			c := newGuardRegionFor(t, span).place(where, span)
			for j := range c {
				c[j] = float32(math.NaN()) // beta 0: not read
				if j%ldc >= sh.n {
					c[j] = -3
				}
			}
			var sum []float32 // every other shape without
			if i%2 == 0 {
				sum = newGuardRegionFor(t, sh.n).place(where, sh.n)
				for j := range sum {
					sum[j] = float32(math.NaN()) // set, not added to
				}
			}
			SgemmSerialReluBackward(sh.m, sh.n, sh.k, a, lda, b, ldb, x, c, ldc, sum)
			for j := range want {
				if math.Float32bits(c[j]) != math.Float32bits(want[j]) {
					t.Fatalf("%s: C[%d][%d] = %v, want %v", name, j/ldc, j%ldc, c[j], want[j])
				}
			}
			for j := range sum {
				if math.Float32bits(sum[j]) != math.Float32bits(wantSum[j]) {
					t.Fatalf("%s: sum[%d] = %v (bits %#x), want %v (bits %#x)", name, j, sum[j], math.Float32bits(sum[j]), wantSum[j], math.Float32bits(wantSum[j]))
				}
			}
		}
	})
}

// TestSgemmSerialReluBackwardBadArguments: a short x, an x inside C, a
// short sum, a sum inside C or x, a sum of no rows, and what SgemmSerial
// rejects.
func TestSgemmSerialReluBackwardBadArguments(t *testing.T) {
	a, b, c, x := make([]float32, 16*8), make([]float32, 8*32), make([]float32, 16*32), make([]float32, 16*32)
	sum := make([]float32, 32)
	mustPanic(t, func() { SgemmSerialReluBackward(16, 32, 8, a, 8, b, 32, x[:511], c, 32, nil) }, "len(x) = 511 < (m-1)*ldc+n = 512")
	mustPanic(t, func() { SgemmSerialReluBackward(8, 32, 8, a, 8, b, 32, c[32:], c, 32, nil) }, "x shares memory with c")
	mustPanic(t, func() { SgemmSerialReluBackward(16, 32, 8, a, 8, b, 32, x, c[:100], 32, nil) }, "len(c)")
	mustPanic(t, func() { SgemmSerialReluBackward(4, 8, 8, c, 8, b, 32, x, c[8:], 8, nil) }, "share memory")
	mustPanic(t, func() { SgemmSerialReluBackward(16, 32, 8, a, 8, b, 32, x, c, 32, sum[:31]) }, "len(sum) = 31 < n = 32")
	mustPanic(t, func() { SgemmSerialReluBackward(16, 32, 8, a, 8, b, 32, x, c, 32, c[480:]) }, "sum shares memory with c or x")
	mustPanic(t, func() { SgemmSerialReluBackward(16, 32, 8, a, 8, b, 32, x, c, 32, x[:32]) }, "sum shares memory with c or x")
	mustPanic(t, func() { SgemmSerialReluBackward(0, 32, 8, a, 8, b, 32, x, c, 32, sum) }, "m = 0 with a sum")
}

// TestSgemmSerialReluBackwardNoAllocations: the blocked path and the
// passes after the product allocate nothing once the scratch exists.
func TestSgemmSerialReluBackwardNoAllocations(t *testing.T) {
	r := rand.New(rand.NewPCG(54, 54))
	for _, m := range []int{16, 67} {
		const n, k = 256, 128
		a, b, x, c, sum := randFloats(r, m*k), randFloats(r, k*n), randFloats(r, m*n), make([]float32, m*n), make([]float32, n)
		run := func() { SgemmSerialReluBackward(m, n, k, a, k, b, n, x, c, n, sum) }
		run()
		if allocs := testing.AllocsPerRun(5, run); allocs != 0 {
			t.Errorf("m = %d: %v allocations, want 0", m, allocs)
		}
	}
}
