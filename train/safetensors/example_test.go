package safetensors_test

import (
	"bytes"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/vecgrad/vecgrad/train/safetensors"
)

func Example() {
	dir, err := os.MkdirTemp("", "example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "checkpoint.safetensors")

	// Names as PyTorch's state_dict has them, so torch can load the file.
	ckpt := &safetensors.File{
		Tensors: []safetensors.Tensor{
			{Name: "fc1.weight", Shape: []int{2, 3}, Data: []float32{1, 2, 3, 4, 5, 6}},
			{Name: "fc1.bias", Shape: []int{2}, Data: []float32{0.5, -0.5}},
		},
		Metadata: map[string]string{"format": "pt", "epoch": "3"},
	}
	if err := safetensors.WriteFile(path, ckpt); err != nil {
		log.Fatal(err)
	}

	loaded, err := safetensors.ReadFile(path)
	if err != nil {
		log.Fatal(err)
	}
	w, _ := loaded.Get("fc1.weight")
	fmt.Println(w.Shape, w.Data, loaded.Metadata["epoch"])

	// A damaged file is an error that names it, never a panic.
	if err := os.WriteFile(path, []byte("garbage"), 0o644); err != nil {
		log.Fatal(err)
	}
	_, err = safetensors.ReadFile(path)
	fmt.Println(err != nil)
	// Output:
	// [2 3] [1 2 3 4 5 6] 3
	// true
}

func ExampleDecode() {
	// A file built by hand from the specification: the header length, the
	// JSON header, then the data.
	header := `{"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`
	b := []byte{byte(len(header)), 0, 0, 0, 0, 0, 0, 0}
	b = append(b, header...)
	b = append(b, 0, 0, 0x80, 0x3f) // 1.0 little-endian
	f, err := safetensors.Decode(b)
	fmt.Println(f.Tensors[0].Name, f.Tensors[0].Data, err)

	_, err = safetensors.Decode(b[:len(b)-1])
	fmt.Println(err)
	// Output:
	// x [1] <nil>
	// safetensors: tensor "x": data_offsets [0,4] end past the 3-byte data buffer (truncated file?) (at byte 9)
}

// Checksums make a file whose data changed (a flipped bit, tensors whose
// offsets were exchanged) an error instead of a silently different model.
func ExampleFile_SetChecksums() {
	f := &safetensors.File{Tensors: []safetensors.Tensor{
		{Name: "a", Shape: []int{2}, Data: []float32{1, 2}},
		{Name: "b", Shape: []int{2}, Data: []float32{3, 4}},
	}}
	f.SetChecksums()
	var buf bytes.Buffer
	if err := safetensors.Encode(&buf, f); err != nil {
		log.Fatal(err)
	}
	b := buf.Bytes()
	b[len(b)-1] ^= 0x40 // a bit of b's last element
	_, err := safetensors.Decode(b)
	fmt.Println(err)
	// Output:
	// safetensors: tensor "b": its data has CRC-32C 4ebe7936, but the metadata records 0fc5648a (corrupted data, or tensors moved?) (at byte 192)
}
