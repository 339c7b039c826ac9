package data

import "fmt"

// LoadIDX reads the training (train) or test split of an image dataset in
// LoadMNIST's layout and file names, of any image size (count x rows x
// columns unsigned bytes, scaled to [0, 1] as MNIST's) and labels 0 to
// 255. Classes is one more than the largest label; a caller that loads
// both splits gives them the larger of the two (see MaxClasses). Errors
// name the file.
func LoadIDX(dir string, train bool) (*Dataset, error) {
	imgPath, lblPath, err := splitPaths(dir, train)
	if err != nil {
		return nil, err
	}
	images, err := ReadIDXFile(imgPath)
	if err != nil {
		return nil, err
	}
	labels, err := ReadIDXFile(lblPath)
	if err != nil {
		return nil, err
	}
	d, err := newDataset(images, labels, 256)
	if err != nil {
		return nil, withFile(err, imgPath+" and "+lblPath)
	}
	for _, l := range d.Labels {
		d.Classes = max(d.Classes, l+1)
	}
	return d, nil
}

// ClassCount returns the number of classes of a source's class labels: a
// Dataset's Classes (NumClasses when 0), a TensorDataset's Classes (0 for
// regression targets).
func ClassCount(s Source) int {
	switch d := s.(type) {
	case *Dataset:
		if d.Classes == 0 {
			return NumClasses
		}
		return d.Classes
	case *TensorDataset:
		return d.Classes
	}
	panic(fmt.Sprintf("data: ClassCount of a %T", s))
}

// Contents returns a source's inputs (Len() rows of Features() values) and
// class labels (nil for regression targets). They are the source's own
// slices: read them, never write.
func Contents(s Source) (x []float32, labels []int) {
	r := s.rows()
	return r.x, r.labels
}

// splitPaths finds a split's image and label files in dir.
func splitPaths(dir string, train bool) (images, labels string, err error) {
	imgName, lblName := splitFiles(train)
	if images, err = findFile(dir, imgName); err != nil {
		return "", "", err
	}
	labels, err = findFile(dir, lblName)
	return images, labels, err
}
