package main

import (
	"fmt"
	"io"
	"runtime"
	"strings"

	"github.com/vecgrad/vecgrad/bench"
	"github.com/vecgrad/vecgrad/kernels"
)

func runBenchOptim(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("bench optim", "bench optim [flags]",
		"Time the fused optimizer steps (kernels.SGDStep with momentum, kernels.AdamStep as Adam\n"+
			"and as AdamW with amsgrad) at every level, thread count (steps of at least 2^15\n"+
			"parameters are split across the threads) and parameter count, and measure the triad\n"+
			"roof (c = a + s*b) at each step's working set on as many cores, before and after the\n"+
			"steps (the larger is kept); print: step, level, threads, parameters, working set, bytes per parameter\n"+
			"(read + written: SGD+momentum 20, Adam 28, AdamW+amsgrad 36), GB/s (those bytes / best\n"+
			"time per step), the roof, % of the roof, for Adam its divider bound (those bytes at the\n"+
			"most parameters per second the level's correctly rounded square roots and divisions\n"+
			"allow, measured the same way on as many cores as the step runs on) and % of it, and\n"+
			"the speedup over the generic level measured in the same run. Every figure is the best\n"+
			"of -reps repetitions of at least -mintime; the levels' repetitions are interleaved.")
	stepList := fs.String("steps", "all", "comma-separated optimizer steps (accepted: "+strings.Join(bench.OptimKernelNames(), ", ")+")")
	levelList := fs.String("levels", strings.Join(kernels.Levels(), ","), "comma-separated instruction-set levels to run, among those this machine supports")
	sizeList := fs.String("sizes", "1e3,1e4,1e5,1e6,1e7", "comma-separated parameter counts")
	threadList := fs.String("threads", "1", "comma-separated thread counts, each 1 to GOMAXPROCS (kernels.SetThreads)")
	var mf measureFlags
	mf.register(fs)
	if ok, status := fs.parse(args, stdout, stderr); !ok {
		return status
	}
	opt, err := mf.options(fs)
	if err != nil {
		return fs.fail(stderr, "%v", err)
	}
	ks, err := bench.FindOptimKernels(*stepList)
	if err != nil {
		return fs.fail(stderr, "-steps: %v", err)
	}
	levels, err := parseLevels(*levelList)
	if err != nil {
		return fs.fail(stderr, "-levels: %v", err)
	}
	sizes, err := bench.ParseOptimSizes(*sizeList)
	if err != nil {
		return fs.fail(stderr, "-sizes: %v", err)
	}
	threads, err := parseThreads(*threadList)
	if err != nil {
		return fs.fail(stderr, "-threads: %v", err)
	}

	caches := bench.DetectCaches()
	fmt.Fprintf(stdout, "vecgrad bench optim: %s, %s, caches L1d %s / L2 %s / L3 %s (%s); best of %d x >= %v per figure; %s\n",
		cpuModel(), runtime.GOARCH, bench.FormatBytes(caches.L1d), bench.FormatBytes(caches.L2), bench.FormatBytes(caches.L3),
		caches.Source, opt.Reps, opt.MinTime, loadNote())
	res := bench.MeasureOptim(ks, levels, threads, sizes, opt)
	fmt.Fprintf(stdout, "roof: triad at the step's working set on as many cores as threads, at %s (12 bytes/element, the larger of two measurements)\n", kernels.Levels()[0])
	fmt.Fprintln(stdout, "bound: the divider's (kernels.SqrtPeak, DivPeak) for the step's square roots and divisions, on as many cores as it runs on")
	fmt.Fprintln(stdout)
	const row = "%-14s %-8s %3s %10s %11s %7s %8s %10s %7s %10s %8s %10s\n"
	fmt.Fprintf(stdout, row, "step", "isa", "thr", "params", "working set", "B/param", "GB/s", "roof GB/s", "% roof", "bound GB/s", "% bound", "vs generic")
	bpp := map[string]int{}
	for _, k := range ks {
		bpp[k.Name] = k.BytesPerParam
	}
	for _, r := range res {
		speedup := "-"
		if r.Speedup > 0 {
			speedup = fmt.Sprintf("%.1fx", r.Speedup)
		}
		bound, boundPct := "-", "-"
		if r.BoundGBs > 0 {
			bound, boundPct = formatGBs(r.BoundGBs), fmt.Sprintf("%.0f%%", r.BoundPct())
		}
		fmt.Fprintf(stdout, row, r.Kernel, r.Level, fmt.Sprint(r.Threads), fmt.Sprint(r.N), bench.FormatBytes(r.WorkingSet), fmt.Sprint(bpp[r.Kernel]),
			formatGBs(r.GBs), formatGBs(r.RoofGBs), fmt.Sprintf("%.0f%%", r.RoofPct()), bound, boundPct, speedup)
	}
	return exitOK
}
