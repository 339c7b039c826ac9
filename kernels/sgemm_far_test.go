package kernels

import (
	"math/rand/v2"
	"testing"
)

// farWalk is the byte offsets (from the piece's base) that GemmStrip
// prefetches for the piece f, a unit of two lines each, in order: the
// kernel's walk written out (gen/amd64 gemmFarPrefetch).
func farWalk(f gemmFar) []int {
	var at []int
	pos, off := f.pos, f.off
	for range f.n {
		at = append(at, pos+off)
		if off += gemmFarUnit; off >= f.row {
			off, pos = 0, pos+f.ld
		}
	}
	return at
}

// walkStream takes pieces of up to 1..most units from s until it has none
// and returns the byte offsets from backing[0] (the regions are cut from
// backing) of every unit they prefetch, in order.
func walkStream(s *farStream, r *rand.Rand, most int, backing []float32) []int {
	var got []int
	for {
		f := s.take(1 + r.IntN(most))
		if f.n == 0 {
			return got
		}
		base := 4 * (len(backing) - cap(f.base))
		for _, a := range farWalk(f) {
			got = append(got, base+a)
		}
	}
}

// TestFarStream: pieces of random capacities taken from a region walk its
// units exactly once and in order (each unit starting inside its row,
// the rows in turn), then nothing; an empty region or a zero capacity
// gives the zero piece.
func TestFarStream(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 8))
	backing := make([]float32, 1<<14)
	for iter := range 500 {
		off, rows, width := r.IntN(1000), r.IntN(6), r.IntN(100)
		ld := max(width, 1) + r.IntN(40)
		var s farStream
		s.set(backing[off:], rows, width, ld)
		got := walkStream(&s, r, 7, backing)
		var want []int
		for row := range rows {
			for o := 0; o < 4*width; o += gemmFarUnit {
				want = append(want, 4*(off+row*ld)+o)
			}
		}
		if len(got) != len(want) {
			t.Fatalf("iter %d: %d rows of %d floats at stride %d: %d units, want %d", iter, rows, width, ld, len(got), len(want))
		}
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("iter %d: %d rows of %d floats at stride %d: unit %d at byte %d, want %d", iter, rows, width, ld, i, got[i], want[i])
			}
		}
	}
	var s farStream
	s.set(backing, 2, 10, 10)
	if f := s.take(0); f.n != 0 {
		t.Errorf("take(0) = %+v, want nothing", f)
	}
}

// TestFarStreamEach: a stream set on several regions (setEach) walks the
// same rows of each in turn, every unit once and in order, then nothing.
func TestFarStreamEach(t *testing.T) {
	r := rand.New(rand.NewPCG(6, 9))
	backing := make([]float32, 1<<15)
	for iter := range 300 {
		rows, width, off := 1+r.IntN(5), 1+r.IntN(100), r.IntN(50)
		ld := width + r.IntN(40)
		starts := make([]int, 1+r.IntN(3))
		regions := make([][]float32, len(starts))
		for i := range starts {
			starts[i] = i*8000 + r.IntN(100)
			regions[i] = backing[starts[i]:]
		}
		var s farStream
		s.setEach(regions, off, rows, width, ld)
		got := walkStream(&s, r, 9, backing)
		var want []int
		for _, start := range starts {
			for row := range rows {
				for o := 0; o < 4*width; o += gemmFarUnit {
					want = append(want, 4*(start+off+row*ld)+o)
				}
			}
		}
		if len(got) != len(want) {
			t.Fatalf("iter %d: %d regions of %d rows of %d floats: %d units, want %d", iter, len(starts), rows, width, len(got), len(want))
		}
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("iter %d: %d regions of %d rows of %d floats: unit %d at byte %d, want %d", iter, len(starts), rows, width, i, got[i], want[i])
			}
		}
	}
}
