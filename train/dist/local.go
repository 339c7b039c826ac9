package dist

import (
	"fmt"
	"sync"
)

// NewLocal returns size communicators that share one process: rank r's is
// element r, to be used by one goroutine each. Their collectives meet in
// shared memory. AllReduceSum adds the ranks' buffers in rank order,
// ((b0 + b1) + b2) + ..., rounding after each addition as float32 does,
// and gives every rank those bits: a reference that does not depend on
// timing. It panics unless size >= 1 (a programming error).
func NewLocal(size int) []Comm {
	if size < 1 {
		panic(fmt.Sprintf("dist: NewLocal(%d): want at least one rank", size))
	}
	g := &localGroup{size: size, bufs: make([][]float32, size)}
	g.cond = sync.NewCond(&g.mu)
	out := make([]Comm, size)
	for r := range out {
		out[r] = &local{g: g, rank: r}
	}
	return out
}

// localGroup is the state the ranks of NewLocal share: each collective is
// a generation in which every rank deposits its buffer, the last to arrive
// computes the result, and all copy it out before the next generation
// starts.
type localGroup struct {
	mu      sync.Mutex
	cond    *sync.Cond
	size    int
	arrived int
	left    int // ranks yet to copy the result out
	gen     uint64
	op      string
	n       int
	bufs    [][]float32
	result  []float32
	err     error
}

type local struct {
	g    *localGroup
	rank int
}

func (c *local) Rank() int { return c.rank }
func (c *local) Size() int { return c.g.size }

func (c *local) AllReduceSum(buf []float32) error {
	return c.collective("AllReduceSum", buf, func(bufs [][]float32, out []float32) {
		copy(out, bufs[0])
		for _, b := range bufs[1:] {
			for i, v := range b {
				out[i] += v
			}
		}
	})
}

func (c *local) Broadcast(buf []float32, root int) error {
	if err := checkRoot(root, c.g.size); err != nil {
		return err
	}
	return c.collective(fmt.Sprintf("Broadcast(root %d)", root), buf, func(bufs [][]float32, out []float32) {
		copy(out, bufs[root])
	})
}

func (c *local) Barrier() error { return c.collective("Barrier", nil, func([][]float32, []float32) {}) }

// collective runs one collective operation: it waits until the previous
// one has been copied out by every rank, deposits buf, and the last rank
// to arrive checks that all called the same operation on the same length,
// computes the result with combine and wakes the others; each copies the
// result into its buf.
func (c *local) collective(op string, buf []float32, combine func(bufs [][]float32, out []float32)) error {
	g := c.g
	g.mu.Lock()
	defer g.mu.Unlock()
	for g.left > 0 { // the previous collective's result is still being read
		g.cond.Wait()
	}
	if g.arrived == 0 {
		g.op, g.n, g.err = op, len(buf), nil
	} else if g.op != op || g.n != len(buf) {
		g.err = fmt.Errorf("dist: rank %d called %s on %d values while another rank called %s on %d (every rank must call the same collectives in the same order)",
			c.rank, op, len(buf), g.op, g.n)
	}
	g.bufs[c.rank] = buf
	g.arrived++
	gen := g.gen
	if g.arrived == g.size {
		if g.err == nil {
			if cap(g.result) < g.n {
				g.result = make([]float32, g.n)
			}
			combine(g.bufs, g.result[:g.n])
		}
		g.arrived, g.left = 0, g.size
		g.gen++
		g.cond.Broadcast()
	}
	for g.gen == gen {
		g.cond.Wait()
	}
	err := g.err
	if err == nil {
		copy(buf, g.result[:g.n])
	}
	g.bufs[c.rank] = nil
	g.left--
	if g.left == 0 {
		g.cond.Broadcast()
	}
	return err
}
