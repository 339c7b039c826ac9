package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/vecgrad/vecgrad/train/dist"
)

// distributedFlags are vecgrad train's flags for data-parallel training
// across processes.
type distributedFlags struct {
	on           bool
	checkEvery   int
	oneAllReduce bool
	noShared     bool
}

func (d *distributedFlags) register(fs *flagSet) {
	fs.BoolVar(&d.on, "distributed", false, "train as one rank of an MPI job, the global batch split among the ranks\n"+
		"(a build with -tags mpi, started by mpirun -np N; mpirun --bind-to none for -threads above 1)")
	fs.BoolVar(&d.oneAllReduce, "allreduce-after-backward", false, "with -distributed, sum all gradients in one all-reduce after the backward pass\n"+
		"instead of each layer's as soon as it is ready, overlapped with the rest of the backward pass (for comparison)")
	fs.BoolVar(&d.noShared, "no-shared-memory", false, "with -distributed, sum the gradients with MPI_Allreduce alone, instead of through the memory\n"+
		"that the ranks of a machine share (MPI shared windows), then MPI across machines (for comparison)")
	fs.IntVar(&d.checkEvery, "check-every", 0, "with -distributed, compare the ranks' parameters every this many steps and stop on a difference (0: never)")
}

// join returns the MPI world for -distributed (nil without it), or a
// one-line usage error.
func (d *distributedFlags) join() (dist.Comm, error) {
	if d.checkEvery < 0 {
		return nil, fmt.Errorf("-check-every %d: want 0 (never) or a positive number of steps", d.checkEvery)
	}
	if !d.on {
		if d.checkEvery > 0 {
			return nil, errors.New("-check-every needs -distributed")
		}
		return nil, nil
	}
	c, err := dist.InitMPI()
	if err != nil {
		return nil, fmt.Errorf("-distributed: %v", err)
	}
	if c.Size() < 2 {
		dist.FinalizeMPI()
		return nil, errors.New("-distributed: this process is a job of one rank: start it with mpirun -np N (N >= 2)")
	}
	return c, nil
}

// finish ends rank c's part of the job: MPI_Finalize after a success; after
// a failure, a line naming the rank and MPI_Abort, which stops every other
// rank at once instead of leaving them waiting in the next all-reduce.
func finishDistributed(c dist.Comm, status int, stderr io.Writer) {
	if status == exitOK {
		dist.FinalizeMPI()
		return
	}
	fmt.Fprintf(stderr, "vecgrad train: rank %d of %d failed (exit status %d); stopping the other ranks\n", c.Rank(), c.Size(), status)
	dist.AbortMPI(status)
}
