package bench

import (
	"runtime"
	"time"

	"github.com/vecgrad/vecgrad/kernels"
)

// withISA runs f with the kernels' instruction-set level set to level and
// restores the previous level afterwards.
func withISA(level string, f func()) error {
	prev := kernels.ISA()
	if err := kernels.SetISA(level); err != nil {
		return err
	}
	defer func() { _ = kernels.SetISA(prev) }() // prev was valid a moment ago
	f()
	return nil
}

// AllCores is the number of goroutines the all-cores measurements run: one
// per processor Go schedules on (GOMAXPROCS).
func AllCores() int { return runtime.GOMAXPROCS(0) }

// probeCallTime is the duration one call of a kernels throughput probe
// (FMAPeak, SqrtPeak, DivPeak) is sized to: long enough to hide the call
// and timer overhead, far below the ~100 µs beyond which a non-preemptible
// assembly loop starts to delay the Go scheduler.
const probeCallTime = 20 * time.Microsecond

// FMAPeak measures the fused multiply-add peak of instruction-set level, in
// GFLOP/s, over threads goroutines (1 for one core, AllCores() for all),
// each on its own OS thread, with kernels.FMAPeak calls sized to about 20 µs.
// It returns an error if the level is not supported here.
func FMAPeak(level string, threads int, opt Options) (gflops float64, err error) {
	rate, err := probeRate(level, threads, opt, kernels.FMAPeak)
	return rate / 1e9, err
}

// DividerRates are the divider's throughputs at one level: correctly
// rounded float32 square roots and divisions, in lanes per second.
type DividerRates struct{ Sqrt, Div float64 }

// Divider measures kernels.SqrtPeak and kernels.DivPeak at instruction-set
// level over threads goroutines, as FMAPeak measures the FMA peak. It
// returns an error if the level is not supported here.
func Divider(level string, threads int, opt Options) (DividerRates, error) {
	sqrt, err := probeRate(level, threads, opt, kernels.SqrtPeak)
	if err != nil {
		return DividerRates{}, err
	}
	div, err := probeRate(level, threads, opt, kernels.DivPeak)
	return DividerRates{Sqrt: sqrt, Div: div}, err
}

// ElemsPerSec returns the elements per second a loop taking sqrts square
// roots and divs divisions per element can do at most on the divider: the
// two share it, so their times add (on Zen 4 a stream of both ran within
// 3% of the sum).
func (d DividerRates) ElemsPerSec(sqrts, divs int) float64 {
	return 1 / (float64(sqrts)/d.Sqrt + float64(divs)/d.Div)
}

// probeRate runs probe (a kernels throughput probe: iterations in, work
// done out) at level over threads goroutines, in calls sized to about
// probeCallTime, and returns the work done per second.
func probeRate(level string, threads int, opt Options, probe func(iters int) int) (rate float64, err error) {
	err = withISA(level, func() {
		iters := probeIters(probe)
		rate = RunParallel(opt, threads, func(int) int64 { return int64(probe(iters)) })
	})
	return rate, err
}

// probeIters calibrates the iteration count of one probe call at the
// active level to last about probeCallTime.
func probeIters(probe func(iters int) int) int {
	const calib = 1000
	t := TimeCall(Options{Reps: 5, MinTime: 2 * time.Millisecond}, func() { probe(calib) })
	iters := int(float64(calib) * probeCallTime.Seconds() / max(t, 1e-9))
	return min(max(iters, 100), 1<<20)
}

// TriadBytesPerElem is the traffic the triad c = a + s*b counts per element:
// two 4-byte reads and one 4-byte write.
const TriadBytesPerElem = 12

// triadLen returns the elements per array of a triad whose three arrays
// total about ws bytes, rounded as Kernel.Len rounds (a multiple of Cols): the
// AxpyTo row of `vecgrad bench kernels` then runs exactly the roof's triad,
// and its "% roof" shows the run-to-run noise.
func triadLen(ws int64) int {
	return max(int(ws/TriadBytesPerElem)/Cols*Cols, Cols)
}

// Triad measures the bandwidth of the triad c = a + s*b
// (kernels.AxpyTo(c, s, b, a), three distinct 64-byte aligned arrays) in GB/s
// at the best level this machine supports, for arrays totalling about ws
// bytes, on threads goroutines. With more than one thread the arrays are
// split into one contiguous part per goroutine.
func Triad(ws int64, threads int, opt Options) float64 {
	n := triadLen(ws)
	a, b, c := alignedFloats(n), alignedFloats(n), alignedFloats(n)
	for i := range n {
		a[i], b[i] = float32(i%7), float32(i%5)
	}
	var gbs float64
	_ = withISA(kernels.Levels()[0], func() {
		if threads <= 1 {
			t := TimeCall(opt, func() { kernels.AxpyTo(c, 0.5, b, a) })
			gbs = float64(n*TriadBytesPerElem) / t / 1e9
			return
		}
		part := ((n+threads-1)/threads + 63) / 64 * 64 // ceil, so the parts cover n
		rate := RunParallel(opt, threads, func(w int) int64 {
			lo, hi := min(w*part, n), min((w+1)*part, n)
			kernels.AxpyTo(c[lo:hi], 0.5, b[lo:hi], a[lo:hi])
			return int64((hi - lo) * TriadBytesPerElem)
		})
		gbs = rate / 1e9
	})
	return gbs
}

// TriadRoof is the triad bandwidth measured at one size class.
type TriadRoof struct {
	Class      Class
	WorkingSet int64   // bytes of the three arrays together
	GBs        float64 // one core
}

// Roofs holds the measured triad bandwidths of this machine: the memory
// roofs against which `vecgrad bench kernels` reports "% of roof".
type Roofs struct {
	Caches Caches
	Level  string // the instruction-set level the triad ran at (the best one)
	Triad  [numClasses]TriadRoof
	// DRAMAllCores is the DRAM triad bandwidth over Threads goroutines.
	DRAMAllCores float64
	Threads      int
}

// MeasureRoofs measures the one-core triad roof of each class in classes
// (every class when classes is empty) and, when DRAM is among them, the DRAM
// triad on all cores. Each figure takes about opt.Reps*opt.MinTime, plus the
// time to fill its arrays.
func MeasureRoofs(c Caches, opt Options, classes ...Class) Roofs {
	if len(classes) == 0 {
		classes = Classes()
	}
	r := Roofs{Caches: c, Level: kernels.Levels()[0], Threads: AllCores()}
	for _, cl := range classes {
		ws := int64(triadLen(c.WorkingSet(cl))) * TriadBytesPerElem
		r.Triad[cl] = TriadRoof{Class: cl, WorkingSet: ws, GBs: Triad(ws, 1, opt)}
		if cl == DRAM {
			r.DRAMAllCores = Triad(ws, r.Threads, opt)
		}
	}
	return r
}

// Measured returns the roofs MeasureRoofs measured, smallest class first.
func (r *Roofs) Measured() []TriadRoof {
	var out []TriadRoof
	for _, t := range r.Triad {
		if t.WorkingSet > 0 {
			out = append(out, t)
		}
	}
	return out
}

// RoofFor returns the one-core triad roof that matches a working set of ws
// bytes: the roof of the smallest cache holding it (see Caches.ClassOf). Its
// GBs is 0 if MeasureRoofs did not measure that class.
func (r *Roofs) RoofFor(ws int64) TriadRoof { return r.Triad[r.Caches.ClassOf(ws)] }

// KeepBest raises each figure of r to o's where o's is larger: roofs
// measured twice on a shared machine, the larger is the nearer to the truth.
func (r *Roofs) KeepBest(o Roofs) {
	for i := range r.Triad {
		r.Triad[i].GBs = max(r.Triad[i].GBs, o.Triad[i].GBs)
	}
	r.DRAMAllCores = max(r.DRAMAllCores, o.DRAMAllCores)
}
