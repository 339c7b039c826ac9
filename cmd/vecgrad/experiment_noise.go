package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/vecgrad/vecgrad/train"
	"github.com/vecgrad/vecgrad/train/data"
	"github.com/vecgrad/vecgrad/train/experiment"
	"github.com/vecgrad/vecgrad/train/nn"
)

// The files `vecgrad experiment gradient-noise` writes into -out.
const (
	noisePNG = "gradient-noise.png"
	noiseCSV = "gradient-noise.csv"
)

func init() {
	experiments["gradient-noise"] = experimentCmd{
		summary: "mini-batch gradient variance against batch size, with the 1/B and finite-population curves",
		run:     runNoiseExperiment,
	}
}

func runNoiseExperiment(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("experiment gradient-noise", "experiment gradient-noise [flags]",
		"Measure the variance of the MLP's mini-batch gradient, E‖g_B − g‖² (g the full-batch gradient\n"+
			"of the first -subset training examples), for each batch size B, averaged over -batches\n"+
			"batches drawn without replacement, at the initial weights and after -epochs-before\n"+
			"epochs of the tutorial's SGD training (lr 0.001, momentum 0.5, batch 16). Writes\n"+
			"gradient-noise.png (log-log, with the σ²/B line and the finite-population curve\n"+
			"σ²/B·(N−B)/(N−1), σ² the per-example gradient variance) and gradient-noise.csv in -out.")
	// The shared data flags and their checks (trainFlags.prepare); the
	// training ones that do not apply here keep fixed valid values.
	tf := trainFlags{logEvery: 100}
	def := train.DefaultConfig()
	fs.StringVar(&tf.dataset, "dataset", def.Dataset, "dataset: "+strings.Join(train.Datasets, " or "))
	fs.StringVar(&tf.dataDir, "data", "", "directory holding the dataset's four IDX files (default data/<dataset>)")
	fs.Uint64Var(&tf.seed, "seed", def.Seed, "seed of the initial weights, the training order and the batches drawn")
	fs.IntVar(&tf.threads, "threads", 0, "worker threads of the kernels (0: VECGRAD_THREADS or GOMAXPROCS); results do not depend on it")
	fs.StringVar(&tf.out, "out", "out/experiment/gradient-noise", "output directory")
	var nf noiseFlags
	fs.IntVar(&nf.batches, "batches", experiment.DefaultNoiseBatches, "mini-batches averaged per batch size")
	fs.IntVar(&nf.subset, "subset", experiment.DefaultNoiseSubset, "examples (the training set's first) that form the population N; 0: all")
	fs.IntVar(&nf.sigma, "sigma-samples", experiment.DefaultSigmaSamples, "examples whose own gradients estimate σ² for the theory curves (at most -subset)")
	fs.StringVar(&nf.sizes, "batch-sizes", "1,4,16,64,256,1024", "comma-separated batch sizes")
	fs.IntVar(&nf.before, "epochs-before", 1, "epochs trained for the second weight set (0: the initial weights only)")
	if ok, status := fs.parse(args, stdout, stderr); !ok {
		return status
	}
	bs, err := nf.check()
	if err != nil {
		return fs.fail(stderr, "%v", err)
	}
	tf.epochs = max(nf.before, 1) // prepare checks it; only nf.before is used
	sets, status := tf.prepare(fs, stderr)
	if status != exitOK {
		return status
	}
	trainSet, ok := sets.Train.(*data.Dataset)
	if !ok || trainSet.Features() != data.Features || data.ClassCount(trainSet) != data.NumClasses {
		return fs.fail(stderr, "-data %s: not MNIST's shape (the experiment measures the tutorial's model: 28x28 images, 10 classes)", tf.dataDir)
	}
	n := sets.Train.Len()
	if nf.subset > 0 {
		n = min(n, nf.subset)
	}
	for _, b := range bs {
		if b > n {
			return fs.fail(stderr, "-batch-sizes: %d is larger than the population of %d examples (-subset)", b, n)
		}
	}
	opt := experiment.NoiseOptions{BatchSizes: bs, Batches: nf.batches, Seed: tf.seed, Subset: n, SigmaSamples: nf.sigma}
	ctx, stop := signalContext()
	defer stop()

	if err := measureNoise(ctx, stdout, tf, sets, nf.before, opt); err != nil {
		fmt.Fprintf(stderr, "vecgrad %s: %v\n", fs.cmd, err)
		return exitFail
	}
	return exitOK
}

// measureNoise measures the gradient noise at each weight set (training
// the second one first), prints each result and writes the files into
// tf.out.
func measureNoise(ctx context.Context, stdout io.Writer, tf trainFlags, sets train.Data, before int, opt experiment.NoiseOptions) error {
	ws, err := noiseWeightSets(ctx, stdout, tf, sets, before)
	if err != nil {
		return err
	}
	var results []*experiment.NoiseResult
	for _, w := range ws {
		r, err := experiment.GradientNoise(ctx, w.model, sets.Train.(*data.Dataset), opt) // runNoiseExperiment checked the type
		if err != nil {
			return err
		}
		r.Label = w.label
		results = append(results, r)
		printNoiseResult(stdout, r)
	}
	title := fmt.Sprintf("Mini-batch gradient variance E‖g_B − g‖², MLP on %s (N=%d)", tf.dataset, opt.Subset)
	return writeNoiseFiles(stdout, tf.out, title, results)
}

// noiseFlags are the flags of vecgrad experiment gradient-noise of its own.
type noiseFlags struct {
	batches, subset, sigma, before int
	sizes                          string
}

// check checks the flags and returns the batch sizes.
func (f *noiseFlags) check() ([]int, error) {
	var bs []int
	for _, s := range strings.Split(f.sizes, ",") {
		b, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || b < 1 {
			return nil, fmt.Errorf("-batch-sizes: %q: want positive integers separated by commas", s)
		}
		bs = append(bs, b)
	}
	switch {
	case f.batches < 1:
		return nil, fmt.Errorf("-batches %d: want at least 1", f.batches)
	case f.subset < 0:
		return nil, fmt.Errorf("-subset %d: want 0 (all) or a positive number of examples", f.subset)
	case f.sigma < 1:
		return nil, fmt.Errorf("-sigma-samples %d: want at least 1", f.sigma)
	case f.before < 0:
		return nil, fmt.Errorf("-epochs-before %d: want 0 or more", f.before)
	}
	return bs, nil
}

// noiseWeights is a weight set the gradient noise is measured at.
type noiseWeights struct {
	label string
	model *nn.Sequential
}

// noiseWeightSets returns the initial weights and, where before > 0, the
// weights after before epochs of the default training.
func noiseWeightSets(ctx context.Context, stdout io.Writer, tf trainFlags, sets train.Data, before int) ([]noiseWeights, error) {
	ws := []noiseWeights{{"initial", train.NewMLP(tf.seed)}}
	if before == 0 {
		return ws, nil
	}
	cfg := train.DefaultConfig()
	cfg.Dataset, cfg.Epochs, cfg.Seed = tf.dataset, before, tf.seed
	fmt.Fprintf(stdout, "training %d epoch(s): %s\n", before, cfg.Title())
	res, err := train.Run(ctx, cfg, sets, train.Options{})
	if err != nil {
		return nil, err
	}
	if res.Diverged != nil {
		return nil, res.Diverged
	}
	last := res.Epochs[len(res.Epochs)-1]
	fmt.Fprintf(stdout, "  test accuracy %.1f%%, avg loss %.6f\n", 100*last.Accuracy, last.AvgLoss)
	ws = append(ws, noiseWeights{fmt.Sprintf("after %d epoch", before), res.Model})
	if before > 1 {
		ws[1].label += "s"
	}
	return ws, nil
}

// printNoiseResult prints one weight set's result as a table.
func printNoiseResult(stdout io.Writer, r *experiment.NoiseResult) {
	fmt.Fprintf(stdout, "\n%s: N = %d, σ² = %.6g (from %d examples), ‖g‖² = %.6g, %d batches per size\n",
		r.Label, r.N, r.Sigma2, r.SigmaSamples, r.FullGradNorm2, r.Batches)
	fmt.Fprintf(stdout, "%6s %13s %11s %13s %13s %7s\n", "B", "variance", "stderr", "σ²/B", "finite-N", "ratio")
	for _, p := range r.Points {
		ratio := "-"
		if p.TheoryFinite > 0 {
			ratio = fmt.Sprintf("%.3f", p.Variance/p.TheoryFinite)
		}
		fmt.Fprintf(stdout, "%6d %13.6g %11.3g %13.6g %13.6g %7s\n", p.B, p.Variance, p.StdErr, p.Theory, p.TheoryFinite, ratio)
	}
}

// writeNoiseFiles writes the CSV and the PNG into dir and says so.
func writeNoiseFiles(stdout io.Writer, dir, title string, results []*experiment.NoiseResult) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	png, csvPath := filepath.Join(dir, noisePNG), filepath.Join(dir, noiseCSV)
	if err := experiment.WriteNoiseCSV(csvPath, results); err != nil {
		return err
	}
	if err := experiment.WriteNoisePNG(png, title, results); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\nwrote %s and %s\n", png, csvPath)
	return nil
}
