package dist

import (
	"errors"
	"fmt"

	"github.com/vecgrad/vecgrad/kernels"
)

// HierarchicalSum sums a buffer of n floats across the ranks of a job in
// two levels, as NCCL's and Horovod's hierarchical all-reduce do:
//
//  1. Within a machine, through shared memory (reduce-scatter): every rank
//     writes its values straight into its shared buffer (Buffer); after a
//     fence, rank r of the machine sums part r of every buffer of the
//     machine, in rank order, into its own.
//  2. Across machines: each rank all-reduces its part with the ranks that
//     have its place on the other machines (a ring of 1/L of the data,
//     L the ranks per machine; nothing on one machine).
//  3. Within the machine again (all-gather): after a fence, each rank
//     copies the other parts from their owners' buffers into its own.
//
// On one machine the sum costs each rank L-1 reads of a 1/L part and a
// copy of the rest, in memory, against a message-passing all-reduce whose
// every byte goes through MPI's copy-in, copy-out buffers
// (docs/distributed.md has both measured).
//
// Determinism: element j is summed over the machine's ranks in rank order,
// ((b0 + b1) + b2) + ..., then across machines in the order of Across's
// AllReduceSum. For one machine that is NewLocal's AllReduceSum, bit for
// bit; every rank receives the same bits.
//
// The methods are collective over the job: every rank calls the same ones
// with the same ranges, in the same order. A buffer may be summed in
// pieces (a layer's gradients as soon as they are complete): ReduceScatter
// and Across of each piece, then one AllGather of all the pieces. Each
// piece is split into parts of its own, so AllGather takes the pieces as
// ReduceScatter took them.
type HierarchicalSum struct {
	machine SharedMemory
	across  Comm
	shared  SharedBuffers
	n       int
	scratch []float32 // a chunk of partial sums, for more than two ranks
}

// sumChunk is the floats summed at a time across more than two buffers:
// the partial sums of a chunk stay in L1.
const sumChunk = 2048

// partUnit aligns the parts to 64-byte cache lines (of the buffers'
// offsets).
const partUnit = 16

// NewHierarchicalSum allocates, collectively, the shared buffers of a sum
// of n floats across the ranks of c. It returns nil and no error when c's
// ranks cannot be grouped by machine (c is not Machines); an error, on
// every rank, when they are grouped unevenly.
func NewHierarchicalSum(c Comm, n int) (*HierarchicalSum, error) {
	if n < 0 {
		return nil, fmt.Errorf("dist: NewHierarchicalSum of %d floats: want n >= 0", n)
	}
	m, ok := c.(Machines)
	if !ok {
		return nil, nil
	}
	machine, across, err := m.ByMachine()
	if err != nil {
		return nil, err
	}
	shared, err := machine.AllocShared(n)
	if err != nil {
		return nil, err
	}
	h := &HierarchicalSum{machine: machine, across: across, shared: shared, n: n}
	if machine.Size() > 2 {
		h.scratch = make([]float32, sumChunk)
	}
	return h, nil
}

// Buffer returns this rank's shared buffer: the values to sum go there,
// and the sums come back there.
func (h *HierarchicalSum) Buffer() []float32 { return h.shared.Slot(h.machine.Rank()) }

// Machines returns the number of machines and the ranks on each.
func (h *HierarchicalSum) Machines() (machines, ranksPerMachine int) {
	return h.across.Size(), h.machine.Size()
}

// part returns rank r's part of [lo, hi).
func (h *HierarchicalSum) part(lo, hi, r int) (int, int) {
	a, b := kernels.Split(hi-lo, partUnit, r, h.machine.Size())
	return lo + a, lo + b
}

// ReduceScatter sums, after a fence, this rank's part of [lo, hi) over
// the machine's buffers into its own buffer.
func (h *HierarchicalSum) ReduceScatter(lo, hi int) error {
	if err := h.checkRange("ReduceScatter", lo, hi); err != nil {
		return err
	}
	if err := h.shared.Fence(); err != nil {
		return err
	}
	size, me := h.machine.Size(), h.machine.Rank()
	a, b := h.part(lo, hi, me)
	dst := h.shared.Slot(me)[a:b]
	switch {
	case size == 1 || a == b:
	case size == 2:
		kernels.Binary(kernels.OpAdd, dst, h.shared.Slot(0)[a:b], h.shared.Slot(1)[a:b])
	default:
		// dst is one of the terms: sum each chunk aside, then store it.
		for c := a; c < b; c += sumChunk {
			e := min(c+sumChunk, b)
			acc := h.scratch[:e-c]
			kernels.Binary(kernels.OpAdd, acc, h.shared.Slot(0)[c:e], h.shared.Slot(1)[c:e])
			for r := 2; r < size; r++ {
				kernels.Binary(kernels.OpAdd, acc, acc, h.shared.Slot(r)[c:e])
			}
			copy(dst[c-a:], acc)
		}
	}
	return nil
}

// Across all-reduces this rank's part of [lo, hi), summed by
// ReduceScatter, with the ranks in its place on the other machines.
func (h *HierarchicalSum) Across(lo, hi int) error {
	if err := h.checkRange("Across", lo, hi); err != nil {
		return err
	}
	if h.across.Size() == 1 {
		return nil
	}
	a, b := h.part(lo, hi, h.machine.Rank())
	return h.across.AllReduceSum(h.Buffer()[a:b])
}

// Range is the elements [Lo, Hi) of a buffer.
type Range struct{ Lo, Hi int }

// AllGather copies, after a fence, the other ranks' parts of the pieces,
// each split as ReduceScatter split it, into this rank's buffer, and
// fences again (so that no rank writes its buffer while another still
// reads it).
func (h *HierarchicalSum) AllGather(pieces ...Range) error {
	mine := h.Buffer()
	return h.GatherInto(func(a, b int, src []float32) { copy(mine[a:b], src) }, pieces...)
}

// Own returns this rank's part of the piece [lo, hi): where ReduceScatter
// and Across leave the piece's sum in this rank's Buffer.
func (h *HierarchicalSum) Own(lo, hi int) Range {
	a, b := h.part(lo, hi, h.machine.Rank())
	return Range{a, b}
}

// GatherInto is AllGather with a destination of the caller's: after a
// fence, put(a, b, src) receives each other rank's part [a, b) of each
// piece (split as ReduceScatter split it), src its values in that rank's
// buffer, to be copied out before the second fence, after which the ranks
// may write their buffers again. A rank that put its own results in its
// part of its buffer (a sharded optimizer's updated parameters) hands
// them to the others so.
func (h *HierarchicalSum) GatherInto(put func(a, b int, src []float32), pieces ...Range) error {
	for _, p := range pieces {
		if err := h.checkRange("GatherInto", p.Lo, p.Hi); err != nil {
			return err
		}
	}
	if h.machine.Size() == 1 {
		return nil
	}
	if err := h.shared.Fence(); err != nil {
		return err
	}
	me := h.machine.Rank()
	for _, p := range pieces {
		for r := range h.machine.Size() {
			if a, b := h.part(p.Lo, p.Hi, r); r != me && a < b {
				put(a, b, h.shared.Slot(r)[a:b])
			}
		}
	}
	return h.shared.Fence()
}

// ShareParts gives every rank of each machine the values that each rank
// holds for its own parts of the pieces: view(a, b) returns the caller's
// slices for the elements [a, b) (any number, the same on every rank), and
// each rank's part is broadcast from it to the others of its machine. The
// machines' ranks in the same place hold the same parts, so no message
// crosses machines. It is how a sharded optimizer's state, each rank
// stepping its own part, comes together for a checkpoint.
func (h *HierarchicalSum) ShareParts(view func(a, b int) [][]float32, pieces ...Range) error {
	for _, p := range pieces {
		if err := h.checkRange("ShareParts", p.Lo, p.Hi); err != nil {
			return err
		}
		for r := range h.machine.Size() {
			a, b := h.part(p.Lo, p.Hi, r)
			if a == b {
				continue
			}
			for _, v := range view(a, b) {
				if err := h.machine.Broadcast(v, r); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// AllReduce sums [lo, hi) of every rank's buffer into every rank's:
// ReduceScatter, Across and AllGather.
func (h *HierarchicalSum) AllReduce(lo, hi int) error {
	if err := h.ReduceScatter(lo, hi); err != nil {
		return err
	}
	if err := h.Across(lo, hi); err != nil {
		return err
	}
	return h.AllGather(Range{lo, hi})
}

// Close frees the shared buffers, collectively.
func (h *HierarchicalSum) Close() error { return h.shared.Free() }

func (h *HierarchicalSum) checkRange(op string, lo, hi int) error {
	if lo < 0 || hi < lo || hi > h.n {
		return fmt.Errorf("dist: HierarchicalSum.%s(%d, %d): want 0 <= lo <= hi <= %d", op, lo, hi, h.n)
	}
	return nil
}

// errUneven is ByMachine's error when machines hold different numbers of
// ranks.
var errUneven = errors.New("dist: the machines hold different numbers of ranks: the hierarchical sum needs as many on each")
