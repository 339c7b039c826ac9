package data

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/vecgrad/vecgrad/internal/fixture"
	"github.com/vecgrad/vecgrad/tensor"
)

// npyBytes writes an .npy file as numpy.save does (version 1.0, the header
// padded with spaces to a multiple of 64 bytes and ended by a newline).
func npyBytes(descr string, fortran bool, shape string, data []byte) []byte {
	fo := "False"
	if fortran {
		fo = "True"
	}
	h := "{'descr': '" + descr + "', 'fortran_order': " + fo + ", 'shape': " + shape + ", }"
	pad := 64 - (10+len(h)+1)%64
	h += strings.Repeat(" ", pad%64) + "\n"
	b := []byte("\x93NUMPY\x01\x00")
	b = binary.LittleEndian.AppendUint16(b, uint16(len(h)))
	return append(append(b, h...), data...)
}

func le32(vs ...float32) []byte {
	var b []byte
	for _, v := range vs {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(v))
	}
	return b
}

func TestDecodeNPY(t *testing.T) {
	be64 := binary.BigEndian.AppendUint64(binary.BigEndian.AppendUint64(nil, math.Float64bits(0.1)), math.Float64bits(-2))
	i64 := binary.LittleEndian.AppendUint64(binary.LittleEndian.AppendUint64(nil, uint64(7)), uint64(1<<63|(1<<63-3))) // 7, -3
	for _, c := range []struct {
		name  string
		in    []byte
		shape []int
		want  []float32
	}{
		{"f4", npyBytes("<f4", false, "(2, 3)", le32(1, 2, 3, 4, 5, 6)), []int{2, 3}, []float32{1, 2, 3, 4, 5, 6}},
		{"f4 fortran", npyBytes("<f4", true, "(2, 3)", le32(1, 4, 2, 5, 3, 6)), []int{2, 3}, []float32{1, 2, 3, 4, 5, 6}},
		{"f8 big-endian", npyBytes(">f8", false, "(2,)", be64), []int{2}, []float32{0.1, -2}},
		{"u1", npyBytes("|u1", false, "(1, 3)", []byte{0, 128, 255}), []int{1, 3}, []float32{0, 128, 255}},
		{"i8", npyBytes("<i8", false, "(2,)", i64), []int{2}, []float32{7, -3}},
		{"scalar", npyBytes("<f4", false, "()", le32(2.5)), []int{}, []float32{2.5}},
		{"empty", npyBytes("<f4", false, "(0, 4)", nil), []int{0, 4}, []float32{}},
	} {
		got, err := DecodeNPY(bytes.NewReader(c.in))
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if !slices.Equal(got.Shape(), c.shape) || !slices.Equal(got.Data(), c.want) {
			t.Errorf("%s: %v %v, want %v %v", c.name, got.Shape(), got.Data(), c.shape, c.want)
		}
	}
}

func TestNPYErrors(t *testing.T) {
	good := npyBytes("<f4", false, "(2,)", le32(1, 2))
	for _, c := range []struct {
		in   []byte
		want string
	}{
		{nil, "data: npy: unexpected end: want the 8-byte magic and version, got 0 bytes"},
		{[]byte("PK\x03\x04xxxxxx"), `bad magic "PK\x03\x04xx"`},
		{append([]byte("\x93NUMPY\x04\x00"), 0, 0), "format version 4.0 (accepted: 1.0, 2.0, 3.0)"},
		{append([]byte("\x93NUMPY\x02\x00"), 0xff, 0xff, 0xff, 0x7f), "header of 2147483647 bytes (accepted: at most 65536)"},
		{good[:len(good)-3], "unexpected end: want 8 bytes of data for shape [2], got 5"},
		{append(bytes.Clone(good), 0), "bytes after the array's data"},
		{npyBytes("<c8", false, "(2,)", nil), `element type "<c8" (accepted: float32, float64, uint8 and int64`},
		{npyBytes("<f4", false, "(100000000, 100000000)", nil), "shape [100000000 100000000] has more than MaxElements"},
		{npyBytes("<f4", false, "(2, x)", nil), "shape holds"},
		{npyBytes("<f4", false, "(1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1)", nil), "more than 16 dimensions"},
		{[]byte(strings.Replace(string(good), "'shape'", "'shapf'", 1)), `unknown key "shapf"`},
		{[]byte(strings.Replace(string(good), "False", "Maybe", 1)), "fortran_order is not True or False"},
	} {
		_, err := DecodeNPY(bytes.NewReader(c.in))
		if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("error %v, want one line containing %q", err, c.want)
		}
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "bad.npy")
	os.WriteFile(path, good[:20], 0o644)
	if _, err := ReadNPY(path); err == nil || !strings.HasPrefix(err.Error(), "data: "+path+": unexpected end") {
		t.Errorf("ReadNPY error %v, want it to name the file", err)
	}
}

func npzBytes(t testing.TB, members map[string][]byte, compress bool) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	names := make([]string, 0, len(members))
	for n := range members {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		m := zip.Store
		if compress {
			m = zip.Deflate
		}
		w, err := zw.CreateHeader(&zip.FileHeader{Name: n, Method: m})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(members[n])
	}
	zw.Close()
	return buf.Bytes()
}

func TestDecodeNPZ(t *testing.T) {
	for _, compress := range []bool{false, true} {
		b := npzBytes(t, map[string][]byte{
			"x.npy": npyBytes("<f4", false, "(2, 2)", le32(1, 2, 3, 4)),
			"y.npy": npyBytes("|u1", false, "(2,)", []byte{1, 0}),
		}, compress)
		m, err := DecodeNPZ(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			t.Fatal(err)
		}
		if len(m) != 2 || !slices.Equal(m["x"].Data(), []float32{1, 2, 3, 4}) || !slices.Equal(m["y"].Data(), []float32{1, 0}) {
			t.Errorf("compress %v: %v", compress, m)
		}
	}
	for _, c := range []struct {
		in   []byte
		want string
	}{
		{[]byte("not a zip"), "data: npz: not a zip archive"},
		{npzBytes(t, map[string][]byte{"x.txt": nil}, false), `member "x.txt" is not an .npy array`},
		{npzBytes(t, map[string][]byte{"x.npy": npyBytes("<f4", false, "(3,)", le32(1))}, true), `data: npz: member "x.npy": unexpected end: want 12 bytes`},
	} {
		_, err := DecodeNPZ(bytes.NewReader(c.in), int64(len(c.in)))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("error %v, want %q", err, c.want)
		}
	}
}

func TestReadCSV(t *testing.T) {
	const file = "a, b ,label,c\n1,2,0,3\n4, 5e-1 ,2,-6\n"
	for _, col := range []string{"label", "2", "-2"} {
		tb, err := DecodeCSV(strings.NewReader(file), CSVOptions{LabelColumn: col})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(tb.Columns, []string{"a", "b", "c"}) || tb.Label != "label" ||
			!slices.Equal(tb.X.Shape(), []int{2, 3}) || !slices.Equal(tb.X.Data(), []float32{1, 2, 3, 4, 0.5, -6}) ||
			!slices.Equal(tb.Y.Data(), []float32{0, 2}) {
			t.Errorf("label %q: %+v %v %v", col, tb, tb.X.Data(), tb.Y.Data())
		}
	}
	tb, err := DecodeCSV(strings.NewReader(file), CSVOptions{})
	if err != nil || tb.Y != nil || len(tb.Columns) != 4 {
		t.Errorf("without a label column: %+v, %v", tb, err)
	}
	for _, c := range []struct {
		in, col, want string
	}{
		{"", "", "data: csv: empty file"},
		{"a,b\n", "", "no data rows after the header"},
		{"a,b\n1,2\n3\n", "", "line 3 has a different number of cells than the header"},
		{"a,b\n1,x\n", "", `line 2, column "b": "x" is not a finite number`},
		{"a,b\n1,NaN\n", "", `"NaN" is not a finite number`},
		{"a,b\n1,\n", "", `"" is not a finite number`},
		{"a,b\n1,2\n", "y", `no column named "y" in the header "a,b"`},
		{"a,b\n1,2\n", "5", "label column index 5 is out of range for 2 columns"},
		{"a\n1\n", "a", `no feature columns (the header has only the label column "a")`},
		{"a,b\n\"1,2\n", "", "line 2, column"},
	} {
		_, err := DecodeCSV(strings.NewReader(c.in), CSVOptions{LabelColumn: c.col})
		if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%q: error %v, want one line containing %q", c.in, err, c.want)
		}
	}
	path := filepath.Join(t.TempDir(), "train.csv")
	os.WriteFile(path, []byte("a,b\n1,oops\n"), 0o644)
	if _, err := ReadCSV(path, CSVOptions{}); err == nil || !strings.HasPrefix(err.Error(), "data: "+path+": line 2") {
		t.Errorf("ReadCSV error %v, want it to name the file", err)
	}
}

// TestNumPyFiles reads files that NumPy itself wrote
// (tools/npyfixtures/gen.py) and compares with the values it recorded.
func TestNumPyFiles(t *testing.T) {
	var want map[string]fixture.Tensor
	if err := fixture.Load("testdata/npy/expected.json", &want); err != nil {
		t.Fatal(err)
	}
	if len(want) != 6 {
		t.Fatalf("%d arrays in expected.json", len(want))
	}
	check := func(name string, got *tensor.Tensor, w fixture.Tensor) {
		t.Helper()
		if !slices.Equal(got.Shape(), w.Shape) || !slices.Equal(got.Data(), w.Float32s()) {
			t.Errorf("%s: %v %v, want %v %v", name, got.Shape(), got.Data(), w.Shape, w.Float32s())
		}
	}
	for name, w := range want {
		got, err := ReadNPY(filepath.Join("testdata", "npy", name+".npy"))
		if err != nil {
			t.Fatal(err)
		}
		check(name, got, w)
	}
	for _, f := range []string{"pair.npz", "pair_compressed.npz"} {
		m, err := ReadNPZ(filepath.Join("testdata", "npy", f))
		if err != nil {
			t.Fatal(err)
		}
		if len(m) != 2 {
			t.Fatalf("%s: %d arrays", f, len(m))
		}
		check(f+" x", m["x"], want["f4"])
		check(f+" y", m["y"], want["i8"])
	}
}
