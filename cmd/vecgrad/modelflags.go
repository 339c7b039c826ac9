package main

import (
	"fmt"
	"strings"

	"github.com/vecgrad/vecgrad/train"
)

// modelFlags choose the MLP that `vecgrad train` trains.
type modelFlags struct {
	hidden, activation string
	dropout            float64
}

func (m *modelFlags) register(fs *flagSet) {
	fs.StringVar(&m.hidden, "hidden", "512,512", "widths of the hidden layers, comma-separated, from the input side (the tutorial's 512,512)")
	fs.StringVar(&m.activation, "activation", "relu", "activation after every hidden layer: "+strings.Join(train.Activations, ", "))
	fs.Float64Var(&m.dropout, "dropout", 0, "probability of zeroing a hidden activation in training (a Dropout after each activation; 0: none)")
}

// apply checks the flags and sets cfg's model. The tutorial's settings
// are left as Config's zero values, which mean them.
func (m *modelFlags) apply(cfg *train.Config) error {
	w, err := train.ParseWidths(m.hidden)
	if err != nil {
		return fmt.Errorf("-hidden %v", err)
	}
	if !contains(train.Activations, m.activation) {
		return fmt.Errorf("-activation %q is unknown (accepted: %s)", m.activation, strings.Join(train.Activations, ", "))
	}
	if !(m.dropout >= 0 && m.dropout < 1) {
		return fmt.Errorf("-dropout %v: want a probability in [0, 1)", m.dropout)
	}
	cfg.Hidden, cfg.Activation, cfg.Dropout = strings.ReplaceAll(train.FormatWidths(w), "-", ","), m.activation, m.dropout
	if cfg.Hidden == "512,512" {
		cfg.Hidden = ""
	}
	if cfg.Activation == "relu" {
		cfg.Activation = ""
	}
	return nil
}
