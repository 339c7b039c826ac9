package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/vecgrad/vecgrad/bench"
	"github.com/vecgrad/vecgrad/kernels"
	"github.com/vecgrad/vecgrad/train"
)

// trainModels are the MLPs vecgrad bench train knows by name.
var trainModels = map[string][]int{
	"tutorial": {784, 512, 512, 10},
	"wide":     {784, 2048, 2048, 10},
}

// trainRow is one line of the table: a model, batch size and thread count.
type trainRow struct {
	Model         string             `json:"model"`
	Widths        []int              `json:"widths"`
	Batch         int                `json:"batch"`
	Threads       int                `json:"threads"`
	SamplesPerSec float64            `json:"samples_per_second"`
	StepSeconds   float64            `json:"step_seconds"`
	GFLOPS        float64            `json:"gflops"`
	LimitSamples  float64            `json:"flop_limit_samples_per_second"`
	PctLimit      float64            `json:"percent_of_flop_limit"`
	VsOneThread   float64            `json:"speedup_over_one_thread,omitempty"`
	Autograd      float64            `json:"autograd_samples_per_second,omitempty"`
	Phases        map[string]float64 `json:"phase_seconds,omitempty"`
	PyTorch       float64            `json:"pytorch_samples_per_second,omitempty"`
}

// trainReport is vecgrad bench train's JSON output.
type trainReport struct {
	CPU         string             `json:"cpu"`
	Arch        string             `json:"arch"`
	ISA         string             `json:"isa"`
	GOMAXPROCS  int                `json:"gomaxprocs"`
	Optimizer   string             `json:"optimizer"`
	Reps        int                `json:"reps"`
	RoofGFLOPS  map[int]float64    `json:"fma_roof_gflops_by_threads"`
	FlopsSample map[string]float64 `json:"flop_per_sample"`
	Rows        []trainRow         `json:"rows"`
	PyTorch     *pytorchReport     `json:"pytorch,omitempty"`
	Note        string             `json:"note,omitempty"`
}

func runBenchTrain(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("bench train", "bench train [flags]",
		"Time the training step of MLPs (the step vecgrad train runs: forward, cross-entropy, backward,\n"+
			"optimizer; batches from a shuffling loader over synthetic MNIST-shaped data) for each model,\n"+
			"batch size and thread count, and print: samples/s, GFLOP/s (the products' flops: 6*in*out per\n"+
			"layer and sample, 4*in*out for the first), % of the FLOP limit (the FMA roof of as many cores\n"+
			"at the active level, measured before and after in the same run, the larger kept, over the\n"+
			"flops per sample) and the speedup over one thread; then a profiled run's time per step by\n"+
			"phase (gemm, elementwise, loss, optimizer, data, waiting at barriers), and PyTorch's figures\n"+
			"for the same models, batches and thread counts where a Python imports torch ($PYTHON, else\n"+
			"/usr/bin/python3, else python3 on PATH; bench/pytorch).\n"+
			"Every figure is the best of -reps interleaved repetitions of at least -mintime.")
	modelList := fs.String("models", "tutorial,wide", "comma-separated models: tutorial (784-512-512-10), wide (784-2048-2048-10), or widths joined by '-' (input 784 first)")
	batchList := fs.String("batch-sizes", "16,64,256", "comma-separated batch sizes")
	threadList := fs.String("threads", joinInts(allThreadCounts()), "comma-separated thread counts, each 1 to GOMAXPROCS")
	var b trainBench
	fs.StringVar(&b.optimizer, "optimizer", "sgd", "optimizer: sgd (lr 1e-3, momentum 0.5: the tutorial's) or adam (lr 1e-3)")
	fs.BoolVar(&b.profile, "profile", true, "also run each configuration profiled and print its time by phase")
	fs.BoolVar(&b.autograd, "autograd", false, "also time the autograd step (the path of models the team step does not cover)")
	pytorch := fs.Bool("pytorch", true, "run bench/pytorch/mlp_throughput.py for the same models and batches when torch is installed")
	asJSON := fs.Bool("json", false, "print the results as JSON instead of tables")
	var mf measureFlags
	mf.register(fs)
	if ok, status := fs.parse(args, stdout, stderr); !ok {
		return status
	}
	var err error
	if b.opt, err = mf.options(fs); err != nil {
		return fs.fail(stderr, "%v", err)
	}
	if b.models, err = parseTrainModels(*modelList); err != nil {
		return fs.fail(stderr, "-models: %v", err)
	}
	if b.batches, err = parsePositiveInts(*batchList, 4096); err != nil {
		return fs.fail(stderr, "-batch-sizes: %v", err)
	}
	if b.threads, err = parseThreads(*threadList); err != nil {
		return fs.fail(stderr, "-threads: %v", err)
	}
	if b.optimizer != "sgd" && b.optimizer != "adam" {
		return fs.fail(stderr, "-optimizer %q: accepted sgd or adam", b.optimizer)
	}

	rep := trainReport{CPU: cpuModel(), Arch: runtime.GOARCH, ISA: kernels.ISA(), GOMAXPROCS: runtime.GOMAXPROCS(0),
		Optimizer: b.optimizer, Reps: b.opt.Reps, RoofGFLOPS: map[int]float64{}, FlopsSample: map[string]float64{}}
	if !*asJSON {
		fmt.Fprintf(stdout, "vecgrad bench train: %s, %s, ISA %s, GOMAXPROCS %d, %s; best of %d x >= %v per figure; %s\n",
			rep.CPU, rep.Arch, rep.ISA, rep.GOMAXPROCS, b.optimizer, b.opt.Reps, b.opt.MinTime, loadNote())
	}
	if err := b.measure(&rep); err != nil {
		return fs.fail(stderr, "%v", err)
	}
	if *pytorch {
		py, note := runPyTorch(b.models, b.batches, b.threads, b.optimizer, *asJSON)
		rep.PyTorch, rep.Note = py, note
		if py != nil {
			for i := range rep.Rows {
				rep.Rows[i].PyTorch = py.best(rep.Rows[i].Widths, rep.Rows[i].Batch, rep.Rows[i].Threads)
			}
		}
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", " ")
		if err := enc.Encode(rep); err != nil {
			return fs.fail(stderr, "%v", err)
		}
		return exitOK
	}
	printTrainTables(stdout, rep, b.autograd, b.profile)
	return exitOK
}

// trainBench is what vecgrad bench train measures.
type trainBench struct {
	models            []trainModel
	batches, threads  []int
	optimizer         string
	profile, autograd bool
	opt               bench.Options
}

// measure fills rep: the FMA roofs before and after (the larger kept), one
// row per model, batch and thread count, timed in -reps interleaved rounds,
// then each row's ratios and profile.
func (b *trainBench) measure(rep *trainReport) error {
	if err := b.measureRoofs(rep); err != nil {
		return err
	}
	for _, m := range b.models {
		rep.FlopsSample[m.name] = train.StepFlops(m.widths)
		for _, batch := range b.batches {
			for _, t := range b.threads {
				rep.Rows = append(rep.Rows, trainRow{Model: m.name, Widths: m.widths, Batch: batch, Threads: t})
			}
		}
	}
	for range b.opt.Reps {
		for i := range rep.Rows {
			if err := b.time(&rep.Rows[i]); err != nil {
				return err
			}
		}
	}
	if err := b.measureRoofs(rep); err != nil {
		return err
	}
	one := map[string]float64{}
	for i := range rep.Rows {
		r := &rep.Rows[i]
		f := rep.FlopsSample[r.Model]
		r.GFLOPS = r.SamplesPerSec * f / 1e9
		r.LimitSamples = rep.RoofGFLOPS[r.Threads] * 1e9 / f
		r.PctLimit = 100 * r.SamplesPerSec / r.LimitSamples
		key := fmt.Sprintf("%s/%d", r.Model, r.Batch)
		if r.Threads == 1 {
			one[key] = r.SamplesPerSec
		}
		if o := one[key]; o > 0 {
			r.VsOneThread = r.SamplesPerSec / o
		}
		if b.profile {
			if ph, err := train.ProfileStep(b.step(r)); err == nil {
				r.Phases = ph
			}
		}
	}
	return nil
}

// measureRoofs measures the FMA roof at each thread count, keeping the
// larger of this and any earlier measurement.
func (b *trainBench) measureRoofs(rep *trainReport) error {
	for _, t := range b.threads {
		g, err := bench.FMAPeak(kernels.ISA(), t, b.opt)
		if err != nil {
			return fmt.Errorf("the FMA roof: %w", err)
		}
		rep.RoofGFLOPS[t] = max(rep.RoofGFLOPS[t], g)
	}
	return nil
}

// step returns row r's measurement.
func (b *trainBench) step(r *trainRow) train.StepBench {
	return train.StepBench{Widths: r.Widths, BatchSize: r.Batch, Threads: r.Threads, Optimizer: b.optimizer, MinTime: b.opt.MinTime}
}

// time runs one round of row r, keeping its best.
func (b *trainBench) time(r *trainRow) error {
	sb := b.step(r)
	res, err := train.MeasureStep(sb)
	if err != nil {
		return err
	}
	if res.SamplesPerSecond > r.SamplesPerSec {
		r.SamplesPerSec, r.StepSeconds = res.SamplesPerSecond, res.StepSeconds
	}
	if b.autograd {
		sb.Autograd = true
		if res, err = train.MeasureStep(sb); err != nil {
			return err
		}
		r.Autograd = max(r.Autograd, res.SamplesPerSecond)
	}
	return nil
}

// allThreadCounts returns 1 to GOMAXPROCS.
func allThreadCounts() []int {
	out := make([]int, runtime.GOMAXPROCS(0))
	for i := range out {
		out[i] = i + 1
	}
	return out
}

type trainModel struct {
	name   string
	widths []int
}

// parseTrainModels parses -models.
func parseTrainModels(list string) ([]trainModel, error) {
	var out []trainModel
	for _, f := range strings.Split(list, ",") {
		f = strings.TrimSpace(f)
		if w, ok := trainModels[f]; ok {
			out = append(out, trainModel{f, w})
			continue
		}
		var widths []int
		for _, s := range strings.Split(f, "-") {
			w, err := strconv.Atoi(s)
			if err != nil || w < 1 || w > 1<<16 {
				return nil, fmt.Errorf("model %q: want tutorial, wide, or widths 1 to 65536 joined by '-' (e.g. 784-256-10)", f)
			}
			widths = append(widths, w)
		}
		if len(widths) < 2 || widths[0] != 784 || widths[len(widths)-1] > 256 {
			return nil, fmt.Errorf("model %q: want at least two widths, the first 784 (the synthetic data's features), the last at most 256 classes", f)
		}
		out = append(out, trainModel{f, widths})
	}
	return out, nil
}

// parsePositiveInts parses a comma-separated list of integers 1 to limit.
func parsePositiveInts(list string, limit int) ([]int, error) {
	var out []int
	for _, f := range strings.Split(list, ",") {
		v, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || v < 1 || v > limit {
			return nil, fmt.Errorf("%q: want integers from 1 to %d", strings.TrimSpace(f), limit)
		}
		out = append(out, v)
	}
	return out, nil
}

// printTrainTables prints the throughput table and the phase table.
func printTrainTables(w io.Writer, rep trainReport, autograd, profile bool) {
	for _, t := range sortedKeys(rep.RoofGFLOPS) {
		fmt.Fprintf(w, "FMA roof, %d thread(s), %s: %.1f GFLOP/s\n", t, rep.ISA, rep.RoofGFLOPS[t])
	}
	for name, f := range rep.FlopsSample {
		fmt.Fprintf(w, "%s: %.3f MFLOP per sample\n", name, f/1e6)
	}
	fmt.Fprintln(w)
	head := fmt.Sprintf("%-10s %5s %7s %11s %8s %8s %7s %7s", "model", "batch", "threads", "samples/s", "step ms", "GFLOP/s", "% limit", "vs 1T")
	if autograd {
		head += fmt.Sprintf(" %11s", "autograd/s")
	}
	if rep.PyTorch != nil {
		head += fmt.Sprintf(" %11s %9s", "pytorch/s", "vs torch")
	}
	fmt.Fprintln(w, head)
	for _, r := range rep.Rows {
		line := fmt.Sprintf("%-10s %5d %7d %11.0f %8.3f %8.1f %6.1f%% %6.2fx", r.Model, r.Batch, r.Threads, r.SamplesPerSec,
			1e3*r.StepSeconds, r.GFLOPS, r.PctLimit, r.VsOneThread)
		if autograd {
			line += fmt.Sprintf(" %11.0f", r.Autograd)
		}
		if rep.PyTorch != nil {
			if r.PyTorch > 0 {
				line += fmt.Sprintf(" %11.0f %8.2fx", r.PyTorch, r.SamplesPerSec/r.PyTorch)
			} else {
				line += fmt.Sprintf(" %11s %9s", "-", "-")
			}
		}
		fmt.Fprintln(w, line)
	}
	if rep.PyTorch != nil {
		fmt.Fprintf(w, "PyTorch %s (%s), BLAS threads: %s\n", rep.PyTorch.Torch, rep.PyTorch.Executable, rep.PyTorch.BLASThreads)
		if strings.HasPrefix(rep.PyTorch.BLASThreads, "not set") {
			fmt.Fprintln(w, "  warning: torch's products ran on a BLAS other than OpenBLAS (Debian's reference BLAS is 10-20x slower): apt-get install libopenblas0-pthread for a fair peer")
		}
		fmt.Fprintln(w, "Both at their fastest thread count (the fastest of the counts run, for each):")
		for _, line := range rep.PyTorch.versus(rep.Rows) {
			fmt.Fprintf(w, "  %s\n", line)
		}
	} else if rep.Note != "" {
		fmt.Fprintln(w, rep.Note)
	}
	if !profile {
		return
	}
	fmt.Fprintln(w, "\nTime per step by phase (profiled run; the phases inside the step averaged over the threads), % of the step:")
	fmt.Fprintf(w, "%-10s %5s %7s %9s", "model", "batch", "threads", "step ms")
	// The phases some row spent time in (a one-process run has no
	// all-reduce).
	var phases []string
	for _, p := range train.PhaseNames() {
		for _, r := range rep.Rows {
			if r.Phases[p] > 0 {
				phases = append(phases, p)
				break
			}
		}
	}
	for _, p := range phases {
		fmt.Fprintf(w, " %11s", p)
	}
	fmt.Fprintln(w)
	for _, r := range rep.Rows {
		if r.Phases == nil {
			continue
		}
		var total float64
		for _, v := range r.Phases {
			total += v
		}
		fmt.Fprintf(w, "%-10s %5d %7d %9.3f", r.Model, r.Batch, r.Threads, 1e3*total)
		for _, p := range phases {
			fmt.Fprintf(w, " %10.1f%%", 100*r.Phases[p]/total)
		}
		fmt.Fprintln(w)
	}
}

func sortedKeys(m map[int]float64) []int {
	var ks []int
	for k := range m {
		ks = append(ks, k)
	}
	sort.Ints(ks)
	return ks
}

// pytorchReport is what bench/pytorch/mlp_throughput.py reports, per model.
type pytorchReport struct {
	Torch       string       `json:"torch"`
	Executable  string       `json:"executable"`
	BLASThreads string       `json:"blas_threads"`
	Runs        []pytorchRun `json:"runs"`
}

type pytorchRun struct {
	Widths  []int `json:"widths"`
	Results []struct {
		Batch   int     `json:"batch"`
		Threads int     `json:"threads"`
		Samples float64 `json:"samples_per_s"`
	} `json:"results"`
}

// best returns PyTorch's samples/s for widths and batch at threads, or 0.
func (p *pytorchReport) best(widths []int, batch, threads int) float64 {
	for _, run := range p.Runs {
		if !slices.Equal(run.Widths, widths) {
			continue
		}
		for _, r := range run.Results {
			if r.Batch == batch && r.Threads == threads {
				return r.Samples
			}
		}
	}
	return 0
}

// versus compares, per model and batch, vecgrad at its fastest thread
// count with PyTorch at its own.
func (p *pytorchReport) versus(rows []trainRow) []string {
	var out []string
	for _, r := range rows {
		best, bestT := bestOf(rows, r.Model, r.Batch)
		if r.Threads != bestT {
			continue
		}
		var torch float64
		var torchT int
		for _, run := range p.Runs {
			if !slices.Equal(run.Widths, r.Widths) {
				continue
			}
			for _, x := range run.Results {
				if x.Batch == r.Batch && x.Samples > torch {
					torch, torchT = x.Samples, x.Threads
				}
			}
		}
		if torch > 0 {
			out = append(out, fmt.Sprintf("%s batch %d: vecgrad %.0f/s (%d threads), PyTorch %.0f/s (%d threads): %.2fx",
				r.Model, r.Batch, best, bestT, torch, torchT, best/torch))
		}
	}
	return out
}

// bestOf returns the fastest row's samples/s and thread count for model and
// batch.
func bestOf(rows []trainRow, model string, batch int) (float64, int) {
	var best float64
	var threads int
	for _, r := range rows {
		if r.Model == model && r.Batch == batch && r.SamplesPerSec > best {
			best, threads = r.SamplesPerSec, r.Threads
		}
	}
	return best, threads
}

// torchPython returns the first Python that imports torch, in the order
// bench/pytorch/run.sh tries them: $PYTHON, /usr/bin/python3 (where
// Debian's python3-torch installs), python3 on PATH; "" where none does.
func torchPython() string {
	for _, py := range []string{os.Getenv("PYTHON"), "/usr/bin/python3", "python3"} {
		if py != "" && exec.Command(py, "-c", "import torch").Run() == nil {
			return py
		}
	}
	return ""
}

func joinWidths(w []int) string { return strings.ReplaceAll(joinInts(w), ",", "-") }

// runPyTorch runs bench/pytorch/mlp_throughput.py for each model at the
// thread counts threads (vecgrad's: "both at their fastest" compares the
// fastest of the same counts), or returns why not.
func runPyTorch(models []trainModel, batches, threads []int, optimizer string, quiet bool) (*pytorchReport, string) {
	script := filepath.Join("bench", "pytorch", "mlp_throughput.py")
	if _, err := os.Stat(script); err != nil {
		return nil, "PyTorch: skipped (run from the repository root, where " + script + " is)"
	}
	py := torchPython()
	if py == "" {
		return nil, "PyTorch: skipped (no Python that imports torch: set PYTHON to one, or apt-get install python3-torch)"
	}
	rep := &pytorchReport{}
	for _, m := range models {
		cmd := exec.Command(py, script, "--json", "--optimizer", optimizer, "--widths", joinInts(m.widths),
			"--batch-sizes", joinInts(batches), "--threads", joinInts(threads))
		cmd.Env = append(os.Environ(), "OMP_NUM_THREADS=", "MKL_NUM_THREADS=")
		out, err := cmd.Output()
		if err != nil {
			return nil, fmt.Sprintf("PyTorch: %s failed: %v", script, err)
		}
		var r struct {
			pytorchRun
			Torch       string `json:"torch"`
			Executable  string `json:"executable"`
			BLASThreads string `json:"blas_threads"`
		}
		if err := json.Unmarshal(out, &r); err != nil {
			return nil, fmt.Sprintf("PyTorch: %s printed no JSON: %v", script, err)
		}
		rep.Torch, rep.Executable, rep.BLASThreads = r.Torch, r.Executable, r.BLASThreads
		rep.Runs = append(rep.Runs, r.pytorchRun)
	}
	return rep, ""
}
