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
	c := newTrainCmd()
	if ok, status := c.fs.parse(args, stdout, stderr); !ok {
		return status
	}
	if c.resume && c.overwrite {
		return c.fs.fail(stderr, "-resume and -overwrite exclude each other: continue the run, or replace it")
	}
	comm, err := c.dist.join()
	if err != nil {
		return c.fs.fail(stderr, "%v", err)
	}
	if comm != nil {
		defer func() { finishDistributed(comm, status, stderr) }()
		if comm.Rank() != 0 {
			stdout = io.Discard // rank 0 reports for the job
		}
	}
	cfg, status := c.config(stdout, stderr)
	if status != exitOK {
		return status
	}
	c.tf.load = func(dir string) (train.Data, error) {
		sets, loaded, err := train.LoadDataFor(dir, cfg)
		cfg = loaded
		return sets, err
	}
	sets, status := c.tf.prepare(c.fs, stderr)
	if status != exitOK {
		return status
	}
	ctx, stop := interruptContext()
	defer stop()
	res, err := train.Run(ctx, cfg, sets, train.Options{OutDir: c.tf.out, Resume: c.resume, Overwrite: c.overwrite, DataChanged: c.dataChanged, Log: stdout,
		Progress: train.IsTerminal(stdout), LogEvery: c.tf.logEvery, Comm: comm, CheckEvery: c.dist.checkEvery, OneAllReduce: c.dist.oneAllReduce,
		NoSharedMemory: c.dist.noShared})
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return reportInterrupt(stderr, res, c.tf.out)
		}
		fmt.Fprintf(stderr, "vecgrad train: %v\n", err)
		return exitFail
	}
	return c.report(stdout, stderr, res)
}

// trainCmd is vecgrad train's flag set and the values its flags set; its
// methods are the command's steps after parsing: the run's configuration,
// and the report of a run that finished.
type trainCmd struct {
	fs                             *flagSet
	tf                             trainFlags
	model                          modelFlags
	data                           dataFlags
	val                            valFlags
	dist                           distributedFlags
	def                            train.Config // the defaults the flags show
	optimizer, summary             string
	lr, momentum, weightDecay      float64
	nesterov                       bool
	batch                          int
	resume, overwrite, dataChanged bool
}

// newTrainCmd registers vecgrad train's flags.
func newTrainCmd() *trainCmd {
	c := &trainCmd{def: train.DefaultConfig()}
	c.fs = newFlagSet("train", "train [flags]",
		"Train an MLP (by default that of PyTorch's optimization tutorial, 784-512-512-10, ReLU;\n"+
			"-hidden, -activation and -dropout choose another) with cross-entropy on MNIST,\n"+
			"Fashion-MNIST or your own data (-data-format csv or npy; -val-split, -early-stopping),\n"+
			"printing the tutorial's loss and test lines, and leave in -out: loss.csv (loss against\n"+
			"samples seen), loss.png (the tutorial's plot, with a moving average and each epoch's\n"+
			"test loss), checkpoint.safetensors (saved after every epoch; -resume continues from it,\n"+
			"bitwise as an uninterrupted run) and model.safetensors (the model alone, under the\n"+
			"tutorial's names). An interrupt (Ctrl-C) stops the run between steps, exit status 130.\n"+
			"With -distributed, one rank of an MPI job. Flags may be given with one dash or two.")
	fs, def := c.fs, c.def
	c.tf.register(fs, "out")
	fs.StringVar(&c.optimizer, "optimizer", def.Optimizer, "optimizer: "+strings.Join(train.Optimizers, ", "))
	fs.Float64Var(&c.lr, "lr", def.LR, "learning rate")
	fs.Float64Var(&c.momentum, "momentum", def.Momentum, "SGD momentum (ignored by adam and adamw)")
	fs.BoolVar(&c.nesterov, "nesterov", false, "Nesterov momentum (sgd with -momentum > 0)")
	fs.Float64Var(&c.weightDecay, "weight-decay", 0, "L2 penalty (sgd, adam) or decoupled weight decay (adamw; default 0.01 there, as torch)")
	fs.IntVar(&c.batch, "batch-size", def.BatchSize, "examples per step")
	fs.BoolVar(&c.resume, "resume", false, "continue the run saved in -out/checkpoint.safetensors (its settings are adopted for the flags not given)")
	fs.BoolVar(&c.overwrite, "overwrite", false, "start a new run even if -out holds a checkpoint, replacing it (without it, or -resume, train refuses)")
	fs.BoolVar(&c.dataChanged, "data-changed", false, "with -resume: continue although the data differs from the checkpoint's (without it, train refuses)")
	c.model.register(fs)
	c.data.register(fs)
	c.val.register(fs)
	fs.StringVar(&c.summary, "summary-json", "", "write a machine-readable summary (throughput, test accuracy and loss, settings, ISA, threads) to this file")
	c.dist.register(fs)
	return c
}

// config is the run's configuration from the parsed flags and, with
// -resume, the checkpoint's settings for the flags not given (adopt says
// which on stdout). A status other than exitOK has been reported on stderr.
func (c *trainCmd) config(stdout, stderr io.Writer) (train.Config, int) {
	set := map[string]bool{}
	c.fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	cfg := train.Config{Dataset: c.tf.dataset, Optimizer: c.optimizer, LR: c.lr, Momentum: c.momentum, Nesterov: c.nesterov,
		WeightDecay: c.weightDecay, BatchSize: c.batch, Epochs: c.tf.epochs, Seed: c.tf.seed}
	if err := c.model.apply(&cfg); err != nil {
		return cfg, c.fs.fail(stderr, "%v", err)
	}
	if err := c.data.apply(&cfg, &c.tf, set); err != nil {
		return cfg, c.fs.fail(stderr, "%v", err)
	}
	if err := c.val.apply(&cfg); err != nil {
		return cfg, c.fs.fail(stderr, "%v", err)
	}
	if cfg.Optimizer == "adamw" && !set["weight-decay"] {
		cfg.WeightDecay = 0.01
	}
	if cfg.Optimizer != "sgd" && !set["momentum"] {
		cfg.Momentum = 0 // the SGD default does not apply to Adam
	}
	if c.resume {
		path := filepath.Join(c.tf.out, train.CheckpointFile)
		ck, err := train.ReadCheckpointConfig(path)
		if err != nil {
			fmt.Fprintf(stderr, "vecgrad train: -resume: %v\n", err)
			return cfg, exitFail
		}
		cfg = adopt(cfg, ck, set, stdout)
		// The data's shape and standardisation, kept as trained (the data
		// read below must agree).
		cfg.Input, cfg.Inputs, cfg.Classes = ck.Input, ck.Inputs, ck.Classes
		c.tf.dataset = cfg.Dataset
		if cfg.Dataset == train.CustomDataset {
			c.tf.dataset = c.def.Dataset // names the IDX sets; the flag's default passes prepare
		}
	}
	if err := cfg.Validate(); err != nil {
		return cfg, c.fs.fail(stderr, "%v", err)
	}
	return cfg, exitOK
}

// report prints what a finished run left (throughput, files, the best
// epoch), writes -summary-json, and returns the exit status: exitFail if
// the run diverged or the summary could not be written.
func (c *trainCmd) report(stdout, stderr io.Writer, res *train.Result) int {
	if reportFinished(stdout, res, c.tf.out, c.summary) {
		return exitOK
	}
	sum := res.Summary()
	fmt.Fprintf(stdout, "Throughput: %.0f samples/s over the training loop (%d samples in %.1fs; ISA %s, %d threads)\n",
		sum.SamplesPerSecond, sum.TrainSamples, sum.TrainSeconds, sum.ISA, sum.Threads)
	if len(res.Files) > 0 {
		fmt.Fprintf(stdout, "Wrote %s\n", strings.Join(res.Files, ", "))
	}
	if c.summary != "" {
		if err := sum.WriteSummaryFile(c.summary); err != nil {
			fmt.Fprintf(stderr, "vecgrad train: -summary-json: %v\n", err)
			return exitFail
		}
	}
	if res.BestEpoch > 0 && sum.Config.EarlyStopping > 0 {
		fmt.Fprintf(stdout, "Best validation loss at epoch %d: %s\n", res.BestEpoch, filepath.Join(c.tf.out, train.BestCheckpointFile))
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
