package train

import (
	"fmt"

	"github.com/vecgrad/vecgrad/train/dist"
)

// gradSums is how a data-parallel step sums its gradients across the
// ranks, and with shared memory, shards the optimizer among them.
//
// With the ranks of a machine sharing memory (dist.HierarchicalSum, the
// default: MPI's shared windows, or NewLocal's goroutines), the gradients
// are written straight into the shared buffer, and each layer's bucket is
// reduce-scattered among the machine's ranks as soon as it is complete,
// on the calling goroutine: on one machine that is compute the ranks
// share, which no other goroutine could overlap with the backward pass
// on a rank's one core. Across machines the reduce-scatter and the
// all-reduce of each rank's part run on the reducer's goroutine instead,
// so that the network's time hides behind the backward pass; every MPI
// call of the step is then on that goroutine, which keeps two goroutines
// of a rank from holding MPI (serialized) in an order that another rank
// waits on.
//
// The optimizer is then sharded as ZeRO's first stage shards it: each
// rank updates only the parameters of its own parts of the gradient
// (dist.HierarchicalSum.Own), where their sums lie, and puts the updated
// values in its buffer in their place; the all-gather hands them to the
// other ranks of the machine, which copy them into their parameters. Each
// element is updated by the same arithmetic as every rank would apply, so
// the parameters are the unsharded step's bit for bit; the optimizer's
// state of a part is current only on its owner until shareOptimizerState
// gathers it for a checkpoint.
//
// Without shared memory, each bucket is all-reduced (AllReduceSum) on the
// reducer's goroutine: a cgo call gives up its P, so the computation goes
// on beside it even at GOMAXPROCS 1.
type gradSums struct {
	hsum    *dist.HierarchicalSum
	reducer *reducer
	buckets []dist.Range   // each layer's gradients in grads, the loss with the last
	whole   [1]dist.Range  // all of grads: the one piece of oneAllReduce
	sums    []func() error // the reducer's work for each bucket, made once
	posted  int            // buckets posted to the reducer in this step
	// putParams copies other ranks' updated parameters in (GatherInto's
	// put), bound once.
	putParams func(a, b int, src []float32)
}

// useGrads makes buf (one float per gradient, then the loss) the step's
// gradient buffer, with each layer's views and buckets in it.
func (s *teamStep) useGrads(buf []float32) {
	s.grads = buf
	s.buckets = s.buckets[:0]
	off := 0
	for i := range s.layers {
		l := &s.layers[i]
		lo := off
		l.dw = s.grads[off : off+l.out*l.in]
		off += l.out * l.in
		l.db = s.grads[off : off+l.out]
		off += l.out
		if i == len(s.layers)-1 {
			off++ // the loss
		}
		s.buckets = append(s.buckets, dist.Range{Lo: lo, Hi: off})
	}
	s.whole[0] = dist.Range{Lo: 0, Hi: len(buf)}
}

// sumPieces returns the pieces the gradients are summed in: the layers'
// buckets, or the whole buffer with oneAllReduce.
func (s *teamStep) sumPieces() []dist.Range {
	if s.oneAllReduce {
		return s.whole[:]
	}
	return s.buckets
}

// gradsLen returns the floats of the gradient buffer: every parameter's,
// then the loss.
func (s *teamStep) gradsLen() int {
	total := 1
	for _, l := range s.layers {
		total += l.out*l.in + l.out
	}
	return total
}

// startSums readies the step's sums across the ranks of comm: through
// shared memory unless noShared or comm cannot (dist.Machines).
func (s *teamStep) startSums(comm dist.Comm, noShared bool) error {
	s.comm = comm
	if !noShared {
		h, err := dist.NewHierarchicalSum(comm, s.gradsLen())
		if err != nil {
			return fmt.Errorf("train: the gradients' shared memory: %w", err)
		}
		if h != nil {
			s.hsum = h
			s.useGrads(h.Buffer())
			s.putParams = s.putParamsFrom
		}
	}
	if s.grads == nil {
		s.useGrads(make([]float32, s.gradsLen()))
	}
	if s.hsum != nil {
		if machines, _ := s.hsum.Machines(); machines == 1 {
			return nil // the sums run on the calling goroutine
		}
	}
	s.reducer = newReducer(len(s.buckets))
	for _, r := range s.buckets {
		r := r
		if s.hsum == nil {
			s.sums = append(s.sums, func() error { return s.comm.AllReduceSum(s.grads[r.Lo:r.Hi]) })
		} else {
			s.sums = append(s.sums, func() error {
				if err := s.hsum.ReduceScatter(r.Lo, r.Hi); err != nil {
					return err
				}
				return s.hsum.Across(r.Lo, r.Hi)
			})
		}
	}
	return nil
}

// sumBucket starts summing layer i's gradients across the ranks.
func (s *teamStep) sumBucket(i int) {
	if s.reducer != nil {
		s.reducer.post(s.sums[i])
		s.posted++
		return
	}
	r := s.buckets[i]
	s.keepFirst(s.hsum.ReduceScatter(r.Lo, r.Hi))
}

// finishSums waits for the buckets' sums and gathers them.
func (s *teamStep) finishSums() {
	if s.reducer != nil {
		s.keepFirst(s.reducer.wait(s.posted))
	}
	if s.hsum != nil && s.err == nil {
		s.keepFirst(s.hsum.AllGather(s.buckets...))
	}
}

// sumAll sums all the gradients at once, after the backward pass.
func (s *teamStep) sumAll() {
	if s.hsum != nil {
		s.keepFirst(s.hsum.AllReduce(0, len(s.grads)))
		return
	}
	s.keepFirst(s.comm.AllReduceSum(s.grads))
}

// keepFirst records err unless the step has one already.
func (s *teamStep) keepFirst(err error) {
	if s.err == nil {
		s.err = err
	}
}

// reducer runs the buckets' sums on a goroutine of its own, in the order
// they are posted, while the backward pass goes on.
type reducer struct {
	work    chan func() error
	results chan error
}

// newReducer starts the goroutine; close stops it.
func newReducer(maxBuckets int) *reducer {
	r := &reducer{work: make(chan func() error, maxBuckets), results: make(chan error, maxBuckets)}
	go func() {
		for f := range r.work {
			r.results <- f()
		}
	}()
	return r
}

func (r *reducer) post(f func() error) { r.work <- f }

// wait returns once the n sums posted have run, with the first error.
func (r *reducer) wait(n int) error {
	var first error
	for range n {
		if err := <-r.results; err != nil && first == nil {
			first = err
		}
	}
	return first
}

// stopSums ends s's reducer goroutine and frees the shared memory (every
// rank calls it: freeing is collective), if the step has them.
func (s *teamStep) stopSums() error {
	if s.reducer != nil {
		close(s.reducer.work)
		s.reducer = nil
	}
	if s.hsum == nil {
		return nil
	}
	err := s.hsum.Close()
	s.hsum, s.grads = nil, nil
	return err
}
