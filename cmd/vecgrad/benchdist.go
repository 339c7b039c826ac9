package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"

	"github.com/vecgrad/vecgrad/bench"
	"github.com/vecgrad/vecgrad/kernels"
	"github.com/vecgrad/vecgrad/train"
	"github.com/vecgrad/vecgrad/train/dist"
)

// distRow is one line of vecgrad bench distributed's table.
type distRow struct {
	Model   string `json:"model"`
	Batch   int    `json:"global_batch"`
	Threads int    `json:"threads_per_rank"`
	train.DistStepResult
}

func runBenchDistributed(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("bench distributed", "bench distributed [flags]",
		"Time the data-parallel training step (vecgrad train -distributed's) on every rank of an mpirun\n"+
			"job (a build with -tags mpi: mpirun -np 2 vecgrad bench distributed), against the computation\n"+
			"it holds: each rank's single-process step on its share of the batch, all ranks at once, and\n"+
			"rank 0's alone. Prints the step's time, samples/s, its excess over the share's step, and a\n"+
			"profiled step's time by phase on rank 0. Rank 0 prints.")
	modelList := fs.String("models", "tutorial", "comma-separated models: tutorial (784-512-512-10), wide (784-2048-2048-10), or widths joined by '-' (input 784 first)")
	batchList := fs.String("batch-sizes", "64,256", "comma-separated global batch sizes, each a multiple of the ranks")
	threads := fs.Int("threads", 1, "threads per rank (mpirun --bind-to none above 1)")
	optimizer := fs.String("optimizer", "sgd", "optimizer: sgd (lr 1e-3, momentum 0.5: the tutorial's) or adam (lr 1e-3)")
	noShared := fs.Bool("no-shared-memory", false, "sum the gradients with MPI_Allreduce alone (as vecgrad train -no-shared-memory)")
	oneSum := fs.Bool("allreduce-after-backward", false, "sum the gradients after the backward pass (as vecgrad train -allreduce-after-backward)")
	asJSON := fs.Bool("json", false, "print JSON instead of the table")
	var mf measureFlags
	mf.register(fs)
	if ok, status := fs.parse(args, stdout, stderr); !ok {
		return status
	}
	opt, err := mf.options(fs)
	if err != nil {
		return fs.fail(stderr, "%v", err)
	}
	models, err := parseTrainModels(*modelList)
	if err != nil {
		return fs.fail(stderr, "-models: %v", err)
	}
	batches, err := parsePositiveInts(*batchList, 4096)
	if err != nil {
		return fs.fail(stderr, "-batch-sizes: %v", err)
	}
	if err := kernels.CheckThreads(*threads); err != nil {
		return fs.fail(stderr, "-threads: %v", err)
	}
	if *optimizer != "sgd" && *optimizer != "adam" {
		return fs.fail(stderr, "-optimizer %q: accepted sgd or adam", *optimizer)
	}
	c, err := dist.InitMPI()
	if err != nil {
		return fs.fail(stderr, "%v", err)
	}
	defer dist.FinalizeMPI()
	if c.Size() < 2 {
		return fs.fail(stderr, "this process is a job of one rank: start it with mpirun -np N (N >= 2)")
	}
	for _, b := range batches {
		if b%c.Size() != 0 {
			return fs.fail(stderr, "-batch-sizes: %d does not split into %d ranks: accepted multiples of %d", b, c.Size(), c.Size())
		}
	}
	var rows []distRow
	for _, m := range models {
		for _, b := range batches {
			res, err := train.MeasureDistributedStep(train.DistStepBench{
				Step: train.StepBench{Widths: m.widths, BatchSize: b, Threads: *threads, Optimizer: *optimizer, MinTime: opt.MinTime},
				Comm: c, NoSharedMemory: *noShared, OneAllReduce: *oneSum, Reps: opt.Reps})
			if err != nil {
				fmt.Fprintf(stderr, "vecgrad bench distributed: rank %d: %v\n", c.Rank(), err)
				dist.AbortMPI(exitFail)
				return exitFail
			}
			rows = append(rows, distRow{m.name, b, *threads, res})
		}
	}
	if c.Rank() != 0 {
		return exitOK
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", " ")
		if err := enc.Encode(rows); err != nil {
			return fs.fail(stderr, "%v", err)
		}
		return exitOK
	}
	printDistRows(stdout, rows, c.Size(), *noShared, opt)
	return exitOK
}

// printDistRows prints vecgrad bench distributed's tables.
func printDistRows(stdout io.Writer, rows []distRow, ranks int, noShared bool, opt bench.Options) {
	sum := "shared memory, then MPI across machines"
	if noShared {
		sum = "MPI_Allreduce"
	}
	fmt.Fprintf(stdout, "vecgrad bench distributed: %d ranks, %s, ISA %s; gradients summed by %s; best of %d x >= %v; %s\n",
		ranks, cpuModel(), kernels.ISA(), sum, opt.Reps, opt.MinTime, loadNote())
	fmt.Fprintf(stdout, "%-10s %6s %7s %11s %8s %13s %12s %12s\n", "model", "batch", "threads", "samples/s", "step ms", "share step ms", "share alone", "step/share")
	for _, r := range rows {
		fmt.Fprintf(stdout, "%-10s %6d %7d %11.0f %8.3f %13.3f %12.3f %11.2fx\n", r.Model, r.Batch, r.Threads, r.SamplesPerSecond,
			1e3*r.StepSeconds, 1e3*r.ShareSeconds, 1e3*r.ShareAloneSeconds, r.StepSeconds/r.ShareSeconds)
	}
	fmt.Fprintln(stdout, "\nA profiled step on rank 0, ms by phase:")
	names := train.PhaseNames()
	fmt.Fprintf(stdout, "%-10s %6s", "model", "batch")
	for _, p := range names {
		fmt.Fprintf(stdout, " %10s", p)
	}
	fmt.Fprintln(stdout)
	for _, r := range rows {
		fmt.Fprintf(stdout, "%-10s %6s", r.Model, strconv.Itoa(r.Batch))
		for _, p := range names {
			fmt.Fprintf(stdout, " %10.3f", 1e3*r.PhaseSeconds[p])
		}
		fmt.Fprintln(stdout)
	}
}
