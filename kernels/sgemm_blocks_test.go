package kernels

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestSgemmSerialBlocks: each block done receives holds the reference's
// rows (beta 0) bit for bit; the blocks are consecutive, cover [0, m) once
// and have at most maxRows rows; the scratch, exactly min(m, maxRows) rows
// placed flush against a guard page (above or below), is never read or
// written beyond. Shapes cover the training step's weight gradients (one
// KC block: one product, rows per MC block), the narrow TN tile, k across
// KC blocks and columns across NC blocks (block by block), the transposed
// NT product, maxRows under a row panel, alpha 0 and k of 0.
func TestSgemmSerialBlocks(t *testing.T) {
	useBlocks := shapeBlocks(t)
	r := rand.New(rand.NewPCG(23, 23))
	shapes := append(rowsShapes(), rowsShape{false, true, 16, 300, 64, false}) // and the transposed NT product
	for si, sh := range shapes {
		useBlocks(sh)
		for mi, maxRows := range []int{1, 7, 12, 32, 1000} {
			g := newGemmCase(r, sh.transA, sh.transB, sh.m, sh.n, sh.k, 2)
			g.beta = 0
			if si == 3 && mi == 2 {
				g.alpha = 0
			}
			name := fmt.Sprintf("%s alpha %v, maxRows %d at %s", g, g.alpha, maxRows, ISA())
			want := g.reference()
			got := append([]float32(nil), g.c...)
			rows := min(g.m, maxRows)
			scratchLen := 0
			if rows > 0 {
				scratchLen = (rows-1)*g.ldc + g.n
			}
			where := []string{"head", "tail"}[mi%2]
			scratch := newGuardRegionFor(t, scratchLen).place(where, scratchLen)
			next := 0
			SgemmSerialBlocks(g.transA, g.transB, g.m, g.n, g.k, g.alpha, g.a, g.lda, g.b, g.ldb, scratch, g.ldc, maxRows, nil, func(lo, hi int, c []float32) {
				if lo != next || hi <= lo || hi > g.m || hi-lo > maxRows {
					t.Fatalf("%s: done(%d, %d) after rows up to %d", name, lo, hi, next)
				}
				if len(c) != (hi-lo-1)*g.ldc+g.n || &c[0] != &scratch[0] {
					t.Fatalf("%s: done(%d, %d) got %d floats of C, want %d at the scratch's start", name, lo, hi, len(c), (hi-lo-1)*g.ldc+g.n)
				}
				for i := lo; i < hi; i++ {
					copy(got[i*g.ldc:][:g.n], c[(i-lo)*g.ldc:])
				}
				next = hi
			})
			if next != g.m {
				t.Errorf("%s: rows reported up to %d of %d", name, next, g.m)
			}
			for i := range want {
				if !sameFloat(got[i], want[i], false) {
					t.Fatalf("%s: c[%d] = %v, want %v", name, i, got[i], want[i])
				}
			}
		}
	}
}

// TestSgemmSerialBlocksNoAllocations: a step that reuses its done function
// and scratch allocates nothing.
func TestSgemmSerialBlocksNoAllocations(t *testing.T) {
	r := rand.New(rand.NewPCG(24, 24))
	g := newGemmCase(r, true, false, 256, 300, 16, 0)
	scratch := make([]float32, 64*g.ldc)
	prefetch := [][]float32{make([]float32, g.m*g.ldc), make([]float32, g.m*g.ldc)}
	rows := 0
	done := func(lo, hi int, c []float32) { rows += hi - lo }
	call := func() {
		SgemmSerialBlocks(true, false, g.m, g.n, g.k, 1, g.a, g.lda, g.b, g.ldb, scratch, g.ldc, 64, prefetch, done)
	}
	checkNoAllocs(t, call)
	if rows != 12*g.m {
		t.Errorf("%d rows reported in 12 calls of %d", rows, g.m)
	}
}

// TestSgemmSerialBlocksBadArguments: maxRows < 1, a nil done, a scratch
// shorter than min(m, maxRows) rows, a scratch inside A and a prefetch
// array shorter than C panic with what is accepted.
func TestSgemmSerialBlocksBadArguments(t *testing.T) {
	a := make([]float32, 64)
	b := make([]float32, 16)
	done := func(int, int, []float32) {}
	for _, tc := range []struct {
		name    string
		maxRows int
		done    func(int, int, []float32)
		scratch []float32
		want    string
	}{
		{"maxRows 0", 0, done, make([]float32, 16), "want maxRows >= 1 and a function"},
		{"nil done", 4, nil, make([]float32, 16), "want maxRows >= 1 and a function"},
		{"short scratch", 3, done, make([]float32, 11), "len(c) = 11 < (min(m, maxRows)-1)*ldc + n = 12"},
		{"scratch in a", 4, done, a[8:24], "c and a share memory"},
		{"short prefetch", 4, done, make([]float32, 16), "len(prefetch[1]) = 31 < (m-1)*ldc + n = 32"},
	} {
		func() {
			defer func() {
				msg, _ := recover().(string)
				if !strings.Contains(msg, tc.want) {
					t.Errorf("%s: panic %q, want it to say %q", tc.name, msg, tc.want)
				}
			}()
			SgemmSerialBlocks(false, false, 8, 4, 4, 1, a, 4, b, 4, tc.scratch, 4, tc.maxRows, [][]float32{make([]float32, 32), make([]float32, 31)}, tc.done)
		}()
	}
}
