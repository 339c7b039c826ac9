//go:build mpi

package dist

/*
#cgo pkg-config: ompi
#include <mpi.h>

// Open MPI's handles are addresses of library globals, which cgo cannot
// name directly.
static MPI_Comm vgWorld(void) { return MPI_COMM_WORLD; }

static int vgInit(int *provided) {
	int done = 0;
	MPI_Initialized(&done);
	if (done) {
		return MPI_Query_thread(provided);
	}
	return MPI_Init_thread(NULL, NULL, MPI_THREAD_SERIALIZED, provided);
}

static int vgReturnErrors(void) { return MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN); }

static int vgAllreduceSum(MPI_Comm comm, float *buf, int n) {
	return MPI_Allreduce(MPI_IN_PLACE, buf, n, MPI_FLOAT, MPI_SUM, comm);
}

static int vgBcast(MPI_Comm comm, float *buf, int n, int root) {
	return MPI_Bcast(buf, n, MPI_FLOAT, root, comm);
}

static int vgThreadSerialized(void) { return MPI_THREAD_SERIALIZED; }
*/
import "C"

import (
	"fmt"
	"sync"
	"unsafe"
)

// mpiChunk is the most floats one MPI call moves: MPI's counts are C ints.
const mpiChunk = 1 << 30

// mpiComm is an MPI communicator: MPI_COMM_WORLD, or one of ByMachine's.
type mpiComm struct {
	comm       C.MPI_Comm
	rank, size int
}

// mpiMu serializes every MPI call: MPI is initialised at
// MPI_THREAD_SERIALIZED, and goroutines move between OS threads.
var mpiMu sync.Mutex

// InitMPI initialises MPI (once per process; later calls return the same
// communicator) with errors returned rather than aborting, and returns
// MPI_COMM_WORLD. Outside mpirun it is a world of one rank.
func InitMPI() (Comm, error) {
	mpiOnce.Do(func() {
		var provided C.int
		if rc := C.vgInit(&provided); rc != C.MPI_SUCCESS {
			mpiErr = mpiError("MPI_Init_thread", rc)
			return
		}
		if provided < C.vgThreadSerialized() {
			mpiErr = fmt.Errorf("dist: this MPI provides thread level %d, below MPI_THREAD_SERIALIZED (goroutines may call MPI from different OS threads)", int(provided))
			return
		}
		if rc := C.vgReturnErrors(); rc != C.MPI_SUCCESS {
			mpiErr = mpiError("MPI_Comm_set_errhandler", rc)
			return
		}
		mpiWorld = newMPIComm(C.vgWorld())
	})
	if mpiErr != nil {
		return nil, mpiErr
	}
	return mpiWorld, nil
}

var (
	mpiOnce  sync.Once
	mpiWorld *mpiComm
	mpiErr   error
)

// FinalizeMPI ends MPI; no Comm of InitMPI may be used after it.
func FinalizeMPI() error {
	if rc := C.MPI_Finalize(); rc != C.MPI_SUCCESS {
		return mpiError("MPI_Finalize", rc)
	}
	return nil
}

// AbortMPI makes every rank of the job exit with code (MPI_Abort): what a
// rank that cannot go on calls, so that the others do not wait for it.
func AbortMPI(code int) {
	C.MPI_Abort(C.vgWorld(), C.int(code))
}

// MPIAvailable reports whether this build has MPI (the mpi build tag).
const MPIAvailable = true

func newMPIComm(comm C.MPI_Comm) *mpiComm {
	var rank, size C.int
	C.MPI_Comm_rank(comm, &rank)
	C.MPI_Comm_size(comm, &size)
	return &mpiComm{comm: comm, rank: int(rank), size: int(size)}
}

func (c *mpiComm) Rank() int { return c.rank }
func (c *mpiComm) Size() int { return c.size }

// AllReduceSum sums with MPI_Allreduce (in place, MPI_SUM): the order of
// the additions is the MPI library's algorithm's for this rank count and
// length, the same on every rank and from run to run, but not Local's.
func (c *mpiComm) AllReduceSum(buf []float32) error {
	mpiMu.Lock()
	defer mpiMu.Unlock()
	for lo := 0; lo < len(buf); lo += mpiChunk {
		n := min(mpiChunk, len(buf)-lo)
		if rc := C.vgAllreduceSum(c.comm, (*C.float)(unsafe.Pointer(&buf[lo])), C.int(n)); rc != C.MPI_SUCCESS {
			return mpiError("MPI_Allreduce", rc)
		}
	}
	return nil
}

func (c *mpiComm) Broadcast(buf []float32, root int) error {
	if err := checkRoot(root, c.size); err != nil {
		return err
	}
	mpiMu.Lock()
	defer mpiMu.Unlock()
	for lo := 0; lo < len(buf); lo += mpiChunk {
		n := min(mpiChunk, len(buf)-lo)
		if rc := C.vgBcast(c.comm, (*C.float)(unsafe.Pointer(&buf[lo])), C.int(n), C.int(root)); rc != C.MPI_SUCCESS {
			return mpiError("MPI_Bcast", rc)
		}
	}
	return nil
}

func (c *mpiComm) Barrier() error {
	return c.call("MPI_Barrier", func() C.int { return C.MPI_Barrier(c.comm) })
}

// mpiError describes an MPI error code with MPI's own message.
func mpiError(call string, rc C.int) error {
	var buf [C.MPI_MAX_ERROR_STRING]C.char
	var n C.int
	C.MPI_Error_string(rc, &buf[0], &n)
	return fmt.Errorf("dist: %s failed: %s (code %d)", call, C.GoStringN(&buf[0], n), int(rc))
}
