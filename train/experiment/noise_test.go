package experiment

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vecgrad/vecgrad/loss"
	"github.com/vecgrad/vecgrad/tensor"
	"github.com/vecgrad/vecgrad/train/data"
	"github.com/vecgrad/vecgrad/train/nn"
)

const (
	tinyN      = 40
	tinySide   = 4 // 4x4 images: 16 features
	tinyHidden = 8
)

// tinySetup returns a small random dataset and a small MLP (16-8-10), so
// that per-example gradients are cheap and the bounds below are tight.
func tinySetup(t *testing.T) (*data.Dataset, *nn.Sequential) {
	t.Helper()
	g := tensor.NewGenerator(7)
	feat := tinySide * tinySide
	ds := &data.Dataset{Images: make([]float32, tinyN*feat), Labels: make([]int, tinyN), Rows: tinySide, Cols: tinySide}
	for i := range ds.Images {
		ds.Images[i] = g.Float32()
	}
	for i := range ds.Labels {
		ds.Labels[i] = int(g.Float64() * data.NumClasses)
	}
	model := nn.NewSequential(nn.NewLinear(feat, tinyHidden, g), nn.ReLU{}, nn.NewLinear(tinyHidden, data.NumClasses, g))
	return ds, model
}

// perExample returns every example's gradient (computed on its own, as a
// batch of one) in float64, by a loop independent of GradientNoise's code.
func perExample(t *testing.T, ds *data.Dataset, model nn.Module) [][]float64 {
	t.Helper()
	params := nn.Tensors(model.Parameters())
	defer tensor.ZeroGrad(params...)
	feat := ds.Features()
	var out [][]float64
	for i := 0; i < ds.Len(); i++ {
		tensor.ZeroGrad(params...)
		x := tensor.New(append([]float32(nil), ds.Images[i*feat:(i+1)*feat]...), 1, feat)
		y := tensor.New([]float32{float32(ds.Labels[i])}, 1)
		l, err := loss.CrossEntropy(model.Forward(x), y, loss.CrossEntropyOptions{})
		if err != nil {
			t.Fatal(err)
		}
		l.Backward()
		var gi []float64
		for _, p := range params {
			for _, v := range p.Grad().Data() {
				gi = append(gi, float64(v))
			}
		}
		out = append(out, gi)
	}
	return out
}

// roundingBound bounds ‖a − b‖² for two float32 computations a, b of the
// mean gradient (1/N) Σ_i g_i of the same N examples, summed in different
// orders (chunks, a permutation). Recursive summation of N terms in float32
// errs by at most γ_{N−1} Σ_i |t_i| (γ_k = k·u/(1−k·u), u = 2^-24, Higham,
// Accuracy and Stability, §4.2), whatever the order; each per-example term
// also carries the rounding of its own chain (a dot product over at most
// fanIn = 16 inputs in the forward and the backward, the loss's 1/N), which
// we cover by γ_{N+fanIn+8}. Each of a and b is within that of the exact
// mean, so component j differs by at most 2·γ·(1/N) Σ_i |g_ij|. The bound
// is first order (it takes the per-example terms' sizes from |g_ij|); the
// factor 2 on top leaves room for the products inside the chain.
func roundingBound(grads [][]float64) float64 {
	const u = 1.0 / (1 << 24)
	n := len(grads)
	k := float64(n + tinySide*tinySide + 8)
	gamma := k * u / (1 - k*u)
	var s float64
	for j := range grads[0] {
		var abs float64
		for _, g := range grads {
			abs += math.Abs(g[j])
		}
		e := 2 * 2 * gamma * abs / float64(n)
		s += e * e
	}
	return s
}

// TestGradientNoiseB1 checks the estimator at batch size 1 over one whole
// epoch (Batches = N: every example once) against the per-example variance
// computed directly in float64, (1/N) Σ ‖g_i − ḡ‖². GradientNoise measures
// against its float32 full-batch gradient g instead of ḡ, and
// (1/N) Σ ‖g_i − g‖² = (1/N) Σ ‖g_i − ḡ‖² + ‖ḡ − g‖² exactly, so the two
// may differ by ‖ḡ − g‖² ≥ 0 only, which roundingBound bounds; the
// per-example gradients themselves are the same computation in both.
func TestGradientNoiseB1(t *testing.T) {
	ds, model := tinySetup(t)
	grads := perExample(t, ds, model)
	mean := make([]float64, len(grads[0]))
	for _, g := range grads {
		for j, v := range g {
			mean[j] += v / tinyN
		}
	}
	var direct float64
	for _, g := range grads {
		direct += dist2(g, mean) / tinyN
	}
	res, err := GradientNoise(context.Background(), model, ds, NoiseOptions{BatchSizes: []int{1}, Batches: tinyN, SigmaSamples: tinyN, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	bound := roundingBound(grads)
	for name, got := range map[string]float64{"B=1 variance": res.Points[0].Variance, "sigma2": res.Sigma2} {
		// A relative 1e-12 for the float64 sums' own order.
		if d := got - direct; d < -1e-12*direct || d > bound+1e-12*direct {
			t.Errorf("%s = %.17g, direct per-example variance %.17g: difference %.3g outside [0, %.3g]", name, got, direct, d, bound)
		}
	}
	if p := res.Points[0]; p.Theory != res.Sigma2 || p.TheoryFinite != res.Sigma2 {
		t.Errorf("B=1 theory = %g, finite %g; want both sigma2 = %g", p.Theory, p.TheoryFinite, res.Sigma2)
	}
	if direct <= 0 {
		t.Fatalf("direct variance %g: the test's data give no gradient noise", direct)
	}
	t.Logf("direct %.10g, estimator %.10g, bound on the difference %.3g", direct, res.Points[0].Variance, bound)
}

// TestGradientNoiseFullBatch checks that a batch of all N examples (drawn
// without replacement: the whole set, permuted) has variance 0 up to the
// float32 rounding of the two mean gradients (roundingBound), and that the
// finite-population theory says exactly 0 there.
func TestGradientNoiseFullBatch(t *testing.T) {
	ds, model := tinySetup(t)
	grads := perExample(t, ds, model)
	res, err := GradientNoise(context.Background(), model, ds, NoiseOptions{BatchSizes: []int{tinyN}, Batches: 3, Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	p := res.Points[0]
	bound := roundingBound(grads)
	if p.Variance < 0 || p.Variance > bound {
		t.Errorf("B=N variance = %.3g, want 0 within the rounding bound %.3g", p.Variance, bound)
	}
	if p.TheoryFinite != 0 {
		t.Errorf("B=N finite-population theory = %g, want 0", p.TheoryFinite)
	}
	if res.FullGradNorm2 <= bound {
		t.Fatalf("‖g‖² = %g is within the rounding bound %g: the test proves nothing", res.FullGradNorm2, bound)
	}
	t.Logf("B=N variance %.3g, bound %.3g, ‖g‖² %.3g", p.Variance, bound, res.FullGradNorm2)
}

// TestGradientNoiseLeavesWeights checks that the model's parameters are
// unchanged and left without gradients.
func TestGradientNoiseLeavesWeights(t *testing.T) {
	ds, model := tinySetup(t)
	params := nn.Tensors(model.Parameters())
	var before [][]float32
	for _, p := range params {
		before = append(before, p.Data())
	}
	if _, err := GradientNoise(context.Background(), model, ds, NoiseOptions{BatchSizes: []int{1, 4, 16}, Batches: 5}); err != nil {
		t.Fatal(err)
	}
	for i, p := range params {
		for j, v := range p.Data() {
			if v != before[i][j] {
				t.Fatalf("parameter %d changed at %d", i, j)
			}
		}
		if g := p.Grad(); g != nil {
			for _, v := range g.Data() {
				if v != 0 {
					t.Fatalf("parameter %d left with a gradient", i)
				}
			}
		}
	}
}

func TestGradientNoiseErrors(t *testing.T) {
	ds, model := tinySetup(t)
	for _, opt := range []NoiseOptions{
		{BatchSizes: []int{tinyN + 1}},
		{BatchSizes: []int{0}},
		{Batches: -1},
		{Subset: 8, BatchSizes: []int{16}},
	} {
		if _, err := GradientNoise(context.Background(), model, ds, opt); err == nil {
			t.Errorf("%+v: no error", opt)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := GradientNoise(ctx, model, ds, NoiseOptions{BatchSizes: []int{1}}); err == nil {
		t.Error("cancelled context: no error")
	}
}

func TestWriteNoiseFiles(t *testing.T) {
	ds, model := tinySetup(t)
	res, err := GradientNoise(context.Background(), model, ds, NoiseOptions{BatchSizes: []int{1, 4, 16, tinyN}, Batches: 4})
	if err != nil {
		t.Fatal(err)
	}
	res.Label = "initial"
	dir := t.TempDir()
	if err := WriteNoiseCSV(filepath.Join(dir, "noise.csv"), []*NoiseResult{res}); err != nil {
		t.Fatal(err)
	}
	if err := WriteNoisePNG(filepath.Join(dir, "noise.png"), "test", []*NoiseResult{res}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "noise.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if lines := strings.Split(strings.TrimSpace(string(b)), "\n"); len(lines) != 5 || !strings.HasPrefix(lines[1], "initial,1,") {
		t.Errorf("CSV:\n%s", b)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 {
		t.Errorf("%d files in the output directory (a temporary file left?)", len(entries))
	}
}

// TestWriteNoisePNGOneBatchSize: one batch size gives an x axis of zero
// width, which must not end on a log axis at 0 (gonum panicked: "Values
// must be greater than 0 for a log scale").
func TestWriteNoisePNGOneBatchSize(t *testing.T) {
	res := &NoiseResult{Label: "initial", N: 100, Sigma2: 2, Batches: 4,
		Points: []NoisePoint{{B: 1, Variance: 1.9, StdErr: 0.1, Theory: 2, TheoryFinite: 2}}}
	if err := WriteNoisePNG(filepath.Join(t.TempDir(), "one.png"), "one batch size", []*NoiseResult{res}); err != nil {
		t.Fatal(err)
	}
}
