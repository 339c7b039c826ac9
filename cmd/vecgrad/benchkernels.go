package main

import (
	"fmt"
	"io"
	"runtime"
	"slices"
	"strconv"
	"strings"

	"github.com/vecgrad/vecgrad/bench"
	"github.com/vecgrad/vecgrad/kernels"
)

// benchTargets are the accepted arguments of `vecgrad bench`.
var benchTargets = map[string]func(args []string, stdout, stderr io.Writer) int{
	"kernels":     runBenchKernels,
	"gemm":        runBenchGemm,
	"optim":       runBenchOptim,
	"train":       runBenchTrain,
	"allreduce":   runBenchAllReduce,
	"distributed": runBenchDistributed,
}

// benchNames lists benchTargets' names, sorted.
func benchNames() string {
	var names []string
	for n := range benchTargets {
		names = append(names, n)
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}

func runBench(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		switch args[0] {
		case "-h", "-help", "--help":
			fmt.Fprintf(stdout, "Usage: vecgrad bench %s [flags]\n\nRun 'vecgrad bench NAME -h' for the flags of each.\n", strings.ReplaceAll(benchNames(), ", ", "|"))
			return exitOK
		}
		if f, ok := benchTargets[args[0]]; ok {
			return f(args[1:], stdout, stderr)
		}
		fmt.Fprintf(stderr, "vecgrad bench: unknown benchmark %q (accepted: %s)\n", args[0], benchNames())
		return exitUsage
	}
	fmt.Fprintf(stderr, "vecgrad bench: missing benchmark name (accepted: %s)\n", benchNames())
	return exitUsage
}

func runBenchKernels(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("bench kernels", "bench kernels [flags]",
		"Measure the triad roofs once, then time every kernel at every level and size class\n"+
			"and print: kernel, level, size, elements, working set, GB/s (bytes read + written per\n"+
			"call / best time per call), % of the one-core triad roof at that working set, and the\n"+
			"speedup over the generic level measured in the same run. Every figure is the best of\n"+
			"-reps repetitions of at least -mintime; the levels' repetitions are interleaved.")
	kernelList := fs.String("kernels", "all", "comma-separated kernels to run (accepted: "+strings.Join(bench.KernelNames(), ", ")+")")
	levelList := fs.String("levels", strings.Join(kernels.Levels(), ","), "comma-separated instruction-set levels to run, among those this machine supports")
	sizeList := fs.String("sizes", "L1,L2,DRAM", "comma-separated size classes: L1, L2, L3, DRAM (working sets 1/2 L1d, 1/2 L2, 1/2 L3, max(8 L3, 256 MiB))")
	var mf measureFlags
	mf.register(fs)
	if ok, status := fs.parse(args, stdout, stderr); !ok {
		return status
	}
	var b kernelBench
	var err error
	if b.opt, err = mf.options(fs); err != nil {
		return fs.fail(stderr, "%v", err)
	}
	ks, err := bench.FindKernels(*kernelList)
	if err != nil {
		return fs.fail(stderr, "-kernels: %v", err)
	}
	if b.levels, err = parseLevels(*levelList); err != nil {
		return fs.fail(stderr, "-levels: %v", err)
	}
	classes, err := parseClasses(*sizeList)
	if err != nil {
		return fs.fail(stderr, "-sizes: %v", err)
	}

	prevISA := kernels.ISA()
	b.caches = bench.DetectCaches()
	fmt.Fprintf(stdout, "vecgrad bench kernels: %s, %s, caches L1d %s / L2 %s / L3 %s (%s); best of %d x >= %v per figure; %s\n",
		cpuModel(), runtime.GOARCH, bench.FormatBytes(b.caches.L1d), bench.FormatBytes(b.caches.L2), bench.FormatBytes(b.caches.L3),
		b.caches.Source, b.opt.Reps, b.opt.MinTime, loadNote())
	// The roofs are measured before and after the table and the larger one
	// is used: a single low measurement on a shared machine would inflate
	// every "% roof".
	r := bench.MeasureRoofs(b.caches, b.opt, classes...)
	var results []kernelResult
	for _, k := range ks {
		for _, cl := range classes {
			results = append(results, b.time(k, cl)...)
		}
	}
	r.KeepBest(bench.MeasureRoofs(b.caches, b.opt, classes...))
	printKernelTable(stdout, &r, results)
	_ = kernels.SetISA(prevISA)
	return exitOK
}

// kernelBench is what vecgrad bench kernels measures.
type kernelBench struct {
	levels []string
	caches bench.Caches
	opt    bench.Options
	arena  bench.Arena
}

// kernelResult is one row of the table: a kernel at a level and size class.
type kernelResult struct {
	kernel, level string
	class         bench.Class
	n             int
	ws            int64
	gbs, speedup  float64 // speedup 0: no generic level in the run
}

// time times kernel k at size class cl at every level and returns a row
// per level. The levels are timed in interleaved rounds, so that the
// speedups compare figures taken under the same machine load.
func (b *kernelBench) time(k *bench.Kernel, cl bench.Class) []kernelResult {
	n := k.Len(b.caches.WorkingSet(cl))
	ws := int64(4 * n * k.Arrays())
	bytes := float64(k.BytesPerElem() * n)
	buf := b.arena.Prepare(k, n)
	runtime.GC() // collect the arena's garbage now, not while timing
	runs := make([]func(), len(b.levels))
	for i := range runs {
		runs[i] = func() { k.Run(buf) }
	}
	setISA := func(i int) { _ = kernels.SetISA(b.levels[i]) } // validated by parseLevels
	gbs := bench.TimeCalls(b.opt, setISA, runs...)
	for i := range gbs {
		gbs[i] = bytes / gbs[i] / 1e9
	}
	generic := slices.Index(b.levels, "generic")
	var results []kernelResult
	for i, level := range b.levels {
		res := kernelResult{kernel: k.Name, level: level, class: cl, n: n, ws: ws, gbs: gbs[i]}
		if generic >= 0 {
			res.speedup = gbs[i] / gbs[generic]
		}
		results = append(results, res)
	}
	return results
}

// printKernelTable prints the roofs r, the notes on the columns and the
// table.
func printKernelTable(stdout io.Writer, r *bench.Roofs, results []kernelResult) {
	fmt.Fprintf(stdout, "Roofs: triad c = a + s*b (12 bytes/element) at %s, GB/s (the larger of two measurements, before and after the table):\n", r.Level)
	printRoofs(stdout, r)
	fmt.Fprintln(stdout, "% roof: GB/s over the one-core triad roof of the working set's class; kernels that write less than")
	fmt.Fprintln(stdout, "the triad (reductions, 2-array kernels) can exceed 100%. AxpyTo is the triad itself: its % roof shows the noise.")
	fmt.Fprintln(stdout)
	const row = "%-18s %-8s %-5s %10s %11s %8s %7s %10s\n"
	fmt.Fprintf(stdout, row, "kernel", "isa", "size", "elements", "working set", "GB/s", "% roof", "vs generic")
	for _, res := range results {
		pct, speedup := "-", "-"
		if roof := r.RoofFor(res.ws); roof.GBs > 0 {
			pct = fmt.Sprintf("%.0f%%", 100*res.gbs/roof.GBs)
		}
		if res.speedup > 0 {
			speedup = fmt.Sprintf("%.1fx", res.speedup)
		}
		fmt.Fprintf(stdout, row, res.kernel, res.level, res.class, strconv.Itoa(res.n), bench.FormatBytes(res.ws), formatGBs(res.gbs), pct, speedup)
	}
}

// parseLevels splits a comma list of levels and checks each is supported here.
func parseLevels(list string) ([]string, error) {
	var out []string
	for _, l := range strings.Split(list, ",") {
		l = strings.TrimSpace(l)
		if !slices.Contains(kernels.Levels(), l) {
			return nil, fmt.Errorf("level %q is not supported here (accepted: %s)", l, strings.Join(kernels.Levels(), ", "))
		}
		out = append(out, l)
	}
	return out, nil
}

// parseClasses splits a comma list of size classes.
func parseClasses(list string) ([]bench.Class, error) {
	var out []bench.Class
	for _, s := range strings.Split(list, ",") {
		cl, err := bench.ParseClass(strings.TrimSpace(s))
		if err != nil {
			return nil, err
		}
		out = append(out, cl)
	}
	return out, nil
}

// formatGBs prints a bandwidth with three significant digits down to 0.01.
func formatGBs(v float64) string {
	switch {
	case v >= 100:
		return fmt.Sprintf("%.0f", v)
	case v >= 10:
		return fmt.Sprintf("%.1f", v)
	}
	return fmt.Sprintf("%.2f", v)
}
