package train

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/vecgrad/vecgrad/train/nn"
)

// TestNewModelDefaultIsTutorial: the zero architecture settings build
// NewMLP's model, bit for bit, and "512,512"/"relu" spelled out are the same.
func TestNewModelDefaultIsTutorial(t *testing.T) {
	want := NewMLP(3)
	for _, c := range []Config{{Seed: 3}, {Seed: 3, Hidden: "512,512", Activation: "relu"}} {
		m := newModel(c)
		if m.dropout != nil || m.String() != want.String() {
			t.Fatalf("%+v: %v, want %v", c, m.Sequential, want)
		}
		a, b := m.Parameters(), want.Parameters()
		for i := range a {
			if a[i].Name != b[i].Name {
				t.Fatalf("parameter %d is %s, want %s", i, a[i].Name, b[i].Name)
			}
			if !slices.Equal(a[i].Tensor.Data(), b[i].Tensor.Data()) {
				t.Fatalf("%s differs from NewMLP's", a[i].Name)
			}
		}
	}
}

// TestNewModelLayers checks the modules, names and shapes of a custom MLP:
// torch's nn.Sequential(Linear(20,8), GELU(), Dropout(0.25), Linear(8,4),
// GELU(), Dropout(0.25), Linear(4,3)) names its parameters 0., 3., 6.
func TestNewModelLayers(t *testing.T) {
	c := Config{Seed: 1, Hidden: "8,4", Activation: "gelu", Dropout: 0.25, Inputs: 20, Classes: 3}
	m := newModel(c)
	for i, want := range []string{"*nn.Linear", "nn.GELU", "*nn.Dropout", "*nn.Linear", "nn.GELU", "*nn.Dropout", "*nn.Linear"} {
		if got := fmt.Sprintf("%T", m.Modules[i]); got != want {
			t.Errorf("module %d is %s, want %s", i, got, want)
		}
	}
	names := map[string][]int{"0.weight": {8, 20}, "0.bias": {8}, "3.weight": {4, 8}, "3.bias": {4}, "6.weight": {3, 4}, "6.bias": {3}}
	ps := m.Parameters()
	if len(ps) != len(names) {
		t.Fatalf("%d parameters, want %d", len(ps), len(names))
	}
	for _, p := range ps {
		if shape, ok := names[p.Name]; !ok || !equalInts(shape, p.Tensor.Shape()) {
			t.Errorf("parameter %s of shape %v, want %v", p.Name, p.Tensor.Shape(), shape)
		}
	}
	if n := c.Parameters(); n != 20*8+8+8*4+4+4*3+3 {
		t.Errorf("Parameters() = %d", n)
	}
	if got := c.Architecture(); got != "20-8-4-3 gelu, dropout 0.25" {
		t.Errorf("Architecture() = %q", got)
	}
	tanh := newModel(Config{Seed: 1, Hidden: "5", Activation: "tanh"})
	if _, ok := tanh.Modules[1].(nn.Tanh); !ok || len(tanh.Modules) != 3 {
		t.Errorf("tanh model %v", tanh.Sequential)
	}
}

func equalInts(a, b []int) bool {
	return FormatWidths(a) == FormatWidths(b)
}

func TestModelConfigErrors(t *testing.T) {
	for _, tc := range []struct {
		c    func(*Config)
		want string
	}{
		{func(c *Config) { c.Hidden = "512,x" }, `hidden layers "512,x": want comma-separated widths from 1 to 65536`},
		{func(c *Config) { c.Hidden = "0" }, "from 1 to 65536"},
		{func(c *Config) { c.Hidden = strings.Repeat("1,", 64) + "1" }, "65 layers, want at most 64"},
		{func(c *Config) { c.Activation = "sigmoid" }, `activation "sigmoid" is unknown (accepted: relu, tanh, gelu)`},
		{func(c *Config) { c.Dropout = 1 }, "dropout 1: want a probability in [0, 1)"},
		{func(c *Config) { c.Classes = 1 }, "classes 1"},
		{func(c *Config) { c.Inputs = -1 }, "inputs -1"},
		{func(c *Config) { c.Hidden = "65536,65536,65536" }, "784-65536-65536-65536-10 relu has 8642166794 parameters: want at most 268435456"},
	} {
		c := DefaultConfig()
		tc.c(&c)
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: error %v, want %q", c, err, tc.want)
		}
	}
}

// TestDropoutResumeBitwise: a run with dropout and GELU (the autograd step)
// resumed after one epoch ends bitwise where the uninterrupted run ends,
// because the masks' generator is reseeded from the epoch; and a resume
// with another architecture is refused.
func TestDropoutResumeBitwise(t *testing.T) {
	dir := t.TempDir()
	sets := synthetic(t, dir, 48, 16)
	cfg := tinyConfig()
	cfg.Hidden, cfg.Activation, cfg.Dropout = "32,16", "gelu", 0.2
	straight, err := Run(context.Background(), cfg, sets, Options{OutDir: filepath.Join(dir, "a"), LogEvery: 1})
	if err != nil {
		t.Fatal(err)
	}
	half := cfg
	half.Epochs = 1
	outB := filepath.Join(dir, "b")
	if _, err := Run(context.Background(), half, sets, Options{OutDir: outB, LogEvery: 1}); err != nil {
		t.Fatal(err)
	}
	other := cfg
	other.Hidden = "32"
	if _, err := Run(context.Background(), other, sets, Options{OutDir: outB, Resume: true}); err == nil ||
		!strings.Contains(err.Error(), "layers 784-32-16-10 (this run: 784-32-10)") {
		t.Errorf("resume with other layers: %v", err)
	}
	resumed, err := Run(context.Background(), cfg, sets, Options{OutDir: outB, Resume: true, LogEvery: 1})
	if err != nil {
		t.Fatal(err)
	}
	sameBits(t, "resumed vs straight", paramBits(straight), paramBits(resumed))
	// Dropout changes the numbers: without it the run ends elsewhere.
	cfg.Dropout = 0
	plain, err := Run(context.Background(), cfg, sets, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if paramBits(plain)[0][0] == paramBits(straight)[0][0] && paramBits(plain)[4][0] == paramBits(straight)[4][0] {
		t.Error("dropout 0.2 and no dropout end at the same parameters")
	}
}
