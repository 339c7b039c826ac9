package tensor

import "github.com/vecgrad/vecgrad/kernels"

// Arena is reusable memory for the tensors of one training step (or one
// evaluation batch): the storage of every tensor an operation creates from an
// arena operand, the Tensor values themselves, the gradients of those
// tensors and Backward's scratch space. Reset releases all of it at once for
// the next step; a step that repeats with the same shapes then runs without
// any Go heap allocation, because the same requests find the same memory.
//
// A tensor belongs to an arena when it was created by one of the arena's
// constructors or by an operation one of whose operands belongs to it (the
// first operand's arena wins). Parameters created with the package-level
// constructors live on the Go heap, and so do their gradients: they survive
// Reset.
//
// After Reset every tensor of the arena is invalid: its memory is handed out
// again. Keep results across steps by copying them out (Item, Data) first.
// An Arena is not safe for concurrent use.
type Arena struct {
	chunks [][]float32
	ci     int // chunk in use
	used   int // floats used in chunks[ci]

	blocks [][]Tensor
	bi, bj int // next Tensor is blocks[bi][bj]

	order, stack []*Tensor // Backward's scratch
}

const (
	arenaMinChunk = 1 << 16 // floats
	arenaBlock    = 128     // Tensor values per block
	arenaAlign    = 16      // floats (64 bytes): each tensor's storage starts on a cache line of the chunk
)

// NewArena returns an empty arena; it grows on demand.
func NewArena() *Arena { return &Arena{} }

// Reset makes all of the arena's memory available again, invalidating every
// tensor that came from it.
func (a *Arena) Reset() {
	for i := 0; i < a.bi && i < len(a.blocks); i++ {
		clear(a.blocks[i]) // drop the references old tensors hold
	}
	if a.bi < len(a.blocks) {
		clear(a.blocks[a.bi][:a.bj])
	}
	a.ci, a.used, a.bi, a.bj = 0, 0, 0, 0
	clear(a.order[:cap(a.order)])
	clear(a.stack[:cap(a.stack)])
	a.order, a.stack = a.order[:0], a.stack[:0]
}

// floats returns n floats of storage: uninitialized ones from the arena, or
// zeroed ones from the heap when a is nil.
func (a *Arena) floats(n int) []float32 {
	if a == nil {
		return make([]float32, n)
	}
	need := (n + arenaAlign - 1) &^ (arenaAlign - 1)
	for a.ci < len(a.chunks) {
		c := a.chunks[a.ci]
		if a.used+need <= len(c) {
			s := c[a.used : a.used+n : a.used+n]
			a.used += need
			return s
		}
		a.ci++
		a.used = 0
	}
	size := arenaMinChunk
	if k := len(a.chunks); k > 0 {
		size = max(size, 2*len(a.chunks[k-1]))
	}
	size = max(size, need)
	a.chunks = append(a.chunks, make([]float32, size))
	a.ci = len(a.chunks) - 1
	a.used = need
	return a.chunks[a.ci][:n:n]
}

// tensor returns a zero Tensor value from the arena (or the heap if a is nil)
// that remembers the arena.
func (a *Arena) tensor() *Tensor {
	if a == nil {
		return &Tensor{}
	}
	if a.bi == len(a.blocks) {
		a.blocks = append(a.blocks, make([]Tensor, arenaBlock))
	}
	t := &a.blocks[a.bi][a.bj]
	a.bj++
	if a.bj == arenaBlock {
		a.bi, a.bj = a.bi+1, 0
	}
	t.arena = a
	return t
}

// FromSlice is the package's FromSlice for a tensor in the arena; the data is
// shared, not copied, and stays the caller's.
func (a *Arena) FromSlice(data []float32, shape ...int) (*Tensor, error) {
	return fromSlice(a, data, shape)
}

// New is the package's New for a tensor in the arena (it panics where
// FromSlice returns an error).
func (a *Arena) New(data []float32, shape ...int) *Tensor {
	t, err := fromSlice(a, data, shape)
	if err != nil {
		panic(err)
	}
	return t
}

// Zeros returns a zero-filled tensor whose storage comes from the arena.
func (a *Arena) Zeros(shape ...int) *Tensor {
	mustShape("Zeros", shape)
	return newZeros(a, shape)
}

// Full returns a tensor in the arena with every element v.
func (a *Arena) Full(v float32, shape ...int) *Tensor {
	mustShape("Full", shape)
	t := newTensor(a, shape)
	kernels.Fill(t.data, v)
	return t
}

// arenaOf picks the arena of an operation's result: the first operand's
// that has one.
func arenaOf(ts ...*Tensor) *Arena {
	for _, t := range ts {
		if t.arena != nil {
			return t.arena
		}
	}
	return nil
}
