package train

import (
	"fmt"

	"github.com/vecgrad/vecgrad/train/data"
)

// LoadData reads both splits of the IDX image dataset in dir (MNIST's
// layout: see data.LoadMNIST), of any image size and up to 256 classes.
// MNIST and Fashion-MNIST come as data.LoadMNIST reads them (ten classes,
// whatever labels a subset holds); another set has one class more than
// its largest label in either split.
func LoadData(dir string) (Data, error) {
	tr, err := data.LoadIDX(dir, true)
	if err != nil {
		return Data{}, err
	}
	te, err := data.LoadIDX(dir, false)
	if err != nil {
		return Data{}, err
	}
	if tr.Features() != te.Features() {
		return Data{}, fmt.Errorf("data: %s: training images are %dx%d but test images %dx%d (the sizes must agree)", dir, tr.Rows, tr.Cols, te.Rows, te.Cols)
	}
	k := max(tr.Classes, te.Classes)
	if tr.Rows == data.Rows && tr.Cols == data.Cols && k <= data.NumClasses {
		k = 0 // MNIST's ten
	}
	tr.Classes, te.Classes = k, k
	return Data{Train: tr, Test: te}, nil
}
