package train

import (
	"bytes"
	"context"
	"encoding/csv"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/vecgrad/vecgrad/kernels"
	"github.com/vecgrad/vecgrad/train/data"
	"github.com/vecgrad/vecgrad/train/nn"
)

func TestRunEndToEnd(t *testing.T) {
	dir := t.TempDir()
	sets := synthetic(t, dir, 160, 32)
	out := filepath.Join(dir, "out")
	var log bytes.Buffer
	cfg := tinyConfig()
	cfg.Epochs = 3
	res, err := Run(context.Background(), cfg, sets, Options{OutDir: out, Log: &log, LogEvery: 2})
	if err != nil {
		t.Fatal(err)
	}
	if res.Diverged != nil {
		t.Fatalf("diverged: %v", res.Diverged)
	}
	// The tutorial's lines, byte for byte.
	lines := regexp.MustCompile(`(?m)^loss: \d\.\d{6}  \[ *\d+/  160\]$`).FindAllString(log.String(), -1)
	if len(lines) != 3*5 { // batches 0, 2, 4, 6, 8 of 10 per epoch
		t.Errorf("%d loss lines, want 15:\n%s", len(lines), log.String())
	}
	if !strings.Contains(log.String(), "loss: ") || !strings.Contains(log.String(), "[   16/  160]") {
		t.Errorf("no first-batch line [   16/  160]:\n%s", log.String())
	}
	if n := len(regexp.MustCompile(`Test Error: \n Accuracy: \d+\.\d%, Avg loss: \d\.\d{6} \n\n`).FindAllString(log.String(), -1)); n != 3 {
		t.Errorf("%d test reports, want 3:\n%s", n, log.String())
	}
	if !strings.HasPrefix(log.String(), "Epoch 1\n-------------------------------\n") || !strings.HasSuffix(log.String(), "Done!\n") {
		t.Errorf("log does not start with the epoch header or end with Done!:\n%s", log.String())
	}
	// The loss decreases and the accuracy beats chance (10%) by far.
	l := res.Log.Loss
	if len(l) != 15 || !(mean(l[len(l)-3:]) < 0.5*mean(l[:2])) {
		t.Errorf("loss log %v does not decrease", l)
	}
	if acc := res.Epochs[len(res.Epochs)-1].Accuracy; acc < 0.5 {
		t.Errorf("final accuracy %v, want well above chance", acc)
	}
	if !slices.IsSorted(res.Log.Samples) || res.Log.Samples[0] != 16 || res.Samples != 3*160 || res.Steps != 30 {
		t.Errorf("samples %v, total %d, steps %d", res.Log.Samples, res.Samples, res.Steps)
	}
	// The files.
	rows := readCSV(t, filepath.Join(out, CSVFile))
	if len(rows) != 16 || rows[0][0] != "samples" || rows[0][1] != "loss" {
		t.Fatalf("CSV: %v", rows)
	}
	for i, r := range rows[1:] {
		if v, _ := strconv.ParseFloat(r[1], 32); float32(v) != res.Log.Loss[i] {
			t.Errorf("CSV row %d: %v, log %v", i, r, res.Log.Loss[i])
		}
	}
	checkPNG(t, filepath.Join(out, PlotFile))
	if _, err := os.Stat(filepath.Join(out, CheckpointFile)); err != nil {
		t.Error(err)
	}
	if res.SamplesPerSecond() <= 0 {
		t.Error("no throughput measured")
	}
}

func mean(v []float32) float64 {
	var s float64
	for _, x := range v {
		s += float64(x)
	}
	return s / float64(len(v))
}

func readCSV(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func checkPNG(t *testing.T, path string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")) {
		t.Errorf("%s is not a PNG", path)
	}
}

func TestResumeBitwise(t *testing.T) {
	dir := t.TempDir()
	sets := synthetic(t, dir, 48, 16)
	for _, opt := range []string{"sgd", "adam"} {
		t.Run(opt, func(t *testing.T) {
			cfg := tinyConfig()
			cfg.Optimizer = opt
			if opt == "adam" {
				cfg.LR, cfg.Momentum = 1e-3, 0
			}
			straight, err := Run(context.Background(), cfg, sets, Options{OutDir: filepath.Join(dir, opt, "a"), LogEvery: 1})
			if err != nil {
				t.Fatal(err)
			}
			half := cfg
			half.Epochs = 1
			outB := filepath.Join(dir, opt, "b")
			if _, err := Run(context.Background(), half, sets, Options{OutDir: outB, LogEvery: 1}); err != nil {
				t.Fatal(err)
			}
			var log bytes.Buffer
			resumed, err := Run(context.Background(), cfg, sets, Options{OutDir: outB, Resume: true, LogEvery: 1, Log: &log})
			if err != nil {
				t.Fatal(err)
			}
			if resumed.ResumedEpochs != 1 || !strings.Contains(log.String(), "Resuming from") || strings.Contains(log.String(), "Epoch 1\n") {
				t.Errorf("resumed after %d epochs; log:\n%s", resumed.ResumedEpochs, log.String())
			}
			sameBits(t, "resumed vs straight", paramBits(straight), paramBits(resumed))
			if !slices.Equal(straight.Log.Loss, resumed.Log.Loss) || !slices.Equal(straight.Log.Samples, resumed.Log.Samples) {
				t.Errorf("loss logs differ:\n%v\n%v", straight.Log, resumed.Log)
			}
			if !slices.Equal(straight.Epochs, resumed.Epochs) || straight.Steps != resumed.Steps || straight.Samples != resumed.Samples {
				t.Errorf("progress differs: %v %d %d vs %v %d %d", straight.Epochs, straight.Steps, straight.Samples,
					resumed.Epochs, resumed.Steps, resumed.Samples)
			}
			a, _ := os.ReadFile(filepath.Join(dir, opt, "a", CSVFile))
			b, _ := os.ReadFile(filepath.Join(outB, CSVFile))
			if !bytes.Equal(a, b) {
				t.Error("CSV files differ")
			}
		})
	}
}

func TestThreadsBitwise(t *testing.T) {
	dir := t.TempDir()
	sets := synthetic(t, dir, 32, 16)
	defer kernels.SetThreads(0)
	var runs []*Result
	for _, n := range []int{1, 2} {
		kernels.SetThreads(n)
		cfg := tinyConfig()
		cfg.Epochs = 1
		r, err := Run(context.Background(), cfg, sets, Options{LogEvery: 1})
		if err != nil {
			t.Fatal(err)
		}
		runs = append(runs, r)
	}
	sameBits(t, "1 vs 2 threads", paramBits(runs[0]), paramBits(runs[1]))
	if !slices.Equal(runs[0].Log.Loss, runs[1].Log.Loss) {
		t.Error("loss logs differ between thread counts")
	}
}

func TestDivergence(t *testing.T) {
	dir := t.TempDir()
	sets := synthetic(t, dir, 160, 16)
	cfg := tinyConfig()
	cfg.LR = 1e6
	cfg.Epochs = 3
	var log bytes.Buffer
	out := filepath.Join(dir, "out")
	res, err := Run(context.Background(), cfg, sets, Options{OutDir: out, Log: &log, LogEvery: 100})
	if err != nil {
		t.Fatal(err)
	}
	d := res.Diverged
	if d == nil {
		t.Fatalf("lr 1e6 did not diverge; log:\n%s", log.String())
	}
	last := float64(res.Log.Loss[len(res.Log.Loss)-1])
	if !math.IsNaN(last) && !math.IsInf(last, 0) {
		t.Errorf("loss log ends with %v, want the non-finite loss", last)
	}
	for _, v := range res.Log.Loss[:len(res.Log.Loss)-1] {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			t.Errorf("non-finite loss before the last point: %v", res.Log.Loss)
		}
	}
	if res.Steps != d.Step+1 || res.Samples != d.Samples || d.Epoch != 1 || len(res.Epochs) != 0 {
		t.Errorf("stopped at steps %d samples %d, divergence %+v, epochs %v", res.Steps, res.Samples, d, res.Epochs)
	}
	if !strings.Contains(log.String(), "diverged: the training loss is") || !strings.Contains(log.String(), "smaller learning rate") {
		t.Errorf("no clear message:\n%s", log.String())
	}
	rows := readCSV(t, filepath.Join(out, CSVFile))
	if got := rows[len(rows)-1][1]; got != "NaN" && got != "+Inf" && got != "-Inf" {
		t.Errorf("CSV ends with %q", got)
	}
	checkPNG(t, filepath.Join(out, PlotFile))
	if _, err := os.Stat(filepath.Join(out, CheckpointFile)); !os.IsNotExist(err) {
		t.Errorf("a diverged first epoch left a checkpoint: %v", err)
	}
}

// TestStepAllocatesNothing: a steady-state training step (forward, loss,
// backward, optimizer) allocates nothing on the Go heap.
func TestStepAllocatesNothing(t *testing.T) {
	dir := t.TempDir()
	sets := synthetic(t, dir, 64, 16)
	for _, name := range Optimizers {
		cfg := tinyConfig()
		cfg.Optimizer = name
		if name != "sgd" {
			cfg.Momentum = 0
		}
		model := NewMLP(1)
		o, err := newOptimizer(cfg, nn.Tensors(model.Parameters()))
		if err != nil {
			t.Fatal(err)
		}
		s := newStepper(model, o)
		loader, err := data.NewLoader(sets.Train, data.LoaderOptions{BatchSize: 8})
		if err != nil {
			t.Fatal(err)
		}
		for b := range loader.Epoch(0) {
			s.step(b)
			if n := testing.AllocsPerRun(3, func() { s.step(b) }); n != 0 {
				t.Errorf("%s: a training step allocates %v times, want 0", name, n)
			}
			break
		}
	}
}

func TestConfigErrors(t *testing.T) {
	for _, tc := range []struct {
		edit func(*Config)
		want string
	}{
		{func(c *Config) { c.BatchSize = 0 }, "batch size 0"},
		{func(c *Config) { c.LR = -1 }, "learning rate -1"},
		{func(c *Config) { c.LR = math.NaN() }, "learning rate NaN"},
		{func(c *Config) { c.Optimizer = "rmsprop" }, `"rmsprop" is unknown (accepted: sgd, adam, adamw)`},
		{func(c *Config) { c.Dataset = "cifar" }, "mnist, fashion-mnist"},
		{func(c *Config) { c.Epochs = 0 }, "epochs 0"},
		{func(c *Config) { c.Momentum = -0.5 }, "momentum -0.5"},
		{func(c *Config) { c.Momentum, c.Nesterov = 0, true }, "nesterov"},
		{func(c *Config) { c.WeightDecay = -1 }, "weight decay -1"},
	} {
		c := DefaultConfig()
		tc.edit(&c)
		err := c.Validate()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("got %v, want an error containing %q", err, tc.want)
		}
	}
	if err := DefaultConfig().Validate(); err != nil {
		t.Error(err)
	}
	if got := DefaultConfig().Title(); got != "Optimizer-SGD lr-0.001 mt-0.5 bs-16" {
		t.Errorf("title %q", got)
	}
}

func TestMLPNames(t *testing.T) {
	var names []string
	for _, p := range NewMLP(1).Parameters() {
		names = append(names, p.Name+fmtShape(p.Tensor.Shape()))
	}
	want := []string{"0.weight[512 784]", "0.bias[512]", "2.weight[512 512]", "2.bias[512]", "4.weight[10 512]", "4.bias[10]"}
	if !slices.Equal(names, want) {
		t.Errorf("parameters %v, want %v", names, want)
	}
}

func fmtShape(s []int) string {
	var b []string
	for _, v := range s {
		b = append(b, strconv.Itoa(v))
	}
	return "[" + strings.Join(b, " ") + "]"
}
