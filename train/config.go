package train

import (
	"fmt"
	"math"
	"path/filepath"
	"strings"

	"github.com/vecgrad/vecgrad/train/lossplot"
)

// Optimizers are the values Config.Optimizer accepts.
var Optimizers = []string{"sgd", "adam", "adamw"}

// Datasets are the values Config.Dataset accepts.
var Datasets = []string{"mnist", "fashion-mnist"}

// MaxBatchSize is the largest Config.BatchSize: far beyond any dataset's
// length (a batch holds at most the whole training set), and small enough
// that no count derived from it (samples in an epoch, steps times batch
// size) can overflow an int64.
const MaxBatchSize = 1 << 30

// MaxEpochs is the largest Config.Epochs: a million passes, far beyond any
// use, and small enough that the counts derived from it (samples and steps
// of the run, the loss log's length) cannot overflow.
const MaxEpochs = 1 << 20

// Config holds the settings that determine a run's numbers: two runs with
// equal Configs give bitwise equal results. Where a run's files go is in
// Options.
type Config struct {
	// Dataset is "mnist" or "fashion-mnist" (it only names the data in the
	// summary and the checkpoint; the data comes from Options or DataDir).
	Dataset string `json:"dataset"`
	// Optimizer is "sgd", "adam" or "adamw".
	Optimizer string `json:"optimizer"`
	// LR is the learning rate (> 0).
	LR float64 `json:"lr"`
	// Momentum is SGD's momentum (>= 0; ignored by Adam).
	Momentum float64 `json:"momentum"`
	// Nesterov selects Nesterov momentum (SGD with Momentum > 0).
	Nesterov bool `json:"nesterov"`
	// WeightDecay is the L2 penalty (SGD, Adam) or the decoupled decay
	// (AdamW), as given: 0 means none for every optimizer (torch's AdamW
	// default, 0.01, is the CLI's default for adamw, not this field's).
	WeightDecay float64 `json:"weight_decay"`
	// BatchSize is the number of examples per step (1 to MaxBatchSize).
	BatchSize int `json:"batch_size"`
	// Epochs is the number of passes over the training set (1 to
	// MaxEpochs).
	Epochs int `json:"epochs"`
	// Seed determines the initial weights and every epoch's order.
	Seed uint64 `json:"seed"`

	// The model (see newModel); the zero values are the tutorial's, and are
	// left out of the JSON so that a tutorial run's checkpoint is as before.

	// Hidden lists the hidden layers' widths, from the input side, comma-
	// separated ("1024,512,256"; "": the tutorial's 512,512). A string
	// keeps Config comparable (the sweep keys its runs by Config).
	Hidden string `json:"hidden,omitempty"`
	// Activation follows every hidden layer: "relu" (also ""), "tanh" or
	// "gelu".
	Activation string `json:"activation,omitempty"`
	// Dropout is the probability of zeroing a hidden activation in
	// training (a Dropout after every activation; 0: none).
	Dropout float64 `json:"dropout,omitempty"`
	// Inputs and Classes are the model's first and last widths, the data's
	// feature and class counts (0: MNIST's 784 and 10).
	Inputs  int `json:"inputs,omitempty"`
	Classes int `json:"classes,omitempty"`

	// The data (see LoadDataFor); the zero values are MNIST's IDX files.

	// DataFormat is "idx" (also ""), "csv" or "npy".
	DataFormat string `json:"data_format,omitempty"`
	// LabelColumn is the CSV label column: a header name or a 0-based
	// index (csv only).
	LabelColumn string `json:"label_column,omitempty"`
	// Input describes CSV and NPY inputs (columns, standardisation); nil
	// for IDX.
	Input *InputSpec `json:"input,omitempty"`

	// ValSplit is the fraction of the training set held out for
	// validation (drawn from Seed; 0: none), and EarlyStopping the number
	// of epochs without a lower validation loss after which the run stops
	// (0: never; needs ValSplit).
	ValSplit      float64 `json:"val_split,omitempty"`
	EarlyStopping int     `json:"early_stopping,omitempty"`
}

// DefaultConfig returns the tutorial's settings (SGD with lr 1e-3 and
// momentum 0.5, batch size 16, 10 epochs) on MNIST, the dataset that
// `make data` provides without network access, with seed 1.
func DefaultConfig() Config {
	return Config{
		Dataset:   "mnist",
		Optimizer: "sgd",
		LR:        1e-3,
		Momentum:  0.5,
		BatchSize: 16,
		Epochs:    10,
		Seed:      1,
	}
}

// DefaultDataDir returns where a dataset's files live by default:
// data/mnist or data/fashion-mnist.
func DefaultDataDir(dataset string) string { return filepath.Join("data", dataset) }

// Validate checks every setting and returns an error that names the bad one
// and what is accepted.
func (c Config) Validate() error {
	switch {
	case !contains(Datasets, c.Dataset) && !(c.Dataset == CustomDataset && c.format() != "idx"):
		return fmt.Errorf("dataset %q is unknown (accepted: %s; %s for csv and npy data)", c.Dataset, strings.Join(Datasets, ", "), CustomDataset)
	case !contains(Optimizers, c.Optimizer):
		return fmt.Errorf("optimizer %q is unknown (accepted: %s)", c.Optimizer, strings.Join(Optimizers, ", "))
	case !(c.LR > 0) || math.IsInf(c.LR, 0):
		return fmt.Errorf("learning rate %v: want a positive finite number", c.LR)
	case !(c.Momentum >= 0) || math.IsInf(c.Momentum, 0):
		return fmt.Errorf("momentum %v: want a finite number >= 0", c.Momentum)
	case c.Nesterov && (c.Optimizer != "sgd" || c.Momentum == 0):
		return fmt.Errorf("nesterov needs the sgd optimizer with momentum > 0 (have %s, momentum %v)", c.Optimizer, c.Momentum)
	case !(c.WeightDecay >= 0) || math.IsInf(c.WeightDecay, 0):
		return fmt.Errorf("weight decay %v: want a finite number >= 0", c.WeightDecay)
	case c.BatchSize <= 0 || c.BatchSize > MaxBatchSize:
		return fmt.Errorf("batch size %d: want a number of examples per step from 1 to %d", c.BatchSize, MaxBatchSize)
	case c.Epochs <= 0 || c.Epochs > MaxEpochs:
		return fmt.Errorf("epochs %d: want from 1 to %d", c.Epochs, MaxEpochs)
	}
	if err := c.validateModel(); err != nil {
		return err
	}
	if err := c.validateValidation(); err != nil {
		return err
	}
	return c.validateData()
}

// Title is the plot title the tutorial uses, "Optimizer-SGD lr-0.001
// mt-0.5 bs-16" (momentum only for SGD).
func (c Config) Title() string {
	return lossplot.Title(c.optimizerName(), c.LR, c.Momentum, c.BatchSize)
}

// optimizerName is torch's class name of the optimizer.
func (c Config) optimizerName() string {
	switch c.Optimizer {
	case "adam":
		return "Adam"
	case "adamw":
		return "AdamW"
	}
	return "SGD"
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
