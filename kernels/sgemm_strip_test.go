package kernels

import (
	"math"
	"math/rand/v2"
	"testing"

	mc "github.com/vecgrad/vecgrad/internal/mathconst"
)

// TestGemmMicroStrip runs the level's strip kernel (gemmMicroStrip) on
// strips down a column of C (one B panel, A panels in turn), along a row
// (one A panel, packed or in-place B panels in turn) and with arbitrary
// gaps between the tiles' operands, with A, B and C flush against guard
// pages, and checks all of C (the tiles bit for bit against
// gemmMicroGeneric per tile, and every float between and around them
// untouched).
func TestGemmMicroStrip(t *testing.T) {
	k := gemmKernelFor(active, 1000)
	mr, nr := k.mr, k.nr
	if !gemmMicroStrip(k, 1, 1, make([]float32, mr), 0, make([]float32, nr), nr, 0, make([]float32, (mr-1)*nr+nr), nr, 0, 0, 0) {
		t.Skipf("no strip kernel at level %s", ISA())
	}
	r := rand.New(rand.NewPCG(31, 31))
	const maxTiles = 9
	ga, gb, gc := newGuardRegionFor(t, maxTiles*(mr*mc.GemmKC+4)), newGuardRegionFor(t, maxTiles*(nr+8)*mc.GemmKC), newGuardRegionFor(t, maxTiles*mr*(maxTiles*nr+8))
	for iter := range 300 {
		kc := 1 + r.IntN(9)
		if iter%4 == 0 {
			kc = 1 + r.IntN(mc.GemmKC)
		}
		tiles := 1 + r.IntN(maxTiles)
		ldb, ldc := nr+r.IntN(2)*r.IntN(9), nr+r.IntN(2)*r.IntN(9)
		var aStep, bStep, cStep int
		switch iter % 3 {
		case 0: // down a column of C: A panels in turn, one B panel
			aStep, cStep = mr*kc, mr*ldc
		case 1: // along a row of C: one A panel, B panels in turn (packed, or in place)
			ldc = tiles*nr + r.IntN(9)
			bStep, cStep = nr*kc, nr
			if r.IntN(2) == 0 {
				ldb = tiles*nr + r.IntN(9)
				bStep = nr
			}
		case 2: // gaps between the tiles' operands
			aStep, bStep, cStep = mr*kc+r.IntN(5), r.IntN(3)*(nr+r.IntN(5)), mr*ldc+r.IntN(9)
		}
		beta, load := gemmScalars[r.IntN(4)], r.IntN(2)
		na := (tiles-1)*aStep + mr*kc
		nb := (tiles-1)*bStep + (kc-1)*ldb + nr
		nc := (tiles-1)*cStep + (mr-1)*ldc + nr
		srcA, srcB, srcC := randFloats(r, na), randFloats(r, nb), randFloats(r, nc)
		if load == 0 { // C must not be read
			for i := range srcC {
				srcC[i] = float32(math.NaN())
			}
		}
		want := append([]float32(nil), srcC...)
		for q := range tiles {
			gemmMicroGeneric(mr, nr, kc, srcA[q*aStep:], srcB[q*bStep:], ldb, want[q*cStep:], ldc, beta, load)
		}
		for _, place := range []string{"tail", "head"} {
			a, b, c := ga.place(place, na), gb.place(place, nb), gc.place(place, nc)
			copy(a, srcA)
			copy(b, srcB)
			copy(c, srcC)
			gemmMicroStrip(k, tiles, kc, a, aStep, b, ldb, bStep, c, ldc, cStep, beta, load)
			for i := range want {
				if !sameFloat(c[i], want[i], false) {
					t.Fatalf("tiles=%d kc=%d aStep=%d ldb=%d bStep=%d ldc=%d cStep=%d beta=%g load=%d %s: c[%d] = %v, want %v",
						tiles, kc, aStep, ldb, bStep, ldc, cStep, beta, load, place, i, c[i], want[i])
				}
			}
		}
	}
}

func randFloats(r *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(r.NormFloat64())
	}
	return s
}
