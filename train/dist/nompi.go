//go:build !mpi

package dist

import "errors"

// errNoMPI is what the MPI functions of a build without MPI return.
var errNoMPI = errors.New("dist: this vecgrad was built without MPI: build it with -tags mpi (cgo and Open MPI's libopenmpi-dev) and start it with mpirun")

// InitMPI returns an error in a build without the mpi tag.
func InitMPI() (Comm, error) { return nil, errNoMPI }

// FinalizeMPI returns an error in a build without the mpi tag.
func FinalizeMPI() error { return errNoMPI }

// AbortMPI does nothing in a build without the mpi tag.
func AbortMPI(int) {}

// MPIAvailable reports whether this build has MPI (the mpi build tag).
const MPIAvailable = false
