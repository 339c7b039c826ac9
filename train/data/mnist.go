package data

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// NumClasses is the number of classes of MNIST (digits 0-9) and of
// Fashion-MNIST (ten kinds of clothing); labels lie in [0, NumClasses).
const NumClasses = 10

// Image size of MNIST and Fashion-MNIST.
const (
	Rows     = 28
	Cols     = 28
	Features = Rows * Cols // 784 pixels per image
)

// pixelScale maps a pixel byte p to float32(p)/255: IEEE division rounds
// correctly, so each entry is the float32 nearest to p/255, on every machine.
var pixelScale = func() (t [256]float32) {
	for p := range t {
		t[p] = float32(p) / 255
	}
	return t
}()

// Dataset is a labelled image dataset in memory: image i is the row
// Images[i*Features() : (i+1)*Features()] of pixels scaled to [0, 1] (the
// float32 nearest to byte/255), its label Labels[i] in [0, NumClasses).
// A Dataset is read-only once made, so any number of Loaders may share it.
type Dataset struct {
	// Images holds Len() rows of Rows*Cols pixels, row-major.
	Images []float32
	// Labels holds the class of each image.
	Labels []int
	// Rows and Cols are the image size (28x28 for MNIST).
	Rows, Cols int
	// Classes is the number of classes, labels lying in [0, Classes); 0
	// means NumClasses (MNIST's and Fashion-MNIST's ten).
	Classes int
}

// Len returns the number of examples.
func (d *Dataset) Len() int { return len(d.Labels) }

// Features returns the number of pixels per image, Rows*Cols.
func (d *Dataset) Features() int { return d.Rows * d.Cols }

// NewDataset makes a Dataset from an image IDX file (3 dimensions: count,
// rows, columns) and a label IDX file (1 dimension: count). The counts must
// agree and every label must be below NumClasses. Errors are *FormatError
// values without file names (LoadMNIST adds them).
func NewDataset(images, labels *IDX) (*Dataset, error) {
	return newDataset(images, labels, NumClasses)
}

// newDataset is NewDataset with labels below classes.
func newDataset(images, labels *IDX, classes int) (*Dataset, error) {
	if len(images.Dims) != 3 {
		return nil, &FormatError{Msg: fmt.Sprintf("images have dimensions %s (accepted: 3 dimensions, count x rows x columns)", dimString(images.Dims))}
	}
	if len(labels.Dims) != 1 {
		return nil, &FormatError{Msg: fmt.Sprintf("labels have dimensions %s (accepted: 1 dimension, the count)", dimString(labels.Dims))}
	}
	n, rows, cols := images.Dims[0], images.Dims[1], images.Dims[2]
	if labels.Dims[0] != n {
		return nil, &FormatError{Msg: fmt.Sprintf("%d images but %d labels (the counts must agree)", n, labels.Dims[0])}
	}
	if len(images.Data) != n*rows*cols || len(labels.Data) != n {
		return nil, &FormatError{Msg: fmt.Sprintf("data lengths %d and %d do not match dimensions %s and %d", len(images.Data), len(labels.Data), dimString(images.Dims), n)}
	}
	d := &Dataset{Images: make([]float32, len(images.Data)), Labels: make([]int, n), Rows: rows, Cols: cols}
	for i, l := range labels.Data {
		if int(l) >= classes {
			return nil, &FormatError{Msg: fmt.Sprintf("label %d is %d (accepted: 0 to %d)", i, l, classes-1)}
		}
		d.Labels[i] = int(l)
	}
	for i, p := range images.Data {
		d.Images[i] = pixelScale[p]
	}
	return d, nil
}

// splitFiles returns the canonical image and label file names of the
// training or the test split.
func splitFiles(train bool) (images, labels string) {
	if train {
		return TrainImagesFile, TrainLabelsFile
	}
	return TestImagesFile, TestLabelsFile
}

// LoadMNIST reads the training (train) or test split of MNIST or
// Fashion-MNIST from dir, which holds the files under their canonical
// names: train-images-idx3-ubyte.gz and train-labels-idx1-ubyte.gz, or
// t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz, or the same
// names without .gz (each file may be raw or gzip-compressed, whatever its
// name). Images must be 28x28 and the counts must agree. Errors name the
// file.
func LoadMNIST(dir string, train bool) (*Dataset, error) {
	imgPath, lblPath, err := splitPaths(dir, train)
	if err != nil {
		return nil, err
	}
	images, err := ReadIDXFile(imgPath)
	if err != nil {
		return nil, err
	}
	if len(images.Dims) != 3 || images.Dims[1] != Rows || images.Dims[2] != Cols {
		return nil, &FormatError{File: imgPath, Msg: fmt.Sprintf("images have dimensions %s (accepted: N x 28 x 28, MNIST's image size)", dimString(images.Dims))}
	}
	labels, err := ReadIDXFile(lblPath)
	if err != nil {
		return nil, err
	}
	d, err := NewDataset(images, labels)
	if err != nil {
		return nil, withFile(err, imgPath+" and "+lblPath)
	}
	return d, nil
}

// findFile returns dir/name if it exists, else dir/name without ".gz".
func findFile(dir, name string) (string, error) {
	for _, n := range []string{name, strings.TrimSuffix(name, ".gz")} {
		p := filepath.Join(dir, n)
		_, err := os.Stat(p)
		if err == nil {
			return p, nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("data: %w", err)
		}
	}
	return "", fmt.Errorf("data: %s: no %s (or %s) in it: put MNIST there with `make data`, or download a dataset with `vecgrad data --dataset mnist|fashion-mnist`",
		dir, name, strings.TrimSuffix(name, ".gz"))
}

// WriteMNIST writes a dataset split in LoadMNIST's layout: images (n x rows
// x cols) and labels (n) under the canonical names of the training (train)
// or test split, gzip-compressed with the .gz names if compress is set, raw
// without it. Files are written atomically. It is for tests that need a
// small synthetic dataset on disk.
func WriteMNIST(dir string, train bool, images, labels *IDX, compress bool) error {
	imgName, lblName := splitFiles(train)
	if !compress {
		imgName, lblName = strings.TrimSuffix(imgName, ".gz"), strings.TrimSuffix(lblName, ".gz")
	}
	if err := WriteIDXFile(filepath.Join(dir, imgName), images, compress); err != nil {
		return withFile(err, filepath.Join(dir, imgName))
	}
	return withFile(WriteIDXFile(filepath.Join(dir, lblName), labels, compress), filepath.Join(dir, lblName))
}
