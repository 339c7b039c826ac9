package data

import (
	"errors"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// synthetic returns n images (rows x cols) and labels with recognizable
// content: pixel j of image i is (i*7 + j) mod 256, label i is i mod 10.
func synthetic(n, rows, cols int) (images, labels *IDX) {
	images = &IDX{Dims: []int{n, rows, cols}, Data: make([]byte, n*rows*cols)}
	labels = &IDX{Dims: []int{n}, Data: make([]byte, n)}
	for i := range n {
		for j := range rows * cols {
			images.Data[i*rows*cols+j] = byte(i*7 + j)
		}
		labels.Data[i] = byte(i % 10)
	}
	return images, labels
}

// TestPixelScale checks every byte value against p/255 rounded to nearest
// float32 in exact rational arithmetic.
func TestPixelScale(t *testing.T) {
	for p := range 256 {
		exact := new(big.Rat).SetFrac64(int64(p), 255)
		want, _ := exact.Float32()
		if got := pixelScale[p]; got != want {
			t.Errorf("pixel %d: %v, want %v", p, got, want)
		}
	}
	if pixelScale[0] != 0 || pixelScale[255] != 1 {
		t.Errorf("ends %v %v", pixelScale[0], pixelScale[255])
	}
}

func TestNewDataset(t *testing.T) {
	images, labels := synthetic(5, 2, 3)
	d, err := NewDataset(images, labels)
	if err != nil {
		t.Fatal(err)
	}
	if d.Len() != 5 || d.Features() != 6 || d.Rows != 2 || d.Cols != 3 || len(d.Images) != 30 {
		t.Fatalf("Len %d Features %d", d.Len(), d.Features())
	}
	for i, p := range images.Data {
		if d.Images[i] != float32(p)/255 || d.Images[i] < 0 || d.Images[i] > 1 {
			t.Fatalf("pixel %d: %v from %d", i, d.Images[i], p)
		}
	}
	for i, l := range d.Labels {
		if l != i%10 {
			t.Fatalf("label %d: %d", i, l)
		}
	}
	badLabel := &IDX{Dims: []int{5}, Data: []byte{0, 1, 10, 3, 4}}
	cases := []struct {
		images, labels *IDX
		want           string
	}{
		{images, badLabel, "label 2 is 10 (accepted: 0 to 9)"},
		{images, &IDX{Dims: []int{4}, Data: make([]byte, 4)}, "5 images but 4 labels (the counts must agree)"},
		{labels, labels, "images have dimensions 5 (accepted: 3 dimensions"},
		{images, images, "labels have dimensions 5x2x3 (accepted: 1 dimension"},
		{&IDX{Dims: []int{5, 2, 3}, Data: make([]byte, 3)}, labels, "data lengths 3 and 5 do not match"},
	}
	for _, c := range cases {
		_, err := NewDataset(c.images, c.labels)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("error %v, want %s", err, c.want)
		}
	}
}

func TestLoadMNIST(t *testing.T) {
	for _, compress := range []bool{true, false} {
		dir := t.TempDir()
		images, labels := synthetic(7, Rows, Cols)
		if err := WriteMNIST(dir, true, images, labels, compress); err != nil {
			t.Fatal(err)
		}
		ti, tl := synthetic(3, Rows, Cols)
		if err := WriteMNIST(dir, false, ti, tl, compress); err != nil {
			t.Fatal(err)
		}
		train, err := LoadMNIST(dir, true)
		if err != nil {
			t.Fatal(err)
		}
		test, err := LoadMNIST(dir, false)
		if err != nil {
			t.Fatal(err)
		}
		if train.Len() != 7 || test.Len() != 3 || train.Features() != Features {
			t.Errorf("compress=%v: lengths %d %d", compress, train.Len(), test.Len())
		}
		if train.Images[Features+5] != float32(byte(7+5))/255 {
			t.Errorf("pixel %v", train.Images[Features+5])
		}
	}

	dir := t.TempDir()
	_, err := LoadMNIST(dir, true)
	if err == nil || !strings.Contains(err.Error(), "no train-images-idx3-ubyte.gz (or train-images-idx3-ubyte) in it") {
		t.Errorf("empty dir: %v", err)
	}
	// Counts that disagree name both files.
	images, _ := synthetic(7, Rows, Cols)
	_, labels := synthetic(6, Rows, Cols)
	WriteMNIST(dir, true, images, labels, true)
	_, err = LoadMNIST(dir, true)
	if err == nil || !strings.Contains(err.Error(), "train-images-idx3-ubyte.gz and ") || !strings.Contains(err.Error(), "7 images but 6 labels") {
		t.Errorf("count mismatch: %v", err)
	}
	// Images that are not 28x28.
	images, labels = synthetic(2, 27, 28)
	WriteMNIST(dir, true, images, labels, true)
	_, err = LoadMNIST(dir, true)
	var fe *FormatError
	if !errors.As(err, &fe) || !strings.HasSuffix(fe.File, "train-images-idx3-ubyte.gz") || !strings.Contains(err.Error(), "2x27x28 (accepted: N x 28 x 28") {
		t.Errorf("27x28: %v", err)
	}
	// A corrupt label file is named.
	os.WriteFile(filepath.Join(dir, TrainLabelsFile), []byte{0x1f, 0x8b, 8, 0}, 0o644)
	images, _ = synthetic(2, 28, 28)
	WriteIDXFile(filepath.Join(dir, TrainImagesFile), images, true)
	_, err = LoadMNIST(dir, true)
	if !errors.As(err, &fe) || !strings.HasSuffix(fe.File, TrainLabelsFile) {
		t.Errorf("corrupt labels: %v", err)
	}
}
