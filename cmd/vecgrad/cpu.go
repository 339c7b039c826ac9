package main

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"text/tabwriter"

	"github.com/vecgrad/vecgrad/bench"
	"github.com/vecgrad/vecgrad/kernels"
)

func runCPU(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("cpu", "cpu [flags]",
		"Print the CPU model, GOARCH, the CPU features the kernels use, the cache sizes the\n"+
			"GEMM blocking uses and their source (cpuid, sysfs or defaults, per kernels.Caches), the\n"+
			"supported instruction-set levels (best first), the active level and threads; then\n"+
			"measure the roofs: FMA peak GFLOP/s per level (one core, all cores), the divider's\n"+
			"square roots and divisions per second per level (one core, all cores) and the triad\n"+
			"c = a + s*b bandwidth at L1, L2, L3 and DRAM working sets (one core; DRAM also all\n"+
			"cores). Every figure is the best of -reps repetitions of at least -mintime.")
	levelsOnly := fs.Bool("levels", false, "print only the supported levels, best first, separated by spaces (no measurement)")
	var mf measureFlags
	mf.register(fs)
	if ok, status := fs.parse(args, stdout, stderr); !ok {
		return status
	}
	if *levelsOnly {
		fmt.Fprintln(stdout, strings.Join(kernels.Levels(), " "))
		return exitOK
	}
	opt, err := mf.options(fs)
	if err != nil {
		return fs.fail(stderr, "%v", err)
	}

	caches := bench.DetectCaches()
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "CPU\t%s (%d logical CPUs, GOMAXPROCS %d)\n", cpuModel(), runtime.NumCPU(), runtime.GOMAXPROCS(0))
	fmt.Fprintf(tw, "GOARCH\t%s\n", runtime.GOARCH)
	fmt.Fprintf(tw, "features\t%s\n", formatFeatures(features()))
	fmt.Fprintf(tw, "caches\tL1d %s, L2 %s, L3 %s (%s)\n",
		bench.FormatBytes(caches.L1d), bench.FormatBytes(caches.L2), bench.FormatBytes(caches.L3), caches.Source)
	fmt.Fprintf(tw, "levels\t%s\n", strings.Join(kernels.Levels(), " "))
	fmt.Fprintf(tw, "active\t%s%s\n", kernels.ISA(), envNote("VECGRAD_ISA"))
	fmt.Fprintf(tw, "threads\t%d%s\n", kernels.Threads(), envNote("VECGRAD_THREADS"))
	tw.Flush()

	all := bench.AllCores()
	fmt.Fprintf(stdout, "\nFMA peak, float32 GFLOP/s (best of %d x %v; %s before measuring):\n", opt.Reps, opt.MinTime, loadNote())
	tw = tabwriter.NewWriter(stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "level\tone core\tall %d cores\t\n", all)
	for _, level := range kernels.Levels() {
		one, err1 := bench.FMAPeak(level, 1, opt)
		many, err2 := bench.FMAPeak(level, all, opt)
		if err := firstErr(err1, err2); err != nil {
			fmt.Fprintf(stderr, "vecgrad cpu: %v\n", err)
			return exitFail
		}
		fmt.Fprintf(tw, "%s\t%.1f\t%.1f\t\n", level, one, many)
	}
	tw.Flush()

	fmt.Fprintf(stdout, "\nDivider, correctly rounded float32 square roots and divisions, G lanes/s (kernels.SqrtPeak, DivPeak):\n")
	tw = tabwriter.NewWriter(stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "level\tsqrt one core\tdiv one core\tsqrt all %d\tdiv all %d\t\n", all, all)
	for _, level := range kernels.Levels() {
		one, err1 := bench.Divider(level, 1, opt)
		many, err2 := bench.Divider(level, all, opt)
		if err := firstErr(err1, err2); err != nil {
			fmt.Fprintf(stderr, "vecgrad cpu: %v\n", err)
			return exitFail
		}
		fmt.Fprintf(tw, "%s\t%.2f\t%.2f\t%.2f\t%.2f\t\n", level, one.Sqrt/1e9, one.Div/1e9, many.Sqrt/1e9, many.Div/1e9)
	}
	tw.Flush()

	r := bench.MeasureRoofs(caches, opt)
	fmt.Fprintf(stdout, "\nTriad c = a + s*b (kernels.AxpyTo, 3 arrays, 12 bytes/element) at %s, GB/s:\n", r.Level)
	printRoofs(stdout, &r)
	return exitOK
}

// printRoofs prints the triad roofs as a table, one row per size class.
func printRoofs(w io.Writer, r *bench.Roofs) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "size\tworking set\tone core\tall %d cores\t\n", r.Threads)
	for _, t := range r.Measured() {
		allCores := "-"
		if t.Class == bench.DRAM {
			allCores = fmt.Sprintf("%.1f", r.DRAMAllCores)
		}
		fmt.Fprintf(tw, "%s\t%s\t%.1f\t%s\t\n", t.Class, bench.FormatBytes(t.WorkingSet), t.GBs, allCores)
	}
	tw.Flush()
}

func envNote(name string) string {
	if v := os.Getenv(name); v != "" {
		return fmt.Sprintf(" (%s=%s)", name, v)
	}
	return ""
}

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}
