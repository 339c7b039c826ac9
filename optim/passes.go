package optim

import (
	"sync/atomic"

	"github.com/vecgrad/vecgrad/kernels"
)

// passChunk is the elements per task of the oracle's vector passes: 2048
// floats (8 KiB per array) keep the five arrays of hvp's fused
// difference-scale-restore pass in L1 between its kernel calls, and cut
// the MLP's 670k parameters into a few hundred tasks for the workers to
// share. The passes are memory-bound, and one core reaches only part of
// the memory bandwidth that two do.
const passChunk = 2048

// span is one task of a vector pass: elements [lo, hi) of parameter k,
// which are elements [off+lo, off+hi) of the flat vector w.
type span struct{ k, lo, hi, off int }

// flat returns the span's elements of a flat vector x (length n).
func flat[T any](x []T, s span) []T { return x[s.off+s.lo : s.off+s.hi] }

// each calls f for every span, on up to kernels.Threads() members of a
// kernels.Team region: the kernels' persistent workers and the caller,
// each taking the next span as it finishes one (one worker mechanism for
// the whole library: the pool, not goroutines started per pass). f writes
// only the span's elements (and o.part[i]), so the results do not depend
// on the number of members, which the region may cut to 1 (another region
// holds the pool). f runs on the pool's workers, so it must call only
// single-threaded kernels (SumSq, Scale, AxpyTo, copy), never one that
// hands work to the pool and waits for it (Sgemm, SGDStep, AdamStep),
// which would wait on workers busy in the region.
func (o *oracle) each(f func(i int, s span)) {
	o.pass.spans, o.pass.f = o.spans, f
	o.pass.next.Store(0)
	o.team.Run(min(kernels.Threads(), len(o.spans)), &o.pass)
	o.pass.f = nil
}

// spanPass is one vector pass as a region's work: its members take the
// spans from a shared counter.
type spanPass struct {
	spans []span
	f     func(i int, s span)
	next  atomic.Int64
}

// TeamWork runs spans until none is left.
func (p *spanPass) TeamWork(member, size int, t *kernels.Team) {
	for {
		i := int(p.next.Add(1) - 1)
		if i >= len(p.spans) {
			return
		}
		p.f(i, p.spans[i])
	}
}

// sumParts adds o.part into one sum per parameter, in span order (the same
// order whatever the workers), and returns them in dst.
func (o *oracle) sumParts(dst []float64) []float64 {
	dst = append(dst[:0], make([]float64, len(o.params))...)
	for i, s := range o.spans {
		dst[s.k] += o.part[i]
	}
	return dst
}

// snapshot records the parameters' current values as w0, and the squared
// norm of each parameter (for hvp's step) from the chunk just copied,
// which is still in L1.
func (o *oracle) snapshot() {
	o.each(func(i int, s span) {
		w := flat(o.w0, s)
		copy(w, o.st[s.k][s.lo:s.hi])
		o.part[i] = float64(kernels.SumSq(w))
	})
	o.ww = o.sumParts(o.ww)
}

// restore puts back the parameters as they were at the snapshot.
func (o *oracle) restore() {
	o.each(func(_ int, s span) { copy(o.st[s.k][s.lo:s.hi], flat(o.w0, s)) })
}

// grads returns the parameters' gradient storages, nil for a parameter
// the last evaluation left without a gradient (in a slice that the next
// call reuses).
func (o *oracle) grads() [][]float32 {
	o.gs = o.gs[:0]
	for _, p := range o.params {
		var g []float32
		if gt := p.Grad(); gt != nil {
			g = gt.Storage()
		}
		o.gs = append(o.gs, g)
	}
	return o.gs
}
