package bench

import (
	"math"
	"runtime"
	"slices"
	"sync"
	"time"
	"unsafe"
)

// Options sets how long and how often a figure is measured.
type Options struct {
	// Reps is the number of repetitions; the best one is reported.
	Reps int
	// MinTime is the least duration of one repetition.
	MinTime time.Duration
}

// Default and quick measurement settings.
var (
	DefaultOptions = Options{Reps: 20, MinTime: 10 * time.Millisecond}
	QuickOptions   = Options{Reps: 3, MinTime: 5 * time.Millisecond}
)

func (o Options) norm() Options {
	o.Reps = max(o.Reps, 1)
	o.MinTime = max(o.MinTime, time.Millisecond)
	return o
}

// TimeCall returns the best time in seconds of one call of f; see
// TimeCalls.
func TimeCall(opt Options, f func()) float64 { return TimeCalls(opt, nil, f)[0] }

// TimeCalls returns the best time in seconds of one call of each of fs. When
// setup is not nil, setup(i) runs, untimed, before each warm-up, calibration
// and repetition of fs[i] (to select its instruction-set level, say). Each
// function is called once to warm caches and predictors, and its number of
// calls per repetition is doubled until a repetition lasts about opt.MinTime;
// then opt.Reps rounds run one repetition of every function in turn (so that
// load from elsewhere on the machine falls on all of them alike, and their
// ratios hold), and each function's fastest repetition, divided by its call
// count, is returned. A call so slow that opt.Reps calls would exceed
// opt.Reps*opt.MinTime (a pure-Go transcendental on DRAM-sized arrays) gets
// fewer repetitions, at least 3 counting the warm-up call, so that no figure
// takes many seconds. The functions must not allocate if the figures are to
// mean anything. The goroutine is locked to its OS thread while measuring.
func TimeCalls(opt Options, setup func(i int), fs ...func()) []float64 {
	best, _ := TimeCallsRounds(opt, setup, fs...)
	return best
}

// TimeCallsRounds is TimeCalls that also returns every round's time per
// call: rounds[r][i] is fs[i]'s in round r, NaN where a slow function had
// fewer repetitions. The ratio of two functions' times in the same round
// is taken under the same load, which the ratio of their best times (each
// from its own quietest round) is not: the median of the rounds' ratios is
// the robust comparison on a shared machine.
func TimeCallsRounds(opt Options, setup func(i int), fs ...func()) (best []float64, rounds [][]float64) {
	opt = opt.norm()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	calls, reps := make([]int, len(fs)), make([]int, len(fs))
	best = make([]float64, len(fs))
	if setup == nil {
		setup = func(int) {}
	}
	for i, f := range fs {
		setup(i)
		calls[i], reps[i], best[i] = calibrate(opt, f)
	}
	rounds = make([][]float64, opt.Reps)
	for rep := range opt.Reps {
		rounds[rep] = make([]float64, len(fs))
		for i, f := range fs {
			rounds[rep][i] = math.NaN()
			if rep < reps[i] {
				setup(i)
				t := timeCalls(f, calls[i]).Seconds() / float64(calls[i])
				rounds[rep][i] = t
				best[i] = min(best[i], t)
			}
		}
	}
	return best, rounds
}

// MedianRatio returns the median over the rounds of rounds[r][num] /
// rounds[r][den] (the rounds where both ran), or NaN if there are none.
func MedianRatio(rounds [][]float64, num, den int) float64 {
	var rs []float64
	for _, r := range rounds {
		if x := r[num] / r[den]; !math.IsNaN(x) {
			rs = append(rs, x)
		}
	}
	if len(rs) == 0 {
		return math.NaN()
	}
	slices.Sort(rs)
	if len(rs)%2 == 1 {
		return rs[len(rs)/2]
	}
	return (rs[len(rs)/2-1] + rs[len(rs)/2]) / 2
}

// calibrate warms f up and returns the calls per repetition, the number of
// repetitions, and the best time per call seen so far (that of a slow
// warm-up call, else +Inf).
func calibrate(opt Options, f func()) (calls, reps int, best float64) {
	warm := timeCalls(f, 1)
	budget := time.Duration(opt.Reps) * opt.MinTime
	if warm*time.Duration(opt.Reps) > budget {
		return 1, max(min(opt.Reps, int(budget/warm)), 2), warm.Seconds()
	}
	calls = 1
	for {
		d := timeCalls(f, calls)
		if d >= opt.MinTime/4 {
			// Scale to a full repetition from the calibration run.
			calls = int(math.Ceil(float64(calls) * float64(opt.MinTime) / float64(max(d, 1))))
			return calls, opt.Reps, math.Inf(1)
		}
		calls *= 2
	}
}

func timeCalls(f func(), calls int) time.Duration {
	start := time.Now()
	for range calls {
		f()
	}
	return time.Since(start)
}

// RunParallel measures the aggregate rate of threads goroutines, each locked
// to its own OS thread, calling work(worker) in a loop until a shared
// deadline opt.MinTime after a common start. work returns the amount of work
// it did (flops, bytes) and should be short next to opt.MinTime. The rate of
// a repetition is the total work divided by the wall time from the start to
// the last worker's finish (so goroutines that did not overlap are not
// counted twice); the best of opt.Reps repetitions is returned, in work units
// per second.
func RunParallel(opt Options, threads int, work func(worker int) int64) float64 {
	opt = opt.norm()
	threads = max(threads, 1)
	best := 0.0
	for rep := -1; rep < opt.Reps; rep++ { // rep -1 warms up and is discarded
		var (
			wg    sync.WaitGroup
			ready sync.WaitGroup
			start = make(chan struct{})
			done  = make([]int64, threads)
			ends  = make([]time.Time, threads)
		)
		ready.Add(threads)
		for w := range threads {
			wg.Go(func() {
				runtime.LockOSThread()
				defer runtime.UnlockOSThread()
				ready.Done()
				<-start
				deadline := time.Now().Add(opt.MinTime)
				var total int64
				for time.Now().Before(deadline) {
					total += work(w)
				}
				done[w], ends[w] = total, time.Now()
			})
		}
		ready.Wait()
		t0 := time.Now()
		close(start)
		wg.Wait()
		var total int64
		last := t0
		for w := range threads {
			total += done[w]
			if ends[w].After(last) {
				last = ends[w]
			}
		}
		if rep >= 0 {
			best = max(best, float64(total)/last.Sub(t0).Seconds())
		}
	}
	return best
}

// alignedFloats returns n zeroed float32s whose first element is 64-byte
// (cache-line) aligned, so that no measurement depends on where the
// allocator happened to put a small array.
func alignedFloats(n int) []float32 {
	const align = 64
	buf := make([]float32, n+align/4)
	off := 0
	if r := uintptr(unsafe.Pointer(unsafe.SliceData(buf))) % align; r != 0 {
		off = int(align-r) / 4
	}
	return buf[off : off+n : off+n]
}
