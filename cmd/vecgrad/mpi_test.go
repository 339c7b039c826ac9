//go:build mpi

package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/vecgrad/vecgrad/train"
	"github.com/vecgrad/vecgrad/train/dist"
)

// TestMPITrain runs on every rank of an mpirun job (make test-mpi: 2 and 4
// ranks, VECGRAD_MPI_DIR a directory all ranks see): rank 0 writes a small
// dataset, every rank runs vecgrad train -distributed with the ranks'
// parameters compared after every step, rank 0 alone prints and writes the
// checkpoint, and the result is bitwise the in-process communicator's on
// the same settings and grouping into machines (dist.RanksPerMachineEnv):
// within a machine both sum through shared memory in rank order, and
// across two machines a sum of two terms is the same in either order.
func TestMPITrain(t *testing.T) {
	size, _ := strconv.Atoi(os.Getenv("OMPI_COMM_WORLD_SIZE"))
	base := os.Getenv("VECGRAD_MPI_DIR")
	if size < 2 || base == "" {
		t.Skip("runs under mpirun -np N (N >= 2) with VECGRAD_MPI_DIR set (make test-mpi)")
	}
	c, err := dist.InitMPI()
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(base, strconv.Itoa(size))
	if c.Rank() == 0 {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		writeTiny(t, dir)
	}
	if err := c.Barrier(); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	sum := filepath.Join(dir, "summary.json")
	status, stdout, stderr := runArgs("train", "--distributed", "--check-every", "1", "--data", dir, "--epochs", "2",
		"--batch-size", "8", "--lr", "0.05", "--out", out, "--summary-json", sum, "--log-every", "1", "--threads", "1")
	if status != exitOK {
		t.Fatalf("rank %d: exit status %d, stderr %q", c.Rank(), status, stderr)
	}
	if c.Rank() != 0 && stdout != "" {
		t.Errorf("rank %d printed %q; rank 0 alone reports", c.Rank(), stdout)
	}
	var got train.Summary
	if c.Rank() == 0 {
		b, err := os.ReadFile(sum)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(filepath.Join(out, train.CheckpointFile)); err != nil {
			t.Errorf("no checkpoint: %v", err)
		}
	}
	if c.Rank() != 0 {
		return
	}
	per := size
	if env := os.Getenv(dist.RanksPerMachineEnv); env != "" {
		per, _ = strconv.Atoi(env)
	}
	if size/per > 2 {
		return // MPI's order of additions across machines is its own
	}
	sets, err := train.LoadData(dir)
	if err != nil {
		t.Fatal(err)
	}
	comms := dist.NewLocalMachines(size/per, per)
	res := make([]*train.Result, size)
	errs := make([]error, size)
	var wg sync.WaitGroup
	for r, lc := range comms {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res[r], errs[r] = train.Run(context.Background(), got.Config, sets, train.Options{Comm: lc})
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	want := res[0].Summary()
	if got.TestLoss != want.TestLoss || got.TestAccuracy != want.TestAccuracy {
		t.Errorf("%d MPI ranks, %d per machine: test loss %v, accuracy %v; as many in-process ranks: %v, %v", size, per, got.TestLoss, got.TestAccuracy, want.TestLoss, want.TestAccuracy)
	}
}

// TestMPIKilledRank is half of make test-mpi's fault test: under mpirun
// with VECGRAD_MPI_KILL set, the last rank kills itself (SIGKILL) once the
// first checkpoint exists, in the middle of a long run; make test-mpi then
// checks that mpirun ended within seconds with a failure, and runs
// TestMPICheckpointIntact.
func TestMPIKilledRank(t *testing.T) {
	base := os.Getenv("VECGRAD_MPI_KILL")
	if base == "" {
		t.Skip("run by make test-mpi's fault test")
	}
	c, err := dist.InitMPI()
	if err != nil {
		t.Fatal(err)
	}
	if c.Rank() == 0 {
		writeTiny(t, base)
	}
	if err := c.Barrier(); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(base, "out")
	if c.Rank() == c.Size()-1 {
		go func() {
			for {
				if _, err := os.Stat(filepath.Join(out, train.CheckpointFile)); err == nil {
					time.Sleep(20 * time.Millisecond)
					syscall.Kill(os.Getpid(), syscall.SIGKILL)
				}
				time.Sleep(2 * time.Millisecond)
			}
		}()
	}
	status, _, stderr := runArgs("train", "--distributed", "--data", base, "--epochs", "1000000",
		"--batch-size", "8", "--lr", "0.01", "--out", out, "--threads", "1")
	t.Errorf("rank %d: vecgrad train returned %d (%q) while a rank was killed: want mpirun to stop it", c.Rank(), status, stderr)
}

// TestMPICheckpointIntact: after the fault test, the checkpoint rank 0 left
// loads and resumes (one process, VECGRAD_MPI_RESUME set to the fault
// test's directory).
func TestMPICheckpointIntact(t *testing.T) {
	base := os.Getenv("VECGRAD_MPI_RESUME")
	if base == "" {
		t.Skip("run by make test-mpi's fault test")
	}
	out := filepath.Join(base, "out")
	cfg, err := train.ReadCheckpointConfig(filepath.Join(out, train.CheckpointFile))
	if err != nil {
		t.Fatal(err)
	}
	sets, err := train.LoadData(base)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // load and check the checkpoint, then stop before the first step
	res, err := train.Run(ctx, cfg, sets, train.Options{OutDir: out, Resume: true})
	if !errors.Is(err, context.Canceled) || res == nil || res.ResumedEpochs < 1 {
		t.Fatalf("resuming the checkpoint the killed job left: %v (resumed epochs %v)", err, res)
	}
	t.Logf("the checkpoint holds %d epochs and resumes", res.ResumedEpochs)
}

// TestMPIOneRank: -distributed in a job of one rank (outside mpirun) says
// how to start it.
func TestMPIOneRank(t *testing.T) {
	if os.Getenv("OMPI_COMM_WORLD_SIZE") != "" {
		t.Skip("outside mpirun only")
	}
	status, _, stderr := runArgs("train", "--distributed", "--data", t.TempDir())
	if status != exitUsage || !strings.Contains(stderr, "mpirun -np N") {
		t.Errorf("exit status %d, %q; want a usage error naming mpirun -np N", status, stderr)
	}
}

// TestMPIResume is the second job of make test-mpi's training test: every
// rank resumes from the checkpoint TestMPITrain's rank 0 wrote, for a third
// epoch (a job of its own: MPI cannot start again after MPI_Finalize).
func TestMPIResume(t *testing.T) {
	size, _ := strconv.Atoi(os.Getenv("OMPI_COMM_WORLD_SIZE"))
	base := os.Getenv("VECGRAD_MPI_DIR")
	if size < 2 || base == "" {
		t.Skip("runs under mpirun -np N (N >= 2) with VECGRAD_MPI_DIR set, after TestMPITrain (make test-mpi)")
	}
	dir := filepath.Join(base, strconv.Itoa(size))
	out, sum := filepath.Join(dir, "out"), filepath.Join(dir, "resumed.json")
	status, _, stderr := runArgs("train", "--distributed", "--resume", "--epochs", "3", "--out", out, "--data", dir,
		"--summary-json", sum, "--threads", "1")
	if status != exitOK {
		t.Fatalf("-resume: exit status %d, stderr %q", status, stderr)
	}
	if os.Getenv("OMPI_COMM_WORLD_RANK") != "0" {
		return
	}
	var resumed train.Summary
	if b, err := os.ReadFile(sum); err != nil || json.Unmarshal(b, &resumed) != nil || resumed.EpochsDone != 3 || resumed.ResumedEpochs != 2 {
		t.Errorf("after -resume: %v, %+v; want 3 epochs done, 2 resumed", err, resumed)
	}
}

// TestMPIBenchDistributed runs vecgrad bench distributed on every rank of
// an mpirun job (make test-mpi, a job of its own: the command finalizes
// MPI): it ends on every rank, and rank 0 alone prints its JSON, one row
// per batch size with positive times.
func TestMPIBenchDistributed(t *testing.T) {
	size, _ := strconv.Atoi(os.Getenv("OMPI_COMM_WORLD_SIZE"))
	if size < 2 {
		t.Skip("runs under mpirun -np N (N >= 2) (make test-mpi)")
	}
	status, stdout, stderr := runArgs("bench", "distributed", "--models", "784-32-10", "--batch-sizes", fmt.Sprintf("%d,%d", size, 4*size),
		"--reps", "2", "--mintime", "2ms", "--json")
	if status != exitOK {
		t.Fatalf("exit status %d, stderr %q", status, stderr)
	}
	rank, _ := strconv.Atoi(os.Getenv("OMPI_COMM_WORLD_RANK"))
	if rank != 0 {
		if stdout != "" {
			t.Errorf("rank %d printed %q; rank 0 alone reports", rank, stdout)
		}
		return
	}
	var rows []struct {
		Batch int     `json:"global_batch"`
		Step  float64 `json:"step_seconds"`
		Share float64 `json:"share_step_seconds"`
		Ranks int     `json:"ranks"`
	}
	if err := json.Unmarshal([]byte(stdout), &rows); err != nil {
		t.Fatalf("%v in %q", err, stdout)
	}
	if len(rows) != 2 || rows[0].Batch != size || rows[1].Batch != 4*size {
		t.Fatalf("rows %+v: want batches %d and %d", rows, size, 4*size)
	}
	for _, r := range rows {
		if !(r.Step > 0) || !(r.Share > 0) || r.Ranks != size {
			t.Errorf("row %+v: want positive times on %d ranks", r, size)
		}
	}
}
