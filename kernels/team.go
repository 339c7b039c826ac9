package kernels

import "runtime"

// TeamWork is the body of a parallel region run by a Team: every member
// runs it at once, member 0 on the goroutine that called Team.Run.
type TeamWork interface {
	// TeamWork runs member's share of the region, member in [0, size).
	// Members meet at t.Barrier; inside the region they call only the
	// kernels' Serial forms (SgemmSerial, SGDStepSerial, AdamStepSerial)
	// and the single-threaded kernels, never one that hands work to the
	// pool: the pool's workers are the team.
	TeamWork(member, size int, t *Team)
}

// A Team runs a parallel region: one piece of work that several threads
// share from start to end, meeting at barriers between its phases, where a
// kernel call that splits itself would hand its parts to the pool and wait
// for them, once per call. A training step of an MLP is a dozen products
// and as many elementwise passes: as one region it pays a barrier per
// layer instead of a hand-off and a join per kernel call, and each thread
// keeps the rows or columns it produced in its own cache for the next
// phase.
//
// The members are the pool's persistent workers (pool.go) and the caller.
// The zero Team is ready to use; a Team runs one region at a time.
type Team struct {
	work  TeamWork
	size  int
	bar   barrier
	tasks taskGroup
}

// Run runs w on up to threads members (at least 1) and returns when every
// member has returned. It uses fewer where GOMAXPROCS is smaller (the
// barrier spins, so each member needs a thread of its own) or where
// another team (a Run or a large Sgemm's team mode) holds the pool's
// workers; a region must therefore compute the same results for every
// size, as the kernels do for every thread count. Run allocates nothing.
func (t *Team) Run(threads int, w TeamWork) {
	size := max(1, min(threads, runtime.GOMAXPROCS(0)))
	if size > 1 && !gemmTeamMu.TryLock() {
		size = 1
	}
	if size == 1 {
		t.size = 1
		w.TeamWork(0, 1, t)
		return
	}
	defer gemmTeamMu.Unlock()
	t.work, t.size = w, size
	t.bar.reset(size)
	handOut(&t.tasks, size-1, func(p int) gemmTask { return gemmTask{region: t, member: p} })
	w.TeamWork(0, size, t)
	t.tasks.wait(size - 1)
	t.work = nil
}

// Size returns the number of members of the running region.
func (t *Team) Size() int { return t.size }

// Barrier returns once every member of the region has called it: what any
// member wrote before its call is then visible to every member. It spins,
// as the GEMM team's barrier does (sgemm_team.go).
func (t *Team) Barrier() {
	if t.size > 1 {
		t.bar.wait()
	}
}

// Split returns member's part [lo, hi) of n items split into size parts of
// whole units (the last part takes the remainder), as even as the units
// allow: the parts of a phase, for members that share it by rows or
// columns.
func Split(n, unit, member, size int) (lo, hi int) {
	units := (n + unit - 1) / unit
	lo = min(n, units*member/size*unit)
	hi = min(n, units*(member+1)/size*unit)
	return lo, hi
}
