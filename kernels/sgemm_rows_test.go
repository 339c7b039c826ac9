package kernels

import (
	"math/rand/v2"
	"strings"
	"testing"

	mc "github.com/vecgrad/vecgrad/internal/mathconst"
)

// TestSgemmSerialRows: C is the reference's bit for bit; done receives
// consecutive ranges covering [0, m) once, each of at most maxRows rows
// where the product has one KC block of k and one NC block of columns;
// when done receives a range, its rows of C already hold their final
// values. Shapes cover every transpose, the training step's weight
// gradients (TN, small k), the narrow TN tile (n <= 16), k across KC
// blocks, columns across NC blocks (MC and NC shrunk), alpha 0 and m, n
// or k of 0.
func TestSgemmSerialRows(t *testing.T) {
	useBlocks := shapeBlocks(t)
	r := rand.New(rand.NewPCG(21, 21))
	for _, sh := range rowsShapes() {
		useBlocks(sh)
		for _, maxRows := range []int{1, 7, 32, 1000} {
			g := newGemmCase(r, sh.transA, sh.transB, sh.m, sh.n, sh.k, 2)
			if sh.k == 0 {
				g.beta = 0.5
			}
			want := g.reference()
			got := append([]float32(nil), g.c...)
			next := 0
			SgemmSerialRows(g.transA, g.transB, g.m, g.n, g.k, g.alpha, g.a, g.lda, g.b, g.ldb, g.beta, got, g.ldc, maxRows, func(lo, hi int) {
				if lo != next || hi <= lo || hi > g.m {
					t.Fatalf("%s, maxRows %d: done(%d, %d) after rows up to %d", g, maxRows, lo, hi, next)
				}
				oneBlock := g.k <= mc.GemmKC && g.n <= gemmNC
				if limit := max(maxRows, g.mr()); oneBlock && g.n > 16 && hi-lo > limit {
					t.Errorf("%s, maxRows %d: done(%d, %d): more than %d rows at once", g, maxRows, lo, hi, limit)
				}
				for i := lo * g.ldc; i < (hi-1)*g.ldc+g.n; i++ {
					if !sameFloat(got[i], want[i], false) {
						t.Fatalf("%s, maxRows %d: in done(%d, %d), c[%d] = %v, want the final %v", g, maxRows, lo, hi, i, got[i], want[i])
					}
				}
				next = hi
			})
			if next != g.m {
				t.Errorf("%s, maxRows %d: rows reported up to %d of %d", g, maxRows, next, g.m)
			}
			for i := range want {
				if !sameFloat(got[i], want[i], false) {
					t.Fatalf("%s, maxRows %d at %s: c[%d] = %v, want %v", g, maxRows, ISA(), i, got[i], want[i])
				}
			}
		}
	}
}

// rowsShape is a product of the row-reporting tests (SgemmSerialRows,
// SgemmSerialBlocks), smallBlocks shrinking MC and NC.
type rowsShape struct {
	transA, transB bool
	m, n, k        int
	smallBlocks    bool
}

// rowsShapes covers every transpose, the training step's weight gradients
// (TN, small k), the narrow TN tile (n <= 16), k across KC blocks, columns
// across NC blocks, several MC blocks, and m or k of 0; at the slow levels
// (generic, qemu) the first is cut to 96x100.
func rowsShapes() []rowsShape {
	shapes := []rowsShape{
		{true, false, 512, 784, 16, false}, // the tutorial's first weight gradient
		{true, false, 130, 200, 64, false},
		{true, false, 37, 10, 16, false}, // the narrow TN tile
		{false, false, 100, 90, 33, false},
		{false, true, 75, 120, 20, false},
		{true, true, 64, 64, 8, false},
		{true, false, 90, 70, mc.GemmKC + 40, false}, // two KC blocks: reported at the end
		{false, false, 120, 300, 30, true},           // several NC blocks
		{true, false, 120, 40, 30, true},             // several MC blocks of MC 48
		{true, false, 0, 10, 5, false},
		{true, false, 10, 10, 0, false},
	}
	if gemmSlow() {
		shapes[0].m, shapes[0].n = 96, 100
	}
	return shapes
}

// shapeBlocks returns a function that sets the cache blocking a shape asks
// for (smallBlocks: MC 48, NC 96, so that small products cross several
// blocks; else the machine's), restoring the machine's when t ends.
func shapeBlocks(t *testing.T) func(rowsShape) {
	savedMC, savedNC := gemmMC, gemmNC
	t.Cleanup(func() { gemmMC, gemmNC = savedMC, savedNC })
	return func(sh rowsShape) {
		gemmMC, gemmNC = savedMC, savedNC
		if sh.smallBlocks {
			gemmMC, gemmNC = 48, 96
		}
	}
}

// mr is the tile height of g's kernel at the active level.
func (g gemmCase) mr() int { return gemmKernelFor(active, g.n).mr }

// TestSgemmSerialRowsNoAllocations: a step that reuses its done function
// allocates nothing.
func TestSgemmSerialRowsNoAllocations(t *testing.T) {
	r := rand.New(rand.NewPCG(22, 22))
	g := newGemmCase(r, true, false, 256, 300, 16, 0)
	c := append([]float32(nil), g.c...)
	rows := 0
	done := func(lo, hi int) { rows += hi - lo }
	call := func() { SgemmSerialRows(true, false, g.m, g.n, g.k, 1, g.a, g.lda, g.b, g.ldb, 0, c, g.ldc, 64, done) }
	checkNoAllocs(t, call)
	if rows != 12*g.m {
		t.Errorf("%d rows reported in 12 calls of %d", rows, g.m)
	}
}

// TestSgemmSerialRowsBadArguments: maxRows < 1 and a nil done panic with
// what is accepted.
func TestSgemmSerialRowsBadArguments(t *testing.T) {
	c := make([]float32, 4)
	for _, tc := range []struct {
		maxRows int
		done    func(int, int)
	}{{0, func(int, int) {}}, {4, nil}} {
		func() {
			defer func() {
				msg, _ := recover().(string)
				if !strings.Contains(msg, "want maxRows >= 1 and a function") {
					t.Errorf("maxRows %d: panic %q", tc.maxRows, msg)
				}
			}()
			SgemmSerialRows(false, false, 2, 2, 2, 1, c, 2, c[:4], 2, 0, make([]float32, 4), 2, tc.maxRows, tc.done)
		}()
	}
}
