package dist

import "fmt"

// Comm is a communicator among Size ranks, numbered 0 to Size-1. Every
// rank calls the collective operations in the same order with the same
// lengths (as MPI requires); a rank that calls them differently gets an
// error or, with MPI, a hang that mpirun ends.
type Comm interface {
	// Rank returns this rank's number.
	Rank() int
	// Size returns the number of ranks.
	Size() int
	// AllReduceSum replaces buf, on every rank, by the elementwise sum of
	// every rank's buf. Every rank receives the same bits.
	AllReduceSum(buf []float32) error
	// Broadcast replaces buf on every rank by root's buf.
	Broadcast(buf []float32, root int) error
	// Barrier returns once every rank has called it.
	Barrier() error
}

// checkRoot returns an error unless root is a rank of a communicator of
// size ranks.
func checkRoot(root, size int) error {
	if root < 0 || root >= size {
		return fmt.Errorf("dist: Broadcast: root %d: accepted 0 to %d (the ranks)", root, size-1)
	}
	return nil
}
