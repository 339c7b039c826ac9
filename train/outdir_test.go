package train

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/vecgrad/vecgrad/train/safetensors"
)

// A new run never replaces a checkpoint silently (item 6 of issue 22).
func TestRefuseOverwrite(t *testing.T) {
	cfg := tinyConfig()
	sets, dir, orig := hostileSetup(t, cfg)
	out := filepath.Join(dir, "out")
	cfg.Epochs = 1
	_, err := Run(context.Background(), cfg, sets, Options{OutDir: out})
	mustSay(t, err, "already holds a checkpoint; continue that run with --resume, or replace it with --overwrite")
	if b, _ := os.ReadFile(filepath.Join(out, CheckpointFile)); string(b) != string(orig) {
		t.Error("the refused run changed the checkpoint")
	}
	// Runs that write no checkpoint, and Overwrite, go ahead.
	if _, err := Run(context.Background(), cfg, sets, Options{OutDir: out, NoCheckpoint: true}); err != nil {
		t.Errorf("NoCheckpoint: %v", err)
	}
	cfg.Seed++
	if _, err := Run(context.Background(), cfg, sets, Options{OutDir: out, Overwrite: true}); err != nil {
		t.Fatalf("Overwrite: %v", err)
	}
	if c, err := ReadCheckpointConfig(filepath.Join(out, CheckpointFile)); err != nil || c.Seed != cfg.Seed {
		t.Errorf("after Overwrite the checkpoint has seed %d (%v), want %d", c.Seed, err, cfg.Seed)
	}
}

// Temporaries of killed writes are removed at start; nothing else is
// (item 7).
func TestStaleTemporariesRemoved(t *testing.T) {
	dir := t.TempDir()
	sets := synthetic(t, dir, 16, 16)
	out := filepath.Join(dir, "out")
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	stale := []string{".checkpoint.safetensors.tmp-123456", ".model.safetensors.tmp-7", ".loss.csv.tmp-1", ".loss.png.tmp-99"}
	kept := []string{".checkpoint.safetensors.tmp-", ".checkpoint.safetensors.tmp-12a", ".other.tmp-1", "checkpoint.safetensors.tmp-1", "notes.txt"}
	for _, n := range append(slices.Clone(stale), kept...) {
		if err := os.WriteFile(filepath.Join(out, n), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cfg := tinyConfig()
	cfg.Epochs = 1
	if _, err := Run(context.Background(), cfg, sets, Options{OutDir: out}); err != nil {
		t.Fatal(err)
	}
	ents, err := os.ReadDir(out)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range ents {
		got = append(got, e.Name())
	}
	want := append(slices.Clone(kept), CheckpointFile, ModelFile, CSVFile, PlotFile)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("the directory holds %q, want %q", got, want)
	}
}

// The checkpoint is written first: when it cannot be, the CSV and the plot
// are not written either, so they never run ahead of it (item 8).
func TestOutputsInStep(t *testing.T) {
	dir := t.TempDir()
	sets := synthetic(t, dir, 16, 16)
	out := filepath.Join(dir, "out")
	// A directory where the checkpoint goes: atomicfile refuses to replace
	// it, as a full disk would refuse the write.
	if err := os.MkdirAll(filepath.Join(out, CheckpointFile), 0o755); err != nil {
		t.Fatal(err)
	}
	cfg := tinyConfig()
	cfg.Epochs = 1
	_, err := Run(context.Background(), cfg, sets, Options{OutDir: out, Overwrite: true})
	if err == nil || !strings.Contains(err.Error(), CheckpointFile) {
		t.Fatalf("error %v, want the checkpoint's", err)
	}
	for _, f := range []string{CSVFile, PlotFile} {
		if _, err := os.Stat(filepath.Join(out, f)); err == nil {
			t.Errorf("%s was written although the checkpoint was not", f)
		}
	}
}

// A resume on other data is refused unless the change is said to be
// intended; a checkpoint that predates the record is accepted with a note
// (item 5).
func TestResumeOtherData(t *testing.T) {
	cfg := tinyConfig()
	sets, dir, b := hostileSetup(t, cfg)
	otherDir := filepath.Join(dir, "other")
	if err := os.Mkdir(otherDir, 0o755); err != nil {
		t.Fatal(err)
	}
	other := synthetic(t, otherDir, 32, 8) // the same training split, another test split
	out := filepath.Join(dir, "out")
	cfg.Epochs = 2
	_, err := Run(context.Background(), cfg, other, Options{OutDir: out, Resume: true})
	mustSay(t, err, "it was trained on other data")
	mustSay(t, err, `"test":{"examples":16`)
	mustSay(t, err, "(--data-changed)")
	var log strings.Builder
	if _, err := Run(context.Background(), cfg, other, Options{OutDir: out, Resume: true, DataChanged: true, Log: &log}); err != nil {
		t.Fatalf("DataChanged: %v", err)
	}
	if !strings.Contains(log.String(), "was trained on other data") {
		t.Errorf("no note about the data:\n%s", log.String())
	}

	// Without the record, as checkpoints before it: a note, and it resumes.
	noID := edited(t, b, func(f *safetensors.File) { delete(f.Metadata, "data") })
	log2, err := resumeFrom(t, dir, "noid", sets, tinyConfig(), noID)
	if err != nil || !strings.Contains(log2, "does not record which data") {
		t.Errorf("checkpoint without a data identity: %v\n%s", err, log2)
	}
}

// Sizes near the int range neither wrap nor allocate by them (item 11):
// the batch size and the epochs are bounded by Validate, and a loss-log
// interval of MaxInt logs the first batch of each epoch.
func TestHugeSizes(t *testing.T) {
	for _, c := range []struct {
		edit func(*Config)
		want string
	}{
		{func(c *Config) { c.BatchSize = math.MaxInt }, "batch size 9223372036854775807: want a number of examples per step from 1 to 1073741824"},
		{func(c *Config) { c.BatchSize = MaxBatchSize + 1 }, "from 1 to 1073741824"},
		{func(c *Config) { c.Epochs = math.MaxInt }, "epochs 9223372036854775807: want from 1 to 1048576"},
	} {
		cfg := tinyConfig()
		c.edit(&cfg)
		mustSay(t, cfg.Validate(), c.want)
	}
	dir := t.TempDir()
	sets := synthetic(t, dir, 32, 16)
	cfg := tinyConfig()
	cfg.Epochs, cfg.BatchSize = 2, MaxBatchSize
	if _, err := Run(context.Background(), cfg, sets, Options{LogEvery: math.MaxInt}); err == nil || !strings.Contains(err.Error(), "larger than the training set (32 examples)") {
		t.Errorf("batch size %d on 32 examples: %v, want an error naming the training set's size", MaxBatchSize, err)
	}
	cfg.BatchSize = 32 // one batch of all 32 examples
	res, err := Run(context.Background(), cfg, sets, Options{LogEvery: math.MaxInt})
	if err != nil {
		t.Fatal(err)
	}
	if res.Steps != 2 || res.Samples != 64 || res.Log.Len() != 2 {
		t.Errorf("%d steps, %d samples, %d log points; want 2, 64, 2", res.Steps, res.Samples, res.Log.Len())
	}
}
