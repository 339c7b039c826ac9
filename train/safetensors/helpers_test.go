package safetensors

import (
	"encoding/binary"
	"math"
	"strings"
	"testing"
)

// build assembles a file from a header and a data buffer, as the spec lays
// it out, so tests can write any header by hand.
func build(header string, data []byte) []byte {
	b := binary.LittleEndian.AppendUint64(nil, uint64(len(header)))
	b = append(b, header...)
	return append(b, data...)
}

// f32s returns the little-endian bytes of vs.
func f32s(vs ...float32) []byte {
	var b []byte
	for _, v := range vs {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(v))
	}
	return b
}

// f64s returns the little-endian bytes of vs.
func f64s(vs ...float64) []byte {
	var b []byte
	for _, v := range vs {
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(v))
	}
	return b
}

// equalFiles reports whether a and b hold the same tensors in the same
// order, bit for bit, and the same metadata; nil and empty are equal.
func equalFiles(a, b *File) (string, bool) {
	if len(a.Tensors) != len(b.Tensors) {
		return "tensor count differs", false
	}
	for i := range a.Tensors {
		x, y := a.Tensors[i], b.Tensors[i]
		if x.Name != y.Name {
			return "name " + x.Name + " != " + y.Name, false
		}
		if formatShape(x.Shape) != formatShape(y.Shape) {
			return x.Name + ": shape differs", false
		}
		if len(x.Data) != len(y.Data) {
			return x.Name + ": data length differs", false
		}
		for j := range x.Data {
			if math.Float32bits(x.Data[j]) != math.Float32bits(y.Data[j]) {
				return x.Name + ": data differs", false
			}
		}
	}
	if len(a.Metadata) != len(b.Metadata) {
		return "metadata differs", false
	}
	for k, v := range a.Metadata {
		if w, ok := b.Metadata[k]; !ok || w != v {
			return "metadata " + k + " differs", false
		}
	}
	return "", true
}

func mustContain(t *testing.T, err error, wants ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want one containing %q", wants)
	}
	for _, w := range wants {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not contain %q", err, w)
		}
	}
}
