package kernels

import (
	"math"
	"math/rand/v2"
	"testing"
)

// transposeCase is one GemmTranspose problem: src rows x cols at stride
// lds, dst cols x rows at stride ldd, every float of both random bits (NaN
// payloads, denormals and -0 must pass unchanged).
type transposeCase struct {
	rows, cols, lds, ldd int
	src, dst             []float32
}

func newTransposeCase(r *rand.Rand, rows, cols, slack int) transposeCase {
	c := transposeCase{rows: rows, cols: cols, lds: cols + r.IntN(slack+1), ldd: rows + r.IntN(slack+1)}
	c.src = bitsOf(r, (rows-1)*c.lds+cols)
	c.dst = bitsOf(r, (cols-1)*c.ldd+rows)
	return c
}

// check runs the level's GemmTranspose on src and dst (copies of the
// case's, or the same floats placed against guard pages) and compares dst,
// gaps between its rows included, with the reference bit for bit.
func (c transposeCase) check(t *testing.T, src, dst []float32) {
	t.Helper()
	want := append([]float32(nil), c.dst...)
	gemmTransposeGeneric(want, c.ldd, c.src, c.lds, c.rows, c.cols)
	copy(src, c.src)
	copy(dst, c.dst)
	if !gemmTransposeAsm(active, dst, c.ldd, src, c.lds, c.rows, c.cols) {
		t.Fatalf("level %s has no GemmTranspose", ISA())
	}
	if i := firstBitDiff(dst, want); i >= 0 {
		t.Fatalf("%d x %d, lds %d, ldd %d at %s: dst[%d] (row %d, col %d) = %#x, want %#x",
			c.rows, c.cols, c.lds, c.ldd, ISA(), i, i/c.ldd, i%c.ldd, math.Float32bits(dst[i]), math.Float32bits(want[i]))
	}
}

// TestGemmTranspose checks GemmTranspose against its reference at each
// vector level that has it: every rows and cols in 1..19 (full and partial
// 8x8 blocks in both directions), larger ones with leading dimensions past
// the minimum, and the same with src and dst flush against guard pages
// (after, then before) at the minimal strides.
func TestGemmTranspose(t *testing.T) {
	for _, level := range vectorLevels() {
		withLevel(t, level, func(t *testing.T) {
			if !gemmHasTranspose(active) {
				t.Skipf("level %s has no GemmTranspose", level)
			}
			r := rand.New(rand.NewPCG(30, 30))
			var shapes [][2]int
			for rows := 1; rows < 20; rows++ {
				for cols := 1; cols < 20; cols++ {
					shapes = append(shapes, [2]int{rows, cols})
				}
			}
			shapes = append(shapes, [][2]int{{64, 512}, {512, 64}, {255, 33}, {7, 300}, {300, 7}}...)
			for _, s := range shapes {
				c := newTransposeCase(r, s[0], s[1], 9)
				c.check(t, make([]float32, len(c.src)), make([]float32, len(c.dst)))
			}
			regions := [2]*guardRegion{newGuardRegionFor(t, 600*70), newGuardRegionFor(t, 600*70)}
			for _, s := range shapes {
				c := newTransposeCase(r, s[0], s[1], 0)
				for _, place := range []string{"tail", "head"} {
					c.check(t, regions[0].place(place, len(c.src)), regions[1].place(place, len(c.dst)))
				}
			}
		})
	}
}

// TestGemmTransposeChunks runs gemmTranspose (the driver: calls of at most
// ChunkLen floats, in strips of transposeStripCols columns) on blocks wider
// and taller than one call, and on dst rows a power-of-two stride apart
// (strips of 8 and 16 columns, the last one partial), against the
// reference.
func TestGemmTransposeChunks(t *testing.T) {
	r := rand.New(rand.NewPCG(31, 31))
	for _, s := range [][3]int{{3, 70000, 2}, {70000, 3, 2}, {300, 301, 2}, {9, 8193, 2}, {512, 70, 0}, {2048, 21, 0}, {1024, 40, 0}} {
		c := newTransposeCase(r, s[0], s[1], s[2])
		want := append([]float32(nil), c.dst...)
		gemmTransposeGeneric(want, c.ldd, c.src, c.lds, c.rows, c.cols)
		gemmTranspose(active, c.dst, c.ldd, c.src, c.lds, c.rows, c.cols)
		if i := firstBitDiff(c.dst, want); i >= 0 {
			t.Fatalf("%d x %d at %s: dst[%d] = %#x, want %#x", c.rows, c.cols, ISA(), i, math.Float32bits(c.dst[i]), math.Float32bits(want[i]))
		}
	}
}

// TestTransposeStripCols: 8 dst rows per L1 set that rows ldd floats apart
// reach (4 KiB ways of 64-byte lines).
func TestTransposeStripCols(t *testing.T) {
	for _, c := range []struct{ ldd, want int }{
		{1024, 8}, {2048, 8}, {4096, 8}, // 4 KiB and more apart: one set
		{512, 16}, {256, 32}, {64, 128}, {16, 512}, // 2 KiB: two sets; 1 KiB: four ...
		{784, 512}, {300, 512}, {8, 512}, {1, 512}, // not a multiple of a line: all 64 sets
	} {
		if got := transposeStripCols(c.ldd); got != c.want {
			t.Errorf("transposeStripCols(%d) = %d, want %d", c.ldd, got, c.want)
		}
	}
}

// dualShapes are NT products (m, n, k) that take the transposed path at
// every level with GemmTranspose, whatever beta: few rows, many columns
// (the training forward X·Wᵀ at batch 16 and 32, one row, a row count that
// is not a multiple of 8, a KC edge), and one wider than gemmDualMaxRows;
// at AVX-512 also batch 64 (two of its 32-column panels).
func dualShapes() [][3]int {
	s := [][3]int{{16, 512, 300}, {32, 512, 260}, {1, 200, 70}, {13, 300, 513}, {2, gemmDualMaxRows + 70, 40}}
	if active == levelAVX512 {
		s = append(s, [3]int{64, 512, 400})
	}
	return s
}

// TestSgemmDual runs the transposed path (sgemmDual) on dualShapes with
// every beta, leading dimensions past the minimum and then flush against
// guard pages, at 1, 2 and 7 threads, against the reference bit for bit:
// the transposed product must give the direct one's bits.
func TestSgemmDual(t *testing.T) {
	if !gemmHasTranspose(active) {
		t.Skipf("level %s has no GemmTranspose: C = A·Bᵀ runs direct", ISA())
	}
	saved, savedWork := Threads(), gemmWorkPerThread
	defer func() { SetThreads(saved); gemmWorkPerThread = savedWork }()
	gemmWorkPerThread = 1 // split the transposed products across the threads too
	r := rand.New(rand.NewPCG(32, 32))
	regions := [3]*guardRegion{newGuardRegionFor(t, 64*520), newGuardRegionFor(t, 4200*520), newGuardRegionFor(t, 64*4200)}
	for _, s := range dualShapes() {
		for _, beta := range gemmScalars {
			if !gemmDual(active, false, true, s[0], s[1], s[2], 1, beta) {
				t.Fatalf("%v, beta %g: not on the transposed path at %s", s, beta, ISA())
			}
			g := newGemmCase(r, false, true, s[0], s[1], s[2], 3)
			g.alpha, g.beta = 1, beta
			for _, th := range []int{1, 2, 7} {
				SetThreads(th)
				if !g.checkBitwise(t) {
					return
				}
			}
			g = newGemmCase(r, false, true, s[0], s[1], s[2], 0)
			g.alpha, g.beta = 1, beta
			g.checkGuarded(t, regions)
		}
	}
	// The scratch Cᵀ is pooled: no allocation in steady state.
	g := newGemmCase(r, false, true, 16, 512, 300, 0)
	g.alpha, g.beta = 1, 1
	c := append([]float32(nil), g.c...)
	g.run(c)
	if n := testing.AllocsPerRun(10, func() { g.run(c) }); n != 0 {
		t.Errorf("%s: %v allocations per call", g, n)
	}
}

// TestGemmDualChoice pins which products take the transposed path.
func TestGemmDualChoice(t *testing.T) {
	if !gemmHasTranspose(active) {
		t.Skipf("level %s has no GemmTranspose", ISA())
	}
	for _, c := range []struct {
		transA, transB bool
		m, n, k        int
		alpha, beta    float32
		want           bool
	}{
		{false, true, 64, 512, 784, 1, 0, active == levelAVX512}, // AVX2's 16-column panels: 64 rows are four, A' would be packed
		{false, true, 32, 512, 784, 1, 0, true},
		{false, true, 32, 512, 784, 2, 0, false},  // alpha*W would round differently from alpha*X
		{true, true, 32, 512, 784, 1, 0, false},   // only NT
		{false, false, 32, 512, 784, 1, 0, false}, // NN packs nothing transposed
		{false, true, 64, 10, 512, 1, 0, false},   // the classifier: its 10 x 512 pack is small
		{false, true, 200, 512, 784, 1, 0, false}, // more rows than two of the transposed product's B panels hold
		{false, true, 16, 512, 8, 1, 1, false},    // k too short for C's two transposes to pay
		{false, true, 16, 512, 80, 1, 1, true},    // ... and long enough
	} {
		if got := gemmDual(active, c.transA, c.transB, c.m, c.n, c.k, c.alpha, c.beta); got != c.want {
			t.Errorf("gemmDual(%s, transA=%v, transB=%v, %d, %d, %d, alpha %g, beta %g) = %v, want %v",
				ISA(), c.transA, c.transB, c.m, c.n, c.k, c.alpha, c.beta, got, c.want)
		}
	}
}
