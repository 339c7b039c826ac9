// Package dist is the communication of data-parallel training across
// processes: a communicator (Comm) with the collective operations that
// DistributedDataParallel-style training needs (sum of gradients across
// ranks, broadcast of the initial parameters, barrier), and two
// implementations of it:
//
//   - Local: N ranks as goroutines of one process, sharing memory; what
//     the tests use, and a reference for the others. Its sum is taken in
//     rank order, so it is deterministic. NewLocalMachines groups the
//     ranks into pretend machines.
//   - MPI (build tag mpi, cgo, Open MPI's libmpi through pkg-config ompi):
//     ranks as processes started by mpirun, on one machine or many. The
//     default build has no cgo and no MPI.
//
// Both can group their ranks by machine (Machines) and share memory among
// the ranks of a machine (SharedMemory: MPI-3 shared windows for MPI). On
// those, HierarchicalSum sums a buffer in two levels: through shared
// memory within each machine, then with the communicator across machines.
// It is how vecgrad train --distributed sums its gradients (see
// docs/distributed.md). TimeAllReduce, TimeHierarchicalSum and
// FitAlphaBeta measure the sums and fit their cost model.
package dist
