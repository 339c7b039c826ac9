package dist

import (
	"fmt"
	"slices"
	"time"
)

// AllReduceTiming is the measured time of one AllReduceSum of a size.
type AllReduceTiming struct {
	Bytes   int     `json:"bytes"`
	Seconds float64 `json:"seconds"` // the median over the repetitions of the slowest rank's time
}

// TimeAllReduce times AllReduceSum on c for buffers of each size in bytes
// (multiples of 4): after a barrier, reps calls per size, each rank timing
// its own, the per-call time being the largest over the ranks (a
// collective is done when its last rank is); it returns the median over
// the calls. Every rank must call it with the same arguments; every rank
// gets the same timings.
func TimeAllReduce(c Comm, sizes []int, reps int) ([]AllReduceTiming, error) {
	return timeSums(c, sizes, reps, func(n int) (func() error, func() error, error) {
		buf := make([]float32, n)
		return func() error { return c.AllReduceSum(buf) }, func() error { return nil }, nil
	})
}

// TimeHierarchicalSum times HierarchicalSum.AllReduce as TimeAllReduce
// times AllReduceSum. It returns nil and no error when c's ranks cannot be
// grouped by machine.
func TimeHierarchicalSum(c Comm, sizes []int, reps int) ([]AllReduceTiming, error) {
	if _, ok := c.(Machines); !ok {
		return nil, nil
	}
	return timeSums(c, sizes, reps, func(n int) (func() error, func() error, error) {
		h, err := NewHierarchicalSum(c, n)
		if err != nil {
			return nil, nil, err
		}
		return func() error { return h.AllReduce(0, n) }, h.Close, nil
	})
}

// timeSums times the sums that prepare makes for each size (in floats):
// sum, and done to call after the timings.
func timeSums(c Comm, sizes []int, reps int, prepare func(n int) (sum, done func() error, err error)) ([]AllReduceTiming, error) {
	if reps < 1 {
		return nil, fmt.Errorf("dist: TimeAllReduce: %d repetitions: want at least 1", reps)
	}
	var out []AllReduceTiming
	times := make([]float64, reps)
	for _, size := range sizes {
		if size < 4 || size%4 != 0 {
			return nil, fmt.Errorf("dist: TimeAllReduce: size %d bytes: want a positive multiple of 4", size)
		}
		sum, done, err := prepare(size / 4)
		if err != nil {
			return nil, err
		}
		if err := sum(); err != nil { // warm-up: first-touch, connections
			return nil, err
		}
		for i := range times {
			if err := c.Barrier(); err != nil {
				return nil, err
			}
			start := time.Now()
			if err := sum(); err != nil {
				return nil, err
			}
			times[i] = time.Since(start).Seconds()
		}
		if err := done(); err != nil {
			return nil, err
		}
		slices.Sort(times)
		slowest, err := MaxOverRanks(c, times[len(times)/2])
		if err != nil {
			return nil, err
		}
		out = append(out, AllReduceTiming{Bytes: size, Seconds: slowest})
	}
	return out, nil
}

// MaxOverRanks returns, on every rank, the largest of the ranks' values v
// (in float32): each rank puts its v in its own slot of a buffer whose sum
// every rank receives. It is collective; a timing is the slowest rank's.
func MaxOverRanks(c Comm, v float64) (float64, error) {
	all := make([]float32, c.Size())
	all[c.Rank()] = float32(v)
	if err := c.AllReduceSum(all); err != nil {
		return 0, err
	}
	return float64(slices.Max(all)), nil
}

// FitAlphaBeta fits t = alpha + beta*bytes to the timings (alpha the
// latency in seconds, 1/beta the bandwidth in bytes per second: the
// alpha-beta model of a collective's cost) by least squares on the
// relative errors, (model - t)/t: the timings span orders of magnitude,
// and plain least squares would fit the largest alone. It returns an
// error with fewer than two distinct sizes.
func FitAlphaBeta(ts []AllReduceTiming) (alpha, beta float64, err error) {
	var sw, sx, sy, sxx, sxy float64
	sizes := map[int]bool{}
	for _, t := range ts {
		if !(t.Seconds > 0) {
			return 0, 0, fmt.Errorf("dist: FitAlphaBeta: a timing of %v s: want positive times", t.Seconds)
		}
		w := 1 / (t.Seconds * t.Seconds)
		x, y := float64(t.Bytes), t.Seconds
		sw += w
		sx += w * x
		sy += w * y
		sxx += w * x * x
		sxy += w * x * y
		sizes[t.Bytes] = true
	}
	d := sw*sxx - sx*sx
	if len(sizes) < 2 || d == 0 {
		return 0, 0, fmt.Errorf("dist: FitAlphaBeta: %d distinct sizes: want at least two", len(sizes))
	}
	beta = (sw*sxy - sx*sy) / d
	alpha = (sy - beta*sx) / sw
	return alpha, beta, nil
}

// RingAllReduceSeconds is the alpha-beta model's time of a ring all-reduce
// of bytes among p ranks with link latency alpha (seconds) and bandwidth
// bw (bytes per second): 2(p-1) steps, each of one latency and bytes/p
// sent.
func RingAllReduceSeconds(bytes float64, p int, alpha, bw float64) float64 {
	if p < 2 {
		return 0
	}
	steps := 2 * float64(p-1)
	return steps*alpha + steps*bytes/float64(p)/bw
}
