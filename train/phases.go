package train

import (
	"time"
)

// A step's phases, as a profiled step (StepProfile) accounts its time.
type phase int

const (
	phaseGEMM        phase = iota // matrix products
	phaseElementwise              // bias, ReLU and its backward, the bias gradient
	phaseLoss                     // the cross-entropy and its gradient
	phaseOptimizer                // the parameter updates
	phaseData                     // assembling the batch
	phaseComm                     // summing the gradients across processes
	phaseWait                     // at a barrier, waiting for other threads
	numPhases
)

// phaseNames are the phases' names in StepProfile.
var phaseNames = [numPhases]string{"gemm", "elementwise", "loss", "optimizer", "data", "allreduce", "wait"}

// phaseClock accumulates one thread's time per phase: mark charges the
// time since the previous mark (or start) to a phase. A nil clock does
// nothing, so an unprofiled step pays one comparison per mark.
type phaseClock struct {
	last time.Time
	d    [numPhases]time.Duration
	_    [64]byte // keep the threads' clocks on separate cache lines
}

func (c *phaseClock) start() {
	if c != nil {
		c.last = time.Now()
	}
}

func (c *phaseClock) mark(p phase) {
	if c == nil {
		return
	}
	now := time.Now()
	c.d[p] += now.Sub(c.last)
	c.last = now
}

// phaseClocks are the clocks of a profiled step's threads.
type phaseClocks struct {
	threads []phaseClock
}

// member returns thread m's clock, or nil when c is nil (not profiling).
func (c *phaseClocks) member(m int) *phaseClock {
	if c == nil {
		return nil
	}
	return &c.threads[m]
}

// PhaseNames returns the names of a profiled step's phases (the keys of
// ProfileStep's map), in the order of a step.
func PhaseNames() []string { return append([]string(nil), phaseNames[:]...) }
