package data

import (
	"fmt"
	"iter"
	"sync/atomic"

	"github.com/vecgrad/vecgrad/tensor"
)

// Sampling is the order in which a Loader visits a Dataset.
type Sampling int

const (
	// Sequential visits the examples in order, 0 to Len()-1, every epoch.
	Sequential Sampling = iota
	// Shuffle visits every example once per epoch (sampling without
	// replacement) in a random order drawn from the seed and the epoch.
	Shuffle
	// WithReplacement draws NumSamples examples per epoch independently and
	// uniformly (an example may come several times or not at all), as
	// PyTorch's RandomSampler(replacement=True).
	WithReplacement
)

// String returns the constant's name.
func (s Sampling) String() string {
	switch s {
	case Sequential:
		return "Sequential"
	case Shuffle:
		return "Shuffle"
	case WithReplacement:
		return "WithReplacement"
	}
	return fmt.Sprintf("Sampling(%d)", int(s))
}

// LoaderOptions configures a Loader.
type LoaderOptions struct {
	// BatchSize is the number of examples per batch (required, positive).
	BatchSize int
	// Sampling is the order of the examples (default Sequential).
	Sampling Sampling
	// Seed determines the order under Shuffle and WithReplacement.
	Seed uint64
	// NumSamples is the number of draws per epoch under WithReplacement
	// (default: the dataset's length); it must be 0 otherwise.
	NumSamples int
	// DropLast drops an epoch's last batch when it is smaller than BatchSize
	// (as PyTorch's drop_last); without it that batch comes short.
	DropLast bool
	// Prefetch assembles each batch on another goroutine while the loop
	// body works on the previous one (see the package documentation). The
	// batches are bitwise those of the synchronous mode.
	Prefetch bool
	// DeferX leaves each batch's rows of X to the loop body, which copies
	// them with Batch.FillX before it reads X (several goroutines may copy
	// disjoint rows at once): for a step that runs on several threads from
	// start to end, which then share the copy instead of waiting for one
	// thread to make it. Labels, Targets and Indices are filled as usual.
	DeferX bool
}

// Batch is one batch of examples, in buffers that the Loader reuses: it is
// valid until the loop asks for the next batch (as bufio.Scanner's Bytes).
// Copy out what must outlive the step.
type Batch struct {
	// X holds Size rows of Features values, row-major: the input tensor
	// (see Input). For MNIST they are pixels in [0, 1].
	X []float32
	// Labels holds the class of each row, in [0, the class count); empty
	// for a TensorDataset with regression targets.
	Labels []int
	// Targets holds the same classes as float32 values (exact: they are
	// below 2^24), the form of class indices in package tensor (as
	// ArgMaxDim returns them), or the regression targets, row-major; see
	// Target.
	Targets []float32
	// Indices holds the dataset index of each row.
	Indices []int
	// Size is the number of rows: BatchSize, or fewer in an epoch's last
	// batch without DropLast.
	Size int
	// Features is the number of values per row of X.
	Features int

	inputShape  []int     // one example's input shape
	targetShape []int     // one example's target shape (nil: a class index)
	srcX        []float32 // the source's rows FillX copies (LoaderOptions.DeferX); nil when X is filled
}

// Input returns X as a tensor sharing the batch's buffer, from arena a
// (allocation-free in steady state) or on the heap if a is nil: [Size,
// Features] for MNIST, [Size, ...] with a TensorDataset's input shape. It
// is valid as long as the batch is.
func (b *Batch) Input(a *tensor.Arena) *tensor.Tensor {
	if b.inputShape == nil { // a Batch made outside a Loader: [Size, Features]
		f := [1]int{b.Features}
		return batchTensor(a, b.X, b.Size, f[:])
	}
	return batchTensor(a, b.X, b.Size, b.inputShape)
}

// Target returns Targets as a tensor sharing the batch's buffer, as Input
// does: [Size] class indices, or [Size, ...] regression targets of a
// TensorDataset's target shape.
func (b *Batch) Target(a *tensor.Arena) *tensor.Tensor {
	return batchTensor(a, b.Targets, b.Size, b.targetShape)
}

// batchTensor wraps data as [size, shape...], the shape built on the stack
// so that a step allocates nothing.
func batchTensor(a *tensor.Arena, data []float32, size int, shape []int) *tensor.Tensor {
	var dims [tensor.MaxDims]int
	dims[0] = size
	n := 1 + copy(dims[1:], shape)
	if a == nil {
		return tensor.New(data, dims[:n]...)
	}
	return a.New(data, dims[:n]...)
}

// Loader delivers a Dataset in batches, epoch by epoch. Its buffers are
// allocated once, so a loop over batches allocates nothing per batch. One
// epoch of a Loader may be iterated at a time (several Loaders may share a
// Dataset).
type Loader struct {
	ds     Source
	src    rowSource
	opt    LoaderOptions
	order  []int    // the current epoch's dataset indices, in visiting order
	bufs   [2]Batch // bufs[0] alone when synchronous; both when prefetching
	active atomic.Bool
}

// NewLoader returns a Loader over ds (a *Dataset or a *TensorDataset). It
// is an error if ds is nil, BatchSize is not positive, Sampling is unknown,
// NumSamples is negative (or set without WithReplacement), or the dataset
// is empty (or, under WithReplacement, larger than 2^32-1 examples).
func NewLoader(ds Source, opt LoaderOptions) (*Loader, error) {
	switch {
	case ds == nil || isNilSource(ds):
		return nil, fmt.Errorf("data: NewLoader: the dataset is nil")
	case opt.BatchSize <= 0:
		return nil, fmt.Errorf("data: NewLoader: BatchSize is %d (accepted: positive)", opt.BatchSize)
	case opt.Sampling < Sequential || opt.Sampling > WithReplacement:
		return nil, fmt.Errorf("data: NewLoader: unknown Sampling %d (accepted: Sequential, Shuffle, WithReplacement)", int(opt.Sampling))
	case opt.NumSamples < 0:
		return nil, fmt.Errorf("data: NewLoader: NumSamples is %d (accepted: 0 for the dataset's length, or positive)", opt.NumSamples)
	case opt.NumSamples != 0 && opt.Sampling != WithReplacement:
		return nil, fmt.Errorf("data: NewLoader: NumSamples is %d with %v sampling (accepted only with WithReplacement; the others visit each example once)", opt.NumSamples, opt.Sampling)
	case ds.Len() == 0:
		return nil, fmt.Errorf("data: NewLoader: the dataset is empty")
	case uint64(ds.Len()) > 1<<32-1:
		return nil, fmt.Errorf("data: NewLoader: the dataset has %d examples (accepted: at most 2^32-1)", ds.Len())
	}
	n := ds.Len()
	if opt.Sampling == WithReplacement && opt.NumSamples == 0 {
		opt.NumSamples = n
	}
	if opt.Sampling == WithReplacement {
		n = opt.NumSamples
	}
	src := ds.rows()
	l := &Loader{ds: ds, src: src, opt: opt, order: make([]int, n)}
	for i := range l.order {
		l.order[i] = i // Sequential's order, never changed
	}
	nbuf := 1
	if opt.Prefetch {
		nbuf = 2
	}
	f := src.features
	b := min(opt.BatchSize, n)
	for i := range nbuf {
		l.bufs[i] = Batch{
			X:           make([]float32, b*f),
			Targets:     make([]float32, b*src.targetWidth),
			Indices:     make([]int, b),
			Features:    f,
			inputShape:  src.xShape,
			targetShape: src.targetShape,
		}
		if src.labels != nil {
			l.bufs[i].Labels = make([]int, b)
		}
	}
	return l, nil
}

// Len returns the number of batches per epoch: ceil(S/BatchSize), or
// floor(S/BatchSize) with DropLast, where S is the dataset's length (or
// NumSamples under WithReplacement).
func (l *Loader) Len() int {
	n, b := len(l.order), l.opt.BatchSize
	if l.opt.DropLast {
		return n / b
	}
	// Not (n+b-1)/b, which wraps for b near the int range.
	return n/b + min(n%b, 1)
}

// Order returns the dataset indices that epoch visits, in order (a new
// slice): what the batches of Epoch(epoch) hold, concatenated.
func (l *Loader) Order(epoch int) []int {
	if !l.active.CompareAndSwap(false, true) {
		panic(&UsageError{"Loader.Order", "an epoch of this Loader is being iterated (a Loader serves one loop at a time)"})
	}
	defer l.active.Store(false)
	l.setOrder(epoch)
	return append([]int(nil), l.order...)
}

// setOrder computes epoch's order into l.order (see sampler.go).
func (l *Loader) setOrder(epoch int) {
	switch l.opt.Sampling {
	case Shuffle:
		shuffleOrder(tensor.NewGenerator(epochSeed(l.opt.Seed, epoch)), l.order)
	case WithReplacement:
		replacementOrder(tensor.NewGenerator(epochSeed(l.opt.Seed, epoch)), l.order, l.ds.Len())
	}
}

// fill assembles batch k of the current order into b.
func (l *Loader) fill(b *Batch, k int) {
	bs := l.opt.BatchSize
	lo := k * bs // k < Len(), so lo < len(l.order): no overflow
	idx := l.order[lo : lo+min(bs, len(l.order)-lo)]
	f := b.Features
	b.Size = len(idx)
	s := &l.src
	tw := s.targetWidth
	b.X = b.X[:len(idx)*f]
	b.Targets = b.Targets[:len(idx)*tw]
	b.Indices = b.Indices[:len(idx)]
	if s.labels != nil {
		b.Labels = b.Labels[:len(idx)]
	}
	b.srcX = nil
	if l.opt.DeferX {
		b.srcX = s.x
	}
	for r, i := range idx {
		if b.srcX == nil {
			copy(b.X[r*f:(r+1)*f], s.x[i*f:(i+1)*f])
		}
		if s.labels != nil {
			y := s.labels[i]
			b.Labels[r] = y
			b.Targets[r] = float32(y)
		} else {
			copy(b.Targets[r*tw:(r+1)*tw], s.targets[i*tw:(i+1)*tw])
		}
		b.Indices[r] = i
	}
}

// FillX copies rows [lo, hi) of the batch's examples into X, where the
// Loader has DeferX (else X is already filled and FillX does nothing).
// Calls for disjoint rows may run concurrently. It panics unless 0 <= lo
// <= hi <= Size.
func (b *Batch) FillX(lo, hi int) {
	if lo < 0 || hi < lo || hi > b.Size {
		panic(fmt.Sprintf("data: Batch.FillX(%d, %d) on a batch of %d rows", lo, hi, b.Size))
	}
	if b.srcX == nil {
		return
	}
	f := b.Features
	for r := lo; r < hi; r++ {
		i := b.Indices[r]
		copy(b.X[r*f:(r+1)*f], b.srcX[i*f:(i+1)*f])
	}
}

// Deferred reports whether X awaits FillX (LoaderOptions.DeferX).
func (b *Batch) Deferred() bool { return b.srcX != nil }

// Epoch returns the batches of epoch number epoch (counted from 0; the
// order depends on the seed and the epoch only), for a range loop:
//
//	for b := range loader.Epoch(e) {
//		x := b.Input(arena) // [b.Size, 784]
//		...
//	}
//
// Each *Batch is valid until the loop continues. Breaking out of the loop
// (or a panic in it) stops a prefetching goroutine before the loop
// statement ends. Iterating a second epoch of the same Loader while one
// runs is a programming error and panics.
func (l *Loader) Epoch(epoch int) iter.Seq[*Batch] {
	return func(yield func(*Batch) bool) {
		if !l.active.CompareAndSwap(false, true) {
			panic(&UsageError{"Loader.Epoch", "an epoch of this Loader is already being iterated (a Loader serves one loop at a time)"})
		}
		defer l.active.Store(false)
		l.setOrder(epoch)
		if l.opt.Prefetch {
			l.prefetch(yield)
			return
		}
		b := &l.bufs[0]
		for k := range l.Len() {
			l.fill(b, k)
			if !yield(b) {
				return
			}
		}
	}
}

// prefetch runs an epoch with a producer goroutine that fills the two
// buffers in turn. Buffers circulate through two channels of capacity 2:
// free (empty buffers) and full (assembled ones, in batch order). While the
// loop body holds one buffer the producer fills the other, then waits for a
// free one; neither channel can block a send, since only two buffers exist.
// On return, for whatever reason, done tells the producer to stop and the
// loop waits until it has: no goroutine outlives the epoch.
func (l *Loader) prefetch(yield func(*Batch) bool) {
	free := make(chan *Batch, 2)
	full := make(chan *Batch, 2)
	done := make(chan struct{})
	exited := make(chan struct{})
	free <- &l.bufs[0]
	free <- &l.bufs[1]
	nb := l.Len()
	go func() {
		defer close(exited)
		defer close(full)
		for k := range nb {
			var b *Batch
			select {
			case b = <-free:
			case <-done:
				return
			}
			select {
			case <-done: // select chose free although done was closed too
				return
			default:
			}
			l.fill(b, k)
			full <- b
		}
	}()
	defer func() {
		close(done)
		<-exited
	}()
	for b := range full {
		if !yield(b) {
			return
		}
		free <- b
	}
}

// isNilSource reports whether ds holds a nil *Dataset or *TensorDataset.
func isNilSource(ds Source) bool {
	switch d := ds.(type) {
	case *Dataset:
		return d == nil
	case *TensorDataset:
		return d == nil
	}
	return false
}
