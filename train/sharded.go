package train

import "github.com/vecgrad/vecgrad/kernels"

// The optimizer sharded among the ranks of a machine (ZeRO's first stage)
// over the shared-memory sum: see gradSums.

// paramPieces calls f for each parameter's elements within [a, b) of the
// gradient buffer: f(idx, lo, hi, at), the parameter's number in the
// optimizer, its elements [lo, hi), and at, the buffer's offset of lo.
func (s *teamStep) paramPieces(a, b int, f func(idx, lo, hi, at int)) {
	for i := range s.layers {
		l := &s.layers[i]
		w0 := s.buckets[i].Lo
		b0 := w0 + l.out*l.in
		if lo, hi := max(a, w0), min(b, b0); lo < hi {
			f(l.wIdx, lo-w0, hi-w0, lo)
		}
		if lo, hi := max(a, b0), min(b, b0+l.out); lo < hi {
			f(l.bIdx, lo-b0, hi-b0, lo)
		}
	}
}

// updateOwnParts is member's share of this rank's sharded update: the
// optimizer steps the parameters of the rank's own parts from their summed
// gradients, and the updated values replace the gradients in the buffer,
// for the other ranks to gather.
func (s *teamStep) updateOwnParts(member, size int, clk *phaseClock) {
	for _, p := range s.sumPieces() {
		own := s.hsum.Own(p.Lo, p.Hi)
		lo, hi := kernels.Split(own.Hi-own.Lo, 16, member, size)
		s.paramPieces(own.Lo+lo, own.Lo+hi, func(idx, lo, hi, at int) {
			g := s.grads[at : at+hi-lo]
			s.opt.StepRange(idx, lo, hi, g)
			copy(g, s.params[idx][lo:hi])
		})
	}
	clk.mark(phaseOptimizer)
}

// putParamsFrom copies the updated parameters (and the loss) at [a, b) of
// another rank's buffer, src, into this rank's.
func (s *teamStep) putParamsFrom(a, b int, src []float32) {
	s.paramPieces(a, b, func(idx, lo, hi, at int) {
		copy(s.params[idx][lo:hi], src[at-a:])
	})
	if last := len(s.grads) - 1; a <= last && last < b {
		s.grads[last] = src[last-a]
	}
}

// shareOptimizerState gives every rank the optimizer's state of every
// part, which the sharded update keeps current only on each part's owner:
// what a checkpoint must hold. Every rank calls it.
func (s *teamStep) shareOptimizerState() error {
	if s.hsum == nil {
		return nil
	}
	var views [][]float32
	return s.hsum.ShareParts(func(a, b int) [][]float32 {
		views = views[:0]
		s.paramPieces(a, b, func(idx, lo, hi, _ int) {
			views = s.opt.StateRange(views, idx, lo, hi)
		})
		return views
	}, s.sumPieces()...)
}
