package safetensors

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// allocDuring returns the bytes allocated while f runs.
func allocDuring(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// writeTemp writes b to a new file in a test directory and returns its path.
func writeTemp(t *testing.T, b []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "checkpoint.safetensors")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func encoded(t *testing.T, f *File) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Encode(&buf, f); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// Sparse files far larger than memory are refused after reading the header
// only: the declared sizes are checked against the file's size, and the
// data against what the caller expects, before anything is allocated.
func TestReadFileHugeSparse(t *testing.T) {
	const huge = 64 << 30
	good := encoded(t, sampleFile())

	// A real checkpoint extended to 64 GiB (truncate -s 64G): the header
	// is valid, the bytes after the last tensor are not.
	extended := writeTemp(t, good)
	if err := os.Truncate(extended, huge); err != nil {
		t.Skipf("no sparse files here: %v", err)
	}
	// A 64 GiB hole: the header length reads as 0.
	hole := writeTemp(t, nil)
	if err := os.Truncate(hole, huge); err != nil {
		t.Fatal(err)
	}
	// A header whose one tensor covers a 2 GiB hole exactly: a valid file,
	// refused by ReadFileMax's bound before its data is allocated.
	const n = 512 << 20 // elements
	hdr := "{" + ent("w", "F32", "[536870912]", "[0,2147483648]") + "}"
	for len(hdr)%8 != 0 {
		hdr += " "
	}
	declared := writeTemp(t, build(hdr, nil))
	if err := os.Truncate(declared, int64(8+len(hdr))+n*4); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		read func() error
		want string
	}{
		{"extended ReadFile", func() error { _, err := ReadFile(extended); return err }, "bytes after the end of the last tensor"},
		{"extended ReadMetadata", func() error { _, err := ReadMetadata(extended); return err }, "bytes after the end of the last tensor"},
		{"hole", func() error { _, err := ReadFile(hole); return err }, "header length is 0"},
		{"declared", func() error { _, err := ReadFileMax(declared, 1<<20); return err }, "more than the 1048576 expected"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var err error
			if got := allocDuring(func() { err = c.read() }); got > 1<<20 {
				t.Errorf("allocated %d bytes", got)
			}
			mustContain(t, err, c.want)
			var fe *FormatError
			if !errors.As(err, &fe) {
				t.Errorf("error %T is not a *FormatError", err)
			}
		})
	}
}

// Devices and directories are refused by what they are, before they are
// read: /dev/zero would never end, /dev/urandom neither.
func TestReadFileNotRegular(t *testing.T) {
	dir := t.TempDir()
	cases := map[string]string{dir: "is a directory"}
	for _, dev := range []string{"/dev/zero", "/dev/urandom"} {
		if _, err := os.Stat(dev); err != nil {
			continue
		}
		link := filepath.Join(dir, filepath.Base(dev)+".safetensors")
		if err := os.Symlink(dev, link); err != nil {
			t.Skipf("no symlinks here: %v", err)
		}
		cases[link] = "is a character device; a safetensors file must be a regular file"
	}
	for path, want := range cases {
		_, err := ReadFile(path)
		mustContain(t, err, path, want)
		_, err = ReadMetadata(path)
		mustContain(t, err, path, want)
	}
}

// A file cut anywhere is refused through ReadFile as through Decode, and
// ReadFile never allocates more than the file's size plus its buffers.
func TestReadFileTruncated(t *testing.T) {
	good := encoded(t, sampleFile())
	dir := t.TempDir()
	for n := range len(good) {
		path := filepath.Join(dir, "t.safetensors")
		if err := os.WriteFile(path, good[:n], 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := ReadFile(path); err == nil {
			t.Fatalf("truncated to %d of %d bytes: no error", n, len(good))
		} else if !strings.Contains(err.Error(), path) {
			t.Fatalf("truncated to %d bytes: error %q does not name the file", n, err)
		}
	}
}

// twoTensors is a file with two tensors of the same size, whose
// data_offsets can be exchanged and still describe a valid layout.
func twoTensors() *File {
	return &File{Tensors: []Tensor{
		{Name: "a", Shape: []int{2}, Data: []float32{1, 2}},
		{Name: "b", Shape: []int{2}, Data: []float32{3, 4}},
	}}
}

// Checksums make corruption that keeps the layout valid detectable:
// exchanged offsets, flipped bits, edited checksum keys.
func TestChecksums(t *testing.T) {
	f := twoTensors()
	f.SetChecksums()
	good := encoded(t, f)
	sumA := f.Metadata[ChecksumPrefix+"a"]
	if g, err := Decode(good); err != nil || !g.HasChecksums() {
		t.Fatalf("Decode(checksummed) = %v, HasChecksums %v", err, err == nil && g.HasChecksums())
	}
	swap := func(b []byte) []byte {
		s := strings.Replace(string(b), `"data_offsets":[0,8]`, "@", 1)
		s = strings.Replace(s, `"data_offsets":[8,16]`, `"data_offsets":[0,8]`, 1)
		return []byte(strings.Replace(s, "@", `"data_offsets":[8,16]`, 1))
	}
	edit := func(old, new string) func([]byte) []byte {
		return func(b []byte) []byte { return bytes.Replace(b, []byte(old), []byte(new), 1) }
	}
	cases := []struct {
		name   string
		change func([]byte) []byte
		want   string
	}{
		// b's data is now first in the buffer, so it is checked first.
		{"swapped offsets", swap, `tensor "b": its data has CRC-32C`},
		{"flipped bit", func(b []byte) []byte { b[len(b)-1] ^= 1; return b }, `tensor "b": its data has CRC-32C`},
		{"flipped bit in the first tensor", func(b []byte) []byte { b[len(b)-16] ^= 0x80; return b }, `tensor "a": its data has CRC-32C`},
		{"checksum removed", edit(`"crc32c.b"`, `"crc32c-b"`), `none for tensor "b"`},
		{"checksum of no tensor", edit(`"crc32c.b"`, `"crc32c.c"`), `tensor "c", which the file does not hold`},
		{"checksum not hex", edit(`"`+sumA+`"`, `"x`+sumA[1:]+`"`), "want a CRC-32C as 8 lowercase hex digits"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := c.change(append([]byte(nil), good...))
			if bytes.Equal(b, good) {
				t.Fatal("the change changed nothing")
			}
			_, err := Decode(b)
			mustContain(t, err, c.want)
			_, err = ReadFile(writeTemp(t, b))
			mustContain(t, err, c.want)
		})
	}
	// The same corruption in a file without checksums goes undetected,
	// which is why they are recorded; such a file still loads.
	plain := encoded(t, twoTensors())
	g, err := Decode(swap(plain))
	if err != nil || g.HasChecksums() {
		t.Fatalf("file without checksums: %v", err)
	}
	if a, _ := g.Get("a"); a.Data[0] != 3 {
		t.Errorf("swapped file without checksums: a = %v, want the swapped [3 4]", a.Data)
	}
}

// Encode refuses checksums that no longer match the data, so that what it
// writes Decode accepts; SetChecksums refreshes them.
func TestEncodeStaleChecksum(t *testing.T) {
	f := twoTensors()
	f.SetChecksums()
	f.Tensors[1].Data[0] = 5
	var buf bytes.Buffer
	err := Encode(&buf, f)
	mustContain(t, err, `tensor "b"`, "call SetChecksums")
	if buf.Len() != 0 {
		t.Error("Encode wrote with an error")
	}
	f.Tensors = f.Tensors[:1] // a tensor removed: its checksum is stale too
	mustContain(t, Encode(&buf, f), `"crc32c.b"`)
	f.SetChecksums()
	if _, ok := f.Metadata[ChecksumPrefix+"b"]; ok {
		t.Error("SetChecksums kept the checksum of a removed tensor")
	}
	g, err := Decode(encoded(t, f))
	if err != nil {
		t.Fatal(err)
	}
	if msg, ok := equalFiles(f, g); !ok {
		t.Error(msg)
	}
}
