package train

import (
	"bytes"
	"context"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/vecgrad/vecgrad/train/safetensors"
)

func TestEarlyStopLogic(t *testing.T) {
	e := newEarlyStop(2, []EpochResult{{Epoch: 1, ValLoss: 1}, {Epoch: 2, ValLoss: 0.5}, {Epoch: 3, ValLoss: 0.5}})
	if e.bestEpoch != 2 || e.since != 1 || e.stop() {
		t.Fatalf("after 1, 0.5, 0.5: %+v", e)
	}
	if e.observe(EpochResult{Epoch: 4, ValLoss: 0.7}) || !e.stop() {
		t.Errorf("after 0.7: %+v, want stop", e)
	}
	if !e.observe(EpochResult{Epoch: 5, ValLoss: 0.4}) || e.stop() || e.bestEpoch != 5 {
		t.Errorf("after 0.4: %+v", e)
	}
	if newEarlyStop(0, []EpochResult{{Epoch: 1, ValLoss: 1}, {Epoch: 2, ValLoss: 2}}).stop() {
		t.Error("patience 0 stopped")
	}
}

// TestValidationAndEarlyStopping: the validation split is logged every
// epoch, early stopping stops patience epochs after the best one and keeps
// that epoch's checkpoint, and a resume of the stopped run stops at once.
func TestValidationAndEarlyStopping(t *testing.T) {
	dir := t.TempDir()
	sets := synthetic(t, dir, 60, 16)
	cfg := tinyConfig()
	cfg.LR, cfg.Epochs, cfg.ValSplit, cfg.EarlyStopping = 0.5, 12, 0.2, 2
	out := filepath.Join(dir, "out")
	var log bytes.Buffer
	res, err := Run(context.Background(), cfg, sets, Options{OutDir: out, Log: &log})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Count(log.String(), "Validation: \n Accuracy: ") != len(res.Epochs) {
		t.Errorf("validation lines: %d for %d epochs", strings.Count(log.String(), "Validation:"), len(res.Epochs))
	}
	for _, r := range res.Epochs {
		if !(r.ValLoss >= 0) || r.ValAccuracy == 0 {
			t.Errorf("epoch %d: validation loss %v", r.Epoch, r.ValLoss)
		}
	}
	if !res.StoppedEarly || len(res.Epochs)-res.BestEpoch != 2 || !strings.Contains(log.String(), "Early stopping after epoch") {
		t.Fatalf("stopped early %v after %d epochs, best %d; log:\n%s", res.StoppedEarly, len(res.Epochs), res.BestEpoch, log.String())
	}
	md, err := safetensors.ReadMetadata(filepath.Join(out, BestCheckpointFile))
	if err != nil {
		t.Fatal(err)
	}
	if md["epoch"] != strconv.Itoa(res.BestEpoch) {
		t.Errorf("best checkpoint is of epoch %s, want %d", md["epoch"], res.BestEpoch)
	}
	if s := res.Summary(); s.BestEpoch != res.BestEpoch || !s.StoppedEarly || s.ValLoss != res.Epochs[len(res.Epochs)-1].ValLoss {
		t.Errorf("summary %+v", s)
	}
	log.Reset()
	again, err := Run(context.Background(), cfg, sets, Options{OutDir: out, Resume: true, Log: &log})
	if err != nil {
		t.Fatal(err)
	}
	if !again.StoppedEarly || len(again.Epochs) != len(res.Epochs) || strings.Contains(log.String(), "loss: ") {
		t.Errorf("resume of a stopped run: %v, %d epochs; log:\n%s", again.StoppedEarly, len(again.Epochs), log.String())
	}
	// Another split is refused on resume: it changes the training set (the
	// data check comes first), and the settings differ.
	cfg.ValSplit = 0.3
	if _, err := Run(context.Background(), cfg, sets, Options{OutDir: out, Resume: true}); err == nil || !strings.Contains(err.Error(), "other data") {
		t.Errorf("resume with another split: %v", err)
	}
	if _, err := Run(context.Background(), cfg, sets, Options{OutDir: out, Resume: true, DataChanged: true}); err == nil || !strings.Contains(err.Error(), "val-split 0.2 (this run: 0.3)") {
		t.Errorf("resume with another split: %v", err)
	}
}
