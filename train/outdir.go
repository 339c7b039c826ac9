package train

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/vecgrad/vecgrad/optim"
	"github.com/vecgrad/vecgrad/train/nn"
	"github.com/vecgrad/vecgrad/train/safetensors"
)

// prepareOutDir readies opt.OutDir before training: it removes the
// temporaries that killed runs left there, refuses to start a new run over
// an existing checkpoint unless opt.Overwrite says so, and with opt.Resume
// checks that the checkpoint was trained on sets (see checkDataID) and loads
// it into model, o and res (see loadCheckpoint), printing on w where the
// run resumes.
func prepareOutDir(cfg Config, sets Data, opt Options, model *nn.Sequential, o optim.Optimizer, res *Result, w io.Writer) error {
	if opt.OutDir == "" {
		if opt.Resume {
			return errors.New("train: resume needs the output directory that holds the checkpoint")
		}
		return nil
	}
	path := filepath.Join(opt.OutDir, CheckpointFile)
	if !opt.writeNothing { // rank 0 of a distributed run alone writes, and cleans
		removeStaleTemps(opt.OutDir, w)
	}
	if !opt.NoCheckpoint {
		res.dataID = identify(sets)
	}
	if !opt.Resume {
		if opt.NoCheckpoint || opt.Overwrite {
			return nil
		}
		if _, err := os.Lstat(path); err == nil {
			return fmt.Errorf("train: %s already holds a checkpoint; continue that run with --resume, or replace it with --overwrite (or choose another output directory)", opt.OutDir)
		}
		return nil
	}
	// The data first, from the header alone: the clearest message when the
	// data set differs, and nothing large read to give it.
	md, err := safetensors.ReadMetadata(path)
	if err != nil {
		return fmt.Errorf("train: %w", err)
	}
	dataNote, err := checkDataID(path, md, identify(sets), opt.DataChanged)
	if err != nil {
		return err
	}
	note, err := loadCheckpoint(path, cfg, sets.Train.Len(), model, o, res)
	if err != nil {
		return err
	}
	for _, n := range []string{dataNote, note} {
		if n != "" {
			fmt.Fprintln(w, n)
		}
	}
	res.ResumedEpochs = len(res.Epochs)
	fmt.Fprintf(w, "Resuming from %s after epoch %d of %d\n", path, res.ResumedEpochs, cfg.Epochs)
	return nil
}

// removeStaleTemps removes what a run killed while writing one of its
// files leaves: internal/atomicfile's temporaries, named "." + the file's
// name + ".tmp-" + digits. Only that exact pattern, for the files Run
// writes, is touched; a failure to remove one is reported on w and does not
// stop the run (the temporaries cost space, not correctness).
func removeStaleTemps(dir string, w io.Writer) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return // no directory yet, nothing to clean
	}
	for _, e := range ents {
		if !e.Type().IsRegular() || !isOurTemp(e.Name()) {
			continue
		}
		p := filepath.Join(dir, e.Name())
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			fmt.Fprintf(w, "Note: could not remove the stale temporary file %s: %v\n", p, err)
		}
	}
}

// isOurTemp reports whether name is a temporary of one of Run's files:
// os.CreateTemp replaces the "*" of ".checkpoint.safetensors.tmp-*" by
// decimal digits.
func isOurTemp(name string) bool {
	for _, f := range []string{CheckpointFile, ModelFile, CSVFile, PlotFile} {
		digits, ok := strings.CutPrefix(name, "."+f+".tmp-")
		if ok && digits != "" && strings.Trim(digits, "0123456789") == "" {
			return true
		}
	}
	return false
}
