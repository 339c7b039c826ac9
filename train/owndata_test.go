package train

import (
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/vecgrad/vecgrad/train/data"
)

// TestLoadDataMNISTUnchanged: LoadData reads an MNIST-shaped set exactly
// as data.LoadMNIST does (the tutorial's path, bit for bit), with ten
// classes even where a split lacks a label.
func TestLoadDataMNISTUnchanged(t *testing.T) {
	dir := t.TempDir()
	sets := synthetic(t, dir, 20, 8)
	for _, train := range []bool{true, false} {
		want, err := data.LoadMNIST(dir, train)
		if err != nil {
			t.Fatal(err)
		}
		got := sets.Test.(*data.Dataset)
		if train {
			got = sets.Train.(*data.Dataset)
		}
		if !slices.Equal(got.Images, want.Images) || !slices.Equal(got.Labels, want.Labels) || data.ClassCount(got) != 10 {
			t.Errorf("train=%v: LoadData differs from LoadMNIST (classes %d)", train, data.ClassCount(got))
		}
	}
}

// TestLoadDataForCSV checks the standardisation against a float64
// reference computed here, and the completed Config.
func TestLoadDataForCSV(t *testing.T) {
	dir := t.TempDir()
	train := "x,y,label\n1,10,0\n2,10,3\n4,10,1\n"
	test := "x,y,label\n3,7,2\n"
	for f, s := range map[string]string{TrainCSVFile: train, TestCSVFile: test} {
		if err := os.WriteFile(filepath.Join(dir, f), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cfg := DefaultConfig()
	cfg.DataFormat, cfg.LabelColumn = "csv", "label"
	sets, cfg, err := LoadDataFor(dir, cfg)
	if err != nil {
		t.Fatal(err)
	}
	mean := 7.0 / 3
	std := math.Sqrt(((1-mean)*(1-mean) + (2-mean)*(2-mean) + (4-mean)*(4-mean)) / 3)
	if cfg.Inputs != 2 || cfg.Classes != 4 || cfg.Dataset != CustomDataset || cfg.Input == nil ||
		!slices.Equal(cfg.Input.Columns, []string{"x", "y"}) || cfg.Input.Mean[0] != float32(mean) || cfg.Input.Std[0] != float32(std) ||
		cfg.Input.Mean[1] != 10 || cfg.Input.Std[1] != 1 {
		t.Fatalf("config %+v, input %+v", cfg, cfg.Input)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	x, labels := data.Contents(sets.Test)
	wantX := []float32{(3 - float32(mean)) / float32(std), -3}
	if !slices.Equal(x, wantX) || !slices.Equal(labels, []int{2}) {
		t.Errorf("test split %v %v, want %v [2]", x, labels, wantX)
	}
	// A resumed run's standardisation is used as recorded.
	cfg.Input.Mean[0] = 0
	sets, _, err = LoadDataFor(dir, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if x, _ := data.Contents(sets.Test); x[0] != 3/float32(std) {
		t.Errorf("recorded standardisation not used: %v", x)
	}
}
