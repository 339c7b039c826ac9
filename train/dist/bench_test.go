package dist

import (
	"math"
	"strings"
	"testing"
)

// TestTimeAllReduce: one timing per size, positive, the same on every rank
// (the slowest rank's median); sizes that are not whole floats are refused.
func TestTimeAllReduce(t *testing.T) {
	sizes := []int{4, 4096, 1 << 16}
	got := make([][]AllReduceTiming, 3)
	errs := runRanks(3, func(c Comm) error {
		ts, err := TimeAllReduce(c, sizes, 5)
		got[c.Rank()] = ts
		return err
	})
	for r, err := range errs {
		if err != nil {
			t.Fatalf("rank %d: %v", r, err)
		}
	}
	for r, ts := range got {
		if len(ts) != len(sizes) {
			t.Fatalf("rank %d: %d timings for %d sizes", r, len(ts), len(sizes))
		}
		for i, x := range ts {
			if x.Bytes != sizes[i] || !(x.Seconds > 0) || x != got[0][i] {
				t.Errorf("rank %d size %d: %+v (rank 0: %+v)", r, sizes[i], x, got[0][i])
			}
		}
	}
	errs = runRanks(1, func(c Comm) error { _, err := TimeAllReduce(c, []int{6}, 1); return err })
	if errs[0] == nil || !strings.Contains(errs[0].Error(), "multiple of 4") {
		t.Errorf("size 6: %v, want an error", errs[0])
	}
}

// TestFitAlphaBeta: timings on a line give back its latency and slope.
func TestFitAlphaBeta(t *testing.T) {
	const alpha, beta = 20e-6, 1 / 5e9
	var ts []AllReduceTiming
	for _, b := range []int{4096, 65536, 1 << 20, 1 << 24} {
		ts = append(ts, AllReduceTiming{Bytes: b, Seconds: alpha + beta*float64(b)})
	}
	a, bt, err := FitAlphaBeta(ts)
	if err != nil || math.Abs(a-alpha) > 1e-12 || math.Abs(bt-beta)/beta > 1e-9 {
		t.Errorf("fit %v, %v, %v; want %v, %v", a, bt, err, alpha, beta)
	}
	if _, _, err := FitAlphaBeta(ts[:1]); err == nil {
		t.Error("a fit of one timing: no error")
	}
}

// TestRingAllReduceSeconds: 2(p-1) latencies and 2(p-1)/p of the bytes.
func TestRingAllReduceSeconds(t *testing.T) {
	if got := RingAllReduceSeconds(1e6, 1, 1e-5, 1e9); got != 0 {
		t.Errorf("one rank: %v, want 0", got)
	}
	if got, want := RingAllReduceSeconds(1e6, 4, 1e-5, 1e9), 6*1e-5+6*0.25e6/1e9; math.Abs(got-want) > 1e-15 {
		t.Errorf("four ranks: %v, want %v", got, want)
	}
}
