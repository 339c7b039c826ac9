package train

import (
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/vecgrad/vecgrad/tensor"
	"github.com/vecgrad/vecgrad/train/data"
)

// DataFormats are the values Config.DataFormat accepts ("" means "idx").
var DataFormats = []string{"idx", "csv", "npy"}

// CustomDataset is Config.Dataset for data of a format other than IDX.
const CustomDataset = "custom"

// The files of a data directory in each format (IDX: see data.LoadMNIST).
const (
	TrainCSVFile  = "train.csv"
	TestCSVFile   = "test.csv"
	TrainXNPYFile = "train_x.npy"
	TrainYNPYFile = "train_y.npy"
	TestXNPYFile  = "test_x.npy"
	TestYNPYFile  = "test_y.npy"
)

// MaxClasses is the most classes a data set may have.
const MaxClasses = MaxWidth

// InputSpec describes the inputs of a model trained on CSV or NPY data, so
// that evaluation and prediction read new data as training read its own.
type InputSpec struct {
	// Columns names the CSV feature columns in the training file's order
	// (without the label); nil for NPY data.
	Columns []string `json:"columns,omitempty"`
	// Shape is one example's shape in the NPY file (nil for CSV data).
	Shape []int `json:"shape,omitempty"`
	// Mean and Std standardise every feature: x' = (x - Mean[j]) / Std[j],
	// in float32, with Mean and Std the training split's (population
	// standard deviation; 1 where a feature is constant).
	Mean []float32 `json:"mean"`
	Std  []float32 `json:"std"`
}

// validate checks s against a model of inputs features.
func (s *InputSpec) validate(inputs int) error {
	switch {
	case len(s.Mean) != inputs || len(s.Std) != inputs:
		return fmt.Errorf("input standardisation has %d means and %d deviations for %d inputs", len(s.Mean), len(s.Std), inputs)
	case s.Columns != nil && len(s.Columns) != inputs:
		return fmt.Errorf("input columns %d for %d inputs", len(s.Columns), inputs)
	case s.Shape != nil && product(s.Shape) != inputs:
		return fmt.Errorf("input shape %v for %d inputs", s.Shape, inputs)
	}
	for j := range s.Mean {
		if m, d := float64(s.Mean[j]), float64(s.Std[j]); math.IsNaN(m) || math.IsInf(m, 0) || !(d > 0) || math.IsInf(d, 0) {
			return fmt.Errorf("input %d: mean %v, deviation %v (want finite, and a positive deviation)", j, m, d)
		}
	}
	return nil
}

func product(s []int) int {
	p := 1
	for _, v := range s {
		if v <= 0 || p > MaxInputs {
			return -1
		}
		p *= v
	}
	return p
}

// validateFormat checks the data format and the label column.
func (c Config) validateFormat() error {
	switch {
	case c.DataFormat != "" && !contains(DataFormats, c.DataFormat):
		return fmt.Errorf("data format %q is unknown (accepted: %s)", c.DataFormat, strings.Join(DataFormats, ", "))
	case c.format() == "csv" && c.LabelColumn == "":
		return fmt.Errorf("csv data needs its label column (a header name or a 0-based index)")
	case c.format() != "csv" && c.LabelColumn != "":
		return fmt.Errorf("a label column is for csv data (the data format is %s)", c.format())
	}
	return nil
}

// validateData checks the data settings.
func (c Config) validateData() error {
	if err := c.validateFormat(); err != nil {
		return err
	}
	switch {
	case c.format() == "idx" && c.Input != nil:
		return fmt.Errorf("idx data has no input standardisation (scaled to [0, 1] as MNIST's)")
	case c.Input != nil:
		return c.Input.validate(c.inputs())
	}
	return nil
}

func (c Config) format() string {
	if c.DataFormat == "" {
		return "idx"
	}
	return c.DataFormat
}

// LoadDataFor reads the data directory dir in cfg's format, and returns
// it with cfg completed from it: Inputs and Classes (the model's first and
// last widths), and for CSV and NPY data Dataset ("custom") and Input. The
// formats:
//
//   - idx: MNIST's four files (see data.LoadMNIST), images of any size,
//     labels 0 to 255: as LoadData.
//   - csv: train.csv and test.csv with a header row and the label column
//     (cfg.LabelColumn: a header name or a 0-based index) anywhere; the
//     test file must have the training file's columns in the same order.
//   - npy: train_x.npy, train_y.npy, test_x.npy, test_y.npy: x of shape
//     [N, ...] (any element shape), y of shape [N].
//
// Labels are class indices, whole numbers from 0; the class count is one
// more than the largest of either split. With cfg.ValSplit, CSV and NPY
// training sets are split here (before the standardisation, which sees the
// training rows alone); IDX sets are split by Run. CSV and NPY features are
// standardised with the training split's means and deviations, unless
// cfg.Input already holds them (a resumed run), which are then used.
// Errors are one line naming the file.
func LoadDataFor(dir string, cfg Config) (Data, Config, error) {
	if err := cfg.validateFormat(); err != nil {
		return Data{}, cfg, err
	}
	if cfg.format() == "idx" {
		sets, err := LoadData(dir)
		if err != nil {
			return Data{}, cfg, err
		}
		cfg, err = fitData(cfg, sets)
		return sets, cfg, err // Run splits off the validation set
	}
	tr, err := readRaw(dir, cfg, true)
	if err != nil {
		return Data{}, cfg, err
	}
	te, err := readRaw(dir, cfg, false)
	if err != nil {
		return Data{}, cfg, err
	}
	if !slices.Equal(tr.spec.Columns, te.spec.Columns) || !slices.Equal(tr.spec.Shape, te.spec.Shape) {
		return Data{}, cfg, fmt.Errorf("data: %s: its features %s differ from %s's %s (accepted: the same columns in the same order)",
			te.file, te.describe(), tr.file, tr.describe())
	}
	if cfg.Input != nil { // a resumed run's: the data must have its features
		if err := tr.matches(cfg); err != nil {
			return Data{}, cfg, err
		}
	}
	cfg.Dataset, cfg.Inputs, cfg.Classes = CustomDataset, tr.x.Size(1), max(tr.classes, te.classes, 2)
	// The validation rows are drawn before the standardisation, which
	// sees the training rows alone.
	var trainRows, valRows []int
	if cfg.ValSplit > 0 {
		nVal, err := cfg.valCount(tr.x.Size(0))
		if err != nil {
			return Data{}, cfg, fmt.Errorf("%w (%s)", err, tr.file)
		}
		trainRows, valRows = data.SplitIndices(tr.x.Size(0), nVal, cfg.Seed)
	}
	if cfg.Input == nil {
		spec := tr.spec
		spec.Mean, spec.Std = standardisation(tr.x, trainRows)
		cfg.Input = &spec
	}
	if err := cfg.Input.validate(cfg.Inputs); err != nil {
		return Data{}, cfg, fmt.Errorf("train: %s: %v", dir, err)
	}
	var sets Data
	for _, s := range []struct {
		r   *rawSplit
		dst *data.Source
	}{{tr, &sets.Train}, {te, &sets.Test}} {
		if *s.dst, err = s.r.dataset(cfg); err != nil {
			return Data{}, cfg, err
		}
	}
	if valRows != nil {
		sets.Train, sets.Val = data.Subset(sets.Train, trainRows), data.Subset(sets.Train, valRows)
	}
	return sets, cfg, nil
}

// rawSplit is one split of a CSV or NPY directory as read: features [N, F]
// and labels [N], before standardisation.
type rawSplit struct {
	file    string // the features' file, for messages
	x, y    *tensor.Tensor
	spec    InputSpec // Columns or Shape
	classes int       // one more than the largest label
}

func (r *rawSplit) describe() string {
	if r.spec.Columns != nil {
		return quoteList(r.spec.Columns)
	}
	return fmt.Sprintf("of shape %v", r.spec.Shape)
}

func quoteList(s []string) string {
	if len(s) > 8 {
		return fmt.Sprintf("%q... (%d columns)", s[:8], len(s))
	}
	return fmt.Sprintf("%q", s)
}

// readRaw reads the training or test split of a CSV or NPY directory.
func readRaw(dir string, cfg Config, train bool) (*rawSplit, error) {
	files := []string{TrainCSVFile, TestCSVFile}
	if cfg.format() == "npy" {
		files = []string{TrainXNPYFile, TrainYNPYFile, TestXNPYFile, TestYNPYFile}
	}
	for _, f := range files {
		if _, err := os.Stat(filepath.Join(dir, f)); errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("data: %s: no %s in it (a %s data directory holds %s)", dir, f, cfg.format(), strings.Join(files, ", "))
		}
	}
	var r rawSplit
	if cfg.format() == "csv" {
		r.file = filepath.Join(dir, pick(train, TrainCSVFile, TestCSVFile))
		t, err := data.ReadCSV(r.file, data.CSVOptions{LabelColumn: cfg.LabelColumn})
		if err != nil {
			return nil, err
		}
		r.x, r.y, r.spec.Columns = t.X, t.Y, t.Columns
	} else {
		r.file = filepath.Join(dir, pick(train, TrainXNPYFile, TestXNPYFile))
		yFile := filepath.Join(dir, pick(train, TrainYNPYFile, TestYNPYFile))
		x, err := data.ReadNPY(r.file)
		if err != nil {
			return nil, err
		}
		if r.y, err = data.ReadNPY(yFile); err != nil {
			return nil, err
		}
		if x.Dim() < 2 || x.Size(0) == 0 {
			return nil, fmt.Errorf("data: %s: shape %v (accepted: [N, ...], N >= 1 examples of one or more features)", r.file, x.Shape())
		}
		if r.y.Dim() != 1 || r.y.Size(0) != x.Size(0) {
			return nil, fmt.Errorf("data: %s: shape %v (accepted: [%d], one class index per example of %s)", yFile, r.y.Shape(), x.Size(0), r.file)
		}
		r.spec.Shape = x.Shape()[1:]
		r.x = x.Reshape(x.Size(0), -1)
	}
	if r.x.Size(1) > MaxInputs {
		return nil, fmt.Errorf("data: %s: %d features per example (accepted: at most %d)", r.file, r.x.Size(1), MaxInputs)
	}
	for i, v := range r.y.Data() {
		if !(v >= 0 && v < MaxClasses) || v != float32(math.Trunc(float64(v))) {
			return nil, fmt.Errorf("data: %s: example %d has label %v (accepted: class indices, whole numbers 0 to %d)", r.file, i, v, MaxClasses-1)
		}
		r.classes = max(r.classes, int(v)+1)
	}
	return &r, nil
}

func pick(train bool, a, b string) string {
	if train {
		return a
	}
	return b
}

// dataset standardises the split with cfg.Input and makes it a dataset of
// cfg.Classes classes.
func (r *rawSplit) dataset(cfg Config) (data.Source, error) {
	x := standardise(r.x.Data(), cfg.Input)
	d, err := data.NewTensorDataset(tensor.New(x, r.x.Size(0), r.x.Size(1)), r.y, cfg.Classes)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", r.file, err)
	}
	return d, nil
}

// standardisation returns the per-column mean and population standard
// deviation of the rows of x [N, F] (all of them when rows is nil),
// summed in float64 (deviation 1 where a column is constant).
func standardisation(x *tensor.Tensor, rows []int) (mean, std []float32) {
	f := x.Size(1)
	if rows == nil {
		rows = make([]int, x.Size(0))
		for i := range rows {
			rows[i] = i
		}
	}
	n := len(rows)
	v := x.Data()
	m, s := make([]float64, f), make([]float64, f)
	for _, i := range rows {
		for j, e := range v[i*f : (i+1)*f] {
			m[j] += float64(e)
		}
	}
	for j := range m {
		m[j] /= float64(n)
	}
	for _, i := range rows {
		for j, e := range v[i*f : (i+1)*f] {
			d := float64(e) - m[j]
			s[j] += d * d
		}
	}
	mean, std = make([]float32, f), make([]float32, f)
	for j := range m {
		mean[j] = float32(m[j])
		std[j] = float32(math.Sqrt(s[j] / float64(n)))
		if !(std[j] > 0) || math.IsInf(float64(std[j]), 0) {
			std[j] = 1
		}
	}
	return mean, std
}

// standardise returns (x - Mean) / Std per column, in float32 (x itself
// when spec is nil).
func standardise(x []float32, spec *InputSpec) []float32 {
	if spec == nil {
		return x
	}
	f := len(spec.Mean)
	out := make([]float32, len(x))
	for i, v := range x {
		out[i] = (v - spec.Mean[i%f]) / spec.Std[i%f]
	}
	return out
}

// fitData completes cfg's Inputs and Classes from sets when they are 0
// and the data is not MNIST-shaped (784 features, 10 classes), and checks
// that the model fits the data.
func fitData(cfg Config, sets Data) (Config, error) {
	if cfg.format() != "idx" && cfg.Input == nil {
		return cfg, fmt.Errorf("train: %s data needs its input description and standardisation, Config.Input (LoadDataFor sets it)", cfg.format())
	}
	f, k := sets.Train.Features(), data.ClassCount(sets.Train)
	if sets.Test != nil {
		k = max(k, data.ClassCount(sets.Test))
	}
	if cfg.Inputs == 0 && f != data.Features {
		cfg.Inputs = f
	}
	if cfg.Classes == 0 && k != data.NumClasses {
		cfg.Classes = k
	}
	for _, s := range []data.Source{sets.Train, sets.Test, sets.Val} {
		if s == nil {
			continue
		}
		if s.Features() != cfg.inputs() {
			return cfg, fmt.Errorf("train: the data has %d features per example but the model takes %d (Config.Inputs)", s.Features(), cfg.inputs())
		}
		if c := data.ClassCount(s); c > cfg.classes() {
			return cfg, fmt.Errorf("train: the data has %d classes but the model has %d outputs (Config.Classes)", c, cfg.classes())
		}
	}
	return cfg, nil
}
