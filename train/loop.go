package train

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"time"

	"github.com/vecgrad/vecgrad/optim"
	"github.com/vecgrad/vecgrad/train/data"
	"github.com/vecgrad/vecgrad/train/dist"
	"github.com/vecgrad/vecgrad/train/nn"
)

// maxLogGrow bounds the loss-log points Run reserves before training.
const maxLogGrow = 1 << 20

// The files Run writes into Options.OutDir.
const (
	CheckpointFile = "checkpoint.safetensors"
	CSVFile        = "loss.csv"
	PlotFile       = "loss.png"
)

// Data holds the splits a run uses: a *data.Dataset (IDX images) or a
// *data.TensorDataset (CSV, NPY, your own tensors) of class labels each.
// Several runs may share them (datasets are read-only).
type Data struct {
	Train, Test data.Source
	// Val, if not nil, is evaluated after every epoch as Test is, and
	// watched by Config.EarlyStopping (LoadDataFor splits it off the
	// training set by Config.ValSplit).
	Val data.Source
}

// Options says where a run's output goes; unlike Config it does not change
// the numbers.
type Options struct {
	// OutDir receives loss.csv, loss.png and checkpoint.safetensors after
	// every epoch (created if needed); "" writes no files.
	OutDir string
	// Resume continues the run saved in OutDir's checkpoint (see Run).
	Resume bool
	// Overwrite lets a new run (not Resume) replace a checkpoint already
	// in OutDir; without it Run refuses to start.
	Overwrite bool
	// DataChanged lets Resume continue on data other than the checkpoint
	// was trained on; without it Run refuses to.
	DataChanged bool
	// NoCheckpoint skips the checkpoint (the sweep's runs).
	NoCheckpoint bool
	// NoPlot skips loss.png (the sweep draws its own plots).
	NoPlot bool
	// Log receives the tutorial's lines; nil discards them.
	Log io.Writer
	// Progress draws a progress bar on Log (for a terminal; see IsTerminal).
	Progress bool
	// LogEvery is the number of batches between loss lines and loss-log
	// points (default 100, the tutorial's).
	LogEvery int
	// Comm makes the run one rank of a data-parallel run across processes
	// (see distributed.go): nil, or a communicator of one rank, trains in
	// this process alone. Every rank calls Run with the same Config; rank
	// 0 alone writes Log and OutDir's files (the others read OutDir's
	// checkpoint to resume).
	Comm dist.Comm

	writeNothing bool // a rank other than 0 of a distributed run
	// CheckEvery, with Comm, compares a checksum of the parameters across
	// the ranks every CheckEvery steps and stops the run with an error on a
	// difference (0: never).
	CheckEvery int
	// OneAllReduce, with Comm, sums all the gradients at once after the
	// backward pass, instead of each layer's as soon as the backward pass
	// has produced it (the default, as DistributedDataParallel's
	// buckets). The results are the same on one machine (through shared
	// memory) and with two ranks; otherwise the order of the additions is
	// the communicator's for each size.
	OneAllReduce bool
	// NoSharedMemory, with Comm, sums the gradients with the
	// communicator's AllReduceSum alone (MPI_Allreduce), instead of
	// through the memory that the ranks of a machine share
	// (dist.HierarchicalSum): for comparison. On one machine the results
	// are the same with two ranks.
	NoSharedMemory bool
}

// EpochResult is the test loop's result after one epoch, and the
// validation split's (if any).
type EpochResult struct {
	Epoch       int     `json:"epoch"` // counted from 1
	Accuracy    float64 `json:"accuracy"`
	AvgLoss     float64 `json:"avg_loss"`
	ValAccuracy float64 `json:"val_accuracy,omitempty"`
	ValLoss     float64 `json:"val_loss,omitempty"`
}

// Divergence records where a run's loss stopped being finite.
type Divergence struct {
	Epoch   int     `json:"epoch"`   // counted from 1
	Step    int64   `json:"step"`    // optimizer steps before this one, over the run
	Samples int64   `json:"samples"` // samples seen, including this batch
	Loss    float64 `json:"loss"`    // NaN, +Inf or -Inf
}

// Error says where the run diverged and what to do about it.
func (d *Divergence) Error() string {
	return fmt.Sprintf("diverged: the training loss is %v at step %d (epoch %d, %d samples seen); the run stopped there (try a smaller learning rate)",
		d.Loss, d.Step+1, d.Epoch, d.Samples)
}

// Result is what a run produced.
type Result struct {
	Config Config
	// Model holds the final parameters.
	Model *nn.Sequential
	// Log is the loss log of the whole run (including the epochs before a
	// resume).
	Log LossLog
	// Epochs holds the test results of every completed epoch.
	Epochs []EpochResult
	// Steps and Samples count the optimizer steps and training samples of
	// the whole run.
	Steps, Samples int64
	// ResumedEpochs is the number of epochs the checkpoint had done (0
	// without Resume).
	ResumedEpochs int
	// Diverged is set when the loss became NaN or Inf.
	Diverged *Divergence
	// StoppedEarly is set when Config.EarlyStopping ended the run, and
	// BestEpoch is the epoch of the lowest validation loss (0 without a
	// validation split).
	StoppedEarly bool
	BestEpoch    int
	// TrainSamples and TrainTime measure this process's training loop only
	// (steps, not evaluation or file writing): SamplesPerSecond is their
	// ratio.
	TrainSamples int64
	TrainTime    time.Duration
	// Files lists the files written, in OutDir.
	Files []string

	opt          optim.Optimizer // for the checkpoint
	dataID       string          // the data's identity, for the checkpoint (see identify)
	epochSamples int64           // training samples per epoch, for the plot
}

// SamplesPerSecond is the training loop's throughput.
func (r *Result) SamplesPerSecond() float64 {
	if r.TrainTime <= 0 {
		return 0
	}
	return float64(r.TrainSamples) / r.TrainTime.Seconds()
}

// Run trains cfg's model on sets.Train, testing on sets.Test after every
// epoch, and writes the loss log, the plot and the checkpoint into
// opt.OutDir after every epoch (and when the run diverges).
//
// With opt.Resume, it first loads OutDir's checkpoint, which must have been
// written with the same settings except Epochs (an error names the setting
// that differs), restores the model, the optimizer, the loss log and the
// epoch count, and trains the remaining epochs up to cfg.Epochs: the result
// is bitwise that of the uninterrupted run. The checkpoint is validated
// before any training (see loadCheckpoint), and must have been trained on
// sets unless opt.DataChanged. Without opt.Resume, a checkpoint already in
// OutDir is an error unless opt.Overwrite. Temporaries left in OutDir by a
// killed run are removed first.
// A checkpoint that has done all cfg.Epochs returns at once
// (ResumedEpochs == Config.Epochs, no training time, no files written).
//
// A diverging loss is not an error: Result.Diverged is set and the files
// are written. Errors are invalid settings, unreadable checkpoints, files
// that cannot be written, and ctx's cancellation (checked every step).
func Run(ctx context.Context, cfg Config, sets Data, opt Options) (*Result, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if sets.Train == nil || sets.Test == nil {
		return nil, errors.New("train: Run needs both the training and the test split")
	}
	cfg, err := fitData(cfg, sets)
	if err != nil {
		return nil, err
	}
	if sets.Val == nil { // LoadDataFor splits it off; LoadData's sets are split here
		if sets, err = splitValidation(cfg, sets); err != nil {
			return nil, err
		}
	}
	r := &runner{cfg: cfg, sets: sets, opt: opt, logEvery: opt.LogEvery}
	if r.logEvery <= 0 {
		r.logEvery = 100
	}
	r.distributed = opt.Comm != nil && opt.Comm.Size() > 1
	if r.distributed && opt.Comm.Rank() != 0 {
		// Rank 0 speaks and writes for the run.
		r.opt.Log, r.opt.Progress, r.opt.writeNothing = nil, false, true
	}
	r.w = r.opt.Log
	if r.w == nil {
		r.w = io.Discard
	}
	r.m = newModel(cfg)
	o, err := newOptimizer(cfg, nn.Tensors(r.m.Sequential.Parameters()))
	if err != nil {
		return nil, err
	}
	r.res = &Result{Config: cfg, Model: r.m.Sequential, opt: o}
	if err := prepareOutDir(cfg, sets, r.opt, r.m.Sequential, o, r.res, r.w); err != nil {
		return nil, err
	}
	if opt.Resume && r.res.ResumedEpochs == cfg.Epochs {
		return r.res, nil // a finished run: nothing to train, nothing to write
	}
	if n := sets.Train.Len(); cfg.BatchSize > n {
		return nil, fmt.Errorf("train: batch size %d is larger than the training set (%d examples): accepted 1 to %d", cfg.BatchSize, n, n)
	}
	r.s = newStepper(r.m.Sequential, o)
	if r.distributed {
		if err := startDistributed(opt.Comm, cfg, r.m.Sequential, r.s, opt.NoSharedMemory); err != nil {
			return nil, err
		}
		r.s.team.oneAllReduce = opt.OneAllReduce
		res, err := r.train(ctx)
		// Every rank frees its shared memory (collectively), also after an
		// error shared by all ranks.
		if serr := r.s.team.stopSums(); serr != nil && err == nil {
			return nil, fmt.Errorf("train: freeing the gradients' shared memory: %w", serr)
		}
		return res, err
	}
	return r.train(ctx)
}

// train runs the epochs, from a resumed checkpoint's on.
func (r *runner) train(ctx context.Context) (*Result, error) {
	if err := r.prepare(); err != nil {
		return nil, err
	}
	for epoch := r.res.ResumedEpochs; epoch < r.cfg.Epochs && !r.res.StoppedEarly; epoch++ {
		if r.es.stop() { // a resumed run that had stopped
			r.res.StoppedEarly = true
			stoppedEarly(r.w, r.es, epoch)
			break
		}
		if err := r.epoch(ctx, epoch); err != nil || r.res.Diverged != nil {
			return r.res, err
		}
	}
	r.pr.printf("Done!\n")
	return r.res, nil
}

// runner is one Run's state between its set-up and its epochs.
type runner struct {
	cfg         Config
	sets        Data
	opt         Options
	logEvery    int
	distributed bool
	w           io.Writer

	m   model
	s   *stepper
	res *Result

	trainLoader, testLoader, valLoader *data.Loader
	es                                 *earlyStop
	pr                                 *progress
}

// prepare makes the loaders, the early-stopping state, the loss log's room
// and the progress bar.
func (r *runner) prepare() error {
	cfg, sets, res := r.cfg, r.sets, r.res
	// The team step runs the whole step on every thread and copies the
	// batch's rows itself, shared among them: a goroutine assembling the
	// next batch beside it would take a core from the team.
	team := r.s.team != nil
	var err error
	r.trainLoader, err = data.NewLoader(sets.Train, data.LoaderOptions{
		BatchSize: cfg.BatchSize, Sampling: data.Shuffle, Seed: cfg.Seed, Prefetch: !team, DeferX: team})
	if err != nil {
		return err
	}
	if r.testLoader, err = data.NewLoader(sets.Test, data.LoaderOptions{BatchSize: cfg.BatchSize}); err != nil {
		return err
	}
	if sets.Val != nil {
		if r.valLoader, err = data.NewLoader(sets.Val, data.LoaderOptions{BatchSize: cfg.BatchSize}); err != nil {
			return err
		}
	}
	r.es = newEarlyStop(cfg.EarlyStopping, res.Epochs)
	res.BestEpoch = r.es.bestEpoch
	// Grow the loss log once, so that appending to it never reallocates
	// in the loop.
	n := r.trainLoader.Len()
	perEpoch := n/r.logEvery + min(n%r.logEvery, 1) + 1 // not (n+logEvery-1)/logEvery: logEvery may be near MaxInt
	// At most maxLogGrow points at once: a run of MaxEpochs would otherwise
	// reserve hundreds of megabytes up front; beyond it, append doubles the
	// log now and then (amortised, not per step).
	grow := min(perEpoch*(cfg.Epochs-res.ResumedEpochs), maxLogGrow)
	res.Log.Samples = append(make([]int64, 0, len(res.Log.Samples)+grow), res.Log.Samples...)
	res.Log.Loss = append(make([]float32, 0, len(res.Log.Loss)+grow), res.Log.Loss...)
	res.epochSamples = int64(sets.Train.Len())
	r.pr = newProgress(r.w, r.opt.Progress, cfg.Epochs, sets.Train.Len(), sets.Test.Len())
	return nil
}

// epoch trains one epoch, tests, writes the outputs and applies early
// stopping. A diverging loss ends it with res.Diverged set.
func (r *runner) epoch(ctx context.Context, epoch int) error {
	cfg, res, pr := r.cfg, r.res, r.pr
	size := r.sets.Train.Len()
	pr.printf("Epoch %d\n-------------------------------\n", epoch+1)
	pr.startEpoch()
	r.m.reseed(cfg.Seed, epoch)
	start, startSamples := time.Now(), res.Samples
	batch := 0
	for b := range r.trainLoader.Epoch(epoch) {
		if err := ctx.Err(); err != nil {
			return err
		}
		l := r.s.step(b)
		if err := r.checkRanks(); err != nil {
			return err
		}
		current := batch*cfg.BatchSize + b.Size
		res.Samples += int64(b.Size)
		bad := math.IsNaN(float64(l)) || math.IsInf(float64(l), 0)
		if batch%r.logEvery == 0 || bad {
			res.Log.add(res.Samples, l)
		}
		if bad {
			res.Diverged = &Divergence{Epoch: epoch + 1, Step: res.Steps, Samples: res.Samples, Loss: float64(l)}
			res.Steps++
			break
		}
		res.Steps++
		if batch%r.logEvery == 0 {
			pr.printf(trainLine, l, current, size)
		}
		batch++
		pr.update(epoch+1, cfg.Epochs, current, size)
	}
	res.TrainTime += time.Since(start)
	res.TrainSamples += res.Samples - startSamples
	pr.clear()
	if res.Diverged != nil {
		pr.printf("%v\n", res.Diverged)
		// The parameters are no longer meaningful: the last epoch's
		// checkpoint stays as it is.
		return writeOutputs(res, r.opt, false)
	}
	return r.test(epoch)
}

// checkRanks, in a distributed run, reports the last step's all-reduce
// error and, every CheckEvery steps, compares the ranks' parameters.
func (r *runner) checkRanks() error {
	if !r.distributed {
		return nil
	}
	if err := r.s.team.err; err != nil {
		return fmt.Errorf("train: summing the gradients across the ranks: %w", err)
	}
	if every := int64(r.opt.CheckEvery); every > 0 && (r.res.Steps+1)%every == 0 {
		return checkReplicas(r.opt.Comm, r.m.Sequential, r.res.Steps+1)
	}
	return nil
}

// test runs the test (and validation) loop after epoch, prints it, writes
// the outputs and applies early stopping.
func (r *runner) test(epoch int) error {
	cfg, res, pr := r.cfg, r.res, r.pr
	pr.startEval()
	acc, avg := evaluate(r.m.Sequential, r.testLoader, r.s.ar, func(done int) { pr.update(epoch+1, cfg.Epochs, done, r.sets.Test.Len()) })
	er := EpochResult{Epoch: epoch + 1, Accuracy: acc, AvgLoss: avg}
	if r.valLoader != nil {
		er.ValAccuracy, er.ValLoss = evaluate(r.m.Sequential, r.valLoader, r.s.ar, nil)
	}
	if r.distributed {
		// Evaluation turns autograd's recording off process-wide
		// (tensor.NoGrad): ranks that share a process (dist.NewLocal)
		// must all be done with it before any records its next loss.
		if err := r.opt.Comm.Barrier(); err != nil {
			return fmt.Errorf("train: waiting for the other ranks after the test loop: %w", err)
		}
	}
	pr.printf(testLines, 100*acc, avg)
	if r.valLoader != nil {
		pr.printf(validLines, 100*er.ValAccuracy, er.ValLoss)
	}
	res.Epochs = append(res.Epochs, er)
	if r.distributed {
		// Every rank's optimizer state whole, for rank 0's checkpoint.
		if err := r.s.team.shareOptimizerState(); err != nil {
			return fmt.Errorf("train: gathering the optimizer's state from the ranks: %w", err)
		}
	}
	if err := writeOutputs(res, r.opt, !r.opt.NoCheckpoint); err != nil {
		return err
	}
	if r.valLoader != nil && r.es.observe(er) {
		res.BestEpoch = r.es.bestEpoch
		if cfg.EarlyStopping > 0 {
			if err := keepBest(res, r.opt); err != nil {
				return err
			}
		}
	}
	if r.es.stop() {
		res.StoppedEarly = true
		pr.clear()
		stoppedEarly(r.w, r.es, epoch+1)
	}
	return nil
}

// writeOutputs writes the checkpoint and ModelFile (if checkpoint), then
// the CSV and the plot. The checkpoint goes first because the others are
// views of it: if it cannot be written (a full disk), none of them is, so
// the files beside a checkpoint never show an epoch that a resume would
// not continue from. The views may lag one epoch behind instead, which the
// next epoch, or the resume's, mends.
func writeOutputs(res *Result, opt Options, checkpoint bool) error {
	if opt.OutDir == "" || opt.writeNothing {
		return nil
	}
	if err := mkdirAll(opt.OutDir); err != nil {
		return err
	}
	res.Files = res.Files[:0]
	if checkpoint {
		path := filepath.Join(opt.OutDir, CheckpointFile)
		if err := saveCheckpoint(path, res); err != nil {
			return err
		}
		model := filepath.Join(opt.OutDir, ModelFile)
		if err := writeModel(model, res.Model); err != nil {
			return err
		}
		res.Files = append(res.Files, path, model)
	}
	csv := filepath.Join(opt.OutDir, CSVFile)
	if err := res.Log.writeCSVFile(csv); err != nil {
		return err
	}
	res.Files = append(res.Files, csv)
	if !opt.NoPlot {
		png := filepath.Join(opt.OutDir, PlotFile)
		if err := writePlot(png, res.Config.Title(), []plotSeries{runSeries(res)}); err != nil {
			return err
		}
		res.Files = append(res.Files, png)
	}
	return nil
}
