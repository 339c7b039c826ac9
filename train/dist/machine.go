package dist

// SharedMemory is a communicator whose ranks run on one machine and can
// share memory: the ranks of one machine in a job (Machines.ByMachine), or
// the goroutines of NewLocal.
type SharedMemory interface {
	Comm
	// AllocShared allocates, collectively (every rank calls it with the
	// same n), one zeroed buffer of n floats per rank that every rank can
	// read and write.
	AllocShared(n int) (SharedBuffers, error)
}

// SharedBuffers are the buffers of SharedMemory.AllocShared. A rank reads
// what another wrote only across a Fence: a write before it is seen by
// every read after it; without a Fence between them, a write and another
// rank's access to the same element race.
type SharedBuffers interface {
	// Slot returns rank r's buffer.
	Slot(r int) []float32
	// Fence returns once every rank has called it (a barrier), ordering
	// memory as described above.
	Fence() error
	// Free releases the buffers, collectively; no slice from Slot may be
	// used after it.
	Free() error
}

// Machines is a communicator whose ranks can be grouped by the machine
// they run on.
type Machines interface {
	// ByMachine returns, collectively, the communicator of the ranks on
	// this rank's machine (in world rank order) and the communicator of
	// the ranks that have this rank's place on every machine (one rank
	// per machine, in machine order). It fails, on every rank, when the
	// machines hold different numbers of ranks.
	ByMachine() (machine SharedMemory, across Comm, err error)
}
