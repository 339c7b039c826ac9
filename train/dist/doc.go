// Package dist is the communication of data-parallel training across
// processes: a communicator (Comm) with the collective operations that
// DistributedDataParallel-style training needs (sum of gradients across
// ranks, broadcast of the initial parameters, barrier), and two
// implementations of it:
//
//   - Local: N ranks as goroutines of one process, sharing memory; what
//     the tests use, and a reference for the others. Its sum is taken in
//     rank order, so it is deterministic.
//   - MPI (build tag mpi, cgo, Open MPI's libmpi through pkg-config ompi):
//     ranks as processes started by mpirun, on one machine or many. The
//     default build has no cgo and no MPI.
//
// Status: the communicator only. Training on it (vecgrad train
// --distributed), the gradient buckets overlapped with the backward pass,
// and the all-reduce benchmark are issue 19's remaining work.
package dist
