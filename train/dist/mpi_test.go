//go:build mpi

package dist

import (
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
