package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"

	"github.com/vecgrad/vecgrad/kernels"
	"github.com/vecgrad/vecgrad/train"
)

// trainFlags are the settings shared by `vecgrad train` and `vecgrad sweep`.
type trainFlags struct {
	dataset, dataDir, out string
	seed                  uint64
	epochs, threads       int
	logEvery              int
	// load reads the data directory (nil: train.LoadData, the IDX files).
	load func(dir string) (train.Data, error)
}

func (f *trainFlags) register(fs *flagSet, defaultOut string) {
	def := train.DefaultConfig()
	fs.StringVar(&f.dataset, "dataset", def.Dataset, "dataset: "+strings.Join(train.Datasets, " or "))
	fs.StringVar(&f.dataDir, "data", "", "directory holding the dataset's four IDX files (default data/<dataset>)")
	fs.IntVar(&f.epochs, "epochs", def.Epochs, "passes over the training set")
	fs.Uint64Var(&f.seed, "seed", def.Seed, "seed of the initial weights and of every epoch's order")
	fs.IntVar(&f.threads, "threads", 0, "worker threads of the kernels (0: VECGRAD_THREADS or GOMAXPROCS); results do not depend on it")
	fs.StringVar(&f.out, "out", defaultOut, "output directory")
	fs.IntVar(&f.logEvery, "log-every", 100, "batches between loss lines and loss-log points (the tutorial's 100)")
}

// prepare checks the shared flags, sets the threads and loads the data; a
// non-zero status means stop (the message is printed).
func (f *trainFlags) prepare(fs *flagSet, stderr io.Writer) (train.Data, int) {
	if f.threads != 0 {
		if err := kernels.CheckThreads(f.threads); err != nil {
			return train.Data{}, fs.fail(stderr, "-%v, or 0 for the default (VECGRAD_THREADS or GOMAXPROCS)", err)
		}
	}
	if f.logEvery <= 0 {
		return train.Data{}, fs.fail(stderr, "-log-every %d: want a positive number of batches", f.logEvery)
	}
	if f.epochs <= 0 {
		return train.Data{}, fs.fail(stderr, "-epochs %d: want at least 1", f.epochs)
	}
	if !contains(train.Datasets, f.dataset) {
		return train.Data{}, fs.fail(stderr, "-dataset %q: unknown dataset (accepted: %s)", f.dataset, strings.Join(train.Datasets, ", "))
	}
	if f.dataDir == "" {
		f.dataDir = train.DefaultDataDir(f.dataset)
	}
	if st, err := os.Stat(f.dataDir); err != nil || !st.IsDir() {
		return train.Data{}, fs.fail(stderr, "-data %s: no such directory (fetch the data with 'vecgrad data --dataset %s --dir %s', or 'make data' for MNIST)",
			f.dataDir, f.dataset, f.dataDir)
	}
	if f.threads > 0 {
		kernels.SetThreads(f.threads)
	}
	load := f.load
	if load == nil {
		load = train.LoadData
	}
	sets, err := load(f.dataDir)
	if err != nil {
		fmt.Fprintf(stderr, "vecgrad %s: %v\n", fs.cmd, err)
		return train.Data{}, exitFail
	}
	// After the data (bad data creates no output directory), before any
	// training.
	if err := checkOutDir(f.out); err != nil {
		return train.Data{}, fs.fail(stderr, "%v", err)
	}
	return sets, exitOK
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// signalContext is cancelled by an interrupt, so that a run stops between
// steps with the last epoch's checkpoint intact.
func signalContext() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), os.Interrupt)
}

func runTrain(args []string, stdout, stderr io.Writer) (status int) {
	fs := newFlagSet("train", "train [flags]",
		"Train an MLP (by default that of PyTorch's optimization tutorial, 784-512-512-10, ReLU;\n"+
			"-hidden, -activation and -dropout choose another) with cross-entropy on MNIST,\n"+
			"Fashion-MNIST or your own data (-data-format csv or npy; -val-split, -early-stopping),\n"+
			"printing the tutorial's loss and test lines, and leave in -out: loss.csv (loss against\n"+
			"samples seen), loss.png (the tutorial's plot, with a moving average and each epoch's\n"+
			"test loss), checkpoint.safetensors (saved after every epoch; -resume continues from it,\n"+
			"bitwise as an uninterrupted run) and model.safetensors (the model alone, under the\n"+
			"tutorial's names). An interrupt (Ctrl-C) stops the run between steps, exit status 130.\n"+
			"With -distributed, one rank of an MPI job. Flags may be given with one dash or two.")
	var tf trainFlags
	tf.register(fs, "out")
	def := train.DefaultConfig()
	optimizer := fs.String("optimizer", def.Optimizer, "optimizer: "+strings.Join(train.Optimizers, ", "))
	lr := fs.Float64("lr", def.LR, "learning rate")
	momentum := fs.Float64("momentum", def.Momentum, "SGD momentum (ignored by adam and adamw)")
	nesterov := fs.Bool("nesterov", false, "Nesterov momentum (sgd with -momentum > 0)")
	weightDecay := fs.Float64("weight-decay", 0, "L2 penalty (sgd, adam) or decoupled weight decay (adamw; default 0.01 there, as torch)")
	batch := fs.Int("batch-size", def.BatchSize, "examples per step")
	resume := fs.Bool("resume", false, "continue the run saved in -out/checkpoint.safetensors (its settings are adopted for the flags not given)")
	overwrite := fs.Bool("overwrite", false, "start a new run even if -out holds a checkpoint, replacing it (without it, or -resume, train refuses)")
	dataChanged := fs.Bool("data-changed", false, "with -resume: continue although the data differs from the checkpoint's (without it, train refuses)")
	var mf modelFlags
	mf.register(fs)
	var df2 dataFlags
	df2.register(fs)
	var vf valFlags
	vf.register(fs)
	summary := fs.String("summary-json", "", "write a machine-readable summary (throughput, test accuracy and loss, settings, ISA, threads) to this file")
	var df distributedFlags
	df.register(fs)
	if ok, status := fs.parse(args, stdout, stderr); !ok {
		return status
	}
	if *resume && *overwrite {
		return fs.fail(stderr, "-resume and -overwrite exclude each other: continue the run, or replace it")
	}
	comm, err := df.join()
	if err != nil {
		return fs.fail(stderr, "%v", err)
	}
	if comm != nil {
		defer func() { finishDistributed(comm, status, stderr) }()
		if comm.Rank() != 0 {
			stdout = io.Discard // rank 0 reports for the job
		}
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	cfg := train.Config{Dataset: tf.dataset, Optimizer: *optimizer, LR: *lr, Momentum: *momentum, Nesterov: *nesterov,
		WeightDecay: *weightDecay, BatchSize: *batch, Epochs: tf.epochs, Seed: tf.seed}
	if err := mf.apply(&cfg); err != nil {
		return fs.fail(stderr, "%v", err)
	}
	if err := df2.apply(&cfg, &tf, set); err != nil {
		return fs.fail(stderr, "%v", err)
	}
	if err := vf.apply(&cfg); err != nil {
		return fs.fail(stderr, "%v", err)
	}
	if cfg.Optimizer == "adamw" && !set["weight-decay"] {
		cfg.WeightDecay = 0.01
	}
	if cfg.Optimizer != "sgd" && !set["momentum"] {
		cfg.Momentum = 0 // the SGD default does not apply to Adam
	}
	if *resume {
		path := filepath.Join(tf.out, train.CheckpointFile)
		ck, err := train.ReadCheckpointConfig(path)
		if err != nil {
			fmt.Fprintf(stderr, "vecgrad train: -resume: %v\n", err)
			return exitFail
		}
		cfg = adopt(cfg, ck, set, stdout)
		// The data's shape and standardisation, kept as trained (the data
		// read below must agree).
		cfg.Input, cfg.Inputs, cfg.Classes = ck.Input, ck.Inputs, ck.Classes
		tf.dataset = cfg.Dataset
		if cfg.Dataset == train.CustomDataset {
			tf.dataset = def.Dataset // names the IDX sets; the flag's default passes prepare
		}
	}
	if err := cfg.Validate(); err != nil {
		return fs.fail(stderr, "%v", err)
	}
	tf.load = func(dir string) (train.Data, error) {
		sets, c, err := train.LoadDataFor(dir, cfg)
		cfg = c
		return sets, err
	}
	sets, status := tf.prepare(fs, stderr)
	if status != exitOK {
		return status
	}
	ctx, stop := interruptContext()
	defer stop()
	res, err := train.Run(ctx, cfg, sets, train.Options{OutDir: tf.out, Resume: *resume, Overwrite: *overwrite, DataChanged: *dataChanged, Log: stdout,
		Progress: train.IsTerminal(stdout), LogEvery: tf.logEvery, Comm: comm, CheckEvery: df.checkEvery, OneAllReduce: df.oneAllReduce})
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return reportInterrupt(stderr, res, tf.out)
		}
		fmt.Fprintf(stderr, "vecgrad train: %v\n", err)
		return exitFail
	}
	if reportFinished(stdout, res, tf.out, *summary) {
		return exitOK
	}
	sum := res.Summary()
	fmt.Fprintf(stdout, "Throughput: %.0f samples/s over the training loop (%d samples in %.1fs; ISA %s, %d threads)\n",
		sum.SamplesPerSecond, sum.TrainSamples, sum.TrainSeconds, sum.ISA, sum.Threads)
	if len(res.Files) > 0 {
		fmt.Fprintf(stdout, "Wrote %s\n", strings.Join(res.Files, ", "))
	}
	if *summary != "" {
		if err := sum.WriteSummaryFile(*summary); err != nil {
			fmt.Fprintf(stderr, "vecgrad train: -summary-json: %v\n", err)
			return exitFail
		}
	}
	if res.BestEpoch > 0 && sum.Config.EarlyStopping > 0 {
		fmt.Fprintf(stdout, "Best validation loss at epoch %d: %s\n", res.BestEpoch, filepath.Join(tf.out, train.BestCheckpointFile))
	}
	if res.Diverged != nil {
		fmt.Fprintf(stderr, "vecgrad train: %v\n", res.Diverged)
		return exitFail
	}
	return exitOK
}

// adopt takes the checkpoint's settings for every flag that was not given,
// and says which it adopted.
func adopt(cfg, ck train.Config, set map[string]bool, w io.Writer) train.Config {
	var took []string
	take := func(flag string, dst any, src any, show any) {
		if set[flag] {
			return
		}
		switch d := dst.(type) {
		case *string:
			if *d == src.(string) {
				return
			}
			*d = src.(string)
		case *float64:
			if *d == src.(float64) {
				return
			}
			*d = src.(float64)
		case *bool:
			if *d == src.(bool) {
				return
			}
			*d = src.(bool)
		case *int:
			if *d == src.(int) {
				return
			}
			*d = src.(int)
		case *uint64:
			if *d == src.(uint64) {
				return
			}
			*d = src.(uint64)
		}
		took = append(took, fmt.Sprintf("-%s %v", flag, show))
	}
	take("dataset", &cfg.Dataset, ck.Dataset, ck.Dataset)
	take("optimizer", &cfg.Optimizer, ck.Optimizer, ck.Optimizer)
	take("lr", &cfg.LR, ck.LR, ck.LR)
	take("momentum", &cfg.Momentum, ck.Momentum, ck.Momentum)
	take("nesterov", &cfg.Nesterov, ck.Nesterov, ck.Nesterov)
	take("weight-decay", &cfg.WeightDecay, ck.WeightDecay, ck.WeightDecay)
	take("batch-size", &cfg.BatchSize, ck.BatchSize, ck.BatchSize)
	take("seed", &cfg.Seed, ck.Seed, ck.Seed)
	take("epochs", &cfg.Epochs, ck.Epochs, ck.Epochs)
	take("hidden", &cfg.Hidden, ck.Hidden, orDefault(ck.Hidden, "512,512"))
	take("activation", &cfg.Activation, ck.Activation, orDefault(ck.Activation, "relu"))
	take("dropout", &cfg.Dropout, ck.Dropout, ck.Dropout)
	take("data-format", &cfg.DataFormat, ck.DataFormat, orDefault(ck.DataFormat, "idx"))
	take("label-column", &cfg.LabelColumn, ck.LabelColumn, ck.LabelColumn)
	take("val-split", &cfg.ValSplit, ck.ValSplit, ck.ValSplit)
	take("early-stopping", &cfg.EarlyStopping, ck.EarlyStopping, ck.EarlyStopping)
	if len(took) > 0 {
		fmt.Fprintf(w, "Resume: adopting the checkpoint's settings %s\n", strings.Join(took, " "))
	}
	return cfg
}

// orDefault is s, or def when s is "" (a Config field's zero value).
func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
