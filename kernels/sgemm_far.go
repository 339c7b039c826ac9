package kernels

import mc "github.com/vecgrad/vecgrad/internal/mathconst"

// Far prefetching. The wide tile's strip on packed A (GemmStrip) is
// compute-bound for long k and leaves the memory system idle, while the
// first tiles of the next block of B, which read B where it lies and pack
// it (GemmMicroPackB), wait on DRAM for every row: B is a layer's weights
// in the input-gradient product, read once per product. So the strip can
// prefetch a "far" region meanwhile, two lines per k loop iteration, and
// those bytes arrive during the FMAs instead of after them: the driver
// points it, while the strips sweep one L2 block of B, at the source of
// the block packed next (gemmSweep.prefetchNextB). Each strip call takes
// the next piece of the region. Prefetching is a hint: it changes no
// result, and the region is cut from B's slice, so it touches nothing
// else (the last pair of lines of a row may reach up to 127 bytes past
// the row's end, and a prefetch never faults).
//
// 256x2048x2048 (B 16 MB, from DRAM) on one Zen 5 core went from 198-210
// to 214-233 GFLOP/s (five interleaved runs); docs/performance.md has the
// training step's figures.
//
// Transposed B (op(B) = Bᵀ, the forward product x·Wᵀ of a layer) is packed
// whole, a KC block at a time, by GemmPackBT before the block's first tile,
// and from DRAM that pack waits on every line: it packs the wide MLP's
// 2048x2048 weights at half its speed from L3 (Zen 5, one core,
// BenchmarkGemmPackBT: 13-19 against 27-44 GB/s, in two machine states). So
// the strips of each KC block prefetch the source of the next
// (gemmSweep.prefetchNextBT). A first form, which split the source's rows
// evenly over the KC block's L2 blocks, took 256x2048x2048_NT with B from
// DRAM (one Zen 5 core, two interleaved rounds) from 224-230 and 220
// GFLOP/s to 231-232 and 225-228, and GemmPackBT from 1.33 to 0.98 ms a
// product in the profile (the first KC block's source still comes from
// DRAM); the training step measured that form and this one the same. With
// this one the wide MLP's step at batch 256, the prefetch switched off and
// on every 8 steps in one process (40 rounds), went 1.0% faster at one
// thread and 0.5% at two (medians of the rounds' ratios; the tutorial's, at
// batch 256, level). The product alone, measured again with this form while
// the host was contended (both cores' FMA roof at 261 GFLOP/s), moved
// 204-221 GFLOP/s either way: no verdict.
//
// SgemmSerialBlocks points the same stream, in each later MC block, at
// that block's rows of the arrays its caller names (the training step's
// weights and momentum, which the optimizer reads right after the block):
// they come from DRAM for the wide MLP, and arrive in L2 during the
// block's FMAs instead of during the update. Software prefetches bring in
// only some 20 GB/s on a Zen 5 core (a few dozen lines in flight), so a
// product of long k (the wide MLP's 256) covers its blocks, one of k = 16
// only part of them.

// gemmFarUnit is the bytes one step of the far stream prefetches.
const gemmFarUnit = 128

// gemmFarMinBytes is the smallest B (k x the band's columns, in bytes)
// whose blocks the strips prefetch: a B that fits in L2 is still in cache
// when its next block is packed. A variable only so that tests can make
// every product prefetch.
var gemmFarMinBytes = caches.L2

// gemmFar is one strip call's piece of the far region: GemmStrip's pf*
// arguments. The zero value prefetches nothing.
type gemmFar struct {
	base                 []float32 // pf: the region
	pos, off, row, ld, n int       // bytes: row start, offset in the row, row length, stride; n units
}

// pointer is the pf argument of a strip kernel for the piece: its
// region's start, or where it has no units (the kernel then reads no pf)
// b's, any valid pointer.
func (f gemmFar) pointer(b []float32) *float32 {
	if f.n > 0 {
		return &f.base[0]
	}
	return &b[0]
}

// farStream is the region the strips of a product prefetch, rows rows of
// rowBytes bytes ld bytes apart from base[0], and how far they have got.
type farStream struct {
	base               []float32
	rows, rowBytes, ld int
	row, off           int // the next unit
	// then are regions of base's shape at then[i][thenOff:], streamed
	// after it in turn (setEach).
	then    [][]float32
	thenOff int
}

// set makes rows rows of width floats at stride ld floats from base[0]
// the region, in place of what is left of the last one.
func (s *farStream) set(base []float32, rows, width, ld int) {
	*s = farStream{base: base, rows: rows, rowBytes: 4 * width, ld: 4 * ld}
	if width < 1 {
		s.rows = 0
	}
}

// setEach makes the same rows rows of width floats at stride ld, from
// regions[i][off:], of each region in turn the region (at least one).
func (s *farStream) setEach(regions [][]float32, off, rows, width, ld int) {
	s.set(regions[0][off:], rows, width, ld)
	s.then, s.thenOff = regions[1:], off
}

// take returns the piece of the region for up to units units (fewer
// where the region, or one of setEach's regions, ends; none once the last
// has) and moves past it.
func (s *farStream) take(units int) gemmFar {
	if s.row >= s.rows && len(s.then) > 0 {
		s.base, s.then, s.row, s.off = s.then[0][s.thenOff:], s.then[1:], 0, 0
	}
	if s.row >= s.rows || units < 1 {
		return gemmFar{}
	}
	f := gemmFar{base: s.base, pos: s.row * s.ld, off: s.off, row: s.rowBytes, ld: s.ld}
	for f.n < units && s.row < s.rows {
		perRow := (s.rowBytes - s.off + gemmFarUnit - 1) / gemmFarUnit // units left in this row
		if k := units - f.n; k < perRow {
			f.n += k
			s.off += k * gemmFarUnit
			break
		}
		f.n += perRow
		s.row, s.off = s.row+1, 0
	}
	return f
}

// prefetchesB reports whether the sweep's strips prefetch B's next block
// (farB or farBT, in the band's first MC block) rather than
// SgemmSerialBlocks' arrays.
func (s *gemmSweep) prefetchesB() bool { return (s.farB || s.farBT) && s.first }

// prefetchNextBT points the far stream, from the strips of the first L2
// block of B (jb 0) on, at the source of the next KC block of transposed
// B: kc floats, from column pc+kc, of each of the stored rows jc..jc+nc
// (the band's columns of op(B)). None after the last KC block. (The rows
// split evenly over the L2 blocks instead measured the same, and left the
// rows of an L2 block without full panels, which runs no strip, out.)
func (s *gemmSweep) prefetchNextBT(jb int) {
	j := s.j
	switch pc := s.pc + s.kc; {
	case pc >= j.k:
		s.far.set(nil, 0, 0, 0)
	case jb == 0:
		s.far.set(j.b[s.jc*j.ldb+pc:], s.nc, min(mc.GemmKC, j.k-pc), j.ldb)
	}
}

// prefetchNextB points the far stream, for the strips of the L2 block of
// B at column jb (of l2Blk columns), at the source of the block whose
// first tiles pack it next: the next L2 block of this KC block, or the
// first of the next KC block (kc rows of B at stride ldb, its full panels).
func (s *gemmSweep) prefetchNextB(jb, l2Blk int) {
	j := s.j
	pc, kc, col, w := s.pc, s.kc, jb+l2Blk, min(l2Blk, s.nc-jb-l2Blk)
	if col >= s.nc {
		pc, col = pc+kc, 0
		kc, w = min(mc.GemmKC, j.k-pc), min(l2Blk, s.nc)
	}
	if pc >= j.k {
		s.far.set(nil, 0, 0, 0)
		return
	}
	s.far.set(j.b[pc*j.ldb+s.jc+col:], kc, w/j.nr*j.nr, j.ldb)
}
