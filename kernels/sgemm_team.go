package kernels

import (
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/vecgrad/vecgrad/internal/freelist"
	mc "github.com/vecgrad/vecgrad/internal/mathconst"
)

// Team mode: the threads of one large product share its packed B blocks
// and take its rows dynamically, as BLIS's threads share the B block of
// its jc/pc loops and split the ic loop. Each block of B (KC x at most
// gemmNCL2 columns) is packed once, its panels split among the threads,
// into one of two shared buffers; after a barrier every thread takes tasks
// of a few row panels from a shared counter, packs their A rows and sweeps
// them across the block, rows first. Against one static band of rows per
// thread (run's other mode) it packs B once rather than once per thread,
// and a thread slowed down by the machine (a vCPU whose host is busy) takes
// fewer tasks instead of holding up the others at the end (static halves
// on a noisy VM differ by tens of percent: docs/performance.md). Every element of C is computed by
// the same operations in the same order whatever thread takes its task.
//
// The two buffers alternate between consecutive blocks, so one barrier per
// block suffices: a thread packs block s+1 only after its last task of
// block s, into the buffer block s does not use, and block s+2 reuses block
// s's buffer only after the barrier of block s+1, which every thread
// passes after its tasks of block s.

// gemmTeamMinRowTasks is the fewest row tasks per thread for team mode:
// below it the dynamic split has little to balance and a static band
// keeps B packing fused into the first tile (gemmForms.microPackB). Team mode
// lost at 5 tasks per thread and won from 8 (docs/performance.md).
const gemmTeamMinRowTasks = 6

// gemmTeamRows is the rows of C per task (a multiple of MR): four
// AVX-512 row panels, 48 rows (about 150 µs of work at 1024 columns and
// KC = 256); A's packed rows (48 KiB) stay in L2 while they meet the block.
const gemmTeamRows = 48

// gemmTeamPanels is the micro-panels of B per packing task.
const gemmTeamPanels = 4

// gemmTeamForce makes tests run team mode where the caches would not
// choose it (gemmNCL2 == 0), so it is tested on every machine.
var gemmTeamForce = false

// gemmTeam is the state a team shares: the two packed B buffers, the task
// counters (two per block: packing, then rows) and the barrier.
type gemmTeam struct {
	b       [2][]float32
	tickets []atomic.Int32
	bar     barrier
}

var gemmTeams freelist.List[gemmTeam]

// gemmTeamMu lets one team run at a time; a product that finds it held
// (another goroutine's product is running in team mode) runs in bands.
// Without it two concurrent teams could deadlock: each holding a worker
// at its barrier while its caller waits for a free worker to take its
// next place.
var gemmTeamMu sync.Mutex

// gemmTeamRuns counts the products run in team mode, for tests.
var gemmTeamRuns atomic.Int64

// teamSize returns the number of threads for team mode with up to threads
// threads, or 0 where run should use static bands: a job split by rows,
// with packed A and B, on a machine whose L2 holds a B block of gemmNCL2
// columns (or in tests), rows for gemmTeamMinRowTasks tasks per thread,
// and no more threads than goroutines can run at once (the barrier spins).
func (j *gemmJob) teamSize(threads int, byRows bool) int {
	threads = min(threads, runtime.GOMAXPROCS(0))
	switch {
	case threads < 2, !byRows, teamBlockLimit(j.nr) == 0, j.readsBInPlace(j.m), j.rowsA, j.kern.narrow, j.kern.microTN != nil:
		return 0
	case j.m < threads*gemmTeamMinRowTasks*j.teamRows():
		return 0
	}
	return threads
}

// teamBlockLimit is the most columns of a team's B block: gemmNCL2 (0
// where L2 holds none: no team mode), or with gemmTeamForce four panels of
// nr columns on such machines.
func teamBlockLimit(nr int) int {
	if gemmNCL2 == 0 && gemmTeamForce {
		return 4 * nr
	}
	return gemmNCL2
}

// teamRows is the rows per row task: gemmTeamRows rounded down to whole
// row panels.
func (j *gemmJob) teamRows() int { return max(1, gemmTeamRows/j.mr) * j.mr }

// teamNC is the width of team mode's B blocks: balanced blocks of at most
// teamBlockLimit columns, whole panels.
func (j *gemmJob) teamNC() int { return balancedWidth(j.n, teamBlockLimit(j.nr), j.nr) }

// runTeam computes C with size threads in team mode: this goroutine and
// size-1 workers.
func (j *gemmJob) runTeam(size int) {
	ncBlk, kcMax := j.teamNC(), mc.GemmKC
	blocks := (j.n + ncBlk - 1) / ncBlk * ((j.k + kcMax - 1) / kcMax)
	gemmTeamRuns.Add(1)
	t := gemmTeams.Get()
	for i := range t.b {
		t.b[i] = grow(t.b[i], (ncBlk+j.nr)*kcMax)
	}
	if len(t.tickets) < 2*blocks {
		t.tickets = make([]atomic.Int32, 2*blocks)
	}
	for i := range t.tickets[:2*blocks] {
		t.tickets[i].Store(0)
	}
	t.bar.reset(size)
	j.team = t
	handOut(&j.tasks, size-1, func(int) gemmTask { return gemmTask{job: j, team: true} })
	j.teamWork()
	j.tasks.wait(size - 1)
	j.team = nil
	gemmTeams.Put(t)
}

// teamWork is one thread's part of a team: every block's packing and row
// tasks that it takes, with a barrier between each block's packing and its
// rows.
func (j *gemmJob) teamWork() {
	t := j.team
	buf := gemmBufs.Get()
	defer gemmBufs.Put(buf)
	mr, nr, kcMax, rowsPer := j.mr, j.nr, mc.GemmKC, j.teamRows()
	buf.a = grow(buf.a, (rowsPer+mr)*kcMax)
	buf.tile = grow(buf.tile, mr*nr)
	ncBlk, s := j.teamNC(), 0
	for jc := 0; jc < j.n; jc += ncBlk {
		nc := min(ncBlk, j.n-jc)
		panels := (nc + nr - 1) / nr
		for pc := 0; pc < j.k; pc += kcMax {
			kc := min(kcMax, j.k-pc)
			bb := t.b[s%2]
			for {
				q0 := int(t.tickets[2*s].Add(1)-1) * gemmTeamPanels
				if q0 >= panels {
					break
				}
				q1 := min(q0+gemmTeamPanels, panels)
				j.packBBlock(bb[q0*nr*kc:], pc, kc, jc+q0*nr, min(q1*nr, nc)-q0*nr)
			}
			t.bar.wait()
			beta, load := j.blockBeta(pc)
			for {
				r0 := int(t.tickets[2*s+1].Add(1)-1) * rowsPer
				if r0 >= j.m {
					break
				}
				rows := min(rowsPer, j.m-r0)
				j.packABlock(buf.a, r0, rows, pc, kc)
				for ir := 0; ir < rows; ir += mr {
					ap := buf.a[ir*kc : (ir+mr)*kc]
					jr := 0
					if full := nc / nr; full > 0 && ir+mr <= rows {
						j.strip(full, kc, ap, 0, 0, bb, nr, nr*kc, r0+ir, jc, 0, nr, beta, load, nil)
						jr = full * nr
					}
					for ; jr < nc; jr += nr {
						j.tile(buf.tile, ap, 0, bb[jr*kc:(jr+nr)*kc], nr, nil, kc, r0+ir, min(mr, rows-ir), jc+jr, min(nr, nc-jr), beta, load)
					}
				}
			}
			s++
		}
	}
}

// barrier is a reusable barrier for a fixed number of goroutines that
// spins (yielding to the scheduler after workerSpin) rather than parking:
// a team waits at it for the slowest thread's last task of a block,
// microseconds, where waking a parked goroutine would cost as much again.
type barrier struct {
	n     int32
	count atomic.Int32
	gen   atomic.Uint32
}

func (b *barrier) reset(n int) {
	b.n = int32(n)
	b.count.Store(0)
}

// wait returns once all n goroutines have called it (in this generation).
func (b *barrier) wait() {
	g := b.gen.Load()
	if b.count.Add(1) == b.n {
		b.count.Store(0)
		b.gen.Add(1)
		return
	}
	// Spin without yielding for up to workerSpin: a yield costs a caller
	// locked to its OS thread (runtime.LockOSThread) a hand-off of its P
	// each time, which took away most of a second thread's gain in vecgrad
	// bench's locked timing loop (docs/performance.md). Past that, yield,
	// in case a member waits for a P.
	passed := func() bool { return b.gen.Load() != g }
	if pollFor(workerSpin, false, passed) {
		return
	}
	for !passed() {
		runtime.Gosched()
	}
}
