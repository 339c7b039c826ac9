package dist

import (
	"math"
	"strings"
	"sync"
	"testing"
)

// runComms runs f on every rank of comms at once and returns their errors.
func runComms(comms []Comm, f func(c Comm) error) []error {
	errs := make([]error, len(comms))
	var wg sync.WaitGroup
	for r, c := range comms {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[r] = f(c)
		}()
	}
	wg.Wait()
	return errs
}

// hierValue is rank r's value at element i in round k: values of mixed
// magnitudes, so that the order of the additions shows in the bits.
func hierValue(r, i, k int) float32 {
	return float32(math.Sin(float64(1+r*7919+i*31+k))) * float32(math.Pow(10, float64((i+r)%9-4)))
}

// hierWant is the sum the hierarchical order gives: over each machine's
// ranks in rank order, rounded to float32 after each addition, then over
// the machines in order.
func hierWant(machines, per, i, k int) float32 {
	var total float32
	for m := range machines {
		sum := hierValue(m*per, i, k)
		for p := 1; p < per; p++ {
			sum += hierValue(m*per+p, i, k)
		}
		if m == 0 {
			total = sum
		} else {
			total += sum
		}
	}
	return total
}

// TestHierarchicalSum: on one machine of 1 to 5 ranks and on 2 and 3
// machines of 1 to 3 ranks (NewLocalMachines), the sum of each element is
// the hierarchical order's, bit for bit, on every rank; on one machine that
// is also Local's AllReduceSum. Lengths cover parts of whole cache lines,
// remainders, empty parts and nothing at all; the sum is taken whole, and
// in two pieces (ReduceScatter and Across of each, one AllGather), over
// several rounds on the same buffers.
func TestHierarchicalSum(t *testing.T) {
	layouts := [][2]int{{1, 1}, {1, 2}, {1, 3}, {1, 4}, {1, 5}, {2, 1}, {2, 2}, {2, 3}, {3, 2}}
	for _, lay := range layouts {
		machines, per := lay[0], lay[1]
		for _, n := range []int{0, 1, 15, 16, 17, 100, 5000} {
			errs := runComms(NewLocalMachines(machines, per), func(c Comm) error {
				h, err := NewHierarchicalSum(c, n)
				if err != nil {
					return err
				}
				if m, p := h.Machines(); m != machines || p != per {
					t.Errorf("Machines() = %d, %d; want %d, %d", m, p, machines, per)
				}
				reference := make([]float32, n)
				for k := range 3 {
					buf := h.Buffer()
					for i := range buf {
						buf[i] = hierValue(c.Rank(), i, k)
						reference[i] = buf[i]
					}
					if k == 1 { // in two pieces
						pieces := []Range{{0, n / 3}, {n / 3, n}}
						for _, p := range pieces {
							if err := h.ReduceScatter(p.Lo, p.Hi); err != nil {
								return err
							}
							if err := h.Across(p.Lo, p.Hi); err != nil {
								return err
							}
						}
						err = h.AllGather(pieces...)
					} else {
						err = h.AllReduce(0, n)
					}
					if err != nil {
						return err
					}
					if machines == 1 {
						if err := c.AllReduceSum(reference); err != nil {
							return err
						}
					}
					for i, v := range h.Buffer() {
						want := hierWant(machines, per, i, k)
						if math.Float32bits(v) != math.Float32bits(want) {
							t.Errorf("%d machines of %d, n %d, round %d, rank %d: element %d is %v, want %v", machines, per, n, k, c.Rank(), i, v, want)
							return nil
						}
						if machines == 1 && math.Float32bits(v) != math.Float32bits(reference[i]) {
							t.Errorf("one machine of %d, n %d: element %d is %v, Local's AllReduceSum %v", per, n, i, v, reference[i])
							return nil
						}
					}
				}
				return h.Close()
			})
			for r, err := range errs {
				if err != nil {
					t.Fatalf("%d machines of %d, n %d, rank %d: %v", machines, per, n, r, err)
				}
			}
		}
	}
}

// TestHierarchicalSumRanges: a range outside the buffer is an error naming
// the accepted one (on every rank alike, so that none waits for another).
func TestHierarchicalSumRanges(t *testing.T) {
	errs := runComms(NewLocal(2), func(c Comm) error {
		h, err := NewHierarchicalSum(c, 10)
		if err != nil {
			return err
		}
		for _, r := range [][2]int{{-1, 5}, {6, 5}, {0, 11}} {
			err := h.AllReduce(r[0], r[1])
			if err == nil || !strings.Contains(err.Error(), "want 0 <= lo <= hi <= 10") {
				t.Errorf("AllReduce(%d, %d) of 10: error %v", r[0], r[1], err)
			}
		}
		return h.Close()
	})
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if _, err := NewHierarchicalSum(NewLocal(1)[0], -1); err == nil {
		t.Error("NewHierarchicalSum of -1 floats: no error")
	}
}

// plainComm is a Comm without Machines.
type plainComm struct{ Comm }

// TestHierarchicalSumNeedsMachines: a communicator that cannot be grouped
// by machine gives no sum and no error (the caller uses AllReduceSum).
func TestHierarchicalSumNeedsMachines(t *testing.T) {
	h, err := NewHierarchicalSum(plainComm{NewLocal(1)[0]}, 4)
	if h != nil || err != nil {
		t.Errorf("NewHierarchicalSum of a Comm without Machines = %v, %v; want nil, nil", h, err)
	}
}

// TestHierarchicalSumParts: the ranks' Own parts of a piece partition it
// on each machine (the same parts on every machine); GatherInto hands each
// rank exactly the other ranks' parts of what they put in their buffers;
// ShareParts gives every rank every part of what each rank holds for its
// own.
func TestHierarchicalSumParts(t *testing.T) {
	const n = 1000
	pieces := []Range{{0, 300}, {300, 301}, {301, n}}
	for _, lay := range [][2]int{{1, 1}, {1, 3}, {2, 2}, {2, 3}} {
		machines, per := lay[0], lay[1]
		owner := make([][]int, machines*per) // each rank's view of who owns i
		errs := runComms(NewLocalMachines(machines, per), func(c Comm) error {
			h, err := NewHierarchicalSum(c, n)
			if err != nil {
				return err
			}
			defer h.Close()
			me := c.Rank() % per
			buf := h.Buffer()
			mine := make([]bool, n)
			for _, p := range pieces {
				own := h.Own(p.Lo, p.Hi)
				for i := own.Lo; i < own.Hi; i++ {
					mine[i] = true
					buf[i] = float32(i)
				}
			}
			got := make([]float32, n)
			for i := range got {
				got[i] = -1
			}
			if err := h.GatherInto(func(a, b int, src []float32) {
				for i := a; i < b; i++ {
					if mine[i] || got[i] != -1 {
						t.Errorf("rank %d: element %d handed twice or its own", c.Rank(), i)
					}
				}
				copy(got[a:b], src)
			}, pieces...); err != nil {
				return err
			}
			priv := make([]float32, n)
			owner[c.Rank()] = make([]int, n)
			for i := range n {
				if mine[i] {
					priv[i], got[i] = float32(i), float32(i)
					owner[c.Rank()][i] = me
				} else {
					priv[i] = -1
					owner[c.Rank()][i] = -1
				}
			}
			if err := h.ShareParts(func(a, b int) [][]float32 { return [][]float32{priv[a:b]} }, pieces...); err != nil {
				return err
			}
			for i := range n {
				if got[i] != float32(i) || priv[i] != float32(i) {
					t.Errorf("%d machines of %d, rank %d: element %d gathered %v, shared %v; want %d", machines, per, c.Rank(), i, got[i], priv[i], i)
					return nil
				}
			}
			return nil
		})
		for r, err := range errs {
			if err != nil {
				t.Fatalf("%d machines of %d, rank %d: %v", machines, per, r, err)
			}
		}
		for i := range n {
			owners := 0
			for r := 0; r < per; r++ {
				if owner[r][i] >= 0 {
					owners++
				}
				if owner[r][i] != owner[per*(machines-1)+r][i] {
					t.Fatalf("element %d: machine 0's rank %d and the last machine's differ in ownership", i, r)
				}
			}
			if owners != 1 {
				t.Fatalf("%d machines of %d: element %d owned by %d ranks of machine 0", machines, per, i, owners)
			}
		}
	}
}
