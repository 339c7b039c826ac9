package main

import (
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
	batches := fs.Int("batches", experiment.DefaultNoiseBatches, "mini-batches averaged per batch size")
	subset := fs.Int("subset", experiment.DefaultNoiseSubset, "examples (the training set's first) that form the population N; 0: all")
	sigma := fs.Int("sigma-samples", experiment.DefaultSigmaSamples, "examples whose own gradients estimate σ² for the theory curves (at most -subset)")
	sizes := fs.String("batch-sizes", "1,4,16,64,256,1024", "comma-separated batch sizes")
	before := fs.Int("epochs-before", 1, "epochs trained for the second weight set (0: the initial weights only)")
	if ok, status := fs.parse(args, stdout, stderr); !ok {
		return status
	}
	var bs []int
	for _, s := range strings.Split(*sizes, ",") {
		b, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || b < 1 {
			return fs.fail(stderr, "-batch-sizes: %q: want positive integers separated by commas", s)
		}
		bs = append(bs, b)
	}
	switch {
	case *batches < 1:
		return fs.fail(stderr, "-batches %d: want at least 1", *batches)
	case *subset < 0:
		return fs.fail(stderr, "-subset %d: want 0 (all) or a positive number of examples", *subset)
	case *sigma < 1:
		return fs.fail(stderr, "-sigma-samples %d: want at least 1", *sigma)
	case *before < 0:
		return fs.fail(stderr, "-epochs-before %d: want 0 or more", *before)
	}
	tf.epochs = max(*before, 1) // prepare checks it; only *before is used
	sets, status := tf.prepare(fs, stderr)
	if status != exitOK {
		return status
	}
	trainSet, ok := sets.Train.(*data.Dataset)
	if !ok || trainSet.Features() != data.Features || data.ClassCount(trainSet) != data.NumClasses {
		return fs.fail(stderr, "-data %s: not MNIST's shape (the experiment measures the tutorial's model: 28x28 images, 10 classes)", tf.dataDir)
	}
	n := sets.Train.Len()
	if *subset > 0 {
		n = min(n, *subset)
	}
	for _, b := range bs {
		if b > n {
			return fs.fail(stderr, "-batch-sizes: %d is larger than the population of %d examples (-subset)", b, n)
		}
	}
	opt := experiment.NoiseOptions{BatchSizes: bs, Batches: *batches, Seed: tf.seed, Subset: n, SigmaSamples: *sigma}
	ctx, stop := signalContext()
	defer stop()

	type weights struct {
		label string
		model *nn.Sequential
	}
	sets2 := []weights{{"initial", train.NewMLP(tf.seed)}}
	if *before > 0 {
		cfg := def
		cfg.Dataset, cfg.Epochs, cfg.Seed = tf.dataset, *before, tf.seed
		fmt.Fprintf(stdout, "training %d epoch(s): %s\n", *before, cfg.Title())
		res, err := train.Run(ctx, cfg, sets, train.Options{})
		if err != nil {
			fmt.Fprintf(stderr, "vecgrad %s: %v\n", fs.cmd, err)
			return exitFail
		}
		if res.Diverged != nil {
			fmt.Fprintf(stderr, "vecgrad %s: %v\n", fs.cmd, res.Diverged)
			return exitFail
		}
		last := res.Epochs[len(res.Epochs)-1]
		fmt.Fprintf(stdout, "  test accuracy %.1f%%, avg loss %.6f\n", 100*last.Accuracy, last.AvgLoss)
		sets2 = append(sets2, weights{fmt.Sprintf("after %d epoch", *before), res.Model})
		if *before > 1 {
			sets2[1].label += "s"
		}
	}

	var results []*experiment.NoiseResult
	for _, w := range sets2 {
		r, err := experiment.GradientNoise(ctx, w.model, trainSet, opt)
		if err != nil {
			fmt.Fprintf(stderr, "vecgrad %s: %v\n", fs.cmd, err)
			return exitFail
		}
		r.Label = w.label
		results = append(results, r)
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
	if err := os.MkdirAll(tf.out, 0o755); err != nil {
		fmt.Fprintf(stderr, "vecgrad %s: %v\n", fs.cmd, err)
		return exitFail
	}
	title := fmt.Sprintf("Mini-batch gradient variance E‖g_B − g‖², MLP on %s (N=%d)", tf.dataset, n)
	png, csvPath := filepath.Join(tf.out, noisePNG), filepath.Join(tf.out, noiseCSV)
	if err := experiment.WriteNoiseCSV(csvPath, results); err != nil {
		fmt.Fprintf(stderr, "vecgrad %s: %v\n", fs.cmd, err)
		return exitFail
	}
	if err := experiment.WriteNoisePNG(png, title, results); err != nil {
		fmt.Fprintf(stderr, "vecgrad %s: %v\n", fs.cmd, err)
		return exitFail
	}
	fmt.Fprintf(stdout, "\nwrote %s and %s\n", png, csvPath)
	return exitOK
}
