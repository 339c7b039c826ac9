package dist

import (
	"math"
	"strings"
	"testing"
)

// runRanks runs f on every rank of NewLocal(size) at once and returns
// their errors.
func runRanks(size int, f func(c Comm) error) []error {
	return runComms(NewLocal(size), f)
}

// TestLocalAllReduceSum: every rank gets the sum of every rank's buffer,
// exact for small integers (checked in float64), and for values whose sum
// depends on the order, the rank-order sum ((b0 + b1) + b2) + b3, the same
// bits on every rank; many collectives in a row keep their generations
// apart.
func TestLocalAllReduceSum(t *testing.T) {
	for size := 1; size <= 4; size++ {
		const n, rounds = 1003, 50
		results := make([][]float32, size)
		errs := runRanks(size, func(c Comm) error {
			buf := make([]float32, n)
			for round := range rounds {
				for i := range buf {
					buf[i] = float32(c.Rank()*1000 + i%17 + round)
				}
				if err := c.AllReduceSum(buf); err != nil {
					return err
				}
				for i, v := range buf {
					want := 0.0
					for r := range size {
						want += float64(r*1000 + i%17 + round)
					}
					if float64(v) != want {
						t.Errorf("size %d rank %d round %d: element %d is %v, want %v", size, c.Rank(), round, i, v, want)
						return nil
					}
				}
			}
			// Order: 1e8 + 1 - 1e8 + 1 in rank order is 1 in float32.
			ordered := []float32{1e8, 1, -1e8, 1}[:size]
			b := []float32{ordered[c.Rank()]}
			if err := c.AllReduceSum(b); err != nil {
				return err
			}
			results[c.Rank()] = b
			return nil
		})
		for r, err := range errs {
			if err != nil {
				t.Fatalf("size %d rank %d: %v", size, r, err)
			}
		}
		want := []float32{1e8, 1e8, 0, 1}[size-1] // ((1e8 + 1) - 1e8) + 1: the 1 is lost in the first sum
		for r, b := range results {
			if math.Float32bits(b[0]) != math.Float32bits(want) {
				t.Errorf("size %d rank %d: rank-order sum %v, want %v", size, r, b[0], want)
			}
		}
	}
}

// TestLocalBroadcastBarrier: every root's buffer reaches every rank.
func TestLocalBroadcastBarrier(t *testing.T) {
	const size = 3
	errs := runRanks(size, func(c Comm) error {
		for root := range size {
			buf := []float32{float32(c.Rank()), float32(c.Rank() * 2)}
			if err := c.Broadcast(buf, root); err != nil {
				return err
			}
			if buf[0] != float32(root) || buf[1] != float32(2*root) {
				t.Errorf("rank %d: broadcast from %d gave %v", c.Rank(), root, buf)
			}
			if err := c.Barrier(); err != nil {
				return err
			}
		}
		return nil
	})
	for r, err := range errs {
		if err != nil {
			t.Fatalf("rank %d: %v", r, err)
		}
	}
}

// TestLocalMismatch: ranks that call different collectives, or one on
// different lengths, all get an error naming both, not a hang or a
// partial result; a root out of range is refused.
func TestLocalMismatch(t *testing.T) {
	errs := runRanks(2, func(c Comm) error {
		if c.Rank() == 0 {
			return c.AllReduceSum(make([]float32, 4))
		}
		return c.AllReduceSum(make([]float32, 5))
	})
	for r, err := range errs {
		if err == nil || !strings.Contains(err.Error(), "same collectives") {
			t.Errorf("rank %d: %v, want an error about mismatched collectives", r, err)
		}
	}
	errs = runRanks(2, func(c Comm) error {
		if c.Rank() == 0 {
			return c.Barrier()
		}
		return c.Broadcast(make([]float32, 1), 0)
	})
	for r, err := range errs {
		if err == nil || !strings.Contains(err.Error(), "Barrier") {
			t.Errorf("rank %d: %v, want an error naming Barrier", r, err)
		}
	}
	if err := NewLocal(2)[0].Broadcast(nil, 2); err == nil || !strings.Contains(err.Error(), "accepted 0 to 1") {
		t.Errorf("root 2 of 2: %v, want an error with the accepted range", err)
	}
}

// TestNoMPIWithoutTag: the default build says how to get MPI.
func TestNoMPIWithoutTag(t *testing.T) {
	if MPIAvailable {
		t.Skip("built with the mpi tag")
	}
	if _, err := InitMPI(); err == nil || !strings.Contains(err.Error(), "-tags mpi") {
		t.Errorf("InitMPI without the mpi tag: %v, want an error naming -tags mpi", err)
	}
}
