package main

import (
	"fmt"

	"github.com/vecgrad/vecgrad/train"
)

// valFlags hold out a validation split and stop on its loss.
type valFlags struct {
	split    float64
	patience int
}

func (v *valFlags) register(fs *flagSet) {
	fs.Float64Var(&v.split, "val-split", 0, "fraction of the training set held out for validation (drawn from -seed; 0: none), evaluated and logged every epoch")
	fs.IntVar(&v.patience, "early-stopping", 0, "stop after this many epochs without a lower validation loss, keeping the best epoch's checkpoint in -out/"+
		train.BestCheckpointFile+" (0: never; needs -val-split)")
}

// apply checks the flags and sets cfg's validation settings.
func (v *valFlags) apply(cfg *train.Config) error {
	switch {
	case !(v.split >= 0 && v.split < 1):
		return fmt.Errorf("-val-split %v: want a fraction of the training set in [0, 1), such as 0.1", v.split)
	case v.patience < 0 || v.patience > train.MaxEpochs:
		return fmt.Errorf("-early-stopping %d: want 0 (never) to %d epochs without improvement", v.patience, train.MaxEpochs)
	case v.patience > 0 && v.split == 0:
		return fmt.Errorf("-early-stopping %d watches the validation loss: give -val-split too, such as -val-split 0.1", v.patience)
	}
	cfg.ValSplit, cfg.EarlyStopping = v.split, v.patience
	return nil
}
