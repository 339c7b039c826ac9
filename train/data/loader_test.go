package data

import (
	"fmt"
	"math"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vecgrad/vecgrad/tensor"
)

// testDataset is n synthetic 28x28 examples.
func testDataset(t testing.TB, n int) *Dataset {
	t.Helper()
	d, err := NewDataset(synthetic(n, Rows, Cols))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// collect runs one epoch and returns copies of its batches.
func collect(l *Loader, epoch int) []Batch {
	var out []Batch
	for b := range l.Epoch(epoch) {
		out = append(out, Batch{
			X: slices.Clone(b.X), Labels: slices.Clone(b.Labels), Targets: slices.Clone(b.Targets),
			Indices: slices.Clone(b.Indices), Size: b.Size, Features: b.Features,
		})
	}
	return out
}

func mustLoader(t testing.TB, d *Dataset, opt LoaderOptions) *Loader {
	t.Helper()
	l, err := NewLoader(d, opt)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestLoaderBatches(t *testing.T) {
	d := testDataset(t, 10)
	for _, c := range []struct {
		bs    int
		drop  bool
		sizes []int
	}{
		{3, false, []int{3, 3, 3, 1}},
		{3, true, []int{3, 3, 3}},
		{5, true, []int{5, 5}},
		{10, false, []int{10}},
		{32, false, []int{10}},
		{32, true, nil},
		// A batch size near the int range must not wrap ceil(n/b) to 0.
		{math.MaxInt, false, []int{10}},
		{math.MaxInt - 1, false, []int{10}},
		{math.MaxInt, true, nil},
	} {
		l := mustLoader(t, d, LoaderOptions{BatchSize: c.bs, DropLast: c.drop})
		bs := collect(l, 0)
		var sizes []int
		next := 0
		for _, b := range bs {
			sizes = append(sizes, b.Size)
			if len(b.X) != b.Size*Features || len(b.Labels) != b.Size || len(b.Targets) != b.Size || b.Features != Features {
				t.Fatalf("batch lengths %d %d %d", len(b.X), len(b.Labels), len(b.Targets))
			}
			for r, i := range b.Indices {
				if i != next {
					t.Fatalf("sequential: index %d, want %d", i, next)
				}
				next++
				if !slices.Equal(b.X[r*Features:(r+1)*Features], d.Images[i*Features:(i+1)*Features]) ||
					b.Labels[r] != d.Labels[i] || b.Targets[r] != float32(d.Labels[i]) {
					t.Fatalf("row %d is not example %d", r, i)
				}
			}
		}
		if !slices.Equal(sizes, c.sizes) || l.Len() != len(c.sizes) {
			t.Errorf("bs=%d drop=%v: sizes %v (Len %d), want %v", c.bs, c.drop, sizes, l.Len(), c.sizes)
		}
	}
}

func TestShuffle(t *testing.T) {
	d := testDataset(t, 100)
	l := mustLoader(t, d, LoaderOptions{BatchSize: 7, Sampling: Shuffle, Seed: 42})
	o0, o1 := l.Order(0), l.Order(1)
	for _, o := range [][]int{o0, o1} {
		s := slices.Sorted(slices.Values(o))
		for i := range s {
			if s[i] != i {
				t.Fatalf("not a permutation: %v", o)
			}
		}
	}
	if slices.Equal(o0, o1) {
		t.Error("epochs 0 and 1 have the same order")
	}
	// Same seed, same epoch: same order, whatever ran before.
	l2 := mustLoader(t, d, LoaderOptions{BatchSize: 3, Sampling: Shuffle, Seed: 42})
	collect(l2, 5)
	if !slices.Equal(l2.Order(1), o1) {
		t.Error("the order of epoch 1 depends on what ran before")
	}
	if l3 := mustLoader(t, d, LoaderOptions{BatchSize: 7, Sampling: Shuffle, Seed: 43}); slices.Equal(l3.Order(0), o0) {
		t.Error("seeds 42 and 43 give the same order")
	}
	var got []int
	for _, b := range collect(l, 1) {
		got = append(got, b.Indices...)
	}
	if !slices.Equal(got, o1) {
		t.Error("the batches of epoch 1 are not Order(1)")
	}
}

// TestOrderGolden pins the orders to fixed numbers: the algorithm is
// specified so that they are the same on every machine and Go version
// (this test also runs on arm64 under qemu). The numbers were checked
// against an independent Python transcription of the documented algorithm
// (SplitMix64, pcg32, Lemire, Fisher–Yates); 10451216379200822465 is
// SplitMix64's well-known first output for seed 1.
func TestOrderGolden(t *testing.T) {
	d := testDataset(t, 20)
	shuf := mustLoader(t, d, LoaderOptions{BatchSize: 4, Sampling: Shuffle, Seed: 1})
	repl := mustLoader(t, d, LoaderOptions{BatchSize: 4, Sampling: WithReplacement, Seed: 1, NumSamples: 12})
	got := fmt.Sprint(shuf.Order(0), shuf.Order(3), repl.Order(0), epochSeed(1, 0))
	const want = "[12 10 0 15 8 3 19 2 4 1 7 18 6 14 9 11 13 16 5 17] [0 9 15 19 14 1 17 12 5 18 8 13 16 11 4 3 10 2 7 6] [17 5 18 16 14 12 14 10 8 13 3 9] 10451216379200822465"
	if got != want {
		t.Errorf("orders\n  %s\nwant\n  %s", got, want)
	}
}

// TestBoundedUniform is a coarse uniformity check of Lemire's method at a
// bound where its rejection loop runs often: for n = 3*2^30 the threshold
// (2^32 - n) mod n is 2^30, so about a quarter of the draws are rejected.
// Each third of the range must come about a third of the time.
func TestBoundedUniform(t *testing.T) {
	g := tensor.NewGenerator(7)
	const n = 3 << 30
	var counts [3]int
	const draws = 30000
	for range draws {
		v := bounded(g, n)
		if v < 0 || v >= n {
			t.Fatalf("out of range: %d", v)
		}
		counts[v/(1<<30)]++
	}
	for i, c := range counts {
		if c < draws/3-600 || c > draws/3+600 {
			t.Errorf("third %d: %d of %d", i, c, draws)
		}
	}
}

func TestWithReplacement(t *testing.T) {
	d := testDataset(t, 10)
	l := mustLoader(t, d, LoaderOptions{BatchSize: 4, Sampling: WithReplacement, Seed: 3, NumSamples: 50})
	o := l.Order(0)
	if len(o) != 50 || l.Len() != 13 {
		t.Fatalf("len %d, Len %d", len(o), l.Len())
	}
	seen := map[int]int{}
	for _, i := range o {
		if i < 0 || i >= 10 {
			t.Fatalf("index %d", i)
		}
		seen[i]++
	}
	if len(seen) == 50 || len(seen) < 5 {
		t.Errorf("distinct %d", len(seen))
	}
	if l := mustLoader(t, d, LoaderOptions{BatchSize: 4, Sampling: WithReplacement}); len(l.Order(0)) != 10 {
		t.Error("NumSamples does not default to the length")
	}
}

func TestPrefetchMatches(t *testing.T) {
	d := testDataset(t, 53)
	for _, opt := range []LoaderOptions{
		{BatchSize: 8},
		{BatchSize: 8, Sampling: Shuffle, Seed: 9},
		{BatchSize: 8, Sampling: Shuffle, Seed: 9, DropLast: true},
		{BatchSize: 5, Sampling: WithReplacement, Seed: 9, NumSamples: 71},
		{BatchSize: 100, Sampling: Shuffle, Seed: 2},
	} {
		sync := mustLoader(t, d, opt)
		opt.Prefetch = true
		pre := mustLoader(t, d, opt)
		for epoch := range 3 {
			a, b := collect(sync, epoch), collect(pre, epoch)
			if len(a) != len(b) || len(a) != sync.Len() {
				t.Fatalf("%+v: %d vs %d batches", opt, len(a), len(b))
			}
			for k := range a {
				if !slices.Equal(a[k].X, b[k].X) || !slices.Equal(a[k].Indices, b[k].Indices) ||
					!slices.Equal(a[k].Labels, b[k].Labels) || !slices.Equal(a[k].Targets, b[k].Targets) || a[k].Size != b[k].Size {
					t.Fatalf("%+v epoch %d batch %d differs", opt, epoch, k)
				}
			}
		}
	}
}

// waitGoroutines waits briefly for the goroutine count to fall to n (the
// test framework's own goroutines may still be winding down).
func waitGoroutines(n int) int {
	for range 100 {
		if g := runtime.NumGoroutine(); g <= n {
			return g
		}
		time.Sleep(time.Millisecond)
	}
	return runtime.NumGoroutine()
}

func TestPrefetchEarlyExit(t *testing.T) {
	d := testDataset(t, 40)
	l := mustLoader(t, d, LoaderOptions{BatchSize: 4, Sampling: Shuffle, Prefetch: true})
	base := runtime.NumGoroutine()
	for k := range 4 { // break at batch 0, 1, 2 (with both buffers out) and 3
		n := 0
		for range l.Epoch(k) {
			if n == k {
				// Let the producer fill the other buffer and block on the free one.
				time.Sleep(5 * time.Millisecond)
				break
			}
			n++
		}
		// The range statement waited for the producer to finish its work
		// (exited is closed by its last deferred call); the runtime may
		// count it for a moment longer while it unwinds, so allow that
		// moment: a leaked producer blocks forever and stays counted.
		if g := waitGoroutines(base); g > base {
			t.Fatalf("break after %d batches: %d goroutines, %d before", k, g, base)
		}
	}
	// A panic in the loop body stops the producer too.
	func() {
		defer func() {
			if r := recover(); r != "boom" {
				t.Fatalf("recovered %v", r)
			}
		}()
		for range l.Epoch(0) {
			panic("boom")
		}
	}()
	if g := waitGoroutines(base); g > base {
		t.Fatalf("after a panic: %d goroutines, %d before", g, base)
	}
	// The loader is usable again, with the same batches.
	if got := collect(l, 2); len(got) != 10 {
		t.Fatalf("%d batches after early exits", len(got))
	}
	// Early return from a function.
	first := func() int {
		for b := range l.Epoch(1) {
			return b.Indices[0]
		}
		return -1
	}
	if first() != l.Order(1)[0] {
		t.Error("first index")
	}
	if g := waitGoroutines(base); g > base {
		t.Fatalf("after return: %d goroutines, %d before", g, base)
	}
}

func TestLoaderNoAllocsPerBatch(t *testing.T) {
	arena := tensor.NewArena()
	// epochAllocs returns the allocations of one epoch of n examples in
	// batches of 2, run as a training loop would (tensors from an arena).
	epochAllocs := func(n int, prefetch bool) float64 {
		l := mustLoader(t, testDataset(t, n), LoaderOptions{BatchSize: 2, Sampling: Shuffle, Seed: 5, Prefetch: prefetch})
		var sum float32
		epoch := 0
		return testing.AllocsPerRun(5, func() {
			for b := range l.Epoch(epoch) {
				x := b.Input(arena)
				y := b.Target(arena)
				sum += x.At(0, 0) + y.At(0)
				arena.Reset()
			}
			epoch++
		})
	}
	for _, prefetch := range []bool{false, true} {
		// A constant per epoch (the iterator, the generator, and with
		// prefetching its channels and goroutine), nothing per batch: 8
		// batches cost what 256 do.
		few, many := epochAllocs(16, prefetch), epochAllocs(512, prefetch)
		if few != many || many > 10 {
			t.Errorf("prefetch=%v: %.0f allocations per epoch of 8 batches, %.0f per epoch of 256", prefetch, few, many)
		}
	}
}

func TestLoaderMisuse(t *testing.T) {
	d := testDataset(t, 10)
	cases := []struct {
		opt  LoaderOptions
		want string
	}{
		{LoaderOptions{}, "BatchSize is 0 (accepted: positive)"},
		{LoaderOptions{BatchSize: 2, Sampling: 7}, "unknown Sampling 7"},
		{LoaderOptions{BatchSize: 2, NumSamples: 5}, "NumSamples is 5 with Sequential sampling"},
		{LoaderOptions{BatchSize: 2, Sampling: WithReplacement, NumSamples: -1}, "NumSamples is -1"},
	}
	for _, c := range cases {
		if _, err := NewLoader(d, c.opt); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want %s", c.opt, err, c.want)
		}
	}
	if _, err := NewLoader(&Dataset{Rows: 28, Cols: 28}, LoaderOptions{BatchSize: 1}); err == nil {
		t.Error("empty dataset accepted")
	}
	l := mustLoader(t, d, LoaderOptions{BatchSize: 2})
	defer func() {
		if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), "already being iterated") {
			t.Errorf("nested Epoch: %v", r)
		}
	}()
	for range l.Epoch(0) {
		for range l.Epoch(1) {
		}
	}
}

// TestDeferX: with DeferX a batch's X holds the same rows as the synchronous
// loader's once the rows are filled, in two disjoint calls from two
// goroutines; before that, X is not filled (the previous batch's rows
// stay), and FillX refuses a range outside the batch.
func TestDeferX(t *testing.T) {
	d := testDataset(t, 53)
	opt := LoaderOptions{BatchSize: 8, Sampling: Shuffle, Seed: 9}
	want := collect(mustLoader(t, d, opt), 1)
	opt.DeferX = true
	l := mustLoader(t, d, opt)
	k := 0
	for b := range l.Epoch(1) {
		if !b.Deferred() {
			t.Fatal("a DeferX batch does not report Deferred")
		}
		if k == 0 && slices.Equal(b.X, want[0].X) {
			t.Fatal("X was filled before FillX")
		}
		half := b.Size / 2
		done := make(chan struct{})
		go func() { b.FillX(half, b.Size); close(done) }()
		b.FillX(0, half)
		<-done
		if !slices.Equal(b.X, want[k].X) || !slices.Equal(b.Indices, want[k].Indices) || !slices.Equal(b.Targets, want[k].Targets) {
			t.Fatalf("batch %d differs from the synchronous loader's", k)
		}
		for _, r := range [][2]int{{-1, 2}, {3, 2}, {0, b.Size + 1}} {
			func() {
				defer func() {
					if recover() == nil {
						t.Errorf("FillX(%d, %d) on %d rows did not panic", r[0], r[1], b.Size)
					}
				}()
				b.FillX(r[0], r[1])
			}()
		}
		k++
	}
	if k != len(want) {
		t.Fatalf("%d batches, want %d", k, len(want))
	}
}
