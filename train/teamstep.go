package train

import (
	"fmt"

	"github.com/vecgrad/vecgrad/kernels"
	"github.com/vecgrad/vecgrad/loss"
	"github.com/vecgrad/vecgrad/optim"
	"github.com/vecgrad/vecgrad/tensor"
	"github.com/vecgrad/vecgrad/train/data"
	"github.com/vecgrad/vecgrad/train/dist"
	"github.com/vecgrad/vecgrad/train/nn"
)

// teamStep is the training step of an MLP (Linear, ReLU, ..., Linear with
// biases; cross-entropy; an optim.Ranged optimizer) as one parallel region
// (kernels.Team): every thread runs the whole step, meeting at a barrier
// per phase, and the optimizer updates each layer in the phase after its
// input gradient, right after computing the layer's weight gradient, while
// it is in cache (SGD inside the next block's product, or at small
// batches, where its state fits in cache, inside the product's tiles: sgd,
// fuseSGD). See docs/parallel-step.md for the design and the figures that
// decided it.
//
// It computes what the autograd step (stepper.autogradStep) computes, bit for bit,
// whatever the thread count: every element of every product, bias, ReLU,
// gradient and update is computed by the same kernel arithmetic as there,
// only on rows or columns that the threads share out (products are never
// split along k), and the loss runs on one thread through package loss.
//
// The phases, for layers 0..L-1 (layer l: act[l] [n, in] -> z [n, out]):
//
//	data:        rows of the batch copied (data.LoaderOptions.DeferX); barrier
//	forward l:   z[:, cols] = act[l]·W[cols]ᵀ + b[cols], ReLU but after the last; barrier
//	loss:        member 0: cross-entropy and its gradient g[L-1]; barrier
//	backward l:  update l+1 (rows: dW = g[l+1]ᵀ·act[l+1], db, optimizer)
//	             g[l-1][:, cols] = ReLU'(g[l]·W[:, cols]); barrier   (l = L-1 .. 1)
//	last:        update layers 1 and 0
//
// W[l] is written (updated) only in the phase after the one that last
// reads it (g[l]·W[l]), so no barrier separates a layer's update from its
// gradient.
type teamStep struct {
	layers []teamLayer
	opt    optim.Ranged
	params [][]float32 // the optimizer's parameters' values, by its numbering
	team   kernels.Team
	ar     *tensor.Arena // the loss's temporaries

	// The batch being stepped: this rank's rows [lo, lo+n) of it.
	batch   *data.Batch
	lo, n   int
	x       []float32
	targets []float32
	loss    float32

	// grads holds every layer's weight and bias gradients, contiguous,
	// then the loss: one buffer for the ranks' all-reduce.
	grads []float32
	// comm is the communicator of a data-parallel run of several
	// processes (nil: this process alone); see distributed.go.
	comm dist.Comm
	err  error // the sum's error in the last step
	gradSums
	// oneAllReduce sums the gradients after the backward pass, instead of
	// each layer's as soon as they are complete.
	oneAllReduce bool

	clocks *phaseClocks // nil unless the step is being profiled

	// updates are each member's optimizer-in-backward state: the block of
	// weight-gradient rows the product reports goes to its update (the
	// functions are made once, so that a step allocates nothing).
	updates []rowUpdate
	// sgd is the optimizer where it is SGD, whose update runs inside the
	// weight gradients' products: a block of rows behind them
	// (kernels.SgemmSerialSGDLagged), or with fuse in their tiles at
	// batches too small for the next block's strips to carry it
	// (kernels.SgemmSerialSGD, kernels.SGDLaggedCovers); nil otherwise.
	sgd  *optim.SGD
	fuse bool // SGD's state fits in cache: fuseSGD
}

// fuseSGD reports whether the step may apply SGD (sgd) inside the weight
// gradients' products' tiles (kernels.SgemmSerialSGD, at batches too
// small for the lagged update: gradRows): where the parameters and
// momenta all fit in half of L3, the fused tiles' loads of them overlap
// the FMAs (the tutorial's 512x784 weight gradient and update at batch 16
// went from 97.7-98.8 to 87.3-87.9 µs on Zen 5); from DRAM they stall the
// tiles, and the blocks with their weights and momenta prefetched won
// (the wide MLP's 2048x2048 at batch 256: 8.95-8.99 ms against 9.55-9.80
// fused), as the lagged update now does.
func fuseSGD(sgd *optim.SGD) bool {
	if sgd == nil {
		return false
	}
	bytes := 0
	for _, p := range sgd.Params() {
		bytes += 4 * 2 * p.Numel() // the values and the momentum
	}
	return bytes <= fuseSGDMaxBytes
}

// fuseSGDMaxBytes is the most bytes of parameters and momenta for which
// fuseSGD fuses: half of L3. A variable only so that tests can make every
// model take either path.
var fuseSGDMaxBytes = kernels.Caches().L3 / 2

// rowUpdate applies the optimizer to the rows of a layer's weight gradient
// that its product reports final (rows relative to row0), computed into
// the member's scratch (kernels.SgemmSerialBlocks): the gradient's rows
// never leave the cache, where writing the whole dW would read it in for
// ownership and write it back, from and to DRAM for the wide MLP.
type rowUpdate struct {
	s       *teamStep
	l       *teamLayer
	row0    int
	clk     *phaseClock
	scratch []float32                     // teamUpdateBytes of gradient rows (at least one row)
	apply   func(lo, hi int, c []float32) // the update method, bound once
	// prefetch are the arrays the update reads beside the gradient, the
	// member's rows of the weights and of the optimizer's state, which the
	// product prefetches block by block (room for Adam's three, allocated
	// once).
	prefetch [][]float32
	_        [64]byte // the members write their own on separate cache lines
}

func (u *rowUpdate) update(lo, hi int, c []float32) {
	u.clk.mark(phaseGEMM)
	l := u.l
	u.s.opt.StepRange(l.wIdx, (u.row0+lo)*l.in, (u.row0+hi)*l.in, c[:(hi-lo)*l.in])
	u.clk.mark(phaseOptimizer)
}

// updateRows is the rows of layer l's weight gradient per update block:
// teamUpdateBytes of them, at least one.
func updateRows(l *teamLayer) int { return max(1, teamUpdateBytes/(4*l.in)) }

// makeUpdates makes the rowUpdates of up to threads members, with their
// scratches (before the region: its members only read the slice).
func (s *teamStep) makeUpdates(threads int) {
	if len(s.updates) >= threads {
		return
	}
	floats := 0
	for i := range s.layers {
		floats = max(floats, 2*updateRows(&s.layers[i])*s.layers[i].in) // SgemmSerialSGDLagged's two blocks
	}
	s.updates = make([]rowUpdate, threads)
	for i := range s.updates {
		u := &s.updates[i]
		u.s, u.scratch, u.apply, u.prefetch = s, make([]float32, floats), u.update, make([][]float32, 0, 4)
	}
}

// teamLayer is one Linear layer's parameters, optimizer indices and
// buffers (sized for the largest batch seen).
type teamLayer struct {
	in, out    int
	w, b       []float32 // [out, in], [out]
	wIdx, bIdx int       // in the optimizer's Params
	relu       bool      // a ReLU follows
	act        []float32 // [n, out] at row stride ld: the output (after ReLU)
	grad       []float32 // [n, out] at row stride ld: the loss's gradient with respect to z (before ReLU)
	ld         int       // act's and grad's row stride (rowStride)
	dw, db     []float32 // the weight and bias gradients
}

// Row and column parts of the products are whole multiples of teamUnit
// (the widest micro-tile's columns), so that a split adds no edge tiles.
const teamUnit = 32

// teamUpdateBytes bounds the block of weight-gradient rows that the
// product hands to the optimizer at a time (kernels.SgemmSerialBlocks,
// into a member's scratch of that size), so that the block is still in L2
// (1 MiB and more on the x86 cores we target), beside the weights and
// momentum streaming through, when the optimizer reads it.
const teamUpdateBytes = 256 << 10

// newTeamStep returns the team step for model and opt, or nil where the
// model is not an MLP of Linear layers with biases and ReLUs between them
// (the autograd step serves any model) or opt cannot update by ranges.
func newTeamStep(model nn.Module, opt optim.Optimizer) *teamStep {
	seq, ok := model.(*nn.Sequential)
	ranged, ok2 := opt.(optim.Ranged)
	if !ok || !ok2 || len(seq.Modules)%2 == 0 {
		return nil
	}
	index := map[*tensor.Tensor]int{}
	s := &teamStep{opt: ranged, ar: tensor.NewArena()}
	s.sgd, _ = opt.(*optim.SGD)
	s.fuse = fuseSGD(s.sgd)
	for i, p := range opt.Params() {
		index[p] = i
		s.params = append(s.params, p.Storage())
	}
	for i, m := range seq.Modules {
		if i%2 == 1 {
			if _, ok := m.(nn.ReLU); !ok {
				return nil
			}
			continue
		}
		l, ok := m.(*nn.Linear)
		if !ok || l.Bias == nil {
			return nil
		}
		wi, okW := index[l.Weight]
		bi, okB := index[l.Bias]
		if !okW || !okB || (i > 0 && l.In != s.layers[len(s.layers)-1].out) {
			return nil
		}
		s.layers = append(s.layers, teamLayer{in: l.In, out: l.Out, w: l.Weight.Storage(), b: l.Bias.Storage(),
			wIdx: wi, bIdx: bi, relu: i+1 < len(seq.Modules)})
	}
	return s
}

// step trains on one batch with up to threads threads and returns its mean
// loss (before the update).
func (s *teamStep) step(b *data.Batch, threads int) float32 {
	if b.Features != s.layers[0].in {
		panic(fmt.Sprintf("train: a batch of %d features for a model of %d inputs", b.Features, s.layers[0].in))
	}
	lo, hi := 0, b.Size
	if s.distributed() {
		lo, hi = kernels.Split(b.Size, 1, s.comm.Rank(), s.comm.Size())
		s.err = nil
	}
	s.size(hi - lo)
	s.batch, s.lo = b, lo
	s.x, s.targets = b.X[lo*b.Features:hi*b.Features], b.Targets[lo:hi]
	s.opt.BeginStep()
	s.makeUpdates(threads)
	s.team.Run(threads, s)
	return s.loss
}

// distributed reports whether the step's gradients are summed across
// processes.
func (s *teamStep) distributed() bool { return s.comm != nil && s.comm.Size() > 1 }

// size makes the buffers hold a batch of n rows.
func (s *teamStep) size(n int) {
	s.n = n
	for i := range s.layers {
		l := &s.layers[i]
		l.ld = rowStride(l, i == len(s.layers)-1)
		if len(l.act) < n*l.ld {
			l.act = make([]float32, n*l.ld)
			l.grad = make([]float32, n*l.ld)
		}
	}
	if s.grads == nil {
		s.useGrads(make([]float32, s.gradsLen()))
	}
}

// input returns layer i's input: the batch, or the previous layer's output.
func (s *teamStep) input(i int) []float32 {
	if i == 0 {
		return s.x
	}
	return s.layers[i-1].act[:s.n*s.layers[i-1].ld]
}

// inputLd returns the row stride of layer i's input.
func (s *teamStep) inputLd(i int) int {
	if i == 0 {
		return s.layers[0].in
	}
	return s.layers[i-1].ld
}

// rowStride returns the row stride of layer l's activations and
// gradients: kernels.RowStride's, at which the next products read them in
// place rather than packing them, but out for the last layer, whose
// logits the loss reads contiguous.
func rowStride(l *teamLayer, last bool) int {
	if last {
		return l.out
	}
	return kernels.RowStride(l.out)
}

// TeamWork is one member's share of the step (kernels.TeamWork).
func (s *teamStep) TeamWork(member, size int, t *kernels.Team) {
	clk := s.clocks.member(member)
	clk.start()
	if s.batch.Deferred() {
		// The threads copy the batch's rows between them.
		lo, hi := kernels.Split(s.n, 1, member, size)
		s.batch.FillX(s.lo+lo, s.lo+hi)
		clk.mark(phaseData)
		t.Barrier()
		clk.mark(phaseWait)
	}
	if s.distributed() {
		s.distributedWork(member, size, t, clk)
		return
	}
	last := len(s.layers) - 1
	s.forwardAndLoss(member, size, t, clk)
	for i := last; i >= 1; i-- {
		if i < last {
			s.update(i+1, member, size, clk)
		}
		s.inputGrad(i, member, size, clk)
		t.Barrier()
		clk.mark(phaseWait)
	}
	if last >= 1 {
		s.update(1, member, size, clk)
	}
	s.update(0, member, size, clk)
}

// forwardAndLoss runs the forward phases, each layer's columns (a narrow
// layer's rows) shared out, then the loss on member 0, and returns when
// the loss's gradient is ready for every member.
func (s *teamStep) forwardAndLoss(member, size int, t *kernels.Team, clk *phaseClock) {
	for i := range s.layers {
		s.forward(i, member, size, clk)
		t.Barrier() // the next layer, or the loss, reads every output
		clk.mark(phaseWait)
	}
	if member == 0 {
		s.lossGrad()
		if s.distributed() {
			s.shareOfBatch()
		}
		clk.mark(phaseLoss)
	}
	t.Barrier()
	clk.mark(phaseWait)
}

// parts returns member's share [lo, hi) of n rows or columns: whole units
// of teamUnit where there are at least two, else all to member 0.
func parts(n, member, size int) (lo, hi int) {
	if n < 2*teamUnit {
		if member == 0 {
			return 0, n
		}
		return 0, 0
	}
	return kernels.Split(n, teamUnit, member, size)
}

// forward computes member's columns of layer i's output: the product, the
// bias and the ReLU, as Linear.Forward and ReLU do (kernels.SgemmSerialBiasRelu:
// at batch 16 and 64 the bias and ReLU ride on the transposed product's
// last pass over the output, at 256 the product applies them to each
// region of the output once it is final).
func (s *teamStep) forward(i, member, size int, clk *phaseClock) {
	l := &s.layers[i]
	if narrow(l) {
		s.forwardRows(i, member, size, clk)
		return
	}
	c0, c1 := parts(l.out, member, size)
	if c0 == c1 {
		return
	}
	n, x := s.n, s.input(i)
	kernels.SgemmSerialBiasRelu(n, c1-c0, l.in, x, s.inputLd(i), l.w[c0*l.in:c1*l.in], l.in, l.b[c0:c1], l.relu, l.act[c0:], l.ld)
	clk.mark(phaseGEMM) // the bias and ReLU included
}

// narrow reports whether layer l has too few outputs to share out by
// columns (the classifier's 10): its forward is shared by rows of the
// batch instead, and its weight gradient by columns of the input.
func narrow(l *teamLayer) bool { return l.out < 2*teamUnit }

// forwardRows computes member's rows of a narrow layer's output, bias and
// ReLU included: the same products and sums per element as a split by
// columns.
func (s *teamStep) forwardRows(i, member, size int, clk *phaseClock) {
	l := &s.layers[i]
	r0, r1 := kernels.Split(s.n, 1, member, size)
	if r0 == r1 {
		return
	}
	x, ldx := s.input(i), s.inputLd(i)
	kernels.SgemmSerialBiasRelu(r1-r0, l.out, l.in, x[r0*ldx:], ldx, l.w, l.in, l.b, l.relu, l.act[r0*l.ld:], l.ld)
	clk.mark(phaseGEMM) // the bias and ReLU included
}

// lossGrad computes the batch's mean cross-entropy and its gradient with
// respect to the last layer's output, through package loss (so exactly as
// the autograd step does).
func (s *teamStep) lossGrad() {
	s.ar.Reset()
	l := &s.layers[len(s.layers)-1]
	logits := s.ar.New(l.act[:s.n*l.out], s.n, l.out).SetRequiresGrad(true)
	v, err := loss.CrossEntropy(logits, s.ar.New(s.targets, s.n), loss.CrossEntropyOptions{})
	if err != nil {
		panic(fmt.Sprintf("train: cross-entropy on a batch of %d: %v", s.n, err))
	}
	v.Backward()
	copy(l.grad, logits.Grad().Storage())
	s.loss = v.Item()
}

// inputGrad computes member's columns of the gradient with respect to
// layer i-1's output before its ReLU, g[i]·W[i] then ReLU's backward, and
// the same elements of layer i-1's bias gradient (biasGrad's sum).
func (s *teamStep) inputGrad(i, member, size int, clk *phaseClock) {
	l, prev := &s.layers[i], &s.layers[i-1]
	c0, c1 := parts(l.in, member, size)
	if c0 == c1 {
		return
	}
	n := s.n
	// ReLU's backward, and layer i-1's bias gradient (the sum of the rows
	// of its gradient, biasGrad's), applied by the product while C is in
	// cache.
	kernels.SgemmSerialReluBackward(n, c1-c0, l.out, l.grad, l.ld, l.w[c0:], l.in, prev.act[c0:], prev.grad[c0:], prev.ld, prev.db[c0:c1])
	clk.mark(phaseGEMM)
}

// update computes member's rows of layer i's weight and bias gradients
// and applies the optimizer to each block of rows as the product finishes
// it (kernels.SgemmSerialBlocks), while it is in L2.
func (s *teamStep) update(i, member, size int, clk *phaseClock) {
	if narrow(&s.layers[i]) && size > 1 {
		s.updateColumns(i, member, size, clk)
		return
	}
	s.gradRows(i, member, size, clk, true)
}

// updateColumns computes member's columns of a narrow layer's weight
// gradient and updates them, row by row of the weights; member 0 also
// computes and applies the bias gradient. (The distributed step, which
// sums the gradients between the product and the update, keeps
// gradRows' split.)
func (s *teamStep) updateColumns(i, member, size int, clk *phaseClock) {
	l := &s.layers[i]
	c0, c1 := parts(l.in, member, size)
	if c0 < c1 {
		n, x := s.n, s.input(i)
		kernels.SgemmSerial(true, false, l.out, c1-c0, n, 1, l.grad, l.ld, x[c0:], s.inputLd(i), 0, l.dw[c0:], l.in)
		clk.mark(phaseGEMM)
		for r := range l.out {
			lo, hi := r*l.in+c0, r*l.in+c1
			s.opt.StepRange(l.wIdx, lo, hi, l.dw[lo:hi])
		}
		clk.mark(phaseOptimizer)
	}
	if member == 0 {
		s.biasGrad(l, 0, l.out, clk, true)
	}
}

// gradRows computes member's rows of layer i's weight and bias gradients
// (dW = gᵀ·x, db = the sum of g's rows) and, with apply, applies the
// optimizer to each block of at most teamUpdateBytes of rows as soon as
// the product has finished it, computing the blocks in turn into the
// member's scratch (l.dw is then left as it was), the block's weights and
// optimizer state prefetched meanwhile; for SGD during the next block's
// product (kernels.SgemmSerialSGDLagged), or where it fits in cache
// (fuseSGD) and the batch is too small for the next block's strips to
// carry it (kernels.SGDLaggedCovers) inside the product's tiles; without,
// it leaves them in l.dw (the distributed step sums them there).
func (s *teamStep) gradRows(i, member, size int, clk *phaseClock, apply bool) {
	l := &s.layers[i]
	r0, r1 := parts(l.out, member, size)
	if r0 == r1 {
		return
	}
	n, x, ldx := s.n, s.input(i), s.inputLd(i)
	dw := l.dw[r0*l.in : r1*l.in]
	if apply && s.sgd != nil {
		p, buf, h := s.sgd.KernelRange(l.wIdx, r0*l.in, r1*l.in)
		if s.fuse && !kernels.SGDLaggedCovers(n) {
			kernels.SgemmSerialSGD(true, false, r1-r0, l.in, n, l.grad[r0:], l.ld, x, ldx, p, buf, l.in, h,
				s.updates[member].scratch, updateRows(l))
		} else {
			kernels.SgemmSerialSGDLagged(true, false, r1-r0, l.in, n, l.grad[r0:], l.ld, x, ldx, p, buf, h,
				s.updates[member].scratch, updateRows(l))
		}
		clk.mark(phaseGEMM) // the update's time included
	} else if apply {
		u := &s.updates[member]
		u.l, u.row0, u.clk = l, r0, clk
		u.prefetch = s.opt.StateRange(append(u.prefetch[:0], l.w[r0*l.in:r1*l.in]), l.wIdx, r0*l.in, r1*l.in)
		kernels.SgemmSerialBlocks(true, false, r1-r0, l.in, n, 1, l.grad[r0:], l.ld, x, ldx, u.scratch, l.in,
			updateRows(l), u.prefetch, u.apply)
	} else {
		kernels.SgemmSerial(true, false, r1-r0, l.in, n, 1, l.grad[r0:], l.ld, x, ldx, 0, dw, l.in)
		clk.mark(phaseGEMM)
	}
	s.biasGrad(l, r0, r1, clk, apply)
}

// biasGrad computes elements [r0, r1) of layer l's bias gradient and, with
// apply, updates them. The gradient sums the rows of g in order, as the
// autograd step's broadcast reduction does; for a layer a ReLU follows,
// the input gradient's product has summed them already (inputGrad).
func (s *teamStep) biasGrad(l *teamLayer, r0, r1 int, clk *phaseClock, apply bool) {
	db := l.db[r0:r1]
	if !l.relu {
		kernels.SumRowsStrided(db, l.grad[r0:], s.n, r1-r0, l.ld)
		clk.mark(phaseElementwise)
	}
	if apply {
		s.opt.StepRange(l.bIdx, r0, r1, db)
		clk.mark(phaseOptimizer)
	}
}

// applyRows applies the optimizer to member's rows of layer i from the
// gradients in l.dw and l.db.
func (s *teamStep) applyRows(i, member, size int, clk *phaseClock) {
	l := &s.layers[i]
	r0, r1 := parts(l.out, member, size)
	if r0 == r1 {
		return
	}
	s.opt.StepRange(l.wIdx, r0*l.in, r1*l.in, l.dw[r0*l.in:r1*l.in])
	s.opt.StepRange(l.bIdx, r0, r1, l.db[r0:r1])
	clk.mark(phaseOptimizer)
}
