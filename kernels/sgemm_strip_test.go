package kernels

import (
	"math"
	"math/rand/v2"
	"testing"

	mc "github.com/vecgrad/vecgrad/internal/mathconst"
)

// TestGemmMicroStrip runs the level's strip kernels (gemmMicroStrip, A
// packed or in place) on strips down a column of C (one B panel, A panels
// in turn), along a row (one A panel, packed or in-place B panels in turn)
// and with arbitrary gaps between the tiles' operands, with A, B and C
// flush against guard pages, and checks all of C (the tiles bit for bit
// against gemmMicroGeneric per tile, and every float between and around
// them untouched), the packed-A strip while it prefetches a far stream.
// A fifth of the packed-A strips are the level's edge strips (gemmForms'
// edge: the first rows of each packed panel, a last row panel's tiles).
func TestGemmMicroStrip(t *testing.T) {
	k := gemmKernelFor(active, 1000)
	mr, nr := k.mr, k.nr
	if !gemmMicroStrip(k, 1, 1, make([]float32, mr), 0, 0, make([]float32, nr), nr, 0, make([]float32, (mr-1)*nr+nr), nr, 0, 0, 0, gemmFar{}) {
		t.Skipf("no strip kernel at level %s", ISA())
	}
	r := rand.New(rand.NewPCG(31, 31))
	const maxTiles = 9
	ga, gb, gc := newGuardRegionFor(t, maxTiles*mr*(mc.GemmKC+12)), newGuardRegionFor(t, maxTiles*(nr+8)*mc.GemmKC), newGuardRegionFor(t, maxTiles*mr*(maxTiles*nr+8))
	for iter := range 300 {
		kc := 1 + r.IntN(9)
		if iter%4 == 0 {
			kc = 1 + r.IntN(mc.GemmKC)
		}
		tiles := 1 + r.IntN(maxTiles)
		ldb, ldc := nr+r.IntN(2)*r.IntN(9), nr+r.IntN(2)*r.IntN(9)
		// A packed (lda 0: a panel is kc*mr floats), or mr rows in place;
		// rows < mr: an edge strip, on packed panels.
		lda, panel, rows := 0, mr*kc, mr
		if iter%2 == 1 && k.rowsA { // the level's in-place-A strip
			lda = kc + r.IntN(9)
			panel = mr * lda
		} else if iter%5 == 4 && len(k.edgeRows) > 0 {
			rows = k.edgeRows[r.IntN(len(k.edgeRows))]
		}
		var aStep, bStep, cStep int
		switch iter % 3 {
		case 0: // down a column of C: A panels in turn, one B panel
			aStep, cStep = panel, mr*ldc
		case 1: // along a row of C: one A panel, B panels in turn (packed, or in place)
			ldc = tiles*nr + r.IntN(9)
			bStep, cStep = nr*kc, nr
			if r.IntN(2) == 0 {
				ldb = tiles*nr + r.IntN(9)
				bStep = nr
			}
		case 2: // gaps between the tiles' operands
			aStep, bStep, cStep = panel+r.IntN(5), r.IntN(3)*(nr+r.IntN(5)), mr*ldc+r.IntN(9)
		}
		beta, load := gemmScalars[r.IntN(4)], r.IntN(2)
		na := (tiles-1)*aStep + mr*kc
		if lda > 0 {
			na = (tiles-1)*aStep + (mr-1)*lda + kc
		}
		nb := (tiles-1)*bStep + (kc-1)*ldb + nr
		nc := (tiles-1)*cStep + (rows-1)*ldc + nr
		srcA, srcB, srcC := randFloats(r, na), randFloats(r, nb), randFloats(r, nc)
		if load == 0 { // C must not be read
			for i := range srcC {
				srcC[i] = float32(math.NaN())
			}
		}
		want := append([]float32(nil), srcC...)
		for q := range tiles {
			gemmMicroGeneric(rows, nr, kc, edgePanel(packedPanel(srcA[q*aStep:], lda, mr, kc), rows, mr, kc), srcB[q*bStep:], ldb, want[q*cStep:], ldc, beta, load)
		}
		for _, place := range []string{"tail", "head"} {
			a, b, c := ga.place(place, na), gb.place(place, nb), gc.place(place, nc)
			copy(a, srcA)
			copy(b, srcB)
			copy(c, srcC)
			if rows < mr {
				k.edge(k, rows, tiles, kc, a, aStep, b, ldb, bStep, c, ldc, cStep, beta, load)
			} else {
				// On packed A the strip also prefetches a far stream (here
				// rows of its own C, at times reaching past C's slice onto
				// its guard page, which a prefetch must not fault on): a
				// hint that must change nothing.
				var far gemmFar
				if lda == 0 {
					var fs farStream
					fs.set(c, mr, 1+r.IntN(ldc), ldc)
					far = fs.take(1 + r.IntN(tiles*(kc/4)+1))
				}
				gemmMicroStrip(k, tiles, kc, a, lda, aStep, b, ldb, bStep, c, ldc, cStep, beta, load, far)
			}
			for i := range want {
				if !sameFloat(c[i], want[i], false) {
					t.Fatalf("rows=%d tiles=%d kc=%d lda=%d aStep=%d ldb=%d bStep=%d ldc=%d cStep=%d beta=%g load=%d %s: c[%d] = %v, want %v",
						rows, tiles, kc, lda, aStep, ldb, bStep, ldc, cStep, beta, load, place, i, c[i], want[i])
				}
			}
		}
	}
}

// edgePanel returns the first rows rows of the packed A panel a of mr
// rows (k-major, p*mr+i) as a packed panel of rows rows (p*rows+i): what an
// edge tile reads of a full tile's panel.
func edgePanel(a []float32, rows, mr, kc int) []float32 {
	if rows == mr {
		return a
	}
	e := make([]float32, rows*kc)
	for q := range kc {
		copy(e[q*rows:(q+1)*rows], a[q*mr:])
	}
	return e
}

// packedPanel returns the A panel at a as the packed micro-kernels read it
// (k-major, p*mr+i): a itself where lda is 0, else the mr rows at stride
// lda repacked.
func packedPanel(a []float32, lda, mr, kc int) []float32 {
	if lda == 0 {
		return a
	}
	p := make([]float32, mr*kc)
	for i := range mr {
		for q := range kc {
			p[q*mr+i] = a[i*lda+q]
		}
	}
	return p
}
