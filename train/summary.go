package train

import (
	"encoding/json"
	"io"
	"runtime"

	"github.com/vecgrad/vecgrad/kernels"
)

// Summary is a run's machine-readable result (the CLI's --summary-json).
type Summary struct {
	Config Config `json:"config"`
	// SamplesPerSecond is the training loop's throughput in this process
	// (optimizer steps only: not evaluation, loading or file writing).
	SamplesPerSecond float64 `json:"samples_per_second"`
	TrainSeconds     float64 `json:"train_seconds"`
	TrainSamples     int64   `json:"train_samples"`
	// EpochsDone counts completed epochs (including those before a resume);
	// ResumedEpochs those the checkpoint had.
	EpochsDone    int `json:"epochs_done"`
	ResumedEpochs int `json:"resumed_epochs"`
	// TestAccuracy and TestLoss are the last epoch's test results (0
	// without a completed epoch).
	TestAccuracy float64       `json:"test_accuracy"`
	TestLoss     float64       `json:"test_loss"`
	TestResults  []EpochResult `json:"test_results"`
	// ValAccuracy and ValLoss are the last epoch's validation results,
	// BestEpoch the epoch of the lowest validation loss (0 without a
	// validation split), StoppedEarly whether early stopping ended the run.
	ValAccuracy  float64     `json:"val_accuracy,omitempty"`
	ValLoss      float64     `json:"val_loss,omitempty"`
	BestEpoch    int         `json:"best_epoch,omitempty"`
	StoppedEarly bool        `json:"stopped_early,omitempty"`
	Diverged     *Divergence `json:"diverged,omitempty"`
	ISA          string      `json:"isa"`
	Threads      int         `json:"threads"`
	GOARCH       string      `json:"goarch"`
	GoVersion    string      `json:"go_version"`
	Files        []string    `json:"files,omitempty"`
}

// Summary returns r's summary, with the kernels' current ISA and threads.
func (r *Result) Summary() Summary {
	s := Summary{
		Config:           r.Config,
		SamplesPerSecond: r.SamplesPerSecond(),
		TrainSeconds:     r.TrainTime.Seconds(),
		TrainSamples:     r.TrainSamples,
		EpochsDone:       len(r.Epochs),
		ResumedEpochs:    r.ResumedEpochs,
		TestResults:      r.Epochs,
		ISA:              kernels.ISA(),
		Threads:          kernels.Threads(),
		GOARCH:           runtime.GOARCH,
		GoVersion:        runtime.Version(),
		Files:            r.Files,
		BestEpoch:        r.BestEpoch,
		StoppedEarly:     r.StoppedEarly,
	}
	if s.Diverged = r.Diverged; s.Diverged != nil {
		// JSON has no NaN or Inf: the loss is spelled in the message.
		d := *s.Diverged
		d.Loss = 0
		s.Diverged = &d
	}
	if n := len(r.Epochs); n > 0 {
		s.TestAccuracy, s.TestLoss = r.Epochs[n-1].Accuracy, r.Epochs[n-1].AvgLoss
		s.ValAccuracy, s.ValLoss = r.Epochs[n-1].ValAccuracy, r.Epochs[n-1].ValLoss
	}
	return s
}

// WriteJSON writes the summary as indented JSON.
func (s Summary) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(s)
}

// WriteSummaryFile writes the summary to path atomically.
func (s Summary) WriteSummaryFile(path string) error {
	return writeAtomic(path, s.WriteJSON)
}
