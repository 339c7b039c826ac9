package data

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// idxBytes returns m written by WriteIDX, gzip-compressed if compress is set.
func idxBytes(t testing.TB, m *IDX, compress bool) []byte {
	t.Helper()
	var buf bytes.Buffer
	if !compress {
		if err := WriteIDX(&buf, m); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	zw := gzip.NewWriter(&buf)
	if err := WriteIDX(zw, m); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// gz compresses b.
func gz(b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

// header returns an IDX header with the given magic number and sizes.
func header(magic uint32, dims ...uint32) []byte {
	b := binary.BigEndian.AppendUint32(nil, magic)
	for _, d := range dims {
		b = binary.BigEndian.AppendUint32(b, d)
	}
	return b
}

// smallImages is a 3-image 2x2 IDX image file.
func smallImages() *IDX {
	return &IDX{Dims: []int{3, 2, 2}, Data: []byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 255}}
}

func TestIDXRoundTrip(t *testing.T) {
	for _, m := range []*IDX{smallImages(), {Dims: []int{4}, Data: []byte{9, 0, 3, 1}}} {
		for _, compress := range []bool{false, true} {
			b := idxBytes(t, m, compress)
			if !compress && binary.BigEndian.Uint32(b) != MagicLabels&^0xff|uint32(len(m.Dims)) {
				t.Errorf("magic %08x", binary.BigEndian.Uint32(b))
			}
			got, err := ReadIDX(bytes.NewReader(b))
			if err != nil {
				t.Fatalf("compress=%v: %v", compress, err)
			}
			if !equalIDX(got, m) {
				t.Errorf("compress=%v: read %v %v, wrote %v %v", compress, got.Dims, got.Data, m.Dims, m.Data)
			}
		}
	}
}

func equalIDX(a, b *IDX) bool {
	if len(a.Dims) != len(b.Dims) || !bytes.Equal(a.Data, b.Data) {
		return false
	}
	for i := range a.Dims {
		if a.Dims[i] != b.Dims[i] {
			return false
		}
	}
	return true
}

func TestReadIDXErrors(t *testing.T) {
	good := idxBytes(t, smallImages(), false)
	goodGz := idxBytes(t, smallImages(), true)
	badCRC := bytes.Clone(goodGz)
	badCRC[len(badCRC)-8] ^= 0xff // the CRC-32 in gzip's trailer
	cases := []struct {
		name, in, want string
	}{
		{"empty", "", "unexpected end: want a 4-byte magic number, got 0 bytes"},
		{"one byte", "\x00", "unexpected end: want a 4-byte magic number, got 1 bytes"},
		{"three bytes", "\x00\x00\x08", "unexpected end: want a 4-byte magic number, got 3 bytes"},
		{"not idx", "PK\x03\x04rest", "bad magic number 0x504b0304: an IDX file starts with two zero bytes (accepted: 0x00000801 (unsigned bytes, 1 dimension: labels) or 0x00000803 (unsigned bytes, 3 dimensions: images))"},
		{"float type", string(header(0x00000d03, 1, 1, 1)), "magic number 0x00000d03 has element type code 0x0d (32-bit float), which is not supported (accepted: 0x00000801"},
		{"unknown type", string(header(0x00000703, 1, 1, 1)), "element type code 0x07 (not an IDX type)"},
		{"two dims", string(header(0x00000802, 1, 1)), "magic number 0x00000802 declares 2 dimensions (accepted: 0x00000801"},
		{"short header", string(header(0x00000803, 1, 1)), "unexpected end: want 3 dimension sizes (12 bytes) after the magic number, got 8 bytes"},
		{"zero size", string(header(0x00000803, 5, 0, 28)), "dimension 1 of 5x0x28 is 0 (sizes must be positive)"},
		{"overflow", string(header(0x00000803, 0xffffffff, 0xffffffff, 0xffffffff)), "dimensions 4294967295x4294967295x4294967295 hold more than 268435456 bytes (MaxIDXBytes)"},
		{"too large", string(header(0x00000803, 60000*6, 28, 28)), "dimensions 360000x28x28 hold more than 268435456 bytes"},
		{"short pixels", string(header(0x00000803, 3, 2, 2)) + "\x01\x02\x03\x04\x05", "unexpected end: want 12 bytes of pixel data, got 5"},
		{"short labels", string(header(0x00000801, 4)) + "\x01", "unexpected end: want 4 bytes of label data, got 1"},
		{"no data", string(header(0x00000801, 4)), "unexpected end: want 4 bytes of label data, got 0"},
		{"trailing", string(good) + "x", "trailing data after the 12 bytes of pixel data that the header 3x2x2 declares (an IDX file ends with its data)"},
		{"gzip header", "\x1f\x8b\x00", "starts with gzip's magic bytes 1f 8b but has no valid gzip header"},
		{"gzip truncated", string(goodGz[:len(goodGz)-12]), "gzip content: unexpected end"},
		{"gzip bad crc", string(badCRC), "gzip content: after the data: gzip: invalid checksum"},
		{"gzip trailing", string(goodGz) + "junk", "trailing data after the gzip stream (accepted: one gzip member holding one IDX file)"},
		{"gzip short pixels", string(gz(append(header(0x00000803, 3, 2, 2), 1, 2))), "gzip content: unexpected end: want 12 bytes of pixel data, got 2"},
		{"gzip of garbage", string(gz([]byte("hello"))), "gzip content: bad magic number 0x68656c6c"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m, err := ReadIDX(strings.NewReader(c.in))
			if err == nil {
				t.Fatalf("no error, read %v", m.Dims)
			}
			var fe *FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("error %T %v is not a *FormatError", err, err)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error\n  %v\nwant it to contain\n  %s", err, c.want)
			}
			if !strings.HasPrefix(err.Error(), "data: idx: ") {
				t.Errorf("error %q does not start with data: idx:", err)
			}
		})
	}
	_, err := ReadIDX(strings.NewReader(string(header(0x00000801, 4)) + "\x01"))
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("short file: %v does not wrap io.ErrUnexpectedEOF", err)
	}
}

// TestReadIDXHostileHeader checks that a header claiming MaxIDXBytes costs
// about what the file holds, not what it claims.
func TestReadIDXHostileHeader(t *testing.T) {
	in := append(header(0x00000803, 1<<14, 1<<7, 1<<7), make([]byte, 100)...) // claims 256 MiB
	for _, b := range [][]byte{in, gz(in)} {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, err := ReadIDX(bytes.NewReader(b))
		runtime.ReadMemStats(&after)
		if err == nil || !strings.Contains(err.Error(), "unexpected end: want 268435456 bytes of pixel data, got 100") {
			t.Fatalf("error %v", err)
		}
		if got := after.TotalAlloc - before.TotalAlloc; got > 4<<20 {
			t.Errorf("allocated %d bytes reading a %d-byte file", got, len(b))
		}
	}
}

func TestReadIDXFile(t *testing.T) {
	dir := t.TempDir()
	// The name says raw, the content is gzip: the content decides.
	p := filepath.Join(dir, "train-images-idx3-ubyte")
	if err := WriteIDXFile(p, smallImages(), true); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(p); b[0] != 0x1f || b[1] != 0x8b {
		t.Fatalf("not gzip: % x", b[:4])
	}
	m, err := ReadIDXFile(p)
	if err != nil || !equalIDX(m, smallImages()) {
		t.Fatalf("ReadIDXFile: %v %v", m, err)
	}
	bad := filepath.Join(dir, "bad.gz")
	os.WriteFile(bad, append(header(0x00000803, 3, 2, 2), 1), 0o644)
	_, err = ReadIDXFile(bad)
	want := "data: " + bad + ": unexpected end: want 12 bytes of pixel data, got 1"
	if err == nil || err.Error() != want {
		t.Errorf("error %v, want %s", err, want)
	}
	if _, err := ReadIDXFile(filepath.Join(dir, "missing")); err == nil || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 {
		t.Errorf("dir holds %d entries, want 2 (no temporary files left)", len(entries))
	}
}

func TestWriteIDXErrors(t *testing.T) {
	cases := []struct {
		m    *IDX
		want string
	}{
		{&IDX{Dims: []int{2, 2}, Data: make([]byte, 4)}, "cannot write 2 dimensions (accepted: 1 for labels, 3 for images)"},
		{&IDX{Dims: []int{3}, Data: make([]byte, 4)}, "len(Data) = 4, but dimensions 3 need 3 bytes"},
		{&IDX{Dims: []int{0}}, "dimension 0 of 0 is 0 (sizes must be positive)"},
		{&IDX{Dims: []int{1 << 33}}, "dimension 0 is 8589934592, more than an IDX size (32 bits) holds"},
	}
	for _, c := range cases {
		err := WriteIDX(io.Discard, c.m)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("WriteIDX(%v): %v, want %s", c.m.Dims, err, c.want)
		}
	}
	dir := t.TempDir()
	if err := WriteIDXFile(filepath.Join(dir, "x"), cases[0].m, true); err == nil {
		t.Error("WriteIDXFile wrote an invalid IDX")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("a failed WriteIDXFile left %d files", len(entries))
	}
}
