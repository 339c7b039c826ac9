//go:build mpi

package dist

import (
	"math"
	"os"
	"strconv"
	"testing"
)

// TestMain finalizes MPI after the tests (mpirun reports a rank that exits
// without MPI_Finalize as failed).
func TestMain(m *testing.M) {
	code := m.Run()
	if mpiWorld != nil {
		if err := FinalizeMPI(); err != nil {
			os.Stderr.WriteString(err.Error() + "\n")
			code = 1
		}
	}
	os.Exit(code)
}

// TestMPICollectives runs on every rank of an mpirun job (or alone, a world
// of one): the sum of small integers is exact whatever MPI's order, every
// root's broadcast reaches every rank, and a barrier passes. make test-mpi
// runs it on 1, 2 and 4 ranks.
func TestMPICollectives(t *testing.T) {
	c, err := InitMPI()
	if err != nil {
		t.Fatal(err)
	}
	rank, size := c.Rank(), c.Size()
	if env := os.Getenv("OMPI_COMM_WORLD_SIZE"); env != "" && env != strconv.Itoa(size) {
		t.Fatalf("Size() = %d under mpirun -np %s", size, env)
	}
	for _, n := range []int{1, 1000, 1 << 18} {
		buf := make([]float32, n)
		for i := range buf {
			buf[i] = float32(rank + 1 + i%7)
		}
		if err := c.AllReduceSum(buf); err != nil {
			t.Fatal(err)
		}
		for i, v := range buf {
			want := float32(size*(size+1)/2 + size*(i%7))
			if v != want {
				t.Fatalf("rank %d of %d, %d values: element %d is %v, want %v", rank, size, n, i, v, want)
			}
		}
	}
	for root := range size {
		buf := []float32{float32(rank), -float32(rank)}
		if err := c.Broadcast(buf, root); err != nil {
			t.Fatal(err)
		}
		if buf[0] != float32(root) || buf[1] != -float32(root) {
			t.Fatalf("rank %d: broadcast from %d gave %v", rank, root, buf)
		}
	}
	if err := c.Broadcast(nil, size); err == nil {
		t.Errorf("Broadcast from root %d of %d ranks: no error", size, size)
	}
	if err := c.Barrier(); err != nil {
		t.Fatal(err)
	}
}

// TestMPIHierarchicalSum: the shared-memory sum on every rank of an mpirun
// job: small integers sum exactly whatever the order; values whose sum
// depends on the order give every rank the same bits, and on one machine
// of two ranks MPI_Allreduce's (a sum of two terms has one rounding).
// make test-mpi also runs it with RanksPerMachineEnv=2 on 4 ranks, which
// takes the path across "machines".
func TestMPIHierarchicalSum(t *testing.T) {
	c, err := InitMPI()
	if err != nil {
		t.Fatal(err)
	}
	rank, size := c.Rank(), c.Size()
	for _, n := range []int{0, 17, 1 << 18} {
		h, err := NewHierarchicalSum(c, n)
		if err != nil {
			t.Fatal(err)
		}
		machines, per := h.Machines()
		if machines*per != size {
			t.Fatalf("Machines() = %d of %d ranks in a job of %d", machines, per, size)
		}
		if env := os.Getenv(RanksPerMachineEnv); env != "" && env != strconv.Itoa(per) {
			t.Fatalf("%s=%s: %d ranks per machine", RanksPerMachineEnv, env, per)
		}
		buf := h.Buffer()
		for i := range buf {
			buf[i] = float32(rank + 1 + i%7)
		}
		if err := h.AllReduce(0, n); err != nil {
			t.Fatal(err)
		}
		for i, v := range buf {
			if want := float32(size*(size+1)/2 + size*(i%7)); v != want {
				t.Fatalf("rank %d of %d, %d values: element %d is %v, want %v", rank, size, n, i, v, want)
			}
		}
		mine := make([]float32, n)
		for i := range buf {
			buf[i] = hierValue(rank, i, 0)
			mine[i] = buf[i]
		}
		if err := h.AllReduce(0, n); err != nil {
			t.Fatal(err)
		}
		if err := c.AllReduceSum(mine); err != nil {
			t.Fatal(err)
		}
		// Rank 0's bits, broadcast, against every rank's.
		first := append([]float32(nil), buf...)
		if err := c.Broadcast(first, 0); err != nil {
			t.Fatal(err)
		}
		for i, v := range buf {
			if math.Float32bits(v) != math.Float32bits(first[i]) {
				t.Fatalf("rank %d: element %d is %v, rank 0's %v", rank, i, v, first[i])
			}
			if size == 2 && machines == 1 && math.Float32bits(v) != math.Float32bits(mine[i]) {
				t.Fatalf("rank %d: element %d is %v, MPI_Allreduce's %v", rank, i, v, mine[i])
			}
		}
		if err := h.Close(); err != nil {
			t.Fatal(err)
		}
	}
}
