package kernels

import (
	"fmt"
	"math/rand/v2"
	"testing"

	mc "github.com/vecgrad/vecgrad/internal/mathconst"
)

// farPlace locates a far piece's base in one of arrays (each its own
// allocation, len == cap) or in b: the index (len(arrays) for b, -1 for
// neither) and the base's byte offset from the array's start.
func farPlace(f gemmFar, arrays [][]float32, b []float32) (which, byteOff int) {
	fb := f.base[:cap(f.base)]
	end := &fb[len(fb)-1]
	for i, a := range append(arrays, b[:cap(b)]) {
		if len(a) >= len(fb) && &a[len(a)-1] == end {
			return i, 4 * (len(a) - len(fb))
		}
	}
	return -1, 0
}

// TestSgemmSerialBlocksPrefetch: while SgemmSerialBlocks computes a block
// of rows, its strips prefetch only that block's rows of the prefetch
// arrays (every unit starts inside one of rows [lo, hi) of one of them);
// where k leaves time (256: 64 prefetch steps a tile) every unit of every
// later block's rows of each array, once (a block of whole row panels); where B's next block is
// prefetched (gemmFarMinBytes 0, and MC blocks smaller than the product,
// so that B is packed), the first block prefetches B's source instead. The blocks hold the reference's values bit for bit: a
// prefetch is a hint. Levels whose sweep has no prefetching strip
// (columns first) prefetch nothing, which the hint allows.
func TestSgemmSerialBlocksPrefetch(t *testing.T) {
	savedMin, savedMC := gemmFarMinBytes, gemmMC
	defer func() { gemmFarTrace, gemmFarMinBytes, gemmMC = nil, savedMin, savedMC }()
	r := rand.New(rand.NewPCG(31, 31))
	for _, tc := range []struct {
		m, n, k int
		farB    bool
	}{{100, 300, 256, false}, {100, 300, 256, true}, {90, 200, 16, false}} {
		gemmFarMinBytes, gemmMC = savedMin, savedMC
		if tc.farB { // B packed (a band of several MC blocks), its next block prefetched
			gemmFarMinBytes, gemmMC = 0, 48
		}
		g := newGemmCase(r, true, false, tc.m, tc.n, tc.k, 2)
		g.alpha, g.beta = 1, 0
		name := fmt.Sprintf("%s, B prefetched %v, at %s", g, tc.farB, ISA())
		const maxRows = 24
		arrays := make([][]float32, 2)
		for i := range arrays {
			arrays[i] = make([]float32, (g.m-1)*g.ldc+g.n)
		}
		kern := gemmJobKernel(active, true, false, g.n, 1)
		strips := kern.strip != nil && kern.microTN == nil
		unitsPerRow := (4*g.n + gemmFarUnit - 1) / gemmFarUnit
		// covers reports whether a block's rows fit in what its strips (the
		// full tiles: whole row panels of A, whole column panels of B)
		// prefetch, a step per 4 of k.
		covers := func(rows int) bool {
			return strips && (rows/kern.mr)*(g.n/kern.nr)*(tc.k/4) >= 2*rows*unitsPerRow
		}

		var pending []gemmFar
		gemmFarTrace = func(f gemmFar) { pending = append(pending, f) }
		want := g.reference()
		scratch := make([]float32, (maxRows-1)*g.ldc+g.n)
		traced := 0
		SgemmSerialBlocks(true, false, g.m, g.n, g.k, 1, g.a, g.lda, g.b, g.ldb, scratch, g.ldc, maxRows, arrays, func(lo, hi int, c []float32) {
			seen := map[[3]int]int{} // array, row, unit
			for _, f := range pending {
				which, base := farPlace(f, arrays, g.b)
				switch {
				case which < 0:
					t.Fatalf("%s: rows [%d, %d): a prefetch outside the arrays and B: %+v", name, lo, hi, f)
				case which == len(arrays):
					if !tc.farB || lo > 0 {
						t.Fatalf("%s: rows [%d, %d) prefetch B", name, lo, hi)
					}
					continue
				}
				for _, at := range farWalk(f) {
					row, col := (base+at)/(4*g.ldc), (base+at)%(4*g.ldc)
					if row < lo || row >= hi || col >= 4*g.n {
						t.Fatalf("%s: rows [%d, %d): a prefetch of array %d at row %d, byte %d of the row", name, lo, hi, which, row, col)
					}
					seen[[3]int{which, row, col / gemmFarUnit}]++
				}
			}
			traced += len(pending)
			pending = pending[:0]
			if covers(hi-lo) && lo > 0 {
				for key, n := range seen {
					if n != 1 {
						t.Fatalf("%s: rows [%d, %d): unit %v prefetched %d times", name, lo, hi, key, n)
					}
				}
				if len(seen) != 2*(hi-lo)*unitsPerRow {
					t.Fatalf("%s: rows [%d, %d): %d units prefetched, want all %d", name, lo, hi, len(seen), 2*(hi-lo)*unitsPerRow)
				}
			}
			for i := lo; i < hi; i++ {
				for j := range g.n {
					if got := c[(i-lo)*g.ldc+j]; !sameFloat(got, want[i*g.ldc+j], false) {
						t.Fatalf("%s: c[%d][%d] = %v, want %v", name, i, j, got, want[i*g.ldc+j])
					}
				}
			}
		})
		if strips && traced == 0 {
			t.Errorf("%s: nothing prefetched", name)
		}
	}
}

// TestSgemmTransposedBPrefetch: a product on transposed B larger than
// gemmFarMinBytes (0 here), swept rows first (gemmL1 0) in L2 blocks of
// gemmNCL2 = 64 columns, has the strips of each NC block (one L2 block
// with A in place, all n columns with A packed: gemmNCFor) prefetch the
// source of each of its KC blocks after the first, each unit of it once
// (kc floats of each of the block's stored rows of B: the strips of 8 row
// panels have time for all of it), and nothing else; the product holds
// the reference's values bit for bit. An NC block without a full panel
// (the last 8 columns of n = 200, the last 2 of n = 130, with A in place)
// runs no strip, so its rows are not prefetched.
// Each shape runs with A packed (alpha -0.5) and, where the level reads A
// in place, with A in place (alpha 1): both strips prefetch. Levels
// without a prefetching strip prefetch nothing, which the hint allows.
func TestSgemmTransposedBPrefetch(t *testing.T) {
	savedMin, savedL1, savedL2 := gemmFarMinBytes, gemmL1, gemmNCL2
	defer func() { gemmFarTrace, gemmFarMinBytes, gemmL1, gemmNCL2 = nil, savedMin, savedL1, savedL2 }()
	gemmFarMinBytes, gemmL1, gemmNCL2 = 0, 0, 64
	r := rand.New(rand.NewPCG(32, 32))
	for _, tc := range []struct {
		m, n, k int
		alpha   float32
	}{{96, 200, 600, 1}, {96, 200, 600, -0.5}, {96, 130, 520, 1}, {96, 130, 520, -0.5}, {96, 64, 300, 1}} {
		g := newGemmCase(r, false, true, tc.m, tc.n, tc.k, 3)
		g.alpha = tc.alpha
		kern := gemmJobKernel(active, false, true, g.n, g.alpha)
		layout := "packed"
		if gemmRowsAInPlace(kern, false, g.n, g.alpha, g.lda) {
			layout = "in place"
		}
		name := fmt.Sprintf("%s, A %s, at %s", g, layout, ISA())
		seen := map[[2]int]int{} // B's row, byte offset in the row
		gemmFarTrace = func(f gemmFar) {
			which, base := farPlace(f, nil, g.b)
			if which != 0 {
				t.Fatalf("%s: a prefetch outside B: %+v", name, f)
			}
			for _, at := range farWalk(f) {
				seen[[2]int{(base + at) / (4 * g.ldb), (base + at) % (4 * g.ldb)}]++
			}
		}
		want := g.reference()
		c := append([]float32(nil), g.c...)
		SgemmSerial(false, true, g.m, g.n, g.k, g.alpha, g.a, g.lda, g.b, g.ldb, g.beta, c, g.ldc)
		gemmFarTrace = nil
		for i := range c {
			if !sameFloat(c[i], want[i], false) {
				t.Fatalf("%s: c[%d] = %v, want %v", name, i, c[i], want[i])
			}
		}
		if kern.strip == nil {
			if len(seen) > 0 {
				t.Errorf("%s: %d units prefetched without a prefetching strip", name, len(seen))
			}
			continue
		}
		units := 0
		blk := balancedWidth(g.n, gemmNCFor(true, true, layout == "in place"), kern.nr)
		for pc := mc.GemmKC; pc < g.k; pc += mc.GemmKC {
			kc := min(mc.GemmKC, g.k-pc)
			for row := range g.n {
				if jc := row / blk * blk; min(blk, g.n-jc) < kern.nr {
					continue // a block of a partial panel alone: no strips
				}
				for off := 4 * pc; off < 4*(pc+kc); off += gemmFarUnit {
					if n := seen[[2]int{row, off}]; n != 1 {
						t.Fatalf("%s: row %d of B, floats %d.. (KC block at %d) prefetched %d times, want once", name, row, off/4, pc, n)
					}
					units++
				}
			}
		}
		if len(seen) != units {
			t.Errorf("%s: %d units prefetched, want the %d of the later KC blocks' sources", name, len(seen), units)
		}
	}
}
