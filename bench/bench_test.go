package bench_test

import (
	"math"
	"testing"
	"time"

	"github.com/vecgrad/vecgrad/bench"
	"github.com/vecgrad/vecgrad/kernels"
)

// tiny keeps the measurement smoke tests to a few milliseconds.
var tiny = bench.Options{Reps: 1, MinTime: time.Millisecond}

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{"48K": 48 << 10, "1024K": 1 << 20, "32M": 32 << 20, "1G": 1 << 30, "512": 512} {
		if got, err := bench.ParseSize(in); err != nil || got != want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "K", "12X", "-1K"} {
		if _, err := bench.ParseSize(in); err == nil {
			t.Errorf("ParseSize(%q): no error", in)
		}
	}
}

func TestClasses(t *testing.T) {
	c := bench.Caches{L1d: 32 << 10, L2: 512 << 10, L3: 32 << 20}
	for _, cl := range bench.Classes() {
		ws := c.WorkingSet(cl)
		if got := c.ClassOf(ws); got != cl {
			t.Errorf("ClassOf(WorkingSet(%v) = %d) = %v", cl, ws, got)
		}
		if p, err := bench.ParseClass(cl.String()); err != nil || p != cl {
			t.Errorf("ParseClass(%q) = %v, %v", cl.String(), p, err)
		}
	}
	if ws := c.WorkingSet(bench.DRAM); ws < 256<<20 {
		t.Errorf("DRAM working set %d < 256 MiB", ws)
	}
	if _, err := bench.ParseClass("L4"); err == nil {
		t.Error("ParseClass(L4): no error")
	}
}

func TestRoofFor(t *testing.T) {
	r := bench.Roofs{Caches: bench.Caches{L1d: 32 << 10, L2: 512 << 10, L3: 32 << 20}}
	for _, cl := range bench.Classes() {
		r.Triad[cl] = bench.TriadRoof{Class: cl, GBs: float64(100 - 10*int(cl))}
	}
	for ws, want := range map[int64]bench.Class{1: bench.L1, 32 << 10: bench.L1, 33 << 10: bench.L2, 1 << 20: bench.L3, 1 << 30: bench.DRAM} {
		if got := r.RoofFor(ws); got.Class != want {
			t.Errorf("RoofFor(%d) = %v, want %v", ws, got.Class, want)
		}
	}
}

// TestKernelsTable runs every kernel of the table at every level on small
// operands: it must not panic, must not allocate, and its byte counts must
// agree with its arrays.
func TestKernelsTable(t *testing.T) {
	var arena bench.Arena
	seen := map[string]bool{}
	for i := range bench.Kernels {
		k := &bench.Kernels[i]
		if seen[k.Name] {
			t.Errorf("kernel %s listed twice", k.Name)
		}
		seen[k.Name] = true
		if k.BytesPerElem() < 4*k.Arrays() || k.Arrays() < 1 {
			t.Errorf("%s: %d bytes per element for %d arrays", k.Name, k.BytesPerElem(), k.Arrays())
		}
		n := k.Len(int64(4*bench.Cols*k.Arrays()) * 3)
		if n != 3*bench.Cols {
			t.Errorf("%s: Len = %d, want %d", k.Name, n, 3*bench.Cols)
		}
		buf := arena.Prepare(k, n)
		for _, level := range kernels.Levels() {
			t.Run(k.Name+"/"+level, func(t *testing.T) {
				setISA(t, level)
				if a := testing.AllocsPerRun(3, func() { k.Run(buf) }); a != 0 {
					t.Errorf("%v allocations per call", a)
				}
			})
		}
	}
	if _, err := bench.FindKernels("Exp,nosuch"); err == nil {
		t.Error("FindKernels(nosuch): no error")
	}
	if ks, err := bench.FindKernels("exp,Sum"); err != nil || len(ks) != 2 {
		t.Errorf("FindKernels(exp,Sum) = %d kernels, %v", len(ks), err)
	}
}

// TestDividerBound checks that the times of the square roots and the
// divisions add: at 2 roots and 4 quotients per second, an element with
// one of each takes 1/2 + 1/4 s.
func TestDividerBound(t *testing.T) {
	d := bench.DividerRates{Sqrt: 2, Div: 4}
	for _, c := range []struct {
		sqrts, divs int
		want        float64
	}{{1, 1, 4.0 / 3}, {1, 2, 1}, {1, 0, 2}, {0, 1, 4}} {
		if got := d.ElemsPerSec(c.sqrts, c.divs); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("ElemsPerSec(%d, %d) = %v, want %v", c.sqrts, c.divs, got, c.want)
		}
	}
}

func TestMeasureSmoke(t *testing.T) {
	if g, err := bench.FMAPeak("generic", 1, tiny); err != nil || g <= 0 {
		t.Errorf("FMAPeak(generic, 1) = %v, %v", g, err)
	}
	if g, err := bench.FMAPeak(kernels.Levels()[0], 2, tiny); err != nil || g <= 0 {
		t.Errorf("FMAPeak(best, 2) = %v, %v", g, err)
	}
	if _, err := bench.FMAPeak("nosuch", 1, tiny); err == nil {
		t.Error("FMAPeak(nosuch): no error")
	}
	for _, c := range []struct {
		level   string
		threads int
	}{{"generic", 1}, {kernels.Levels()[0], 2}} {
		if d, err := bench.Divider(c.level, c.threads, tiny); err != nil || !(d.Sqrt > 0) || !(d.Div > 0) {
			t.Errorf("Divider(%s, %d) = %+v, %v", c.level, c.threads, d, err)
		}
	}
	if _, err := bench.Divider("nosuch", 1, tiny); err == nil {
		t.Error("Divider(nosuch): no error")
	}
	if g := bench.Triad(16<<10, 1, tiny); g <= 0 {
		t.Errorf("Triad(16 KiB, 1 thread) = %v", g)
	}
	if g := bench.Triad(1<<20, 2, tiny); g <= 0 {
		t.Errorf("Triad(1 MiB, 2 threads) = %v", g)
	}
}

func TestMedianRatio(t *testing.T) {
	nan := math.NaN()
	rounds := [][]float64{{2, 1}, {3, 1}, {nan, 1}, {8, 2}, {5, 1}}
	if got := bench.MedianRatio(rounds, 0, 1); got != 3.5 { // ratios 2, 3, 4, 5: the round with NaN skipped
		t.Errorf("MedianRatio = %v, want 3.5", got)
	}
	if got, want := bench.MedianRatio(rounds[:2], 1, 0), (0.5+1.0/3)/2; math.Abs(got-want) > 1e-15 { // the mean of the middle two
		t.Errorf("MedianRatio of two rounds = %v, want %v", got, want)
	}
	if got := bench.MedianRatio([][]float64{{nan, 1}}, 0, 1); !math.IsNaN(got) {
		t.Errorf("MedianRatio with no complete round = %v, want NaN", got)
	}
	best, rounds := bench.TimeCallsRounds(bench.Options{Reps: 3, MinTime: time.Millisecond}, nil, func() {}, func() { time.Sleep(10 * time.Microsecond) })
	if len(best) != 2 || len(rounds) != 3 || !(best[1] > best[0]) || !(bench.MedianRatio(rounds, 1, 0) > 1) {
		t.Errorf("TimeCallsRounds: best %v, rounds %v", best, rounds)
	}
}
