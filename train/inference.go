package train

import (
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"strings"

	"github.com/vecgrad/vecgrad/loss"
	"github.com/vecgrad/vecgrad/tensor"
	"github.com/vecgrad/vecgrad/train/data"
	"github.com/vecgrad/vecgrad/train/nn"
	"github.com/vecgrad/vecgrad/train/safetensors"
)

// LoadModel reads the model of a training checkpoint (not its optimizer
// state) and the settings it was trained with, which describe its
// architecture and its inputs (see Config.Input): all that evaluation and
// prediction need. Every parameter must be there with its shape and
// finite values (the file's checksums, when it has them, are verified).
// Errors name the file.
func LoadModel(path string) (*nn.Sequential, Config, error) {
	md, err := safetensors.ReadMetadata(path)
	if err != nil {
		return nil, Config{}, fmt.Errorf("train: %w", err)
	}
	cfg, err := checkpointConfig(path, md)
	if err != nil {
		return nil, Config{}, err
	}
	if cfg.format() != "idx" && cfg.Input == nil {
		return nil, Config{}, checkpointError(path, "its %s settings lack the input description (config \"input\")", cfg.format())
	}
	m := newModel(cfg)
	params := m.Parameters()
	f, err := safetensors.ReadFileMax(path, checkpointMaxBytes(params))
	if err != nil {
		return nil, Config{}, fmt.Errorf("train: %w", err)
	}
	for _, p := range params {
		t, ok := f.Get(p.Name)
		if !ok {
			return nil, Config{}, checkpointError(path, "tensor %q of the model %s is missing", p.Name, cfg.Architecture())
		}
		if !slices.Equal(t.Shape, p.Tensor.Shape()) {
			return nil, Config{}, checkpointError(path, "tensor %q has shape %v, the model %s wants %v", p.Name, t.Shape, cfg.Architecture(), p.Tensor.Shape())
		}
		for i, v := range t.Data {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return nil, Config{}, checkpointError(path, "tensor %q element %d is %v (want finite values)", p.Name, i, v)
			}
		}
		copy(p.Tensor.Storage(), t.Data)
	}
	m.Train(false)
	return m.Sequential, cfg, nil
}

// LoadSplitFor reads the training (train) or test split of the data
// directory dir as a model trained with cfg reads it: in cfg's format,
// with cfg's label column, standardisation and columns (CSV) or example
// shape (NPY), and labels below cfg's class count. Errors name the file.
func LoadSplitFor(dir string, cfg Config, train bool) (data.Source, error) {
	if cfg.format() == "idx" {
		d, err := data.LoadIDX(dir, train)
		if err != nil {
			return nil, err
		}
		if d.Features() != cfg.inputs() {
			return nil, fmt.Errorf("data: %s: images of %dx%d = %d pixels, but the model takes %d inputs", dir, d.Rows, d.Cols, d.Features(), cfg.inputs())
		}
		if d.Classes > cfg.classes() {
			return nil, fmt.Errorf("data: %s: labels up to %d, but the model has %d classes (0 to %d)", dir, d.Classes-1, cfg.classes(), cfg.classes()-1)
		}
		d.Classes = cfg.Classes // 0 stays MNIST's ten
		return d, nil
	}
	r, err := readRaw(dir, cfg, train)
	if err != nil {
		return nil, err
	}
	if err := r.matches(cfg); err != nil {
		return nil, err
	}
	if r.classes > cfg.classes() {
		return nil, fmt.Errorf("data: %s: labels up to %d, but the model has %d classes (0 to %d)", r.file, r.classes-1, cfg.classes(), cfg.classes()-1)
	}
	return r.dataset(cfg)
}

// matches checks that a split's features are those the model was
// trained on.
func (r *rawSplit) matches(cfg Config) error {
	want := rawSplit{spec: InputSpec{Columns: cfg.Input.Columns, Shape: cfg.Input.Shape}}
	if !slices.Equal(r.spec.Columns, want.spec.Columns) || !slices.Equal(r.spec.Shape, want.spec.Shape) {
		return fmt.Errorf("data: %s: features %s, but the model was trained on %s (accepted: those, in that order)", r.file, r.describe(), want.describe())
	}
	return nil
}

// ReadInputs reads the features of examples to predict, for a model
// trained with cfg: a .csv file with a header row naming the training
// columns in their order, without the label (or, for a model trained on
// IDX or NPY data, any names, one column per input), or a .npy file of
// shape [N, ...] with the training examples' shape after N (or any shape
// of cfg's input count for IDX models, whose inputs are pixels scaled to
// [0, 1]). The features are standardised as in training. Errors name the
// file and say what is accepted.
func ReadInputs(path string, cfg Config) (*tensor.Tensor, error) {
	var x *tensor.Tensor
	var spec InputSpec
	switch strings.ToLower(filepath.Ext(path)) {
	case ".csv":
		t, err := data.ReadCSV(path, data.CSVOptions{})
		if err != nil {
			return nil, err
		}
		if cfg.LabelColumn != "" && slices.Contains(t.Columns, cfg.LabelColumn) {
			return nil, fmt.Errorf("data: %s: it has the label column %q (accepted: the features alone, columns %s)", path, cfg.LabelColumn, quoteList(cfg.Input.Columns))
		}
		x, spec.Columns = t.X, t.Columns
	case ".npy":
		t, err := data.ReadNPY(path)
		if err != nil {
			return nil, err
		}
		if t.Dim() < 2 || t.Size(0) == 0 {
			return nil, fmt.Errorf("data: %s: shape %v (accepted: [N, ...], N >= 1 examples)", path, t.Shape())
		}
		x, spec.Shape = t, t.Shape()[1:]
	default:
		return nil, fmt.Errorf("data: %s: not a .csv or .npy file (accepted: a CSV with a header row, or a NumPy .npy array)", path)
	}
	n := x.Size(0)
	if f := x.Numel() / n; f != cfg.inputs() {
		return nil, fmt.Errorf("data: %s: %d features per example, but the model takes %d", path, f, cfg.inputs())
	}
	if cfg.Input != nil {
		r := rawSplit{file: path, spec: spec}
		if cfg.Input.Columns != nil && spec.Columns != nil || cfg.Input.Shape != nil && spec.Shape != nil {
			if err := r.matches(cfg); err != nil {
				return nil, err
			}
		} else {
			return nil, fmt.Errorf("data: %s: the model was trained on %s data (accepted: a .%s file)", path, cfg.format(), cfg.format())
		}
	}
	return tensor.New(standardise(x.Data(), cfg.Input), n, cfg.inputs()), nil
}

// Evaluation is a model's result on a labelled set.
type Evaluation struct {
	Examples int
	// Accuracy is the fraction classified right; AvgLoss the mean over the
	// batches of their mean cross-entropy (the tutorial's test loss, which
	// Run reports: the same batch size gives the same numbers).
	Accuracy, AvgLoss float64
	// Confusion[t][p] counts the examples of class t predicted as p.
	Confusion [][]int
}

// Evaluate runs model over src in batches of batchSize, in evaluation
// mode, and counts the confusion matrix of classes classes.
func Evaluate(model nn.Module, src data.Source, batchSize, classes int) (Evaluation, error) {
	loader, err := data.NewLoader(src, data.LoaderOptions{BatchSize: batchSize})
	if err != nil {
		return Evaluation{}, err
	}
	ev := Evaluation{Confusion: make([][]int, classes)}
	for i := range ev.Confusion {
		ev.Confusion[i] = make([]int, classes)
	}
	model.Train(false)
	defer model.Train(true)
	ar := tensor.NewArena()
	var sum float64
	var correct, batches int
	tensor.NoGrad(func() {
		for b := range loader.Epoch(0) {
			ar.Reset()
			logits := model.Forward(b.Input(ar))
			l, lerr := loss.CrossEntropy(logits, b.Target(ar), loss.CrossEntropyOptions{})
			if lerr != nil {
				err = fmt.Errorf("train: cross-entropy on a batch of %d: %w", b.Size, lerr)
				return
			}
			sum += float64(l.Item())
			for i, p := range logits.ArgMaxDim(1, false).Storage() {
				t := b.Labels[i]
				ev.Confusion[t][int(p)]++
				if t == int(p) {
					correct++
				}
			}
			ev.Examples += b.Size
			batches++
		}
	})
	if err != nil {
		return Evaluation{}, err
	}
	ev.Accuracy, ev.AvgLoss = float64(correct)/float64(ev.Examples), sum/float64(batches)
	return ev, nil
}

// Predict returns the class probabilities (softmax of the logits) of
// every row of x [N, inputs], computed in batches of batchSize, in
// evaluation mode: [N][classes].
func Predict(model nn.Module, x *tensor.Tensor, batchSize int) [][]float32 {
	model.Train(false)
	defer model.Train(true)
	n, f := x.Size(0), x.Size(1)
	v := x.Data()
	out := make([][]float32, 0, n)
	tensor.NoGrad(func() {
		for lo := 0; lo < n; lo += batchSize {
			hi := min(lo+batchSize, n)
			p := model.Forward(tensor.New(v[lo*f:hi*f], hi-lo, f)).Softmax(1)
			k := p.Size(1)
			ps := p.Contiguous().Data()
			for i := range hi - lo {
				out = append(out, ps[i*k:(i+1)*k])
			}
		}
	})
	return out
}
