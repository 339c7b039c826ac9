package safetensors

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"testing"
)

// The fixtures in testdata were written by testdata/make_fixtures.py in the
// reference writer's layout (see the script for how, and why not by the
// reference package itself).

func referenceF32() *File {
	return &File{
		Tensors: []Tensor{
			{Name: "a", Shape: []int{2, 3}, Data: []float32{0, 1, 2, 3, 4, 5}},
			{Name: "b", Shape: []int{}, Data: []float32{3.5}},
			{Name: "c", Shape: []int{0}, Data: []float32{}},
			{Name: "d", Shape: []int{3}, Data: []float32{
				math.Float32frombits(0x80000000), math.Float32frombits(0x7fc00000), float32(math.Inf(1)),
			}},
		},
		Metadata: map[string]string{"format": "np"},
	}
}

func TestReferenceFixture(t *testing.T) {
	path := filepath.Join("testdata", "reference_f32.safetensors")
	got, err := ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want := referenceF32()
	if msg, ok := equalFiles(got, want); !ok {
		t.Fatal(msg)
	}
	// Given tensors in the reference writer's order (name order for one
	// dtype), Encode writes the very same bytes.
	var buf bytes.Buffer
	if err := Encode(&buf, want); err != nil {
		t.Fatal(err)
	}
	ref, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), ref) {
		t.Errorf("Encode wrote\n%q\nthe reference layout is\n%q", buf.Bytes(), ref)
	}
}

// TestReferenceFixtureF64 reads an F64 file in the reference layout, which
// this package refused before it converted dtypes.
func TestReferenceFixtureF64(t *testing.T) {
	got, err := ReadFile(filepath.Join("testdata", "reference_f64.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	want := &File{Tensors: []Tensor{{Name: "x", Shape: []int{2}, Data: []float32{1, 2}}}}
	if msg, ok := equalFiles(got, want); !ok {
		t.Fatal(msg)
	}
}
