package train

import (
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"

	"github.com/vecgrad/vecgrad/internal/atomicfile"
	"github.com/vecgrad/vecgrad/train/data"
)

// BestCheckpointFile is the copy of the checkpoint of the epoch with the
// lowest validation loss, which Run keeps beside CheckpointFile under
// Config.EarlyStopping.
const BestCheckpointFile = "best.safetensors"

// validLines is printed after the test lines when the run has a
// validation split.
const validLines = "Validation: \n Accuracy: %.1f%%, Avg loss: %8f \n\n"

// validateValidation checks ValSplit and EarlyStopping.
func (c Config) validateValidation() error {
	switch {
	case !(c.ValSplit >= 0 && c.ValSplit < 1):
		return fmt.Errorf("validation split %v: want a fraction of the training set in [0, 1)", c.ValSplit)
	case c.EarlyStopping < 0 || c.EarlyStopping > MaxEpochs:
		return fmt.Errorf("early stopping %d: want 0 (off) to %d epochs without improvement", c.EarlyStopping, MaxEpochs)
	case c.EarlyStopping > 0 && c.ValSplit == 0:
		return fmt.Errorf("early stopping watches the validation loss: it needs a validation split")
	}
	return nil
}

// valCount is the number of validation examples of a training set of n:
// round(ValSplit * n), at least 1 and at most n-1.
func (c Config) valCount(n int) (int, error) {
	if n < 2 {
		return 0, fmt.Errorf("train: validation split %v of a training set of %d example: want at least 2 examples", c.ValSplit, n)
	}
	return min(max(int(math.Round(c.ValSplit*float64(n))), 1), n-1), nil
}

// splitValidation divides sets.Train into the training part and the
// validation part, drawn from cfg.Seed (see data.SplitIndices).
func splitValidation(cfg Config, sets Data) (Data, error) {
	if cfg.ValSplit == 0 {
		return sets, nil
	}
	nVal, err := cfg.valCount(sets.Train.Len())
	if err != nil {
		return sets, err
	}
	tr, val := data.SplitIndices(sets.Train.Len(), nVal, cfg.Seed)
	sets.Train, sets.Val = data.Subset(sets.Train, tr), data.Subset(sets.Train, val)
	return sets, nil
}

// earlyStop follows the validation loss: the best epoch so far, and how
// many epochs since have not improved on it.
type earlyStop struct {
	patience  int
	best      float64
	bestEpoch int // counted from 1; 0 before any
	since     int
}

// newEarlyStop replays the epochs already done (a resumed run's).
func newEarlyStop(patience int, done []EpochResult) *earlyStop {
	e := &earlyStop{patience: patience, best: math.Inf(1)}
	for _, r := range done {
		e.observe(r)
	}
	return e
}

// observe records an epoch's validation loss and reports whether it is
// the best so far (strictly lower: a tie keeps the earlier epoch).
func (e *earlyStop) observe(r EpochResult) bool {
	if r.ValLoss < e.best {
		e.best, e.bestEpoch, e.since = r.ValLoss, r.Epoch, 0
		return true
	}
	e.since++
	return false
}

// stop reports whether patience epochs in a row have not improved.
func (e *earlyStop) stop() bool { return e.patience > 0 && e.since >= e.patience }

// keepBest copies OutDir's checkpoint to BestCheckpointFile (atomically).
func keepBest(res *Result, opt Options) error {
	if opt.OutDir == "" || opt.writeNothing || opt.NoCheckpoint {
		return nil
	}
	b, err := os.ReadFile(filepath.Join(opt.OutDir, CheckpointFile))
	if err != nil {
		return fmt.Errorf("train: keeping the best checkpoint: %w", err)
	}
	path := filepath.Join(opt.OutDir, BestCheckpointFile)
	if err := atomicfile.WriteBytes(path, b); err != nil {
		return fmt.Errorf("train: keeping the best checkpoint: %w", err)
	}
	res.Files = append(res.Files, path)
	return nil
}

// stoppedEarly says on w where and why the run stopped.
func stoppedEarly(w io.Writer, e *earlyStop, epoch int) {
	fmt.Fprintf(w, "Early stopping after epoch %d: the validation loss has not improved for %d epochs (best %f, epoch %d)\n",
		epoch, e.since, e.best, e.bestEpoch)
}
