//go:build mpi

package dist

/*
#cgo pkg-config: ompi
#include <mpi.h>

static int vgSplitShared(MPI_Comm comm, int key, MPI_Comm *out) {
	return MPI_Comm_split_type(comm, MPI_COMM_TYPE_SHARED, key, MPI_INFO_NULL, out);
}

// vgAllocShared allocates this rank's n floats of a shared window, locks
// it for passive access by every rank (the unified memory model: loads and
// stores, ordered by MPI_Win_sync and a barrier) and sets errors to be
// returned.
static int vgAllocShared(MPI_Comm comm, long n, float **base, MPI_Win *win) {
	int rc = MPI_Win_allocate_shared((MPI_Aint)n * sizeof(float), sizeof(float), MPI_INFO_NULL, comm, base, win);
	if (rc != MPI_SUCCESS) {
		return rc;
	}
	rc = MPI_Win_set_errhandler(*win, MPI_ERRORS_RETURN);
	if (rc != MPI_SUCCESS) {
		return rc;
	}
	return MPI_Win_lock_all(MPI_MODE_NOCHECK, *win);
}

static int vgSharedQuery(MPI_Win win, int rank, float **base) {
	MPI_Aint size;
	int disp;
	return MPI_Win_shared_query(win, rank, &size, &disp, base);
}

static int vgFence(MPI_Comm comm, MPI_Win win) {
	int rc = MPI_Win_sync(win);
	if (rc == MPI_SUCCESS) {
		rc = MPI_Barrier(comm);
	}
	if (rc == MPI_SUCCESS) {
		rc = MPI_Win_sync(win);
	}
	return rc;
}

static int vgFreeShared(MPI_Win *win) {
	int rc = MPI_Win_unlock_all(*win);
	if (rc != MPI_SUCCESS) {
		return rc;
	}
	return MPI_Win_free(win);
}

*/
import "C"

import (
	"fmt"
	"os"
	"strconv"
	"unsafe"
)

var (
	_ Machines     = (*mpiComm)(nil)
	_ SharedMemory = (*mpiComm)(nil)
)

// RanksPerMachineEnv, when set to k, makes ByMachine group an MPI job's
// ranks into "machines" of k consecutive ranks instead of by the machine
// they share: the tests run the path across machines on one machine with
// it. k must divide the job's size.
const RanksPerMachineEnv = "VECGRAD_RANKS_PER_MACHINE"

// ByMachine splits c by the machine its ranks share memory on
// (MPI_Comm_split_type, MPI_COMM_TYPE_SHARED), or by RanksPerMachineEnv,
// and across machines by the rank within the machine.
func (c *mpiComm) ByMachine() (SharedMemory, Comm, error) {
	machine, err := c.splitMachines()
	if err != nil {
		return nil, nil, err
	}
	// Every machine must hold as many ranks: with L_r the count on rank
	// r's machine, size*sum(L^2) == sum(L)^2 only when all are equal. The
	// sums are small integers, exact in float32.
	l := float32(machine.size)
	sums := []float32{l, l * l}
	if err := c.AllReduceSum(sums); err != nil {
		return nil, nil, err
	}
	if float64(c.size)*float64(sums[1]) != float64(sums[0])*float64(sums[0]) {
		return nil, nil, errUneven
	}
	var across C.MPI_Comm
	if err := c.call("MPI_Comm_split", func() C.int { return C.MPI_Comm_split(c.comm, C.int(machine.rank), C.int(c.rank), &across) }); err != nil {
		return nil, nil, err
	}
	return machine, newMPIComm(across), nil
}

func (c *mpiComm) splitMachines() (*mpiComm, error) {
	var out C.MPI_Comm
	env := os.Getenv(RanksPerMachineEnv)
	if env == "" {
		err := c.call("MPI_Comm_split_type", func() C.int { return C.vgSplitShared(c.comm, C.int(c.rank), &out) })
		return newMPIComm(out), err
	}
	k, err := strconv.Atoi(env)
	if err != nil || k < 1 || c.size%k != 0 {
		return nil, fmt.Errorf("dist: %s=%q: want a positive number of ranks that divides the job's %d", RanksPerMachineEnv, env, c.size)
	}
	err = c.call("MPI_Comm_split", func() C.int { return C.MPI_Comm_split(c.comm, C.int(c.rank/k), C.int(c.rank), &out) })
	return newMPIComm(out), err
}

// AllocShared allocates an MPI-3 shared window (MPI_Win_allocate_shared)
// of n floats per rank, each rank's rounded up to 64 bytes so that the
// slots start on cache lines. c's ranks must share a machine.
func (c *mpiComm) AllocShared(n int) (SharedBuffers, error) {
	if n < 0 {
		return nil, fmt.Errorf("dist: AllocShared(%d): want n >= 0", n)
	}
	s := &mpiShared{c: c, slots: make([][]float32, c.size)}
	var base *C.float
	padded := (n + 15) &^ 15
	if err := c.call("MPI_Win_allocate_shared", func() C.int { return C.vgAllocShared(c.comm, C.long(padded), &base, &s.win) }); err != nil {
		return nil, err
	}
	for r := range s.slots {
		var p *C.float
		if err := c.call("MPI_Win_shared_query", func() C.int { return C.vgSharedQuery(s.win, C.int(r), &p) }); err != nil {
			return nil, err
		}
		if n > 0 {
			s.slots[r] = unsafe.Slice((*float32)(unsafe.Pointer(p)), n)
		}
	}
	clear(s.slots[c.rank]) // each rank zeroes its own, before the others read it
	return s, s.Fence()
}

// mpiShared is a shared window of AllocShared.
type mpiShared struct {
	c     *mpiComm
	win   C.MPI_Win
	slots [][]float32
}

func (s *mpiShared) Slot(r int) []float32 { return s.slots[r] }

// Fence is MPI_Win_sync, MPI_Barrier, MPI_Win_sync: the unified model's
// way to order loads and stores to a shared window among its ranks.
func (s *mpiShared) Fence() error {
	return s.c.call("MPI_Barrier on a shared window", func() C.int { return C.vgFence(s.c.comm, s.win) })
}

func (s *mpiShared) Free() error {
	s.slots = nil
	return s.c.call("MPI_Win_free", func() C.int { return C.vgFreeShared(&s.win) })
}

// call runs an MPI call under mpiMu and describes its error.
func (c *mpiComm) call(name string, f func() C.int) error {
	mpiMu.Lock()
	defer mpiMu.Unlock()
	if rc := f(); rc != C.MPI_SUCCESS {
		return mpiError(name, rc)
	}
	return nil
}
