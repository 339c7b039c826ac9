package train

import (
	"errors"
	"fmt"
	"hash/fnv"
	"math"

	"github.com/vecgrad/vecgrad/kernels"
	"github.com/vecgrad/vecgrad/train/dist"
	"github.com/vecgrad/vecgrad/train/nn"
)

// Data-parallel training across processes (Options.Comm), with PyTorch
// DistributedDataParallel's semantics:
//
//   - every rank starts from rank 0's parameters (broadcast), after
//     checking that all ranks run the same settings;
//   - every rank draws the same order of the training set from the seed,
//     and takes its share of each global batch of BatchSize examples:
//     rows [r*n/N, (r+1)*n/N) of a batch of n;
//   - its loss is the mean over its rows, its gradient scaled by its share
//     of the batch (n_r/n), so that the sum over the ranks is the gradient
//     of the global batch's mean loss; each layer's weight and bias
//     gradients (the last layer's with the loss) are summed across the
//     ranks (dist.Comm.AllReduceSum) as soon as the backward pass has
//     produced them, overlapped with the layers below, or all in one
//     all-reduce after the backward pass (Options.OneAllReduce);
//   - every rank then applies the same update to the same parameters, so
//     they never drift apart (Options.CheckEvery verifies it);
//   - rank 0 alone prints and writes files.
//
// Determinism: for one rank count, a run gives bitwise the same
// parameters each time (the all-reduce's order of additions is fixed for
// a communicator, a rank count and a size). Across rank counts the sums of
// the weight gradients are associated differently (per-rank sums, then
// their sum): each element of a layer's weight gradient then differs from
// the single-process one by at most 2*gamma(n)*sum_r |g_r||x_r| (gamma(n)
// = n*u/(1-n*u), u = 2^-24, n the batch), where the rows' own gradients
// are bitwise those of one process when the ranks split the batch evenly
// and their count is a power of two; TestDistributedGradientBound holds
// it. The trajectories then separate as any two float32 runs do.

// distributedWork is a member's share of a data-parallel step: forward and
// backward on this rank's rows as the single-process step computes them,
// every weight gradient before any update. Each layer's gradients are
// summed across the ranks as soon as the backward pass has produced them
// (as DistributedDataParallel's buckets; see sumBucket), or, with
// oneAllReduce, all of them after it. Then every member updates its rows.
func (s *teamStep) distributedWork(member, size int, t *kernels.Team, clk *phaseClock) {
	last := len(s.layers) - 1
	if member == 0 {
		s.posted = 0
	}
	sum := func(i int) { // member 0: layer i's gradients are complete
		if member == 0 && !s.oneAllReduce {
			s.sumBucket(i)
		}
	}
	if s.n > 0 {
		s.forwardAndLoss(member, size, t, clk)
		for i := last; i >= 1; i-- {
			s.gradRows(i, member, size, clk, false)
			s.inputGrad(i, member, size, clk)
			t.Barrier()
			clk.mark(phaseWait)
			sum(i)
			clk.mark(phaseComm)
		}
		s.gradRows(0, member, size, clk, false)
	} else if member == 0 {
		clear(s.grads) // a rank with no rows of a short last batch adds nothing
		for i := last; i >= 1; i-- {
			sum(i)
		}
	}
	t.Barrier()
	clk.mark(phaseWait)
	if member == 0 {
		if s.oneAllReduce {
			s.sumAll()
		} else {
			sum(0)
			s.finishSums()
		}
		clk.mark(phaseComm)
	}
	t.Barrier()
	clk.mark(phaseWait)
	if s.err != nil {
		return
	}
	if s.hsum != nil {
		s.updateOwnParts(member, size, clk)
		t.Barrier()
		clk.mark(phaseWait)
		if member == 0 {
			s.keepFirst(s.hsum.GatherInto(s.putParams, s.sumPieces()...))
			s.loss = s.grads[len(s.grads)-1]
			clk.mark(phaseComm)
		}
		return
	}
	if member == 0 {
		s.loss = s.grads[len(s.grads)-1]
	}
	for i := range s.layers {
		s.applyRows(i, member, size, clk)
	}
}

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
			views = append(views, s.opt.StateRange(idx, lo, hi)...)
		})
		return views
	}, s.sumPieces()...)
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
	if machines, _ := s.machines(); machines == 1 {
		return nil // the sums run on the calling goroutine
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

// machines returns the number of machines of the hierarchical sum (0
// without it).
func (s *teamStep) machines() (int, int) {
	if s.hsum == nil {
		return 0, 0
	}
	return s.hsum.Machines()
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

// shareOfBatch scales this rank's loss gradient and puts its loss in the
// all-reduce buffer, both weighted by its share of the global batch.
func (s *teamStep) shareOfBatch() {
	share := float32(float64(s.n) / float64(s.batch.Size))
	l := &s.layers[len(s.layers)-1]
	g := l.grad[:s.n*l.out]
	kernels.BinaryScalar(kernels.OpMul, g, g, share)
	s.grads[len(s.grads)-1] = s.loss * share
}

// startDistributed readies rank comm.Rank() of a data-parallel run: the
// batch must split evenly, the model must have the team step, and the
// replicas start from the same settings and parameters.
func startDistributed(comm dist.Comm, cfg Config, model *nn.Sequential, s *stepper, noShared bool) error {
	if n := comm.Size(); cfg.BatchSize%n != 0 {
		return fmt.Errorf("train: batch size %d does not split into %d ranks: accepted multiples of %d (each rank takes an equal share of each batch)", cfg.BatchSize, n, n)
	}
	if s.team == nil {
		return errors.New("train: distributed training needs an MLP of Linear layers and ReLUs with SGD, Adam or AdamW")
	}
	if err := syncReplicas(comm, cfg, model); err != nil {
		return err
	}
	return s.team.startSums(comm, noShared)
}

// syncReplicas starts a data-parallel run: it checks that every rank runs
// the same settings (an error on every rank names the ranks that differ)
// and gives every rank rank 0's parameters.
func syncReplicas(comm dist.Comm, cfg Config, model *nn.Sequential) error {
	fp := fingerprint(fmt.Sprintf("%+v", cfg))
	if err := sameOnAllRanks(comm, fp, "settings (batch size, seed, learning rate, ...)", fmt.Sprintf("%+v", cfg)); err != nil {
		return err
	}
	for _, p := range model.Parameters() {
		if err := comm.Broadcast(p.Tensor.Storage(), 0); err != nil {
			return fmt.Errorf("train: broadcasting %s from rank 0: %w", p.Name, err)
		}
	}
	return nil
}

// checkReplicas compares a checksum of every rank's parameters with rank
// 0's: the ranks apply the same updates, so any difference is a bug or a
// corrupted rank, and the run stops.
func checkReplicas(comm dist.Comm, model *nn.Sequential, step int64) error {
	h := fnv.New64a()
	var b [4]byte
	for _, p := range model.Parameters() {
		for _, v := range p.Tensor.Storage() {
			u := math.Float32bits(v)
			b[0], b[1], b[2], b[3] = byte(u), byte(u>>8), byte(u>>16), byte(u>>24)
			h.Write(b[:])
		}
	}
	return sameOnAllRanks(comm, h.Sum64(), fmt.Sprintf("parameters after step %d", step), "")
}

// fingerprint hashes s.
func fingerprint(s string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(s))
	return h.Sum64()
}

// sameOnAllRanks checks that every rank has the same value v: each rank
// writes v (as three 22-bit pieces, exact in float32) into its own slots
// of a buffer whose sum every rank receives, and compares the ranks'. The
// error, the same on every rank, names the ranks that differ from rank 0.
func sameOnAllRanks(comm dist.Comm, v uint64, what, mine string) error {
	const pieces = 3
	buf := make([]float32, pieces*comm.Size())
	for k := range pieces {
		buf[pieces*comm.Rank()+k] = float32((v >> (22 * k)) & (1<<22 - 1))
	}
	if err := comm.AllReduceSum(buf); err != nil {
		return fmt.Errorf("train: comparing the ranks' %s: %w", what, err)
	}
	var differ []int
	for r := 1; r < comm.Size(); r++ {
		for k := range pieces {
			if buf[pieces*r+k] != buf[k] {
				differ = append(differ, r)
				break
			}
		}
	}
	if len(differ) == 0 {
		return nil
	}
	msg := fmt.Sprintf("train: the ranks' %s differ: rank(s) %v against rank 0", what, differ)
	if mine != "" {
		msg += fmt.Sprintf(" (this is rank %d: %s)", comm.Rank(), mine)
	}
	return errors.New(msg)
}
