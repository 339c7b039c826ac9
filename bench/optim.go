package bench

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/vecgrad/vecgrad/kernels"
)

// OptimKernel is one fused optimizer step of `vecgrad bench optim`.
type OptimKernel struct {
	Name string
	// Arrays is the number of n-element arrays the step touches (p, g and
	// the state), BytesPerParam the bytes it reads plus writes per parameter.
	Arrays, BytesPerParam int
	// Run performs one step on b (b.State has Arrays-2 arrays).
	Run func(b *OptimBuffers)
	// DividerWork, when not nil, returns the correctly rounded square roots
	// and divisions per parameter of the step at the active level: its
	// divider bound (DividerRates.ElemsPerSec) is reported beside the roof.
	DividerWork func() (sqrts, divs int)
}

// WorkingSet returns the bytes of the arrays of a step over n parameters.
func (k *OptimKernel) WorkingSet(n int) int64 { return int64(4 * k.Arrays * n) }

// OptimBuffers are the operands of one benchmarked step.
type OptimBuffers struct {
	P, G  []float32
	State [][]float32 // buf; m, v; m, v, vmax
}

// The hyper-parameters of the benchmarked steps: PyTorch's defaults (a
// later step, so that every state array is read).
var (
	benchSGD   = kernels.SGDParams{LR: 0.01, Momentum: 0.9}
	benchAdam  = kernels.AdamParams{LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, Step: 10}
	benchAdamW = kernels.AdamParams{LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: 0.01,
		Step: 10, Decoupled: true, AMSGrad: true}
)

// OptimKernels is the table of `vecgrad bench optim` and BenchmarkOptim:
// SGD with momentum (read p, g, buf; write p, buf: 20 bytes per parameter),
// Adam (read p, g, m, v; write p, m, v: 28) and AdamW with amsgrad (also
// vmax: 36).
var OptimKernels = []OptimKernel{
	{Name: "SGD+momentum", Arrays: 3, BytesPerParam: 20,
		Run: func(b *OptimBuffers) { kernels.SGDStep(b.P, b.G, b.State[0], benchSGD) }},
	{Name: "Adam", Arrays: 4, BytesPerParam: 28,
		Run:         func(b *OptimBuffers) { kernels.AdamStep(b.P, b.G, b.State[0], b.State[1], nil, benchAdam) },
		DividerWork: func() (int, int) { return kernels.AdamDividerWork(false) }},
	{Name: "AdamW+amsgrad", Arrays: 5, BytesPerParam: 36,
		Run: func(b *OptimBuffers) {
			kernels.AdamStep(b.P, b.G, b.State[0], b.State[1], b.State[2], benchAdamW)
		},
		DividerWork: func() (int, int) { return kernels.AdamDividerWork(true) }},
}

// OptimSizes are the parameter counts of `vecgrad bench optim`.
var OptimSizes = []int{1e3, 1e4, 1e5, 1e6, 1e7}

// OptimKernelNames returns the names of the OptimKernels table, in order.
func OptimKernelNames() []string {
	names := make([]string, len(OptimKernels))
	for i := range OptimKernels {
		names[i] = OptimKernels[i].Name
	}
	return names
}

// FindOptimKernels returns the steps named in the comma-separated list (all
// of them for "" or "all"), in table order, or an error naming an unknown one.
func FindOptimKernels(list string) ([]*OptimKernel, error) {
	var out []*OptimKernel
	if list == "" || list == "all" {
		for i := range OptimKernels {
			out = append(out, &OptimKernels[i])
		}
		return out, nil
	}
	want := map[int]bool{}
	for _, name := range strings.Split(list, ",") {
		i := slices.IndexFunc(OptimKernels, func(k OptimKernel) bool { return strings.EqualFold(k.Name, strings.TrimSpace(name)) })
		if i < 0 {
			return nil, fmt.Errorf("unknown optimizer step %q (accepted: %s)", name, strings.Join(OptimKernelNames(), ", "))
		}
		want[i] = true
	}
	for i := range OptimKernels {
		if want[i] {
			out = append(out, &OptimKernels[i])
		}
	}
	return out, nil
}

// ParseOptimSizes parses a comma-separated list of parameter counts
// ("1e3,1e4" or plain integers), each at least 1.
func ParseOptimSizes(list string) ([]int, error) {
	var out []int
	for _, s := range strings.Split(list, ",") {
		s = strings.TrimSpace(s)
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || f < 1 || f > 1e9 || f != float64(int(f)) {
			return nil, fmt.Errorf("parameter count %q is not an integer from 1 to 1e9 (e.g. 1e6 or 4096)", s)
		}
		out = append(out, int(f))
	}
	return out, nil
}

// OptimArena owns the step operands and reuses their storage.
type OptimArena struct {
	arrays [5][]float32
	b      OptimBuffers
}

// Prepare returns k's operands for n parameters: p and g in [-1, 1), the
// momentum and first moment in [-1, 1), the second moments in [0.5, 2)
// (ordinary values: no special-case path). Valid until the next call.
func (a *OptimArena) Prepare(k *OptimKernel, n int) *OptimBuffers {
	if n < 1 {
		panic(fmt.Sprintf("bench: OptimArena.Prepare: n = %d < 1", n))
	}
	for i := range k.Arrays {
		// Arrays 3 and 4 (v, vmax) are second moments: positive.
		fillInputs(grow(&a.arrays[i], n), i >= 3, uint32(10+i))
	}
	a.b = OptimBuffers{P: a.arrays[0][:n], G: a.arrays[1][:n], State: make([][]float32, k.Arrays-2)}
	for i := range a.b.State {
		a.b.State[i] = a.arrays[2+i][:n]
	}
	return &a.b
}

// OptimResult is one row of `vecgrad bench optim`.
type OptimResult struct {
	Kernel     string
	Level      string
	Threads    int // kernels.SetThreads while the step ran
	N          int
	WorkingSet int64
	GBs        float64 // BytesPerParam*N / best time per step
	RoofGBs    float64 // triad at the same working set on Threads cores
	// BoundGBs is the step's divider bound on Threads cores in the same
	// units, its bytes at the most parameters per second the divider
	// allows at Level; 0 for a step without DividerWork.
	BoundGBs float64
	Speedup  float64 // over the generic level of the same run and threads; 0 without it
}

// RoofPct is GBs as a percentage of the triad roof.
func (r *OptimResult) RoofPct() float64 { return 100 * r.GBs / r.RoofGBs }

// BoundPct is GBs as a percentage of the divider bound (0 without one).
func (r *OptimResult) BoundPct() float64 {
	if r.BoundGBs == 0 {
		return 0
	}
	return 100 * r.GBs / r.BoundGBs
}

// MeasureOptim times every step of ks at every level, thread count
// (kernels.SetThreads: a step of at least 2^15 elements is split across
// the workers) and parameter count, the levels and thread counts of one
// step and size in interleaved rounds, and measures the triad roof at each
// step's working set on as many cores (Triad, at the best level: three
// arrays of the same total size) twice, before and after the steps,
// keeping the larger. For the steps with DividerWork it measures the
// divider rates (Divider) at each level on as many cores as the step runs
// on (kernels.StepWorkers) in the same way, and reports the bound.
func MeasureOptim(ks []*OptimKernel, levels []string, threads []int, sizes []int, opt Options) []OptimResult {
	type roofKey struct {
		ws      int64
		threads int
	}
	roofs := map[roofKey]float64{}
	measureRoofs := func() {
		for _, k := range ks {
			for _, n := range sizes {
				for _, t := range threads {
					key := roofKey{k.WorkingSet(n), t}
					roofs[key] = max(roofs[key], Triad(key.ws, t, opt))
				}
			}
		}
	}
	measureRoofs()
	dividers := newDividerRoofs(ks, levels, threads, sizes)
	dividers.measure(opt)
	defer kernels.SetThreads(kernels.Threads())
	var out []OptimResult
	var kernelOf []*OptimKernel // the step of each row of out
	var arena OptimArena
	for _, k := range ks {
		for _, n := range sizes {
			buf := arena.Prepare(k, n)
			runs := make([]func(), len(levels)*len(threads))
			for i := range runs {
				runs[i] = func() { k.Run(buf) }
			}
			var secs []float64
			_ = withISA(kernels.ISA(), func() { // restores the level afterwards
				secs = TimeCalls(opt, func(i int) {
					_ = kernels.SetISA(levels[i/len(threads)])
					kernels.SetThreads(threads[i%len(threads)])
				}, runs...)
			})
			generic := slices.Index(levels, "generic")
			for i := range runs {
				l, t := levels[i/len(threads)], threads[i%len(threads)]
				r := OptimResult{Kernel: k.Name, Level: l, Threads: t, N: n, WorkingSet: k.WorkingSet(n),
					GBs: float64(k.BytesPerParam*n) / secs[i] / 1e9}
				if generic >= 0 {
					r.Speedup = secs[generic*len(threads)+i%len(threads)] / secs[i]
				}
				out = append(out, r)
				kernelOf = append(kernelOf, k)
			}
		}
	}
	measureRoofs()
	dividers.measure(opt)
	for i := range out {
		r := &out[i]
		r.RoofGBs = roofs[roofKey{r.WorkingSet, r.Threads}]
		if k := kernelOf[i]; k.DividerWork != nil {
			r.BoundGBs = float64(k.BytesPerParam) * dividers.elemsPerSec(k, r.Level, r.Threads, r.N) / 1e9
		}
	}
	return out
}

// dividerRoofs are the divider rates of `vecgrad bench optim`, per level
// and number of cores a step runs on.
type dividerRoofs struct {
	rates map[dividerKey]DividerRates
}

type dividerKey struct {
	level   string
	workers int
}

// newDividerRoofs returns the rates to measure: those of every level and
// worker count of a step of sizes on threads, if a step of ks has
// DividerWork.
func newDividerRoofs(ks []*OptimKernel, levels []string, threads []int, sizes []int) *dividerRoofs {
	d := &dividerRoofs{rates: map[dividerKey]DividerRates{}}
	if !slices.ContainsFunc(ks, func(k *OptimKernel) bool { return k.DividerWork != nil }) {
		return d
	}
	defer kernels.SetThreads(kernels.Threads())
	for _, t := range threads {
		kernels.SetThreads(t)
		for _, n := range sizes {
			for _, l := range levels {
				d.rates[dividerKey{l, kernels.StepWorkers(n)}] = DividerRates{}
			}
		}
	}
	return d
}

// measure measures every rate, keeping the larger of this and any earlier
// measurement (on a shared machine the larger is the nearer to the truth).
func (d *dividerRoofs) measure(opt Options) {
	for key, old := range d.rates {
		r, err := Divider(key.level, key.workers, opt)
		if err != nil {
			continue // a level MeasureOptim's caller checked; the bound stays 0
		}
		d.rates[key] = DividerRates{Sqrt: max(old.Sqrt, r.Sqrt), Div: max(old.Div, r.Div)}
	}
}

// elemsPerSec returns the divider bound of step k at level on threads, in
// parameters per second.
func (d *dividerRoofs) elemsPerSec(k *OptimKernel, level string, threads, n int) float64 {
	defer kernels.SetThreads(kernels.Threads())
	kernels.SetThreads(threads)
	rates := d.rates[dividerKey{level, kernels.StepWorkers(n)}]
	var sqrts, divs int
	_ = withISA(level, func() { sqrts, divs = k.DividerWork() })
	if rates.Sqrt == 0 || rates.Div == 0 {
		return 0
	}
	return rates.ElemsPerSec(sqrts, divs)
}
