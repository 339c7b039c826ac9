package train

import (
	"testing"

	"github.com/vecgrad/vecgrad/tensor"
	"github.com/vecgrad/vecgrad/train/data"
)

// synthetic writes a small learnable MNIST-format dataset into dir: class k
// is a bright 6x6 square at one of ten positions, on uniform noise.
func synthetic(t testing.TB, dir string, nTrain, nTest int) Data {
	t.Helper()
	g := tensor.NewGenerator(99)
	split := func(train bool, n int) {
		img := &data.IDX{Dims: []int{n, data.Rows, data.Cols}, Data: make([]byte, n*data.Features)}
		lab := &data.IDX{Dims: []int{n}, Data: make([]byte, n)}
		for i := range n {
			k := int(g.Uint32() % data.NumClasses)
			lab.Data[i] = byte(k)
			px := img.Data[i*data.Features : (i+1)*data.Features]
			for j := range px {
				px[j] = byte(g.Uint32() % 64)
			}
			r0, c0 := 2+(k/5)*12, 2+(k%5)*5
			for r := r0; r < r0+6; r++ {
				for c := c0; c < c0+4; c++ {
					px[r*data.Cols+c] = 255
				}
			}
		}
		if err := data.WriteMNIST(dir, train, img, lab, false); err != nil {
			t.Fatal(err)
		}
	}
	split(true, nTrain)
	split(false, nTest)
	d, err := LoadData(dir)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// tinyConfig trains quickly on the synthetic data.
func tinyConfig() Config {
	c := DefaultConfig()
	c.LR = 0.05
	c.Momentum = 0.9
	c.Epochs = 2
	c.Seed = 5
	return c
}

// paramBits returns every parameter's elements, to compare runs bit for bit.
func paramBits(r *Result) [][]float32 {
	var out [][]float32
	for _, p := range r.Model.Parameters() {
		out = append(out, p.Tensor.Data())
	}
	return out
}

func sameBits(t *testing.T, what string, a, b [][]float32) {
	t.Helper()
	for i := range a {
		for j := range a[i] {
			if a[i][j] != b[i][j] {
				t.Fatalf("%s: parameter %d element %d: %v vs %v", what, i, j, a[i][j], b[i][j])
			}
		}
	}
}
