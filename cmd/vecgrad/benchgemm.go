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

func runBenchGemm(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("bench gemm", "bench gemm [flags]",
		"Measure the FMA roofs (one core at each level, all cores at the best one), then time\n"+
			"kernels.Sgemm (C = op(A)*op(B), row-major, alpha 1, beta 0) on each shape at each level\n"+
			"and thread count, and gonum's pure-Go blas32.Gemm on the same operands with GOMAXPROCS\n"+
			"set to the same thread count, and print: shape (m x k x n), op (NN, NT: B transposed,\n"+
			"TN: A transposed), the shape's role in the MLP, level, threads, vecgrad GFLOP/s\n"+
			"(2*m*n*k / best time per call), % of the FMA roof (threads x the level's one-core\n"+
			"roof), gonum GFLOP/s and vecgrad/gonum. Each shape's implementations are timed in\n"+
			"interleaved rounds, so the ratios hold under load; each result is checked against a\n"+
			"float64 product before it is timed. Every figure is the best of -reps repetitions of\n"+
			"at least -mintime (fewer, at least 2, for a product longer than -mintime).")
	levelList := fs.String("levels", strings.Join(bench.VectorLevels(), ","),
		"comma-separated instruction-set levels to run, among those this machine supports ("+strings.Join(kernels.Levels(), ", ")+")")
	threadList := fs.String("threads", joinInts(bench.GemmThreads()),
		"comma-separated thread counts (kernels.SetThreads; gonum's GOMAXPROCS), each 1 to GOMAXPROCS")
	shapeList := fs.String("shapes", "all",
		"comma-separated shapes: all, square (64 to 2048), train (the MLP's forward, dX and dW products),\n"+
			"or MxKxN with an optional _NT, _TN or _TT suffix (e.g. 64x512x784_NT)")
	var b gemmBench
	fs.BoolVar(&b.gonum, "gonum", true, "also time gonum's blas32.Gemm and print vecgrad/gonum")
	fs.IntVar(&b.gonumMax, "gonummax", 1024,
		"time gonum only on shapes whose largest dimension is at most this (0: all; gonum takes ~1.5 s per 2048³ product)")
	list := fs.Bool("list", false, "print the selected shapes' names, one per line, and exit (no measurement; bench/openblas/run.sh reads them)")
	var mf measureFlags
	mf.register(fs)
	if ok, status := fs.parse(args, stdout, stderr); !ok {
		return status
	}
	var err error
	if b.opt, err = mf.options(fs); err != nil {
		return fs.fail(stderr, "%v", err)
	}
	if b.levels, err = parseLevels(*levelList); err != nil {
		return fs.fail(stderr, "-levels: %v", err)
	}
	if b.threads, err = parseThreads(*threadList); err != nil {
		return fs.fail(stderr, "-threads: %v", err)
	}
	shapes, err := bench.ParseGemmShapes(*shapeList)
	if err != nil {
		return fs.fail(stderr, "-shapes: %v", err)
	}
	if b.gonumMax < 0 {
		return fs.fail(stderr, "-gonummax %d: want 0 (no limit) or a positive dimension", b.gonumMax)
	}
	if *list {
		for _, s := range shapes {
			fmt.Fprintln(stdout, s.ID())
		}
		return exitOK
	}

	fmt.Fprintf(stdout, "vecgrad bench gemm: %s, %s, GOMAXPROCS %d; best of %d x >= %v per figure; %s\n",
		cpuModel(), runtime.GOARCH, runtime.GOMAXPROCS(0), b.opt.Reps, b.opt.MinTime, loadNote())
	results, err := b.measure(shapes)
	if err != nil {
		fmt.Fprintf(stderr, "vecgrad bench gemm: %v\n", err)
		return exitFail
	}
	b.print(stdout, results)
	return exitOK
}

// gemmBench is what vecgrad bench gemm measures, and the FMA roofs it
// measured.
type gemmBench struct {
	levels   []string
	threads  []int
	gonum    bool
	gonumMax int
	opt      bench.Options

	best    string             // the best level of levels, whose all-core roof is measured
	all     int                // bench.AllCores()
	roof    map[string]float64 // one-core roof per level
	allRoof float64            // all cores at best
}

// gemmResult is one row of the table: a shape at a level and thread count.
type gemmResult struct {
	s       bench.GemmShape
	level   string
	thr     int
	gflops  float64
	gonum   float64 // 0: not timed
	scaling float64 // median over rounds of time at 1 thread / time at thr; 0: none
}

// measure measures the roofs, then every shape, then the roofs again, and
// returns the rows in the table's order.
//
// The roofs: one core at each level, all cores at the best level chosen.
// They are measured before and after the table and the larger figure is
// used: on a shared machine a single measurement can come out low (clock
// ramp, a busy neighbour), which would inflate every "% roof".
func (b *gemmBench) measure(shapes []bench.GemmShape) ([]gemmResult, error) {
	b.best = b.levels[0]
	for _, l := range b.levels {
		if slices.Index(kernels.Levels(), l) < slices.Index(kernels.Levels(), b.best) {
			b.best = l
		}
	}
	b.all = bench.AllCores()
	b.roof = map[string]float64{}
	if err := b.measureRoofs(); err != nil {
		return nil, err
	}
	var results []gemmResult
	for _, s := range shapes {
		r, err := b.timeShape(s)
		if err != nil {
			return nil, err
		}
		results = append(results, r...)
	}
	return results, b.measureRoofs()
}

// measureRoofs measures the roofs, keeping the larger of this and any
// earlier measurement.
func (b *gemmBench) measureRoofs() error {
	for _, l := range b.levels {
		g, err := bench.FMAPeak(l, 1, b.opt)
		if err != nil {
			return err
		}
		b.roof[l] = max(b.roof[l], g)
	}
	g, err := bench.FMAPeak(b.best, b.all, b.opt)
	b.allRoof = max(b.allRoof, g)
	return err
}

// timeShape times every level and thread count of shape s, and gonum at
// each thread count where it is timed, in one interleaved measurement, and
// returns the rows of s, thread count by thread count.
func (b *gemmBench) timeShape(s bench.GemmShape) ([]gemmResult, error) {
	o := bench.NewGemmOperands(s)
	withGonum := b.gonum && (b.gonumMax == 0 || s.MaxDim() <= b.gonumMax)
	// impls[ti*per+li] is level li at threads[ti], gonum last in each
	// thread count's group.
	per := len(b.levels)
	if withGonum {
		per++
	}
	var impls []bench.GemmImpl
	for _, t := range b.threads {
		for _, l := range b.levels {
			impls = append(impls, bench.GemmImpl{Level: l, Threads: t})
		}
		if withGonum {
			impls = append(impls, bench.GemmImpl{Gonum: true, Threads: t})
		}
	}
	g, rounds, err := bench.GemmGFLOPSRounds(o, impls, b.opt)
	if err != nil {
		return nil, err
	}
	var results []gemmResult
	one := slices.Index(b.threads, 1)
	for ti, t := range b.threads {
		for li, l := range b.levels {
			i := ti*per + li
			r := gemmResult{s: s, level: l, thr: t, gflops: g[i]}
			if withGonum {
				r.gonum = g[ti*per+len(b.levels)]
			}
			if one >= 0 && t != 1 {
				r.scaling = bench.MedianRatio(rounds, one*per+li, i)
			}
			results = append(results, r)
		}
	}
	return results, nil
}

// print prints the roofs, the notes on the columns and the table.
func (b *gemmBench) print(stdout io.Writer, results []gemmResult) {
	var roofs []string
	for _, l := range b.levels {
		roofs = append(roofs, fmt.Sprintf("%s %.1f", l, b.roof[l]))
	}
	fmt.Fprintf(stdout, "FMA roof, float32 GFLOP/s (the larger of two measurements, before and after the table): one core %s; all %d cores %s %.1f\n",
		strings.Join(roofs, ", "), b.all, b.best, b.allRoof)
	fmt.Fprintln(stdout, "% roof: vecgrad over threads x the level's one-core roof (the measured all-core roof at all cores). gonum: blas32.Gemm with GOMAXPROCS = threads.")
	fmt.Fprintln(stdout, "vs 1 thr: the median over the interleaved rounds of the round's time at 1 thread / its time at thr (the same level), a ratio taken under the same load.")
	fmt.Fprintln(stdout)

	const row = "%-16s %-3s %-12s %-8s %3s %9s %7s %9s %9s %9s\n"
	fmt.Fprintf(stdout, row, "shape (mxkxn)", "op", "role", "isa", "thr", "GFLOP/s", "% roof", "gonum", "vs gonum", "vs 1 thr")
	for _, r := range results {
		gonumCol, ratio, scaling := "-", "-", "-"
		if r.gonum > 0 {
			gonumCol, ratio = formatGBs(r.gonum), fmt.Sprintf("%.1fx", r.gflops/r.gonum)
		}
		if r.scaling > 0 {
			scaling = fmt.Sprintf("%.2fx", r.scaling)
		}
		lim := float64(r.thr) * b.roof[r.level]
		if r.thr == b.all && r.level == b.best {
			lim = b.allRoof // measured: SMT siblings share FMA units
		}
		pct := fmt.Sprintf("%.0f%%", 100*r.gflops/lim)
		fmt.Fprintf(stdout, row, r.s.ID(), r.s.Op(), r.s.Role, r.level, strconv.Itoa(r.thr), formatGBs(r.gflops), pct, gonumCol, ratio, scaling)
	}
}

// parseThreads splits a comma list of thread counts, each 1 to GOMAXPROCS.
func parseThreads(list string) ([]int, error) {
	var out []int
	procs := runtime.GOMAXPROCS(0)
	for _, f := range strings.Split(list, ",") {
		t, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || t < 1 || t > procs {
			return nil, fmt.Errorf("thread count %q: want an integer from 1 to GOMAXPROCS = %d", strings.TrimSpace(f), procs)
		}
		if !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return out, nil
}

func joinInts(v []int) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = strconv.Itoa(x)
	}
	return strings.Join(s, ",")
}
