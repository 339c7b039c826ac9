package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/vecgrad/vecgrad/bench"
	"github.com/vecgrad/vecgrad/train/dist"
)

func runBenchAllReduce(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("bench allreduce", "bench allreduce [flags]",
		"Time the gradient all-reduce (dist.Comm.AllReduceSum of float32) over buffer sizes, and fit\n"+
			"the alpha-beta model t = alpha + bytes/bandwidth to it; beside it, the hierarchical sum\n"+
			"through shared memory (dist.HierarchicalSum) that training uses. With -mpi, on the ranks of an\n"+
			"mpirun job (a build with -tags mpi: mpirun -np 2 vecgrad bench allreduce -mpi); else on\n"+
			"-ranks goroutines of this process (dist.NewLocal, shared memory). Each figure is the\n"+
			"slowest rank's median over -reps calls. Rank 0 prints.")
	useMPI := fs.Bool("mpi", false, "use MPI_COMM_WORLD (needs a build with -tags mpi, started by mpirun)")
	ranks := fs.Int("ranks", 2, "in-process ranks (without -mpi), 2 to 64")
	sizeList := fs.String("sizes", "4KiB,16KiB,64KiB,256KiB,1MiB,4MiB,16MiB,64MiB", "comma-separated buffer sizes (B, KiB, MiB; multiples of 4 bytes)")
	reps := fs.Int("reps", 20, "calls timed per size")
	asJSON := fs.Bool("json", false, "print JSON instead of the table")
	if ok, status := fs.parse(args, stdout, stderr); !ok {
		return status
	}
	sizes, err := parseByteSizes(*sizeList)
	if err != nil {
		return fs.fail(stderr, "-sizes: %v", err)
	}
	if *reps < 1 || *reps > 100000 {
		return fs.fail(stderr, "-reps %d: accepted 1 to 100000", *reps)
	}
	var comms []dist.Comm
	var shared []dist.AllReduceTiming
	if *useMPI {
		c, err := dist.InitMPI()
		if err != nil {
			return fs.fail(stderr, "-mpi: %v", err)
		}
		defer dist.FinalizeMPI()
		comms = []dist.Comm{c}
	} else {
		if *ranks < 2 || *ranks > 64 {
			return fs.fail(stderr, "-ranks %d: accepted 2 to 64", *ranks)
		}
		comms = dist.NewLocal(*ranks)
	}
	ts, err := timeOnRanks(comms, sizes, *reps, dist.TimeAllReduce)
	if err == nil {
		shared, err = timeOnRanks(comms, sizes, *reps, dist.TimeHierarchicalSum)
	}
	if err != nil {
		fmt.Fprintf(stderr, "vecgrad bench allreduce: %v\n", err)
		return exitFail
	}
	if comms[0].Rank() != 0 {
		return exitOK
	}
	alpha, beta, err := dist.FitAlphaBeta(ts)
	kind := fmt.Sprintf("%d in-process ranks (dist.NewLocal)", len(comms))
	if *useMPI {
		kind = fmt.Sprintf("%d MPI ranks", comms[0].Size())
	}
	if *asJSON {
		out := struct {
			Ranks       string                 `json:"ranks"`
			Timings     []dist.AllReduceTiming `json:"timings"`
			AlphaSecs   float64                `json:"alpha_seconds"`
			BytesPerSec float64                `json:"bandwidth_bytes_per_second"`
			Shared      []dist.AllReduceTiming `json:"shared_memory_timings,omitempty"`
		}{kind, ts, alpha, 1 / beta, shared}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", " ")
		if err := enc.Encode(out); err != nil {
			return fs.fail(stderr, "%v", err)
		}
		return exitOK
	}
	printAllReduce(stdout, kind, *reps, ts, shared)
	return exitOK
}

// printAllReduce prints vecgrad bench allreduce's table and fits.
func printAllReduce(stdout io.Writer, kind string, reps int, ts, shared []dist.AllReduceTiming) {
	fmt.Fprintf(stdout, "vecgrad bench allreduce: %s, %s; median of %d calls, slowest rank; %s\n", kind, cpuModel(), reps, loadNote())
	fmt.Fprintf(stdout, "%10s %12s %12s %16s %16s\n", "bytes", "µs", "GB/s", "shared-mem µs", "shared-mem GB/s")
	for i, t := range ts {
		fmt.Fprintf(stdout, "%10s %12.1f %12.2f", bench.FormatBytes(int64(t.Bytes)), 1e6*t.Seconds, float64(t.Bytes)/t.Seconds/1e9)
		if shared != nil {
			fmt.Fprintf(stdout, " %16.1f %16.2f", 1e6*shared[i].Seconds, float64(t.Bytes)/shared[i].Seconds/1e9)
		}
		fmt.Fprintln(stdout)
	}
	if alpha, beta, err := dist.FitAlphaBeta(ts); err == nil {
		fmt.Fprintf(stdout, "alpha-beta fit of AllReduceSum: t = %.1f µs + bytes / %.2f GB/s\n", 1e6*alpha, 1/beta/1e9)
	}
	if a, b, err := dist.FitAlphaBeta(shared); err == nil {
		fmt.Fprintf(stdout, "alpha-beta fit of the shared-memory sum: t = %.1f µs + bytes / %.2f GB/s\n", 1e6*a, 1/b/1e9)
	}
}

// timeOnRanks times the all-reduce on every communicator at once (one per
// goroutine: the in-process ranks, or this process's MPI rank) and returns
// the first's timings, which every rank shares.
func timeOnRanks(comms []dist.Comm, sizes []int, reps int, time func(dist.Comm, []int, int) ([]dist.AllReduceTiming, error)) ([]dist.AllReduceTiming, error) {
	results := make([][]dist.AllReduceTiming, len(comms))
	errs := make([]error, len(comms))
	done := make(chan struct{})
	for i, c := range comms {
		go func() {
			results[i], errs[i] = time(c, sizes, reps)
			done <- struct{}{}
		}()
	}
	for range comms {
		<-done
	}
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return results[0], nil
}

// parseByteSizes parses sizes such as 4KiB, 1MiB, 4096.
func parseByteSizes(list string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(list, ",") {
		f = strings.TrimSpace(f)
		num, mult := f, 1
		for _, u := range []struct {
			suffix string
			mult   int
		}{{"MiB", 1 << 20}, {"KiB", 1 << 10}, {"B", 1}} {
			if strings.HasSuffix(f, u.suffix) {
				num, mult = strings.TrimSuffix(f, u.suffix), u.mult
				break
			}
		}
		var v int
		if _, err := fmt.Sscanf(num, "%d", &v); err != nil || fmt.Sprint(v) != num || v < 1 || v > (1<<30)/mult || v*mult%4 != 0 {
			return nil, fmt.Errorf("%q: want a positive multiple of 4 bytes up to 1 GiB, such as 4096, 64KiB or 16MiB", f)
		}
		out = append(out, v*mult)
	}
	return out, nil
}
