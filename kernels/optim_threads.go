package kernels

import (
	"sync/atomic"

	"github.com/vecgrad/vecgrad/internal/freelist"
	mc "github.com/vecgrad/vecgrad/internal/mathconst"
)

// Optimizer steps of at least stepSplitMin elements are split across
// Threads() workers, in tasks of stepTaskLen. A step is elementwise, so the split
// changes no result; and a parameter tensor of several chunks (the MLP's
// 784x512 weight has 7) is memory- or divider-bound on one core while the
// others would idle (the share of an epoch the steps take is in
// docs/performance.md). The workers are Sgemm's persistent ones (a gemmTask with
// step set), and the job comes from a free list, so a step allocates
// nothing.

// stepArgs are one optimizer step's operands and scalars.
type stepArgs struct {
	adam       bool
	variant    int
	p, g       []float32
	s0, s1, s2 []float32 // SGD: buf; Adam: m, v, vmax (nil when unused)
	sgd        sgdScalars
	adamS      adamScalars
}

// stepJob is a step split into tasks: its arguments and the counter from
// which the threads take tasks.
type stepJob struct {
	stepArgs
	chunks int
	next   atomic.Int32
	tasks  taskGroup
}

var stepJobs freelist.List[stepJob]

// stepSplitMin is the smallest step that is split: two tasks. With the
// pool's workers polling for tasks (pool.go) a split pays from there on,
// even though the other core's cache then holds part of the data; it did
// not while a parked worker took tens of microseconds to start
// (docs/performance.md has the speedups).
const stepSplitMin = 2 * stepTaskLen

// stepTaskLen is the elements of one task of a split step: a quarter of
// ChunkLen (each task one assembly call, short enough for the scheduler),
// 16384 elements or 320-576 KiB of traffic, tens of microseconds, so that
// the MLP's 401,408-element weight makes 25 tasks that two threads share
// evenly (with ChunkLen tasks, 7 shared 4:3).
const stepTaskLen = mc.ChunkLen / 4

// StepWorkers returns the goroutines SGDStep and AdamStep run a step of n
// parameters on at the current Threads(): 1 below 2^15, else up to one per
// task of 2^14 elements.
func StepWorkers(n int) int { return stepWorkers(n, Threads()) }

func stepWorkers(n, threads int) int {
	if n < stepSplitMin {
		return 1
	}
	return min(threads, (n+stepTaskLen-1)/stepTaskLen)
}

// runStep runs the step a on up to threads goroutines.
func runStep(a *stepArgs, threads int) {
	n := len(a.p)
	chunks := (n + stepTaskLen - 1) / stepTaskLen
	workers := stepWorkers(n, threads)
	if workers <= 1 {
		for c := range chunks {
			a.chunk(c)
		}
		return
	}
	j := stepJobs.Get()
	*j = stepJob{stepArgs: *a, chunks: chunks}
	handOut(&j.tasks, workers-1, func(int) gemmTask { return gemmTask{step: j} })
	j.work()
	j.tasks.wait(workers - 1)
	*j = stepJob{} // drop the references to the caller's slices
	stepJobs.Put(j)
}

// work runs chunks until none is left.
func (j *stepJob) work() {
	for {
		c := int(j.next.Add(1) - 1)
		if c >= j.chunks {
			return
		}
		j.chunk(c)
	}
}

// chunk runs the step on task c.
func (a *stepArgs) chunk(c int) {
	lo := c * stepTaskLen
	hi := min(lo+stepTaskLen, len(a.p))
	part := func(s []float32) []float32 {
		if s == nil {
			return nil
		}
		return s[lo:hi]
	}
	if a.adam {
		adamStep(a.variant, a.p[lo:hi], a.g[lo:hi], a.s0[lo:hi], a.s1[lo:hi], part(a.s2), &a.adamS)
		return
	}
	sgdStep(a.variant, a.p[lo:hi], a.g[lo:hi], part(a.s0), &a.sgd)
}
