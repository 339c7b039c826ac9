package experiment

// The gradient-noise experiment. Notation: the dataset (or its first Subset
// examples) has N examples with per-example gradients g_i of the
// cross-entropy loss at fixed weights; g = (1/N) Σ g_i is the full-batch
// gradient and σ² = (1/N) Σ ‖g_i − g‖² the per-example gradient variance
// (the population variance, summed over all parameters). The mean gradient
// g_B of a batch of B examples drawn without replacement has
//
//	E‖g_B − g‖² = σ²/B · (N−B)/(N−1)
//
// (the finite-population correction of sampling theory); with replacement,
// or for N → ∞, it is σ²/B, a line of slope −1 on log-log axes. The
// correction bends the curve down at large B and makes it 0 at B = N.

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"image/color"
	"io"
	"math"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/vecgrad/vecgrad/internal/atomicfile"
	"github.com/vecgrad/vecgrad/loss"
	"github.com/vecgrad/vecgrad/tensor"
	"github.com/vecgrad/vecgrad/train/data"
	"github.com/vecgrad/vecgrad/train/nn"
)

// DefaultNoiseBatchSizes are the batch sizes of issue 7.
var DefaultNoiseBatchSizes = []int{1, 4, 16, 64, 256, 1024}

// Defaults of NoiseOptions.
const (
	DefaultNoiseBatches = 50
	DefaultNoiseSubset  = 10000
	DefaultSigmaSamples = 1000
)

// fullBatchChunk is the batch size of the full-batch gradient's passes:
// large enough for the matrix kernels to run efficiently, small enough to
// keep the activations (chunk × 512 floats per layer) in a few MiB.
const fullBatchChunk = 1024

// NoiseOptions configures GradientNoise. The zero value gives the defaults.
type NoiseOptions struct {
	// BatchSizes are the batch sizes measured (default DefaultNoiseBatchSizes);
	// each must be in [1, N].
	BatchSizes []int
	// Batches is the number of mini-batches averaged per batch size
	// (default DefaultNoiseBatches).
	Batches int
	// Seed determines the batches drawn.
	Seed uint64
	// Subset restricts the experiment to the dataset's first Subset
	// examples (default DefaultNoiseSubset, or the whole dataset if it is
	// smaller): they are the finite population N of the theory, and the
	// full-batch gradient is theirs. Negative: the whole dataset.
	Subset int
	// SigmaSamples is the number of examples (the population's first ones)
	// whose single-example gradients estimate σ² for the theory curves
	// (default DefaultSigmaSamples, at most N). At N the estimate is exact.
	SigmaSamples int
}

// NoisePoint is the measurement at one batch size.
type NoisePoint struct {
	// B is the batch size.
	B int
	// Variance is the mean of ‖g_B − g‖² over the batches drawn.
	Variance float64
	// StdErr is the standard error of Variance (the batches' spread over
	// √Batches; 0 with a single batch).
	StdErr float64
	// Theory is σ²/B, the variance of a batch drawn with replacement.
	Theory float64
	// TheoryFinite is σ²/B · (N−B)/(N−1), the variance of a batch drawn
	// without replacement from the N examples, as measured here.
	TheoryFinite float64
}

// NoiseResult is GradientNoise's result for one set of weights.
type NoiseResult struct {
	// Label names the weights ("initial", "after 1 epoch"); set by the
	// caller, used in the plot's legend and the CSV.
	Label string
	// N is the population size (the subset used).
	N int
	// Sigma2 is the per-example gradient variance σ² (estimated from
	// SigmaSamples examples), and SigmaSamples that number.
	Sigma2       float64
	SigmaSamples int
	// FullGradNorm2 is ‖g‖², for scale.
	FullGradNorm2 float64
	// Batches is the number of batches per batch size.
	Batches int
	Points  []NoisePoint
}

// GradientNoise measures the mini-batch gradient's variance for model at
// its current weights (which it does not change; it overwrites and then
// clears the parameters' gradients) on ds: for each batch size B the mean
// over Batches mini-batches of ‖g_B − g‖², g the full-batch gradient of the
// population (the first Subset examples, N of them), next to the theory's
// σ²/B and its finite-population form σ²/B · (N−B)/(N−1), σ² the
// per-example gradient variance (1/N) Σ ‖g_i − g‖².
//
// The batches of size B are the consecutive batches of shuffled epochs of
// the population (a data.Loader with Shuffle and DropLast, seeded from
// Seed and B): each one is a uniformly random B-subset drawn without
// replacement, which is the sampling the finite-population curve is for.
// Drawing them as whole epochs, not as independent subsets, leaves each
// batch's distribution and so the expectation unchanged, and makes the
// estimator exact in the two cases one can check by hand: Batches = N at
// B = 1 visits every example once (σ² itself), and B = N is the full batch
// in another order (0).
//
// Gradients are computed in float32 by the model's backward (each batch's
// mean loss, as a training step has it); distances and averages are
// accumulated in float64.
func GradientNoise(ctx context.Context, model nn.Module, ds *data.Dataset, opt NoiseOptions) (*NoiseResult, error) {
	if ds == nil || ds.Len() == 0 {
		return nil, errors.New("experiment: gradient noise: empty dataset")
	}
	s, err := opt.settle(ds.Len())
	if err != nil {
		return nil, err
	}
	n := s.n
	gc := newGradComputer(model)
	defer gc.clear()
	r := &noiseRun{ctx: ctx, gc: gc, buf: make([]float64, gc.size),
		pop: &data.Dataset{Images: ds.Images[:n*ds.Features()], Labels: ds.Labels[:n], Rows: ds.Rows, Cols: ds.Cols}}
	if err := r.fullGrad(); err != nil {
		return nil, err
	}
	res := &NoiseResult{N: n, SigmaSamples: s.sigmaSamples, Batches: s.batches, FullGradNorm2: dot(r.full, r.full)}
	if res.Sigma2, err = r.sigma2(s.sigmaSamples); err != nil {
		return nil, err
	}
	for _, bs := range s.sizes {
		mean, se, err := r.batchVariance(bs, s.batches, opt.Seed^uint64(bs)*0x9e3779b97f4a7c15)
		if err != nil {
			return nil, err
		}
		p := NoisePoint{B: bs, Variance: mean, StdErr: se, Theory: res.Sigma2 / float64(bs)}
		p.TheoryFinite = p.Theory
		if n > 1 {
			p.TheoryFinite = p.Theory * float64(n-bs) / float64(n-1)
		}
		res.Points = append(res.Points, p)
	}
	return res, nil
}

// noiseSettings are NoiseOptions with the defaults filled in and checked
// against a dataset of a given size.
type noiseSettings struct {
	n            int   // the population size
	sizes        []int // the batch sizes
	batches      int   // batches per batch size
	sigmaSamples int   // examples whose gradients estimate σ², at most n
}

// settle fills in opt's defaults for a dataset of n examples and checks them.
func (opt NoiseOptions) settle(n int) (noiseSettings, error) {
	switch {
	case opt.Subset == 0:
		n = min(n, DefaultNoiseSubset)
	case opt.Subset > 0:
		n = min(n, opt.Subset)
	}
	s := noiseSettings{n: n, sizes: opt.BatchSizes, batches: opt.Batches, sigmaSamples: opt.SigmaSamples}
	if len(s.sizes) == 0 {
		s.sizes = DefaultNoiseBatchSizes
	}
	for _, b := range s.sizes {
		if b < 1 || b > n {
			return s, fmt.Errorf("experiment: gradient noise: batch size %d: want 1 to the population size %d", b, n)
		}
	}
	if s.batches == 0 {
		s.batches = DefaultNoiseBatches
	}
	if s.batches < 0 {
		return s, fmt.Errorf("experiment: gradient noise: %d batches: want at least 1", s.batches)
	}
	if s.sigmaSamples == 0 {
		s.sigmaSamples = DefaultSigmaSamples
	}
	if s.sigmaSamples < 0 {
		return s, fmt.Errorf("experiment: gradient noise: %d sigma samples: want at least 1", s.sigmaSamples)
	}
	s.sigmaSamples = min(s.sigmaSamples, n)
	return s, nil
}

// noiseRun holds what GradientNoise's measurements share: the population,
// the gradient computer, the full-batch gradient and a gradient buffer.
type noiseRun struct {
	ctx  context.Context
	gc   *gradComputer
	pop  *data.Dataset
	full []float64 // the full-batch gradient g, once fullGrad has run
	buf  []float64 // the gradient of the batch at hand
}

// fullGrad computes the full-batch gradient: chunk means weighted by chunk
// size / N.
func (r *noiseRun) fullGrad() error {
	n := r.pop.Len()
	r.full = make([]float64, r.gc.size)
	seq, err := data.NewLoader(r.pop, data.LoaderOptions{BatchSize: fullBatchChunk})
	if err != nil {
		return err
	}
	for b := range seq.Epoch(0) {
		if err := r.ctx.Err(); err != nil {
			return err
		}
		r.gc.meanGrad(b, r.buf)
		w := float64(b.Size) / float64(n)
		for j, v := range r.buf {
			r.full[j] += w * v
		}
	}
	return nil
}

// sigma2 estimates σ² from the first m examples' own gradients.
func (r *noiseRun) sigma2(m int) (float64, error) {
	one, err := data.NewLoader(r.pop, data.LoaderOptions{BatchSize: 1})
	if err != nil {
		return 0, err
	}
	var sum float64
	k := 0
	for b := range one.Epoch(0) {
		if k == m {
			break
		}
		if err := r.ctx.Err(); err != nil {
			return 0, err
		}
		r.gc.meanGrad(b, r.buf)
		sum += dist2(r.buf, r.full)
		k++
	}
	return sum / float64(m), nil
}

// batchVariance draws batches batches of size bs from shuffled epochs
// seeded with seed and returns the mean of ‖g_B − g‖² over them and its
// standard error.
func (r *noiseRun) batchVariance(bs, batches int, seed uint64) (mean, se float64, err error) {
	l, err := data.NewLoader(r.pop, data.LoaderOptions{BatchSize: bs, Sampling: data.Shuffle, DropLast: true, Seed: seed})
	if err != nil {
		return 0, 0, err
	}
	var s, s2 float64
	drawn := 0
epochs:
	for e := 0; ; e++ {
		for b := range l.Epoch(e) {
			if drawn == batches {
				break epochs
			}
			if err := r.ctx.Err(); err != nil {
				return 0, 0, err
			}
			r.gc.meanGrad(b, r.buf)
			d := dist2(r.buf, r.full)
			s += d
			s2 += d * d
			drawn++
		}
	}
	mean = s / float64(batches)
	if batches > 1 {
		v := (s2 - float64(batches)*mean*mean) / float64(batches-1)
		se = math.Sqrt(max(v, 0) / float64(batches))
	}
	return mean, se, nil
}

// gradComputer computes a batch's mean-loss gradient over all parameters,
// flattened in Parameters order, with the step's tensors in one arena.
type gradComputer struct {
	model  nn.Module
	params []*tensor.Tensor
	size   int
	ar     *tensor.Arena
}

func newGradComputer(model nn.Module) *gradComputer {
	gc := &gradComputer{model: model, params: nn.Tensors(model.Parameters()), ar: tensor.NewArena()}
	for _, p := range gc.params {
		gc.size += p.Numel()
	}
	return gc
}

// meanGrad writes the gradient of b's mean cross-entropy into dst.
func (gc *gradComputer) meanGrad(b *data.Batch, dst []float64) {
	gc.ar.Reset()
	// Gradients accumulate across Backward calls: clear them so that each
	// batch's gradient is its own.
	tensor.ZeroGrad(gc.params...)
	logits := gc.model.Forward(b.Input(gc.ar))
	l, err := loss.CrossEntropy(logits, b.Target(gc.ar), loss.CrossEntropyOptions{})
	if err != nil {
		// Labels were checked when the dataset was made and the model is
		// the caller's classifier: an error here is a bug.
		panic(fmt.Sprintf("experiment: cross-entropy on a batch of %d: %v", b.Size, err))
	}
	l.Backward()
	off := 0
	for _, p := range gc.params {
		g := p.Grad()
		nel := p.Numel()
		if g == nil {
			clear(dst[off : off+nel]) // a parameter the loss does not reach
		} else {
			st := g.Storage()
			if len(st) != nel {
				st = g.Data()
			}
			for j, v := range st {
				dst[off+j] = float64(v)
			}
		}
		off += nel
	}
}

// clear leaves the parameters without gradients and the arena empty.
func (gc *gradComputer) clear() {
	tensor.ZeroGrad(gc.params...)
	gc.ar.Reset()
}

func dot(a, b []float64) float64 {
	var s float64
	for i, v := range a {
		s += v * b[i]
	}
	return s
}

func dist2(a, b []float64) float64 {
	var s float64
	for i, v := range a {
		d := v - b[i]
		s += d * d
	}
	return s
}

// WriteNoiseCSV writes the results as CSV with the header
// "weights,batch_size,variance,stderr,theory_1_over_b,theory_finite,n,sigma2,batches",
// one row per weight set and batch size, atomically to path.
func WriteNoiseCSV(path string, results []*NoiseResult) error {
	return writeAtomic(path, func(w io.Writer) error {
		cw := csv.NewWriter(w)
		cw.Write([]string{"weights", "batch_size", "variance", "stderr", "theory_1_over_b", "theory_finite", "n", "sigma2", "batches"})
		f := func(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }
		for _, r := range results {
			for _, p := range r.Points {
				cw.Write([]string{r.Label, strconv.Itoa(p.B), f(p.Variance), f(p.StdErr), f(p.Theory), f(p.TheoryFinite),
					strconv.Itoa(r.N), f(r.Sigma2), strconv.Itoa(r.Batches)})
			}
		}
		cw.Flush()
		return cw.Error()
	})
}

// WriteNoisePNG draws the results on log-log axes (batch size against
// ‖g_B − g‖²): per weight set the measured points with markers and error
// bars of one standard error, the σ²/B line dashed and the finite-population
// curve σ²/B · (N−B)/(N−1) solid, in the weight set's colour. The curves
// are drawn at every batch size from 1 to the largest measured (on a
// logarithmic grid), not only at the measured ones, so that the bend shows.
// Points with a zero variance (B = N) cannot be drawn on a log axis and are
// left out. The PNG is written atomically to path.
func WriteNoisePNG(path, title string, results []*NoiseResult) error {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "batch size B"
	// Short: gonum reserves the rotated label's length above the plot as
	// well, so a long one leaves an empty band there (the title says more).
	p.Y.Label.Text = "E‖g_B − g‖²"
	p.X.Scale, p.Y.Scale = plot.LogScale{}, plot.LogScale{}
	p.X.Tick.Marker, p.Y.Tick.Marker = plot.LogTicks{Prec: -1}, plot.LogTicks{Prec: -1}
	// The curves fall from the top left to the bottom right: the bottom
	// left corner is empty.
	p.Legend.Left, p.Legend.Top = true, false
	colours := []color.Color{
		color.RGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff}, color.RGBA{R: 0xff, G: 0x7f, B: 0x0e, A: 0xff},
		color.RGBA{R: 0x2c, G: 0xa0, B: 0x2c, A: 0xff}, color.RGBA{R: 0xd6, G: 0x27, B: 0x28, A: 0xff},
	}
	for i, r := range results {
		if err := addNoiseResult(p, r, colours[i%len(colours)]); err != nil {
			return fmt.Errorf("experiment: plot %s: %w", r.Label, err)
		}
	}
	// One batch size alone gives an axis of zero width, which gonum pads
	// down to 0, out of a log axis' range: widen it around the value.
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		if a.Min > 0 && a.Max <= a.Min {
			a.Min, a.Max = a.Min/2, a.Max*2
		}
	}
	// Whole decades on the y axis, so that both of its ends carry a
	// labelled power of ten.
	if p.Y.Min > 0 && p.Y.Max > p.Y.Min {
		p.Y.Min = math.Pow(10, math.Floor(math.Log10(p.Y.Min)))
		p.Y.Max = math.Pow(10, math.Ceil(math.Log10(p.Y.Max)))
	}
	wt, err := p.WriterTo(8*vg.Inch, 5.5*vg.Inch, "png")
	if err != nil {
		return fmt.Errorf("experiment: plot: %w", err)
	}
	return writeAtomic(path, func(w io.Writer) error {
		_, err := wt.WriteTo(w)
		return err
	})
}

// addNoiseResult adds one weight set's curves, points and error bars to p,
// in colour c.
func addNoiseResult(p *plot.Plot, r *NoiseResult, c color.Color) error {
	pts, errs, maxB := noiseMeasured(r)
	line, finite := noiseTheory(r, maxB)
	l, err := plotter.NewLine(line)
	if err != nil {
		return err
	}
	l.Color, l.Dashes = c, []vg.Length{vg.Points(5), vg.Points(3)}
	p.Add(l)
	p.Legend.Add(fmt.Sprintf("%s: σ²/B", r.Label), l)
	if len(finite) > 1 {
		fl, err := plotter.NewLine(finite)
		if err != nil {
			return err
		}
		fl.Color, fl.Width = c, vg.Points(1.5)
		p.Add(fl)
		p.Legend.Add(fmt.Sprintf("%s: σ²/B·(N−B)/(N−1), N=%d", r.Label, r.N), fl)
	}
	if len(pts) > 0 {
		s, err := plotter.NewScatter(pts)
		if err != nil {
			return err
		}
		s.GlyphStyle = draw.GlyphStyle{Color: c, Radius: vg.Points(3.5), Shape: draw.CircleGlyph{}}
		p.Add(s)
		p.Legend.Add(fmt.Sprintf("%s: measured (%d batches each)", r.Label, r.Batches), s)
		eb, err := plotter.NewYErrorBars(struct {
			plotter.XYer
			plotter.YErrorer
		}{pts, errs})
		if err == nil {
			eb.Color = c
			p.Add(eb)
		}
	}
	return nil
}

// noiseMeasured returns r's drawable points (positive finite variances) with
// their error bars, and the largest batch size measured.
func noiseMeasured(r *NoiseResult) (pts plotter.XYs, errs plotter.YErrors, maxB int) {
	maxB = 1
	for _, q := range r.Points {
		maxB = max(maxB, q.B)
		if q.Variance > 0 && !math.IsInf(q.Variance, 0) && !math.IsNaN(q.Variance) {
			pts = append(pts, plotter.XY{X: float64(q.B), Y: q.Variance})
			// Clip the lower bar above zero: a log axis has no zero.
			lo := math.Min(q.StdErr, 0.9*q.Variance)
			errs = append(errs, struct{ Low, High float64 }{lo, q.StdErr})
		}
	}
	return pts, errs, maxB
}

// noiseTheory returns the σ²/B line and the positive part of the
// finite-population curve on a logarithmic grid of batch sizes from 1 to
// maxB.
func noiseTheory(r *NoiseResult, maxB int) (line, finite plotter.XYs) {
	const steps = 64
	for k := 0; k <= steps; k++ {
		b := math.Pow(float64(maxB), float64(k)/steps)
		line = append(line, plotter.XY{X: b, Y: r.Sigma2 / b})
		if f := r.Sigma2 / b * (float64(r.N) - b) / float64(max(r.N-1, 1)); f > 0 {
			finite = append(finite, plotter.XY{X: b, Y: f})
		}
	}
	return line, finite
}

// writeAtomic writes a file through a temporary file in the same directory
// and a rename, so that a reader never sees a part and a failure leaves an
// existing file as it was.
func writeAtomic(path string, write func(io.Writer) error) error {
	if err := atomicfile.Write(path, write); err != nil {
		return fmt.Errorf("experiment: %s: %w", path, err)
	}
	return nil
}
