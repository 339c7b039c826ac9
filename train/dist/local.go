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
//
// The ranks are one machine's (Machines, SharedMemory); NewLocalMachines
// groups them into several.
func NewLocal(size int) []Comm {
	if size < 1 {
		panic(fmt.Sprintf("dist: NewLocal(%d): want at least one rank", size))
	}
	return NewLocalMachines(1, size)
}

// NewLocalMachines is NewLocal(machines*perMachine) with the ranks grouped
// into machines of perMachine consecutive ranks (for ByMachine), as mpirun
// places them by default: what tests of the hierarchical sum's path across
// machines use. It panics unless both are at least 1.
func NewLocalMachines(machines, perMachine int) []Comm {
	if machines < 1 || perMachine < 1 {
		panic(fmt.Sprintf("dist: NewLocalMachines(%d, %d): want at least one machine of at least one rank", machines, perMachine))
	}
	world := newLocalGroup(machines * perMachine)
	machineGroups := make([]*localGroup, machines)
	for m := range machineGroups {
		machineGroups[m] = newLocalGroup(perMachine)
	}
	acrossGroups := make([]*localGroup, perMachine)
	for p := range acrossGroups {
		acrossGroups[p] = newLocalGroup(machines)
	}
	out := make([]Comm, machines*perMachine)
	for r := range out {
		m, p := r/perMachine, r%perMachine
		out[r] = &local{g: world, rank: r,
			machine: &local{g: machineGroups[m], rank: p},
			across:  &local{g: acrossGroups[p], rank: m}}
	}
	return out
}

func newLocalGroup(size int) *localGroup {
	g := &localGroup{size: size, bufs: make([][]float32, size)}
	g.cond = sync.NewCond(&g.mu)
	return g
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
	shared  [][]float32 // the buffers of the last AllocShared
	err     error
}

// local is a rank of a localGroup. A world rank of NewLocalMachines also
// has its machine's and its across communicators; the machine's and the
// across communicators are one machine each, of themselves.
type local struct {
	g               *localGroup
	rank            int
	machine, across *local
}

var (
	_ Machines     = (*local)(nil)
	_ SharedMemory = (*local)(nil)
)

// ByMachine returns the communicators of NewLocalMachines' grouping.
func (c *local) ByMachine() (SharedMemory, Comm, error) {
	if c.machine == nil {
		return c, NewLocal(1)[0], nil
	}
	return c.machine, c.across, nil
}

// AllocShared allocates the buffers in the process's memory: every rank
// of the group receives the same slices.
func (c *local) AllocShared(n int) (SharedBuffers, error) {
	if n < 0 {
		return nil, fmt.Errorf("dist: AllocShared(%d): want n >= 0", n)
	}
	var slots [][]float32
	err := c.collective(fmt.Sprintf("AllocShared(%d)", n), nil, func([][]float32, []float32) {
		c.g.shared = make([][]float32, c.g.size)
		for r := range c.g.shared {
			c.g.shared[r] = make([]float32, n)
		}
	}, func() { slots = c.g.shared })
	return localShared{c: c, slots: slots}, err
}

// localShared is AllocShared's result: the group's collectives order
// memory, being taken under one mutex.
type localShared struct {
	c     *local
	slots [][]float32
}

func (s localShared) Slot(r int) []float32 { return s.slots[r] }
func (s localShared) Fence() error         { return s.c.Barrier() }
func (s localShared) Free() error          { return s.c.Barrier() }

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
	}, nil)
}

func (c *local) Broadcast(buf []float32, root int) error {
	if err := checkRoot(root, c.g.size); err != nil {
		return err
	}
	return c.collective(fmt.Sprintf("Broadcast(root %d)", root), buf, func(bufs [][]float32, out []float32) {
		copy(out, bufs[root])
	}, nil)
}

func (c *local) Barrier() error {
	return c.collective("Barrier", nil, func([][]float32, []float32) {}, nil)
}

// collective runs one collective operation: it waits until the previous
// one has been copied out by every rank, deposits buf, and the last rank
// to arrive checks that all called the same operation on the same length,
// computes the result with combine and wakes the others; each copies the
// result into its buf and, with take, takes whatever else combine left in
// the group (under the group's lock).
func (c *local) collective(op string, buf []float32, combine func(bufs [][]float32, out []float32), take func()) error {
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
		if take != nil {
			take()
		}
	}
	g.bufs[c.rank] = nil
	g.left--
	if g.left == 0 {
		g.cond.Broadcast()
	}
	return err
}
