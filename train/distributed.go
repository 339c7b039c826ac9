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
