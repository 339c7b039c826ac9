package kernels

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// The persistent worker pool: goroutines started on first need (up to the
// most bands any call has asked for) that take tasks from gemmTasks: GEMM
// bands, places in a GEMM team (sgemm_team.go) and parts of optimizer
// steps (optim_threads.go).
//
// The queue is buffered, so a caller hands out its tasks without waiting
// for a worker to take each one, and an idle worker polls it for
// workerSpin before it parks. A parked worker is slow to start: the
// runtime readies it onto the sender's own P, and the other P's thread,
// asleep, must wake and steal it: a start of the order of 100 µs, as long
// as a band of a mid-sized product, against a microsecond for a polling
// worker (figures in docs/performance.md, "Threads and the worker pool").
var (
	gemmTasks   = make(chan gemmTask, 64)
	workersMu   sync.Mutex
	workersLive int
)

// workerSpin is how long an idle worker polls for a task before it parks:
// longer than the gaps between the products and steps of a training step
// (the elementwise work between them), short enough that a program that
// stops calling the kernels holds a spare core for a negligible time.
const workerSpin = 200 * time.Microsecond

func startWorkers(n int) {
	workersMu.Lock()
	defer workersMu.Unlock()
	for ; workersLive < n; workersLive++ {
		go worker(workersLive)
	}
}

// worker runs tasks until the program ends. Worker id (from 0) polls only
// while id+1 < GOMAXPROCS: the pollers leave a P for the caller, whose
// own band runs beside them.
func worker(id int) {
	for {
		t := nextTask(gemmTasks, id+1 < runtime.GOMAXPROCS(0))
		switch {
		case t.region != nil:
			r := t.region
			r.work.TeamWork(t.member, r.size, r)
			r.tasks.done()
		case t.step != nil:
			t.step.work()
			t.step.tasks.done()
		case t.team:
			t.job.teamWork()
			t.job.tasks.done()
		default:
			t.job.block(t.i0, t.i1, t.j0, t.j1)
			t.job.tasks.done()
		}
	}
}

// nextTask takes the next task from tasks: where poll is set, polling for
// up to workerSpin (yielding the P between polls to any goroutine that
// waits for one), then blocking.
func nextTask(tasks chan gemmTask, poll bool) gemmTask {
	var t gemmTask
	took := func() bool {
		select {
		case t = <-tasks:
			return true
		default:
			return false
		}
	}
	if poll && pollFor(workerSpin, true, took) {
		return t
	}
	return <-tasks
}

// pollFor calls ready until it reports true or d has passed, and reports
// whether it did; with yield, it yields the P between calls (to any
// goroutine that waits for one), else it spins holding it. The pool's
// waits poll rather than park at first: see gemmTasks and taskGroup.
func pollFor(d time.Duration, yield bool, ready func() bool) bool {
	deadline := time.Now().Add(d)
	for i := 0; !ready(); i++ {
		// The clock is read every pollClockEvery polls: read on every one,
		// it took 3.6% of a two-thread training step's CPU time (the
		// waits' own, but it delays seeing the flag).
		if i%pollClockEvery == pollClockEvery-1 && time.Now().After(deadline) {
			return false
		}
		if yield {
			runtime.Gosched()
		}
	}
	return true
}

// pollClockEvery is the polls between two readings of the clock in pollFor:
// an atomic load takes nanoseconds, time.Now tens.
const pollClockEvery = 32

// handOut sends n tasks, task(1) to task(n), to the pool, counted in g,
// starting workers as needed; the caller then does task 0's share itself
// and calls g.wait(n).
func handOut(g *taskGroup, n int, task func(p int) gemmTask) {
	if n < 1 {
		return
	}
	startWorkers(n)
	g.add(n)
	for p := 1; p <= n; p++ {
		gemmTasks <- task(p)
	}
}

// taskGroup counts the tasks a caller has handed to the pool: a
// sync.WaitGroup whose wait first polls. A caller that parks in
// WaitGroup.Wait is as slow to resume as a parked worker is to start (see
// gemmTasks), and slower still where it is locked to its OS thread
// (runtime.LockOSThread: vecgrad bench's timing loop), where it took away
// most of the gain of a second thread (docs/performance.md).
type taskGroup struct {
	left atomic.Int32 // tasks not yet done: the polled hint
	wg   sync.WaitGroup
}

// add counts n more tasks, before they are sent.
func (g *taskGroup) add(n int) {
	g.left.Add(int32(n))
	g.wg.Add(n)
}

// done marks one task done: the last thing a worker does with its job
// (the caller may reuse the job as soon as wait returns).
func (g *taskGroup) done() {
	g.left.Add(-1)
	g.wg.Done()
}

// wait returns once every task is done. Where tasks is at most GOMAXPROCS
// - 1 (each task can run beside the caller) it first spins for up to
// workerSpin, holding its P, since every task is then running or about to.
func (g *taskGroup) wait(tasks int) {
	if tasks+1 <= runtime.GOMAXPROCS(0) {
		pollFor(workerSpin, false, func() bool { return g.left.Load() == 0 })
	}
	g.wg.Wait() // returns at once where the spin saw every task done (done's wg.Done follows its count)
}
