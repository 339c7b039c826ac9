package safetensors

import (
	"bytes"
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// sampleFile has every kind of tensor: a matrix, a scalar, empty tensors of
// several shapes, special float values, and metadata.
func sampleFile() *File {
	return &File{
		Tensors: []Tensor{
			{Name: "fc1.weight", Shape: []int{2, 3}, Data: []float32{1, -2, 3.5, 0, 1e-40, math.MaxFloat32}},
			{Name: "fc1.bias", Shape: []int{3}, Data: []float32{
				math.Float32frombits(0x7fc00001), // quiet NaN with a payload
				math.Float32frombits(0xff800001), // signalling NaN, sign set
				math.Float32frombits(0x80000000), // -0
			}},
			{Name: "step", Shape: nil, Data: []float32{42}},
			{Name: "empty", Shape: []int{0}, Data: nil},
			{Name: "empty3", Shape: []int{3, 0, 2}, Data: []float32{}},
			{Name: "inf", Shape: []int{1, 1, 2}, Data: []float32{float32(math.Inf(1)), float32(math.Inf(-1))}},
		},
		Metadata: map[string]string{"format": "pt", "epoch": "3"},
	}
}

func roundTrip(t *testing.T, f *File) *File {
	t.Helper()
	var buf bytes.Buffer
	if err := Encode(&buf, f); err != nil {
		t.Fatal(err)
	}
	if n := len(buf.Bytes()); n < 8 || (n-8-totalBytes(f))%8 != 0 {
		t.Errorf("header is not padded to a multiple of 8 (file %d bytes)", n)
	}
	g, err := Decode(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func totalBytes(f *File) int {
	n := 0
	for _, t := range f.Tensors {
		n += 4 * len(t.Data)
	}
	return n
}

func TestRoundTripSample(t *testing.T) {
	f := sampleFile()
	g := roundTrip(t, f)
	// Buffer order is kept. (Only empty tensors, which share an offset
	// with a neighbour, could come back reordered; the sample places each
	// one where Decode's tie-break puts it.)
	var order []string
	for _, t := range g.Tensors {
		order = append(order, t.Name)
	}
	if got := strings.Join(order, ","); got != "fc1.weight,fc1.bias,step,empty,empty3,inf" {
		t.Errorf("order = %s", got)
	}
	if msg, ok := equalFiles(f, g); !ok {
		t.Error(msg)
	}
}

func TestRoundTripRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for iter := range 200 {
		f := &File{}
		for i := range r.IntN(6) {
			rank := r.IntN(4)
			shape := make([]int, rank)
			n := 1
			for d := range shape {
				shape[d] = r.IntN(5) + 1
				n *= shape[d]
			}
			data := make([]float32, n)
			for k := range data {
				data[k] = math.Float32frombits(r.Uint32()) // any bits, NaNs included
			}
			f.Tensors = append(f.Tensors, Tensor{Name: "t" + string(rune('a'+i)) + ".w", Shape: shape, Data: data})
		}
		if iter%3 == 0 {
			f.Metadata = map[string]string{"iter": "x", "quote\"\\\n\x01<>&é": "v\x00"}
		}
		// Reverse the names' order against the buffer order: Encode must
		// keep the data order, not the header's sorted order.
		for i, j := 0, len(f.Tensors)-1; i < j; i, j = i+1, j-1 {
			f.Tensors[i].Name, f.Tensors[j].Name = f.Tensors[j].Name, f.Tensors[i].Name
		}
		g := roundTrip(t, f)
		if msg, ok := equalFiles(f, g); !ok {
			t.Fatalf("iteration %d: %s", iter, msg)
		}
	}
}

// The exact bytes Encode writes: header names sorted, metadata first,
// compact JSON padded with spaces, data in Tensors order.
func TestEncodeBytes(t *testing.T) {
	f := &File{
		Tensors: []Tensor{
			{Name: "b", Shape: []int{1}, Data: []float32{1}},
			{Name: "a", Shape: []int{}, Data: []float32{-2}},
		},
		Metadata: map[string]string{"y": "2", "x": "1"},
	}
	var buf bytes.Buffer
	if err := Encode(&buf, f); err != nil {
		t.Fatal(err)
	}
	h := `{"__metadata__":{"x":"1","y":"2"},"a":{"dtype":"F32","shape":[],"data_offsets":[4,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`
	for len(h)%8 != 0 {
		h += " "
	}
	if want := build(h, f32s(1, -2)); !bytes.Equal(buf.Bytes(), want) {
		t.Errorf("Encode wrote\n%q\nwant\n%q", buf.Bytes(), want)
	}
}

func TestEncodeErrors(t *testing.T) {
	cases := []struct {
		name string
		f    *File
		want []string
	}{
		{"nil", nil, []string{"File is nil"}},
		{"empty name", &File{Tensors: []Tensor{{Name: "a", Data: []float32{1}}, {Name: "", Data: []float32{1}}}}, []string{"tensor 1 has an empty name"}},
		{"duplicate", &File{Tensors: []Tensor{{Name: "a", Data: []float32{1}}, {Name: "a", Data: []float32{1}}}}, []string{`tensor "a": the name is used by tensors 0 and 1`}},
		{"reserved", &File{Tensors: []Tensor{{Name: "__metadata__", Data: []float32{1}}}}, []string{"reserved for the file's metadata"}},
		{"utf8", &File{Tensors: []Tensor{{Name: "a\xff", Data: []float32{1}}}}, []string{"not valid UTF-8"}},
		{"negative", &File{Tensors: []Tensor{{Name: "w", Shape: []int{2, -1}, Data: nil}}}, []string{`tensor "w": shape [2,-1] has a negative dimension`}},
		{"too many", &File{Tensors: []Tensor{{Name: "w", Shape: []int{1 << 40, 1 << 40}}}}, []string{"too many elements"}},
		{"length", &File{Tensors: []Tensor{{Name: "w", Shape: []int{2, 3}, Data: make([]float32, 5)}}}, []string{`tensor "w": shape [2,3] has 6 elements but Data has 5`}},
		{"scalar length", &File{Tensors: []Tensor{{Name: "s"}}}, []string{"shape [] has 1 elements but Data has 0"}},
		{"metadata utf8", &File{Metadata: map[string]string{"k": "\xfe"}}, []string{`metadata "k"`, "UTF-8"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var buf bytes.Buffer
			err := Encode(&buf, c.f)
			mustContain(t, err, c.want...)
			var ee *EncodeError
			if !errors.As(err, &ee) {
				t.Errorf("error %T is not an *EncodeError", err)
			}
			if buf.Len() != 0 {
				t.Errorf("Encode wrote %d bytes before failing; it must validate first", buf.Len())
			}
		})
	}
}

// failWriter fails once more than n bytes have been written to it.
type failWriter struct {
	n   int
	err error
}

func (w *failWriter) Write(p []byte) (int, error) {
	if len(p) > w.n {
		k := w.n
		w.n = 0
		return k, w.err
	}
	w.n -= len(p)
	return len(p), nil
}

func TestEncodeWriterError(t *testing.T) {
	boom := errors.New("disk full")
	big := &File{Tensors: []Tensor{{Name: "w", Shape: []int{100000}, Data: make([]float32, 100000)}}}
	for _, n := range []int{0, 4, 8, 30, 70000} {
		err := Encode(&failWriter{n: n, err: boom}, big)
		if !errors.Is(err, boom) {
			t.Errorf("after %d bytes: err = %v, want it to wrap %v", n, err, boom)
		}
	}
}
