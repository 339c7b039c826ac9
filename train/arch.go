package train

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/vecgrad/vecgrad/tensor"
	"github.com/vecgrad/vecgrad/train/data"
	"github.com/vecgrad/vecgrad/train/nn"
)

// Activations are the values Config.Activation accepts ("" means "relu").
var Activations = []string{"relu", "tanh", "gelu"}

// MaxWidth is the largest layer width Config.Hidden accepts, and MaxLayers
// the most hidden layers: far beyond what a CPU trains, and small enough
// that a weight matrix's element count stays far below MaxInt32.
const (
	MaxWidth  = 1 << 16
	MaxLayers = 64
)

// MaxInputs is the most input features a model takes (a 4096x4096 image).
const MaxInputs = 1 << 24

// MaxParameters is the most parameters a model may have: 2^28, 1 GiB of
// float32 (the tutorial's has 669,706). A checkpoint's settings are
// checked against it before any model is built, so a hostile one cannot
// make a loader allocate without bound.
const MaxParameters = 1 << 28

// defaultHidden is the tutorial's hidden widths (Config.Hidden nil).
var defaultHidden = []int{Hidden, Hidden}

// dropoutStream is the generator stream of the dropout masks: independent
// of the initial weights' (the default stream) and the loader's order.
const dropoutStream = 0x64726f70 // "drop"

// hidden returns the hidden widths, the tutorial's when c.Hidden is "".
// Validate has checked c.Hidden; a bad one here gives the tutorial's too.
func (c Config) hidden() []int {
	w, err := ParseWidths(c.Hidden)
	if c.Hidden == "" || err != nil {
		return defaultHidden
	}
	return w
}

// activation returns the activation's name, "relu" when c.Activation is "".
func (c Config) activation() string {
	if c.Activation == "" {
		return "relu"
	}
	return c.Activation
}

// inputs and classes are the model's first and last widths: the data's
// feature and class counts, MNIST's (784 and 10) when the fields are 0.
func (c Config) inputs() int  { return cmp0(c.Inputs, data.Features) }
func (c Config) classes() int { return cmp0(c.Classes, data.NumClasses) }

func cmp0(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

// Widths returns the model's layer widths, inputs first and classes last
// (784, 512, 512, 10 for the tutorial's).
func (c Config) Widths() []int {
	return slices.Concat([]int{c.inputs()}, c.hidden(), []int{c.classes()})
}

// Architecture describes the model as "784-512-512-10 relu" (with ",
// dropout 0.1" when it has dropout).
func (c Config) Architecture() string {
	s := FormatWidths(c.Widths()) + " " + c.activation()
	if c.Dropout > 0 {
		s += fmt.Sprintf(", dropout %v", c.Dropout)
	}
	return s
}

// FormatWidths writes widths as "784-512-10".
func FormatWidths(w []int) string {
	s := make([]string, len(w))
	for i, v := range w {
		s[i] = strconv.Itoa(v)
	}
	return strings.Join(s, "-")
}

// validateModel checks the architecture settings.
func (c Config) validateModel() error {
	if c.Hidden != "" {
		if _, err := ParseWidths(c.Hidden); err != nil {
			return fmt.Errorf("hidden layers %v", err)
		}
	}
	switch {
	case c.Activation != "" && !contains(Activations, c.Activation):
		return fmt.Errorf("activation %q is unknown (accepted: %s)", c.Activation, strings.Join(Activations, ", "))
	case !(c.Dropout >= 0 && c.Dropout < 1):
		return fmt.Errorf("dropout %v: want a probability in [0, 1)", c.Dropout)
	case c.Inputs < 0 || c.Inputs > MaxInputs:
		return fmt.Errorf("inputs %d: want 1 to %d features (0: MNIST's 784)", c.Inputs, MaxInputs)
	case c.Classes < 0 || c.Classes > MaxWidth:
		return fmt.Errorf("classes %d: want 2 to %d (0: MNIST's 10)", c.Classes, MaxWidth)
	case c.Classes == 1:
		return fmt.Errorf("classes 1: want at least 2 classes")
	}
	if n := c.Parameters(); n > MaxParameters {
		return fmt.Errorf("the model %s has %d parameters: want at most %d", c.Architecture(), n, MaxParameters)
	}
	return nil
}

// Parameters returns the number of parameters of c's model (weights and
// biases), computed in int64 (widths are checked to be in range first).
func (c Config) Parameters() int64 {
	w := c.Widths()
	var n int64
	for i := 0; i+1 < len(w); i++ {
		n += int64(w[i])*int64(w[i+1]) + int64(w[i+1])
	}
	return n
}

// modelDiff lists the architecture settings (and the validation split,
// which changes the training set) in which ckpt differs from
// run, as settingsDiff does for the others.
func modelDiff(ckpt, run Config) []string {
	var d []string
	if a, b := FormatWidths(ckpt.Widths()), FormatWidths(run.Widths()); a != b {
		d = append(d, fmt.Sprintf("layers %s (this run: %s)", a, b))
	}
	if a, b := ckpt.activation(), run.activation(); a != b {
		d = append(d, fmt.Sprintf("activation %s (this run: %s)", a, b))
	}
	if ckpt.Dropout != run.Dropout {
		d = append(d, fmt.Sprintf("dropout %v (this run: %v)", ckpt.Dropout, run.Dropout))
	}
	if ckpt.ValSplit != run.ValSplit {
		d = append(d, fmt.Sprintf("val-split %v (this run: %v)", ckpt.ValSplit, run.ValSplit))
	}
	return d
}

// model is a run's network with the generator of its dropout masks (nil
// without dropout), which Run reseeds every epoch (see reseed) so that a
// resumed run draws the masks an uninterrupted one draws.
type model struct {
	*nn.Sequential
	dropout *tensor.Generator
}

// newModel builds c's MLP: Linear layers of c.Widths() with c's activation
// between each two, each activation followed by Dropout when c.Dropout >
// 0, initialized from c.Seed as MLP initializes its layers (for ReLU
// without dropout it is MLP(c.Seed, c.Widths()...), so that the tutorial's
// model is NewMLP's bit for bit). Its parameter names are the Sequential's
// indices, as torch's nn.Sequential of the same modules names them.
func newModel(c Config) model {
	var m model
	if c.Dropout > 0 {
		m.dropout = tensor.NewGeneratorStream(c.Seed, dropoutStream)
	}
	m.Sequential = stack(c.Seed, c.Widths(), c.activation(), c.Dropout, m.dropout)
	return m
}

// reseed sets the dropout masks' generator to epoch's own stream state, so
// that the masks of an epoch depend on the seed and the epoch alone.
func (m model) reseed(seed uint64, epoch int) {
	if m.dropout != nil {
		*m.dropout = *tensor.NewGeneratorStream(seed^uint64(epoch)*0x9e3779b97f4a7c15, dropoutStream)
	}
}

func activationModule(name string) nn.Module {
	switch name {
	case "tanh":
		return nn.Tanh{}
	case "gelu":
		return nn.GELU{}
	}
	return nn.ReLU{}
}

// ParseWidths reads a comma-separated list of layer widths ("1024,512,256"):
// 1 to MaxLayers numbers from 1 to MaxWidth.
func ParseWidths(s string) ([]int, error) {
	var w []int
	for _, f := range strings.Split(s, ",") {
		v, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || v < 1 || v > MaxWidth {
			return nil, fmt.Errorf("%q: want comma-separated widths from 1 to %d, such as 1024,512,256", s, MaxWidth)
		}
		w = append(w, v)
	}
	if len(w) > MaxLayers {
		return nil, fmt.Errorf("%q: %d layers, want at most %d", s, len(w), MaxLayers)
	}
	return w, nil
}
