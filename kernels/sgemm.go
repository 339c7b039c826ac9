package kernels

import (
	"fmt"
	"math"
	"slices"
	"unsafe"

	"github.com/vecgrad/vecgrad/internal/freelist"
	mc "github.com/vecgrad/vecgrad/internal/mathconst"
)

// Sgemm computes C = alpha*op(A)*op(B) + beta*C for row-major matrices,
// where op(A) is m x k (A, or Aᵀ when transA) and op(B) is k x n (B, or Bᵀ
// when transB); lda, ldb, ldc are the distances between consecutive rows of
// the stored matrices. beta == 0 overwrites C without reading it (NaN in C
// does not survive); alpha == 0 or k == 0 gives beta*C without reading A or
// B; m or n of 0 does nothing.
//
// The arithmetic is fixed, the same at every level, on every machine and
// for every thread count: each element accumulates its products alpha*a*b
// in fused multiply-adds, in order of p, restarting every 256 (GemmKC)
// values of p; the first block's sum is fused with beta*C, the later ones
// added to C. The work is split across Threads() workers by rows or columns
// of C, never along k.
//
// Invalid sizes, leading dimensions or slices too short for them panic with
// a message naming the argument, before any assembly runs; so does a C that
// shares memory with A or B (where they are read): the span of C, from its
// first element to its last, must not overlap theirs.
func Sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	checkGemm("Sgemm", transA, transB, m, n, k, a, lda, b, ldb, c, ldc, 1, 0, 0, 0)
	checkGemmAliasing("Sgemm", transA, transB, m, n, k, alpha, a, lda, b, ldb, c, ldc, 1, 0, 0, 0)
	sgemm(Threads(), transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// SgemmSerial is Sgemm on the calling goroutine alone, for callers that
// split a product themselves (a member of a Team.Run region computing its
// rows or columns of C, which must not hand work to the pool its team
// occupies). Its results are Sgemm's, bit for bit: the split changes no
// element's arithmetic.
func SgemmSerial(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	checkGemm("SgemmSerial", transA, transB, m, n, k, a, lda, b, ldb, c, ldc, 1, 0, 0, 0)
	checkGemmAliasing("SgemmSerial", transA, transB, m, n, k, alpha, a, lda, b, ldb, c, ldc, 1, 0, 0, 0)
	sgemm(1, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// SgemmBatch computes batch independent products, product i on the
// matrices starting at a[i*strideA], b[i*strideB] and c[i*strideC], each as
// Sgemm does. The C matrices must not overlap one another (strideC = 0
// with batch > 1 panics, as does any layout in which, taking batch, rows
// and columns by increasing stride, a stride is less than the span of the
// dimensions before it), nor A or B.
func SgemmBatch(batch int, transA, transB bool, m, n, k int, alpha float32, a []float32, lda, strideA int, b []float32, ldb, strideB int, beta float32, c []float32, ldc, strideC int) {
	checkGemm("SgemmBatch", transA, transB, m, n, k, a, lda, b, ldb, c, ldc, batch, strideA, strideB, strideC)
	checkGemmAliasing("SgemmBatch", transA, transB, m, n, k, alpha, a, lda, b, ldb, c, ldc, batch, strideA, strideB, strideC)
	// An operand the products do not read (k == 0, m == 0...) may be shorter
	// than its offsets: checkGemm only checked what is read.
	at := func(s []float32, off int) []float32 {
		if off >= len(s) {
			return nil
		}
		return s[off:]
	}
	for i := 0; i < batch; i++ {
		sgemm(Threads(), transA, transB, m, n, k, alpha, at(a, i*strideA), lda, at(b, i*strideB), ldb, beta, at(c, i*strideC), ldc)
	}
}

// sgemm computes the product on up to threads goroutines.
func sgemm(threads int, transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	sgemmRows(threads, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, rowsDone{})
}

// sgemmRows is sgemm that reports finished rows to done (see
// SgemmSerialRows; the zero rowsDone reports nothing).
func sgemmRows(threads int, transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int, done rowsDone) {
	if m == 0 || n == 0 {
		return
	}
	if alpha == 0 || k == 0 {
		for i := 0; i < m; i++ {
			row := c[i*ldc : i*ldc+n]
			for j := range row {
				row[j] = scaleBeta(beta, row[j])
			}
		}
		done.report(m)
		return
	}
	lv := active // captured once: the tiles and kernels must match
	if gemmDual(lv, transA, transB, m, n, k, alpha, beta) {
		sgemmDual(lv, threads, m, n, k, a, lda, b, ldb, beta, c, ldc)
		done.report(m)
		return
	}
	sgemmBlocked(lv, threads, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, done, gemmOut{})
}

// sgemmBlocked computes a product with m, n, k >= 1 and alpha != 0 on the
// blocked path (packing, micro-kernels, threads) of level lv, on up to
// threads goroutines, reporting finished rows to done (the zero rowsDone:
// none; only a product on one goroutine reports on its way).
func sgemmBlocked(lv level, threads int, transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int, done rowsDone, out gemmOut) {
	if out.sum != nil && threads > 1 {
		panic("kernels: sgemmBlocked: an epilogue with a sum on several goroutines would add its rows out of order")
	}
	j := gemmJobs.Get()
	*j = gemmJob{transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, beta: beta,
		a: a, lda: lda, b: b, ldb: ldb, c: c, ldc: ldc, lv: lv, threads: threads, done: done, out: out}
	j.kern = gemmJobKernel(lv, transA, transB, n, alpha)
	j.mr, j.nr = j.kern.mr, j.kern.nr
	j.rowsA = gemmRowsAInPlace(j.kern, transA, n, alpha, lda)
	j.run()
	j.done.report(m)
	j.done.lag.flush()
	*j = gemmJob{} // drop the references to the caller's slices
	gemmJobs.Put(j)
}

// gemmRowsAInPlace reports whether the blocked path reads A's rows in
// place (no packing) with kernel kern: where the kernel can, nothing needs
// folding into it (alpha*a = a exactly when alpha is 1), and either each
// panel of A meets at most two panels of B or A's rows are not a multiple
// of 4 KiB apart (lda floats). Rows 4 KiB apart share L1's sets, and the
// strips re-read each A panel from L1 for every B panel. Otherwise the
// strip on A in place, which prefetches the same far stream as the one on
// packed A, does at least as well as packing: on Zen 5 (AVX-512, one core,
// the two alternated in one process) 256x{256..2048}x2048 at lda 2064 and
// 512³ 1-4% faster, 1024³ at lda 1040 level to 1.5% faster, but 1024³ and
// 2048³ at lda 1024 and 2048 from 1.3% slower to 0.4% faster (so those
// keep packing); AVX2 level throughout. The training step pads its
// activations' rows to this end (RowStride, train/teamstep.go).
func gemmRowsAInPlace(kern gemmKernel, transA bool, n int, alpha float32, lda int) bool {
	return kern.rowsA && alpha == 1 && !transA && (n <= 2*kern.nr || lda%gemmAliasFloats != 0)
}

// gemmAliasFloats is 4 KiB in floats: rows a multiple of it apart share
// the L1 data cache's sets (4 KiB is one way of every x86 L1 we target,
// 64 sets of 64 bytes).
const gemmAliasFloats = 1024

// RowStride returns a row stride for a matrix of n-float rows that a
// product will read as its A (not transposed): n, or n plus a cache line
// (16 floats) where n is a multiple of 1024, whose rows, 4 KiB apart,
// would share the L1 data cache's sets and be packed before every product
// instead of read in place. The training step lays out its activations
// and gradients so; results do not depend on the stride.
func RowStride(n int) int {
	if n > 0 && n%gemmAliasFloats == 0 {
		return n + 16
	}
	return n
}

// gemmJobKernel is the micro-kernel of a product on the blocked path at
// level lv: the level's tile for n columns, or its narrow TN tile where
// that serves C = Aᵀ·B.
func gemmJobKernel(lv level, transA, transB bool, n int, alpha float32) gemmKernel {
	kern := gemmKernelFor(lv, n)
	if transA && !transB && alpha == 1 {
		if tn, ok := gemmKernelTN(kern, n); ok {
			return tn
		}
	}
	return kern
}

// gemmWorkPerThread is the least m*n*k a band is given: waking a parked
// worker costs several microseconds, so each band gets at least about 40 µs
// of work (4 MFLOP at 100 GFLOP/s) and small products stay on one thread.
// It is a variable only so that tests can split small products.
var gemmWorkPerThread = 2 << 20

// run splits C into one tile-aligned band of rows or columns per thread and
// computes the bands on the persistent workers, band 0 on the calling
// goroutine. Every element is computed by the same operations whatever the
// split, so the result does not depend on the thread count.
func (j *gemmJob) run() {
	tilesM, tilesN := (j.m+j.mr-1)/j.mr, (j.n+j.nr-1)/j.nr
	byRows := tilesM >= tilesN
	tiles, unit := tilesN, j.nr
	if byRows {
		tiles, unit = tilesM, j.mr
	}
	parts := max(1, min(j.threads, tiles, j.m*j.n*j.k/gemmWorkPerThread))
	// Team mode has its own sweep, without epilogues (no caller asks for both).
	if size := j.teamSize(parts, byRows); size > 0 && !j.out.active() && gemmTeamMu.TryLock() {
		j.runTeam(size)
		gemmTeamMu.Unlock()
		return
	}
	per := (tiles + parts - 1) / parts * unit
	parts = (tiles*unit + per - 1) / per
	band := func(p int) gemmTask {
		if byRows {
			return gemmTask{job: j, i0: p * per, i1: min((p+1)*per, j.m), j0: 0, j1: j.n}
		}
		return gemmTask{job: j, i0: 0, i1: j.m, j0: p * per, j1: min((p+1)*per, j.n)}
	}
	handOut(&j.tasks, parts-1, band)
	first := band(0)
	j.block(first.i0, first.i1, first.j0, first.j1)
	j.tasks.wait(parts - 1)
}

// gemmJob is one Sgemm call; pooled so that a call allocates nothing.
type gemmJob struct {
	transA, transB bool
	m, n, k        int
	alpha, beta    float32
	a, b, c        []float32
	lda, ldb, ldc  int
	lv             level      // read once (isa.go's convention): the tile shape must match the kernel
	threads        int        // the most goroutines the product may run on
	kern           gemmKernel // the micro-kernel and its tile
	mr, nr         int
	rowsA          bool      // full row panels of A are read in place
	tasks          taskGroup // the bands or team places handed to workers
	team           *gemmTeam // team mode's shared state (sgemm_team.go)
	done           rowsDone  // SgemmSerialRows' report of finished rows
	out            gemmOut   // applied to each region of C once final (sgemm_out.go)
	// cRow0 is the row of C at c[0]: 0, or with SgemmSerialBlocks the first
	// row of the MC block being computed into the scratch.
	cRow0 int
}

// cOff is the offset in j.c of element (row, col) of C.
func (j *gemmJob) cOff(row, col int) int { return (row-j.cRow0)*j.ldc + col }

// gemmBuffers are the packing buffers of one band, allocated once per
// concurrently running band and reused.
type gemmBuffers struct{ a, b, edge, tile []float32 }

// Free lists rather than sync.Pool: a pool may drop its items at any GC,
// and a training step must not allocate.
var (
	gemmJobs freelist.List[gemmJob]
	gemmBufs freelist.List[gemmBuffers]
)

func grow(s []float32, n int) []float32 {
	if cap(s) < n {
		return make([]float32, n)
	}
	return s[:n]
}

// Cache blocking: an MC x KC block of packed A stays in L2 while it meets
// every micro-panel of B; a KC x NC block of packed B stays in L3, and
// where half of L2 holds at least gemmNCL2Min columns of it, the rows-first
// order sweeps it in L2 blocks of at most gemmNCL2 columns (see
// gemmRowsFirst). KC is fixed (see mathconst.GemmKC); MC and NC follow the
// cache sizes of Caches().
var gemmMC, gemmNC, gemmNCL2 = gemmBlocking(caches.L2, caches.L3)

// gemmL1 is the L1 data cache's size in bytes (see gemmRowsFirst).
var gemmL1 = caches.L1d

// gemmNCL2Min is the narrowest L2 block of B worth the rows-first order:
// below it (a 512 KiB L2 holds 256 columns) each A micro-panel, loaded
// into L1 once per L2 block, would meet only a few B panels.
const gemmNCL2Min = 512

func gemmBlocking(l2, l3 int) (mcb, ncb, ncL2 int) {
	const kcBytes = mc.GemmKC * 4
	mcb = min(max(l2/2/kcBytes/24*24, 48), 480)   // a multiple of every MR
	ncb = min(max(l3/4/kcBytes/96*96, 480), 4032) // a multiple of every NR
	if ncL2 = min(l2/2/kcBytes, ncb); ncL2 < gemmNCL2Min {
		ncL2 = 0
	}
	return mcb, ncb, ncL2
}

// block computes rows [i0, i1) x columns [j0, j1) of C: the Goto/BLIS loop
// nest jc (NC) > pc (KC) > ic (MC) > jr (NR) > ir (MR), or, rows first,
// jc (NC) > pc > ic > L2 block of B > ir > jr, around the micro-kernel. When
// B is not transposed and the band has a single MC block, B is read in
// place (packing it would cost a copy used once). The loops inside one MC
// block of A and one KC x NC block of B are gemmSweep's.
func (j *gemmJob) block(i0, i1, j0, j1 int) {
	if j.kern.microTN != nil {
		j.blockTN(i0, i1, j0, j1)
		return
	}
	buf := gemmBufs.Get()
	defer gemmBufs.Put(buf)
	mr, nr, kcMax := j.mr, j.nr, mc.GemmKC
	s := gemmSweep{j: j, buf: buf, narrow: j.kern.colsHeight(j.mr), direct: j.readsBInPlace(i1 - i0)}
	rowsFirst := !s.direct && gemmRowsFirst(nr)
	buf.a = grow(buf.a, (gemmMC+mr)*kcMax)
	buf.b = grow(buf.b, (gemmNC+nr)*kcMax)
	buf.edge = grow(buf.edge, nr*kcMax)
	buf.tile = grow(buf.tile, mr*nr)
	// Otherwise non-transposed B is packed by the first tile of each full
	// micro-panel (GemmMicro*PackB reads the panel in place and stores the
	// packed copy the later tiles read) rather than in a pass of its own,
	// which would read and write the whole block once more.
	s.fused = !s.direct && !j.transB && j.kern.microPackB != nil
	s.farB = s.fused && rowsFirst && 4*j.k*(j1-j0) > gemmFarMinBytes
	s.farBT = j.transB && rowsFirst && 4*j.k*(j1-j0) > gemmFarMinBytes
	// Blocks of B of equal width (whole panels, at most gemmNC columns):
	// a last block of a few columns would cost a packing pass over the
	// band's A for a sliver of the work (2048 columns against an NC of
	// 2016 made one of 32).
	ncBlk := balancedWidth(j1-j0, gemmNCFor(j.transB, rowsFirst, j.rowsA), nr)
	mcBlk := j.done.blockRows(gemmMC, mr)
	for jc := j0; jc < j1; jc += ncBlk {
		s.jc, s.nc = jc, min(ncBlk, j1-jc)
		// The L2 blocks of B that rows first sweeps in turn.
		l2Blk := s.nc
		if rowsFirst {
			l2Blk = balancedWidth(s.nc, gemmNCL2, nr)
		}
		for pc := 0; pc < j.k; pc += kcMax {
			s.pc, s.kc = pc, min(kcMax, j.k-pc)
			s.beta, s.load = j.blockBeta(pc)
			s.packB()
			for ic := i0; ic < i1; ic += mcBlk {
				s.ic, s.mcur, s.first = ic, min(mcBlk, i1-ic), ic == i0
				if j.done.scratch != nil { // the block's rows go to the scratch's first rows
					j.cRow0 = ic
					pf := j.done.prefetch
					if l := &j.done.lag; l.on() { // into the half the last block's update is not reading
						j.c, pf = l.scratch[l.next], l.prefetch()
					}
					if len(pf) > 0 && !s.prefetchesB() { // else B's next block
						s.far.setEach(pf, ic*j.done.ldc, s.mcur, j.done.n, j.done.ldc)
					}
				}
				j.packABlock(buf.a, ic, s.mcur, pc, s.kc)
				if rowsFirst {
					s.rowsFirst(l2Blk)
				} else {
					s.colsFirst()
				}
				if u := j.done.update(); u != nil {
					s.applyFromScratch(u)
				}
				if jc+ncBlk >= j1 && pc+kcMax >= j.k { // the MC block's rows are final
					j.done.report(ic + s.mcur)
				}
			}
		}
	}
}

// gemmSweep is one MC block of A (rows ic..ic+mcur) against one KC x NC
// block of B (rows pc..pc+kc, columns jc..jc+nc) within a band: what the
// two sweep orders and their tiles share.
type gemmSweep struct {
	j        *gemmJob
	buf      *gemmBuffers
	pc, kc   int
	jc, nc   int
	ic, mcur int
	beta     float32
	load     int
	// direct: B read in place; fused: B packed by each full panel's first
	// tile (in the band's first MC block, first); narrow: the
	// column-masked narrow tile, which reads partial B panels in place.
	direct, fused, narrow, first bool
	// farB: B is fused and larger than L2 (a smaller one is still in
	// cache), and swept rows first, so the strips of the first MC block
	// prefetch the source of its next block (sgemm_far.go). (Columns
	// first, where a B panel fits in half of L1 or L2 holds no B block,
	// does not.) farBT: the same for transposed B, packed whole a KC
	// block at a time, whose next KC block's source they prefetch.
	// Otherwise the strips prefetch SgemmSerialBlocks' arrays.
	farB, farBT bool
	far         farStream // the band's own: bands run on several goroutines
}

// packB packs what the block of B needs packed before its tiles run: the
// whole block, or only its zero-padded edge panel (fused packing, or B
// read in place), or nothing.
func (s *gemmSweep) packB() {
	j, buf, nr, pc, kc, jc, nc := s.j, s.buf, s.j.nr, s.pc, s.kc, s.jc, s.nc
	switch {
	case s.fused && nc%nr != 0: // the edge panel in Go (zero-padded)
		j.packB(buf.b[nc/nr*nr*kc:][:nr*kc], pc, kc, jc+nc/nr*nr, nc%nr)
	case s.fused:
	case !s.direct:
		j.packBBlock(buf.b, pc, kc, jc, nc)
	case nc%nr != 0 && !s.narrow: // the edge panel is packed (zero-padded) once
		j.packB(buf.edge[:kc*nr], pc, kc, jc+nc/nr*nr, nc%nr)
	}
}

// bPanel is micro-panel jr of B: in place (a partial one only for the
// column-masked narrow tile), or packed.
func (s *gemmSweep) bPanel(jr int) ([]float32, int) {
	j, nr, kc := s.j, s.j.nr, s.kc
	switch {
	case !s.direct:
		return s.buf.b[jr*kc : (jr+nr)*kc], nr
	case jr+nr <= s.nc || s.narrow:
		off := s.pc*j.ldb + s.jc + jr
		return j.b[off : off+(kc-1)*j.ldb+min(nr, s.nc-jr)], j.ldb
	}
	return s.buf.edge[:kc*nr], nr
}

// aPanel is micro-panel ir (of rows rows) of A: packed, or in place.
func (s *gemmSweep) aPanel(ir, rows int) ([]float32, int) {
	j, kc := s.j, s.kc
	if j.rowsA && j.inPlaceRows(rows) {
		return j.a[(s.ic+ir)*j.lda+s.pc:][:(rows-1)*j.lda+kc], j.lda
	}
	return s.buf.a[ir*kc : (ir+j.mr)*kc], 0
}

// applyFromScratch applies SgemmSerialSGD's update to the elements of
// the MC block that tiles without a fused form left in the scratch, once
// each, a row at a time: every column of the first row panel where its
// tiles pack B (both sweeps run them through tileAt) and of a last partial
// row panel, and the column edge past the last full B panel of every
// other row. The strips, on packed A (SgemmSerialSGD takes this path only
// then), updated the rest.
func (s *gemmSweep) applyFromScratch(u *gemmSGD) {
	j, mr, nr := s.j, s.j.mr, s.j.nr
	full, edge := s.mcur/mr*mr, s.nc/nr*nr
	for r := range s.mcur {
		c0 := edge
		if r >= full || (r < mr && s.fused && s.first) {
			c0 = 0
		}
		if c0 < s.nc {
			row, col := s.ic+r, s.jc+c0
			u.apply(row, 1, col, s.nc-c0, j.c[j.cOff(row, col):], j.ldc)
		}
	}
}

// tileAt computes the tile at micro-panels ir of A and jr of B: a full B
// panel's first tile with fused packing reads B in place and packs it.
func (s *gemmSweep) tileAt(ir, jr int) {
	j, mr, nr, kc := s.j, s.j.mr, s.j.nr, s.kc
	bp, ldb := s.bPanel(jr)
	rows := min(mr, s.mcur-ir)
	ap, lda := s.aPanel(ir, rows)
	if s.fused && s.first && ir == 0 && jr+nr <= s.nc {
		off := s.pc*j.ldb + s.jc + jr
		j.tile(s.buf.tile, ap, lda, j.b[off:off+(kc-1)*j.ldb+nr], j.ldb, bp, kc, s.ic+ir, rows, s.jc+jr, nr, s.beta, s.load)
		return
	}
	j.tile(s.buf.tile, ap, lda, bp, ldb, nil, kc, s.ic+ir, rows, s.jc+jr, min(nr, s.nc-jr), s.beta, s.load)
}

// rowsFirst sweeps the block one L2 block of B (l2Blk columns) at a time,
// each row panel of A across it: runs of full tiles go to j.strip, of a
// last row panel of an edge tile's height to j.edgeStrip, the first tiles
// of fused B panels and other partial tiles through tileAt.
func (s *gemmSweep) rowsFirst(l2Blk int) {
	j, mr, nr, kc := s.j, s.j.mr, s.j.nr, s.kc
	for jb := 0; jb < s.nc; jb += l2Blk {
		jEnd := min(jb+l2Blk, s.nc)
		switch {
		case s.farB && s.first:
			s.prefetchNextB(jb, l2Blk)
		case s.farBT && s.first:
			s.prefetchNextBT(jb)
		}
		for ir := 0; ir < s.mcur; ir += mr {
			jr := jb
			rows := min(mr, s.mcur-ir)
			if full := (jEnd - jb) / nr; full > 0 && !(s.fused && s.first && ir == 0) {
				ap, lda := s.aPanel(ir, rows)
				switch {
				case rows == mr:
					j.strip(full, kc, ap, lda, 0, s.buf.b[jb*kc:], nr, nr*kc, s.ic+ir, s.jc+jb, 0, nr, s.beta, s.load, &s.far)
					jr += full * nr
				case lda == 0 && j.kern.edgeHeight(rows): // a last row panel of an edge tile's height
					j.edgeStrip(full, kc, ap, s.buf.b[jb*kc:], nr, nr*kc, s.ic+ir, s.jc+jb, rows, s.beta, s.load)
					jr += full * nr
				}
			}
			for ; jr < jEnd; jr += nr {
				s.tileAt(ir, jr)
			}
			s.finish(s.ic+ir, min(mr, s.mcur-ir), s.jc+jb, jEnd-jb)
		}
	}
}

// colsFirst sweeps the block one micro-panel of B at a time, every row
// panel of A down it: the panel's first tile packs it where packing is
// fused, then the full tiles go to j.strip, partial ones through tileAt.
func (s *gemmSweep) colsFirst() {
	j, mr, nr, kc := s.j, s.j.mr, s.j.nr, s.kc
	for jr := 0; jr < s.nc; jr += nr {
		ir := 0
		if s.fused && s.first && jr+nr <= s.nc {
			s.tileAt(0, jr) // packs the B panel the others read
			ir = mr
		}
		if full := s.mcur / mr; full*mr > ir && jr+nr <= s.nc {
			bp, ldb := s.bPanel(jr)
			ap, lda, aStep := s.buf.a[ir*kc:], 0, mr*kc // the A panels in turn
			if j.rowsA {
				ap, lda, aStep = j.a[(s.ic+ir)*j.lda+s.pc:], j.lda, mr*j.lda
			}
			j.strip(full-ir/mr, kc, ap, lda, aStep, bp, ldb, 0, s.ic+ir, s.jc+jr, mr, 0, s.beta, s.load, &s.far)
			ir = full * mr
		}
		for ; ir < s.mcur; ir += mr {
			s.tileAt(ir, jr)
		}
		s.finish(s.ic, s.mcur, s.jc+jr, min(nr, s.nc-jr))
	}
}

// blockTN computes rows [i0, i1) x columns [j0, j1) of C (n <= 16) with
// the narrow TN tile (gemmKernelTN): A and B read where they lie, one call
// per tile of up to mr rows, block of up to nr columns (of equal widths)
// and KC block, in place on C.
func (j *gemmJob) blockTN(i0, i1, j0, j1 int) {
	lda, ldb, ldc := j.lda, j.ldb, j.ldc
	width := balancedWidth(j1-j0, j.nr, 1)
	for pc := 0; pc < j.k; pc += mc.GemmKC {
		kc := min(mc.GemmKC, j.k-pc)
		beta, load := j.blockBeta(pc)
		for col := j0; col < j1; col += width {
			cols := min(width, j1-col)
			b := j.b[pc*ldb+col:][:(kc-1)*ldb+cols]
			for i := i0; i < i1; i += j.mr {
				rows := min(j.mr, i1-i)
				j.kern.microTN(j.kern, kc, j.a[pc*lda+i:][:(kc-1)*lda+rows], lda, b, ldb, j.c[j.cOff(i, col):][:(rows-1)*ldc+cols], ldc, beta, load, rows, cols)
			}
		}
	}
	if j.out.active() {
		j.out.apply(j.lv, j.c, ldc, i0, i1-i0, j0, j1-j0)
	}
}

// gemmRowsFirst reports whether bands of packed B with micro-panels nr
// columns wide sweep their tiles rows first (ir outer, jr inner, over one
// L2 block of B at a time): where L2 holds B blocks (gemmNCL2 > 0) and a
// B micro-panel would fill more than half of L1. Columns first (jr outer)
// keeps the B micro-panel in L1 while the A micro-panels of the MC block
// stream from L2: the smaller stream (A's panel is MR x KC, B's NR x KC,
// and MR < NR in every tile), but only while the B panel stays in L1
// beside them. Rows first keeps an A micro-panel in L1 while the B
// micro-panels stream from L2, and sweeps C along its rows, which the
// hardware prefetchers follow (as BLIS's skx kernel keeps its broadcast
// operand in L1). Rows first won where a B panel fills most of L1 (AVX-512
// on a 48 KiB L1), the two orders tied where it fits, and rows first lost
// where L2 is small (docs/performance.md, "GEMM loop order").
func gemmRowsFirst(nr int) bool {
	return gemmNCL2 > 0 && nr*mc.GemmKC*4 > gemmL1/2
}

// readsBInPlace reports whether a band of rows rows reads B where it lies
// rather than packed: B not transposed, a band of one MC block (or the
// narrow tile, which reads B in place whatever the band's height: its
// panel, kc rows of at most 16 floats, stays in L1 anyway, and its column
// mask covers a partial panel), and a row stride that does not map B's
// rows onto a few L1 sets (a multiple of 256 floats does, and halves the
// kernel's speed where a panel is read again and again) unless the band
// has at most two row panels: then each panel of B is read once or twice,
// and packing it would cost more than the second read's misses. The
// training step's input-gradient product at batch 16 (16x512x512, B the
// 512-float rows of the weights) went from 65% to 78-81% of the roof on
// Zen 5, and 24x512x512 from 75% to 89-93%; from four row panels up in
// place lost (256x2048x1024: 85% packed, 72% in place).
func (j *gemmJob) readsBInPlace(rows int) bool {
	narrow := j.kern.colsHeight(j.mr)
	return !j.transB && (rows <= gemmMC || narrow) && (j.ldb%256 != 0 || rows <= 2*j.mr)
}

// gemmNCFor is the widest NC block of B a band uses: gemmNC, or for
// transposed B swept rows first with A read in place, one L2 block
// (gemmNCL2). GemmPackBT packs a whole KC x NC block before its strips
// run; at NC = gemmNCL2 the packed block (half of L2) is still in L2 when
// they start, where a wider one has pushed its own first columns out to
// L3, and each KC block's sweep adds to a C region of as many columns.
// Packed A would be packed again for every NC block: 1024³ and 2048³ NT
// (A packed: lda a multiple of 1024) lost 3-4% on one Zen 5 core at NC
// 512. With A in place, 256x2048x2048_NT at lda 2064 (B from DRAM, 30
// rounds alternated in one process, one core): 8.77 ms at NC 512, 8.85
// at 1024, 9.12 at 2048 (NN 8.58); the wide MLP's step at batch 256
// 0.6-1.1% faster on one thread (its forward's N is 2048), 0.4-2.8% on
// two (each member's N is 1024, where the product alone measured 512 and
// 1024 the same). The sums over k, KC block by KC block, are the same at
// any NC: the bits do not change.
func gemmNCFor(transB, rowsFirst, rowsA bool) int {
	if transB && rowsFirst && rowsA {
		return gemmNCL2
	}
	return gemmNC
}

// balancedWidth cuts w columns into the fewest blocks of at most limit
// columns, of equal width rounded up to whole panels of nr, and returns
// that width.
func balancedWidth(w, limit, nr int) int {
	blocks := (w + limit - 1) / limit
	return ((w+blocks-1)/blocks + nr - 1) / nr * nr
}

// blockBeta returns the beta and load flag of the micro-kernel calls for
// the KC block starting at pc: the first block applies the caller's beta
// (load 0, C not read, where beta is 0), the later ones add to C
// (C += acc, that is fma(1, C, acc)).
func (j *gemmJob) blockBeta(pc int) (beta float32, load int) {
	if pc > 0 {
		return 1, 1
	}
	if j.beta == 0 {
		return 0, 0
	}
	return j.beta, 1
}

// gemmFarTrace, where a test sets it, receives each piece of a far stream
// that a strip prefetches.
var gemmFarTrace func(gemmFar)

// gemmStripFMAs bounds the multiply-adds of one strip call (4 MFLOP, about
// 40 µs at 100 GFLOP/s): Go cannot preempt assembly.
const gemmStripFMAs = 1 << 21

// strip computes tiles full tiles in a row: tile t reads the A panel at
// a[t*aStep:] (packed where lda is 0, else mr rows in place at stride lda)
// and the B panel at b[t*bStep:] (rows at stride ldb) and computes the tile
// of C at (row+t*dRow, col+t*dCol); it prefetches the next piece of the
// band's far stream fs meanwhile (nil: none). It makes one
// call of the kernel's strip form per gemmStripFMAs of work where it has
// one, else one
// gemmMicro call per tile: the same kernel, so the same arithmetic, either
// way, but Go's per-tile call overhead (9% of an AVX2 1024^3 product) paid
// once per strip.
func (j *gemmJob) strip(tiles, kc int, a []float32, lda, aStep int, b []float32, ldb, bStep, row, col, dRow, dCol int, beta float32, load int, fs *farStream) {
	mr, nr, ldc := j.mr, j.nr, j.ldc
	cStep := dRow*ldc + dCol
	aPanel := kc * mr // the floats of one A panel
	if lda > 0 {
		aPanel = (mr-1)*lda + kc
	}
	per := max(1, gemmStripFMAs/(mr*nr*kc))
	for t0 := 0; t0 < tiles; t0 += per {
		n := min(per, tiles-t0)
		ap := a[t0*aStep:][:(n-1)*aStep+aPanel]
		bp := b[t0*bStep:][:(n-1)*bStep+(kc-1)*ldb+nr]
		cp := j.c[j.cOff(row+t0*dRow, col+t0*dCol):][:(n-1)*cStep+(mr-1)*ldc+nr]
		if j.kern.strip != nil {
			var far gemmFar
			if fs != nil {
				far = fs.take(n * (kc / 4)) // a prefetch step per k loop iteration
				if gemmFarTrace != nil && far.n > 0 {
					gemmFarTrace(far)
				}
			}
			if u := j.done.update(); u != nil { // SgemmSerialSGD: the tiles update p and buf (A is packed)
				u.strip(j, n, kc, ap, aStep, bp, ldb, bStep, row+t0*dRow, col+t0*dCol, dRow, dCol, far)
				continue
			}
			if l := &j.done.lag; l.on() && lda == 0 && j.kern.stripLag != nil { // SgemmSerialSGDLagged: a vector of the last block's update per k loop iteration
				if p, g, buf, units := l.take(n * (kc / 4)); units > 0 {
					j.kern.stripLag(j.kern, n, kc, ap, aStep, bp, ldb, bStep, cp, ldc, cStep, beta, load, l.u.variant, p, g, buf, units, &l.u.s, far)
					continue
				}
			}
			j.kern.strip(j.kern, n, kc, ap, lda, aStep, bp, ldb, bStep, cp, ldc, cStep, beta, load, far)
			continue
		}
		for t := range n {
			gemmMicro(j.kern, kc, ap[t*aStep:][:aPanel], lda, bp[t*bStep:][:(kc-1)*ldb+nr], ldb, cp[t*cStep:][:(mr-1)*ldc+nr], ldc, beta, load)
		}
	}
}

// tile runs the micro-kernel on the rows x cols tile of C at (row, col):
// in place when the tile is full, else on a temporary full tile holding the
// valid part of C (zeros around it), whose valid part is copied back: the
// same kernel, so the same arithmetic, without touching C beyond its edge.
// With pack non-nil, B is a full panel read in place and also packed into
// pack (the kernel's microPackB form).
func (j *gemmJob) tile(tmp, ap []float32, lda int, bp []float32, ldb int, pack []float32, kc, row, rows, col, cols int, beta float32, load int) {
	mr, nr, ldc := j.mr, j.nr, j.ldc
	if rows == mr && cols == nr {
		off := j.cOff(row, col)
		j.micro(kc, ap, lda, bp, ldb, pack, j.c[off:off+(mr-1)*ldc+nr], ldc, beta, load, nr)
		return
	}
	// The column-masked narrow tile runs any column edge in place.
	if pack == nil && j.kern.colsHeight(rows) {
		off := j.cOff(row, col)
		j.kern.cols(j.kern, rows, kc, ap, lda, bp, ldb, j.c[off:off+(rows-1)*ldc+cols], ldc, beta, load, cols)
		return
	}
	// A last row panel of an edge tile's height runs in place on it (the
	// same fma chains as the full tile's rows: the same result).
	if cols == nr && pack == nil && lda == 0 && j.kern.edgeHeight(rows) {
		j.edgeStrip(1, kc, ap, bp, ldb, 0, row, col, rows, beta, load)
		return
	}
	if load != 0 {
		clear(tmp)
		for i := 0; i < rows; i++ {
			copy(tmp[i*nr:i*nr+cols], j.c[j.cOff(row+i, col):])
		}
	}
	j.micro(kc, ap, lda, bp, ldb, pack, tmp, nr, beta, load, cols)
	for i := 0; i < rows; i++ {
		copy(j.c[j.cOff(row+i, col):][:cols], tmp[i*nr:])
	}
}

// edgeStrip runs the edge tile of rows rows (k.edgeHeight) on tiles tiles
// in a row, in place on C from (row, col): one packed partial A panel ap,
// tile t's B panel at bp[t*bStep:] (rows at stride ldb), its C columns nr
// further on each time.
func (j *gemmJob) edgeStrip(tiles, kc int, ap, bp []float32, ldb, bStep, row, col, rows int, beta float32, load int) {
	nr, ldc := j.nr, j.ldc
	off := j.cOff(row, col)
	j.kern.edge(j.kern, rows, tiles, kc, ap[:kc*j.mr], 0, bp[:(tiles-1)*bStep+(kc-1)*ldb+nr], ldb, bStep,
		j.c[off:off+(rows-1)*ldc+(tiles-1)*nr+nr], ldc, nr, beta, load)
}

// micro is gemmMicro, or the microPackB form where pack is non-nil, or for
// the column-masked narrow tile its cols form on the first cols columns (B
// may be a partial panel read in place).
func (j *gemmJob) micro(kc int, ap []float32, lda int, bp []float32, ldb int, pack, c []float32, ldc int, beta float32, load, cols int) {
	if j.kern.cols != nil {
		j.kern.cols(j.kern, j.mr, kc, ap, lda, bp, ldb, c, ldc, beta, load, cols)
		return
	}
	if pack != nil {
		j.kern.microPackB(j.kern, kc, ap, lda, bp, ldb, pack[:kc*j.nr], c, ldc, beta, load)
		return
	}
	gemmMicro(j.kern, kc, ap, lda, bp, ldb, c, ldc, beta, load)
}

// packABlock packs the micro-panels of alpha*op(A)[row:row+rows, pc:pc+kc]
// that the block reads packed (panel q at dst[q*mr*kc:]): every panel, or
// only a partial last one where full panels are read in place (rowsA).
// Full panels go through the level's assembly packer (GemmPackA /
// GemmPackAT) where it has one, else packA's Go loop; a partial last panel
// (zero-padded) always through packA.
func (j *gemmJob) packABlock(dst []float32, row, rows, pc, kc int) {
	mr := j.mr
	full := rows / mr
	if pack := j.kern.packA; !j.rowsA && full > 0 && pack != nil {
		j.packPanelsAsm(dst, mr, kc, full, func(q0, np int, d []float32) {
			r0 := row + q0*mr
			if j.transA {
				pack(j.kern, true, d, j.a[pc*j.lda+r0:][:(kc-1)*j.lda+np*mr], j.lda, kc, np, j.alpha)
				return
			}
			pack(j.kern, false, d, j.a[r0*j.lda+pc:][:(np*mr-1)*j.lda+kc], j.lda, kc, np, j.alpha)
		})
	} else if !j.rowsA {
		for q := 0; q < full; q++ {
			j.packA(dst[q*mr*kc:(q+1)*mr*kc], row+q*mr, mr, pc, kc)
		}
	}
	if r := rows % mr; r != 0 && !(j.rowsA && j.inPlaceRows(r)) {
		j.packA(dst[full*mr*kc:(full+1)*mr*kc], row+full*mr, r, pc, kc)
	}
}

// inPlaceRows reports whether a row panel of rows rows runs on A in place
// where the job reads A in place (rowsA): full panels, and the narrow
// tile's edge heights.
func (j *gemmJob) inPlaceRows(rows int) bool {
	return rows == j.mr || j.kern.colsHeight(rows)
}

// packA writes alpha*op(A)[row:row+rows, pc:pc+kc] as one k-major
// micro-panel of mr rows (dst[p*mr+i]), zero-padding rows past the edge.
// It is the one part of the driver that runs per element in Go, so its
// inner loops index through unsafe pointers after the bounds are checked
// once: every read is inside the slices taken below and every write inside
// dst[:kc*mr].
func (j *gemmJob) packA(dst []float32, row, rows, pc, kc int) {
	mr, alpha := j.mr, j.alpha
	dst = dst[:kc*mr]
	if rows < mr {
		clear(dst)
	}
	// With alpha 1 the panel is the transpose of the rows x kc block of A
	// (GemmTranspose where the level has it: at most 24 x 256 floats), a
	// bit-exact copy: a signalling NaN stays signalling, where 1*a would
	// quiet it, the same NaN to the micro-kernel's fma.
	if t := j.kern.transpose; !j.transA && alpha == 1 && t != nil {
		t(j.lv, dst, mr, j.a[row*j.lda+pc:][:(rows-1)*j.lda+kc], j.lda, rows, kc)
		return
	}
	d := unsafe.Pointer(unsafe.SliceData(dst))
	if j.transA { // op(A)(i, p) = a[p*lda + i]: rows of the stored A are contiguous in i
		for p := 0; p < kc; p++ {
			src := j.a[(pc+p)*j.lda+row:][:rows]
			out := unsafe.Slice((*float32)(unsafe.Add(d, 4*p*mr)), rows)
			if alpha == 1 {
				copy(out, src) // memmove's vector loop, and bit-exact as above
				continue
			}
			for i, v := range src {
				out[i] = alpha * v
			}
		}
		return
	}
	// Row i of the panel is read in order; the panel is written k-major.
	// Walking p outer with the rows inner keeps the writes sequential.
	var srcs [gemmMaxMR]unsafe.Pointer
	for i := 0; i < rows; i++ {
		srcs[i] = unsafe.Pointer(unsafe.SliceData(j.a[(row+i)*j.lda+pc:][:kc]))
	}
	for p := 0; p < kc; p++ {
		out := unsafe.Slice((*float32)(unsafe.Add(d, 4*p*mr)), rows)
		for i := range out { // p < kc: inside row i's slice
			out[i] = alpha * *(*float32)(unsafe.Add(srcs[i], 4*p))
		}
	}
}

// packB writes op(B)[pc:pc+kc, col:col+cols] as one k-major micro-panel of
// nr columns (dst[p*nr+j]), zero-padding columns past the edge. Transposed
// B is the transpose of its cols x kc block (GemmTranspose where the level
// has it: at most 32 x 256 floats, within one call's ChunkLen); else unsafe
// indexing as in packA.
func (j *gemmJob) packB(dst []float32, pc, kc, col, cols int) {
	nr := j.nr
	dst = dst[:kc*nr]
	if cols < nr {
		clear(dst)
	}
	if j.transB { // op(B)(p, c) = b[c*ldb + p]
		if t := j.kern.transpose; t != nil {
			t(j.lv, dst, nr, j.b[col*j.ldb+pc:][:(cols-1)*j.ldb+kc], j.ldb, cols, kc)
			return
		}
		d := unsafe.Pointer(unsafe.SliceData(dst))
		for c := 0; c < cols; c++ {
			src := j.b[(col+c)*j.ldb+pc:][:kc]
			at := unsafe.Add(d, 4*c)
			for p, v := range src { // p*nr+c < kc*nr
				*(*float32)(unsafe.Add(at, 4*p*nr)) = v
			}
		}
		return
	}
	for p := 0; p < kc; p++ {
		copyRow(dst[p*nr:p*nr+cols], j.b[(pc+p)*j.ldb+col:][:cols])
	}
}

// packBBlock packs op(B)[pc:pc+kc, col:col+nc] into consecutive
// micro-panels (panel q at dst[q*nr*kc:]). When B is not transposed it walks
// a few rows of B at a time across all panels: reading whole rows in order
// keeps the hardware prefetchers streaming, where walking one panel down all
// kc rows would hop a full row stride per 64 bytes (and, for strides of a
// multiple of 512 bytes, through a handful of cache sets). The level's
// GemmPackB assembly does that where it exists (in calls of at most ChunkLen
// floats, whole panels each); else eight rows at a time in Go. Full panels
// of transposed B go through GemmPackBT (8x8 in-register transposes) where
// the level has it, else packB's Go transpose; a partial last panel always
// goes through packB.
func (j *gemmJob) packBBlock(dst []float32, pc, kc, col, nc int) {
	nr := j.nr
	if pack := j.kern.packBT; j.transB && nc >= nr && pack != nil {
		// Full panels of transposed B: panel q is the transpose of the nr x kc
		// block at rows col+q*nr of the stored B, GemmPackBT where the level
		// has it (at most ChunkLen floats, whole panels, per call).
		panels := nc / nr
		j.packPanelsAsm(dst, nr, kc, panels, func(q0, np int, d []float32) {
			off := (col+q0*nr)*j.ldb + pc
			pack(j.kern, d, j.b[off:][:(np*nr-1)*j.ldb+kc], j.ldb, kc, np)
		})
		if r := nc % nr; r != 0 {
			j.packB(dst[panels*nr*kc:][:nr*kc], pc, kc, col+panels*nr, r)
		}
		return
	}
	if j.transB || nc%nr != 0 {
		for jr := 0; jr < nc; jr += nr {
			j.packB(dst[jr*kc:(jr+nr)*kc], pc, kc, col+jr, min(nr, nc-jr))
		}
		return
	}
	if pack := j.kern.packB; pack != nil {
		j.packPanelsAsm(dst, nr, kc, nc/nr, func(q0, np int, d []float32) {
			off := pc*j.ldb + col + q0*nr
			pack(j.kern, d, j.b[off:][:(kc-1)*j.ldb+np*nr], j.ldb, kc, np)
		})
		return
	}
	const rowsAtOnce = 8
	for p0 := 0; p0 < kc; p0 += rowsAtOnce {
		for q := 0; q < nc/nr; q++ {
			panel := dst[q*nr*kc : (q+1)*nr*kc]
			for p := p0; p < min(p0+rowsAtOnce, kc); p++ {
				copyRow(panel[p*nr:p*nr+nr], j.b[(pc+p)*j.ldb+col+q*nr:][:nr])
			}
		}
	}
}

// packPanelsAsm packs panels full micro-panels, width (mr or nr) by kc
// floats each, into dst with an assembly packer, at most ChunkLen floats
// (whole panels) per call, since Go cannot preempt assembly: call(q0, np,
// d) packs panels q0..q0+np-1 into d with the kernel's packing form.
func (j *gemmJob) packPanelsAsm(dst []float32, width, kc, panels int, call func(q0, np int, d []float32)) {
	perCall := max(1, mc.ChunkLen/(kc*width))
	for q0 := 0; q0 < panels; q0 += perCall {
		np := min(perCall, panels-q0)
		call(q0, np, dst[q0*kc*width:][:np*kc*width])
	}
}

// copyRow copies one row of a micro-panel (at most one tile width) in
// 16-byte blocks moved inline: memmove's call overhead would dominate rows
// of 32 to 128 bytes. The caller's slicing checks len(dst) == len(src).
func copyRow(dst, src []float32) {
	n := len(src)
	dst = dst[:n]
	d, s := unsafe.Pointer(unsafe.SliceData(dst)), unsafe.Pointer(unsafe.SliceData(src))
	i := 0
	for ; i+4 <= n; i += 4 {
		*(*[4]float32)(unsafe.Add(d, 4*i)) = *(*[4]float32)(unsafe.Add(s, 4*i))
	}
	for ; i < n; i++ {
		dst[i] = src[i]
	}
}

// gemmKernel describes a micro-kernel, chosen once per product
// (gemmKernelFor, then gemmKernelTN): its level, its tile, and in
// gemmForms what the level has for it beside gemmMicro. The driver tests
// the forms; the functions behind them switch directly over the assembly
// (dispatch_amd64.go), and a level without a form leaves it nil rather
// than holding a stub.
type gemmKernel struct {
	lv         level
	mr, nr     int
	narrow     bool // the level's narrow tile, for products with few columns
	rowsA      bool // gemmMicro and strip also read A in place (lda > 0)
	*gemmForms      // never nil: gemmNoForms where the level has none
}

// gemmForms are a micro-kernel's assembly forms beside gemmMicro, each nil
// where the level lacks it; the driver then does the work in Go (packing),
// tile by tile (strip), in a pass of its own (microPackB), through a
// temporary tile (edge, cols), or on the wide path (microTN, transpose).
type gemmForms struct {
	// packA packs full micro-panels of alpha*op(A) (GemmPackA, GemmPackAT),
	// packB and packBT full micro-panels of B and of transposed B
	// (GemmPackB, GemmPackBT); see the functions set here for the cuts.
	packA         func(k gemmKernel, trans bool, dst, a []float32, lda, kc, panels int, alpha float32)
	packB, packBT func(k gemmKernel, dst, b []float32, ldb, kc, panels int)
	// strip runs tiles full tiles in a row in one call (GemmStrip*).
	// A strip on packed A also prefetches far (sgemm_far.go).
	strip func(k gemmKernel, tiles, kc int, a []float32, lda, aStep int, b []float32, ldb, bStep int, c []float32, ldc, cStep int, beta float32, load int, far gemmFar)
	// stripSGD is strip on packed A with SGDStep's variant applied to p
	// and buf (laid out as C, at stride ldp) instead of storing C
	// (GemmStripSGD, SgemmSerialSGD).
	stripSGD func(k gemmKernel, variant, tiles, kc int, a []float32, aStep int, b []float32, ldb, bStep int, p, buf []float32, ldp, pStep int, s *sgdScalars, far gemmFar)
	// stripLag is strip on packed A that also applies SGDStep's variant
	// to units vectors of 16 elements of p and buf with gradient g (buf
	// nil without momentum), a vector per k loop iteration
	// (GemmStripLagSGD, SgemmSerialSGDLagged).
	stripLag func(k gemmKernel, tiles, kc int, a []float32, aStep int, b []float32, ldb, bStep int, c []float32, ldc, cStep int, beta float32, load, variant int, p, g, buf []float32, units int, s *sgdScalars, far gemmFar)
	// microPackB is gemmMicro that also packs the B panel it reads in place
	// (GemmMicro*PackB): B packing fused into each panel's first tile.
	microPackB func(k gemmKernel, kc int, a []float32, lda int, b []float32, ldb int, bp, c []float32, ldc int, beta float32, load int)
	// edge runs an edge tile of a height in edgeRows on tiles tiles in a
	// row (GemmStripEdge*), each on a packed partial A panel (the full
	// tile's layout), in place on C.
	edge     func(k gemmKernel, rows, tiles, kc int, a []float32, aStep int, b []float32, ldb, bStep int, c []float32, ldc, cStep int, beta float32, load int)
	edgeRows []int
	// cols runs the column-masked narrow tile on a row panel of mr or
	// colsRows rows and any number of columns up to nr, in place on C.
	cols     func(k gemmKernel, rows, kc int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int, beta float32, load, cols int)
	colsRows []int
	// tn is the level's narrow TN tile (C = Aᵀ·B, alpha 1, n <=
	// gemmTNMaxCols), whose microTN reads A and B in place (blockTN).
	tn      *gemmKernel
	microTN func(k gemmKernel, kc int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int, beta float32, load, rows, cols int)
	// transpose is the level's GemmTranspose (gemmTranspose's cuts).
	transpose func(lv level, dst []float32, ldd int, src []float32, lds, rows, cols int)
	// transposeBias is transpose adding bias[i] to src's row i and, with
	// relu, Relu's max with 0 (GemmTransposeBias, -BiasRelu): the
	// transposed product's bias and ReLU (SgemmSerialBiasRelu).
	transposeBias func(lv level, dst []float32, ldd int, src []float32, lds, rows, cols int, bias []float32, relu bool)
}

// gemmNoForms is the forms of a level with gemmMicro alone.
var gemmNoForms = &gemmForms{}

// gemmTNMaxCols is the most columns of C a narrow TN tile serves (AVX2's
// 5-column tile in blocks).
const gemmTNMaxCols = mc.GemmNRNarrowTNAVX512

// gemmKernelTN returns k's level's narrow TN tile for a product C = Aᵀ·B
// (alpha 1, B not transposed) of n columns, if it has one. Its lanes run
// along the rows of C, which in a TN product are consecutive floats of A,
// so A is read where it lies and every lane works, where the wide tiles
// pack Aᵀ and use n of their 16 or 32 columns.
func gemmKernelTN(k gemmKernel, n int) (gemmKernel, bool) {
	if k.tn == nil || n > gemmTNMaxCols {
		return gemmKernel{}, false
	}
	return *k.tn, true
}

// colsHeight reports whether k's column-masked form (cols) runs a row
// panel of rows rows.
func (k gemmKernel) colsHeight(rows int) bool {
	return k.cols != nil && (rows == k.mr || slices.Contains(k.colsRows, rows))
}

// edgeHeight reports whether k has an edge tile (edge) of rows rows.
func (k gemmKernel) edgeHeight(rows int) bool {
	return k.edge != nil && slices.Contains(k.edgeRows, rows)
}

// gemmTask is one band of a job, or a place in its team, or a place in an
// optimizer step (optim_threads.go), sent by value to a worker.
type gemmTask struct {
	job            *gemmJob
	i0, i1, j0, j1 int
	team           bool
	step           *stepJob
	region         *Team // a member of a Team.Run region
	member         int
}

// checkGemm validates sizes, leading dimensions and slice lengths BLAS-style.
func checkGemm(fn string, transA, transB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc, batch, strideA, strideB, strideC int) {
	checkGemmOperands(fn, transA, transB, m, n, k, a, lda, b, ldb, batch, strideA, strideB, strideC)
	checkOperand(fn, "c", "strideC", c, ldc, strideC, m, n, batch, "m", "n")
}

// checkGemmOperands is checkGemm's part for the sizes and strides and the
// inputs A and B.
func checkGemmOperands(fn string, transA, transB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, batch, strideA, strideB, strideC int) {
	for _, d := range []struct {
		name string
		v    int
	}{{"m", m}, {"n", n}, {"k", k}, {"batch", batch}, {"strideA", strideA}, {"strideB", strideB}, {"strideC", strideC}} {
		if d.v < 0 {
			panic(fmt.Sprintf("kernels: %s: %s = %d < 0", fn, d.name, d.v))
		}
	}
	if transA {
		checkOperand(fn, "a", "strideA", a, lda, strideA, k, m, batch, "k", "m")
	} else {
		checkOperand(fn, "a", "strideA", a, lda, strideA, m, k, batch, "m", "k")
	}
	if transB {
		checkOperand(fn, "b", "strideB", b, ldb, strideB, n, k, batch, "n", "k")
	} else {
		checkOperand(fn, "b", "strideB", b, ldb, strideB, k, n, batch, "k", "n")
	}
}

// checkOperand panics unless s holds batch matrices of rows x cols, rows
// ld apart and matrices stride apart (rowsName and colsName spell the sizes
// in the message).
func checkOperand(fn, name, strideName string, s []float32, ld, stride, rows, cols, batch int, rowsName, colsName string) {
	if ld < max(1, cols) {
		panic(fmt.Sprintf("kernels: %s: ld%s = %d < max(1, %s) = %d", fn, name, ld, colsName, max(1, cols)))
	}
	if rows == 0 || cols == 0 || batch == 0 {
		return
	}
	if rows-1 > (math.MaxInt-cols)/ld || (batch > 1 && stride > 0 && batch-1 > (math.MaxInt-(rows-1)*ld-cols)/stride) {
		panic(fmt.Sprintf("kernels: %s: the extent of %s overflows int (%s = %d, %s = %d, ld%s = %d, batch = %d)",
			fn, name, rowsName, rows, colsName, cols, name, ld, batch))
	}
	need := (batch-1)*stride + (rows-1)*ld + cols
	if len(s) < need {
		panic(fmt.Sprintf("kernels: %s: len(%s) = %d < %s = %d (%s = %d, %s = %d, ld%s = %d)",
			fn, name, len(s), needExpr(batch, strideName, rowsName, colsName, name), need, rowsName, rows, colsName, cols, name, ld))
	}
}

// needExpr spells the length a matrix operand needs, for the panic message.
func needExpr(batch int, strideName, rows, cols, name string) string {
	e := fmt.Sprintf("(%s-1)*ld%s + %s", rows, name, cols)
	if batch > 1 {
		e = "(batch-1)*" + strideName + " + " + e
	}
	return e
}
