package safetensors

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

const specHeader = `{"test":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]}}`

func TestDecodeSpecExample(t *testing.T) {
	f, err := Decode(build(specHeader, f32s(1, 2, 3, 4)))
	if err != nil {
		t.Fatal(err)
	}
	want := &File{Tensors: []Tensor{{Name: "test", Shape: []int{2, 2}, Data: []float32{1, 2, 3, 4}}}}
	if msg, ok := equalFiles(f, want); !ok {
		t.Fatal(msg)
	}
	if f.Metadata != nil {
		t.Errorf("Metadata = %v, want nil", f.Metadata)
	}
}

// The reference implementation's own test file, with the dtype changed to
// F32: metadata first and the header padded with spaces.
func TestDecodeMetadataAndPadding(t *testing.T) {
	h := `{"__metadata__":{"framework":"pt"},"test1":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]}}       `
	f, err := Decode(build(h, make([]byte, 16)))
	if err != nil {
		t.Fatal(err)
	}
	if f.Metadata["framework"] != "pt" || len(f.Metadata) != 1 {
		t.Errorf("Metadata = %v", f.Metadata)
	}
	if tt, ok := f.Get("test1"); !ok || len(tt.Data) != 4 {
		t.Errorf("Get(test1) = %v, %v", tt, ok)
	}
	if _, ok := f.Get("nope"); ok {
		t.Error("Get(nope) found a tensor")
	}
}

// Header order is irrelevant: tensors come back in buffer order, which is
// what older writers (name order, any order) rely on.
func TestDecodeOrdersByOffset(t *testing.T) {
	h := "{\n  \"z\": {\"shape\": [1], \"dtype\": \"F32\", \"data_offsets\": [0, 4]},\r\n\t\"e\": {\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[4,4]},\n  \"a\": {\"data_offsets\": [4, 12], \"dtype\": \"F32\", \"shape\": [2]}\n}"
	f, err := Decode(build(h, f32s(9, 1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, t := range f.Tensors {
		names = append(names, t.Name)
	}
	if got := strings.Join(names, ","); got != "z,a,e" && got != "z,e,a" {
		t.Fatalf("order = %s, want z first then a, e by offset", got)
	}
	// Empty tensors at the same offset as a tensor's start sort before it
	// (shorter end first); the order must be deterministic.
	if got := strings.Join(names, ","); got != "z,e,a" {
		t.Errorf("order = %s, want z,e,a", got)
	}
	a, _ := f.Get("a")
	if a.Data[0] != 1 || a.Data[1] != 2 || cap(a.Data) != 2 {
		t.Errorf("a = %v cap %d", a.Data, cap(a.Data))
	}
}

func TestDecodeStringsAndNull(t *testing.T) {
	h := `{"__metadata__":null,"a\u00e9\ud83d\ude00\n\"\\\/":{"dtype":"F32","shape":[],"data_offsets":[0,4]}}`
	f, err := Decode(build(h, f32s(float32(math.Inf(-1)))))
	if err != nil {
		t.Fatal(err)
	}
	if f.Tensors[0].Name != "aé😀\n\"\\/" {
		t.Errorf("name = %q", f.Tensors[0].Name)
	}
	if len(f.Tensors[0].Shape) != 0 || !math.IsInf(float64(f.Tensors[0].Data[0]), -1) {
		t.Errorf("scalar = %+v", f.Tensors[0])
	}
	if f.Metadata != nil {
		t.Errorf("null metadata = %v", f.Metadata)
	}
}

func TestDecodeEmpty(t *testing.T) {
	for _, h := range []string{"{}", "{}      ", "{ }\n", `{"__metadata__":{}}`} {
		f, err := Decode(build(h, nil))
		if err != nil || len(f.Tensors) != 0 || len(f.Metadata) != 0 {
			t.Errorf("%q: %v, %v", h, f, err)
		}
	}
}

func ent(name, dtype, shape, offs string) string {
	return `"` + name + `":{"dtype":"` + dtype + `","shape":` + shape + `,"data_offsets":` + offs + `}`
}

// decodeErrorCases is every way a file can be wrong, with what the message
// must say. The fuzz target seeds from it too.
var decodeErrorCases = []struct {
	name string
	file []byte
	want []string
}{
	{"empty file", nil, []string{"file is 0 bytes", "too short"}},
	{"7 bytes", []byte{1, 2, 3, 4, 5, 6, 7}, []string{"file is 7 bytes", "8-byte header length"}},
	{"hostile length", append([]byte{0, 0, 0, 0, 0, 0, 0, 0x40}, "{}"...), []string{"over the 100000000-byte limit", "at byte 0"}},
	{"length past the file", append([]byte{100, 0, 0, 0, 0, 0, 0, 0}, "{}"...), []string{"header length 100 is more than the 2 bytes", "truncated"}},
	{"zero length", build("", nil), []string{"header length is 0"}},
	{"invalid utf8", build("{\"a\xff\":1}", nil), []string{"not valid UTF-8", "at byte 11"}},
	{"not json", build("hello", nil), []string{"JSON object starting with '{'", "found the character 'h'"}},
	{"array", build("[]", nil), []string{"JSON object", "found an array"}},
	{"leading space", build(" {}", nil), []string{"starting with '{'"}},
	{"truncated json", build(`{"a":{"dtype"`, nil), []string{"end of the header", "truncated"}},
	{"unterminated string", build(`{"abc`, nil), []string{"not terminated"}},
	{"garbage after", build(`{}x`, nil), []string{"after the header object", "only spaces"}},
	{"second object", build(`{}{}`, nil), []string{"after the header object"}},
	{"missing colon", build(`{"a" 1}`, nil), []string{`expected ':' after key "a"`}},
	{"missing comma", build(`{"a":{"dtype":"F32","shape":[],"data_offsets":[0,4]} "b":1}`, f32s(1)), []string{`expected ',' or '}' after the value of "a"`}},
	{"key not string", build(`{1:2}`, nil), []string{"expected a tensor name", "found a number"}},
	{"entry not object", build(`{"a":[1]}`, nil), []string{`tensor "a": expected an object with "dtype", "shape" and "data_offsets", found an array`}},
	{"entry empty", build(`{"a":{}}`, nil), []string{`tensor "a": entry is empty`}},
	{"missing field", build(`{"a":{"dtype":"F32","shape":[1]}}`, f32s(1)), []string{`tensor "a": missing field "data_offsets"`}},
	{"unknown field", build(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"foo":1}}`, f32s(1)), []string{`unknown field "foo"`, "exactly"}},
	{"duplicate field", build(`{"a":{"dtype":"F32","dtype":"F32","shape":[1],"data_offsets":[0,4]}}`, f32s(1)), []string{`field "dtype" appears twice`}},
	{"dtype I64", build("{"+ent("w", "I64", "[1]", "[0,8]")+"}", make([]byte, 8)), []string{`tensor "w": dtype "I64" is not supported; accepted: "F32", "F64", "F16" or "BF16" (read as float32)`}},
	{"dtype F8", build("{"+ent("w", "F8_E4M3", "[2]", "[0,2]")+"}", make([]byte, 2)), []string{`dtype "F8_E4M3" is not supported`}},
	{"dtype unknown", build("{"+ent("w", "float", "[1]", "[0,4]")+"}", f32s(1)), []string{`unknown dtype "float"; accepted: "F32", "F64"`}},
	{"F16 size mismatch", build("{"+ent("w", "F16", "[3]", "[0,4]")+"}", make([]byte, 4)), []string{`tensor "w": shape [3] needs 6 bytes of F16 (3 elements of 2 bytes), but data_offsets [0,4] span 4 bytes`}},
	{"F64 size mismatch", build("{"+ent("w", "F64", "[1]", "[0,4]")+"}", make([]byte, 4)), []string{`needs 8 bytes of F64`}},
	{"F64 overflow", build("{"+ent("w", "F64", "[2]", "[0,16]")+"}", f64s(1, 1e39)), []string{`tensor "w": F64 element 1 is 1e+39, beyond float32's range`, "(±3.4028235e+38)", "at byte 71"}},
	{"F64 shape overflow", build("{"+ent("w", "F64", "[2305843009213693952]", "[0,8]")+"}", make([]byte, 8)), []string{`8 bytes times their product overflows`}},
	{"dtype not string", build(`{"w":{"dtype":32,"shape":[1],"data_offsets":[0,4]}}`, f32s(1)), []string{"dtype must be a string", "found a number"}},
	{"shape negative", build("{"+ent("w", "F32", "[-1]", "[0,4]")+"}", f32s(1)), []string{`tensor "w": shape holds the negative number -1`}},
	{"shape float", build("{"+ent("w", "F32", "[2.5]", "[0,4]")+"}", f32s(1)), []string{"2.5, which is not an integer"}},
	{"shape exponent", build("{"+ent("w", "F32", "[1e0]", "[0,4]")+"}", f32s(1)), []string{"1e0, which is not an integer"}},
	{"shape leading zero", build("{"+ent("w", "F32", "[01]", "[0,4]")+"}", f32s(1)), []string{"leading zero"}},
	{"shape not array", build("{"+ent("w", "F32", "1", "[0,4]")+"}", f32s(1)), []string{"shape must be an array of non-negative integers, found a number"}},
	{"shape string element", build("{"+ent("w", "F32", `["1"]`, "[0,4]")+"}", f32s(1)), []string{"shape must hold non-negative integers, found a string"}},
	{"shape huge dim", build("{"+ent("w", "F32", "[99999999999999999999]", "[0,4]")+"}", f32s(1)), []string{"too large"}},
	{"shape overflow", build("{"+ent("w", "F32", "[4611686018427387904,4611686018427387904]", "[0,4]")+"}", f32s(1)), []string{`tensor "w": shape [4611686018427387904,4611686018427387904] has too many elements`}},
	{"shape unclosed", build(`{"w":{"dtype":"F32","shape":[1 2]}}`, nil), []string{"expected ',' or ']' in shape"}},
	{"offsets one", build("{"+ent("w", "F32", "[1]", "[4]")+"}", f32s(1)), []string{"data_offsets has 1 elements; it must be two"}},
	{"offsets three", build("{"+ent("w", "F32", "[1]", "[0,4,8]")+"}", f32s(1)), []string{"data_offsets has more than two elements"}},
	{"offsets negative", build("{"+ent("w", "F32", "[1]", "[-4,0]")+"}", f32s(1)), []string{"data_offsets holds the negative number -4"}},
	{"offsets reversed", build("{"+ent("w", "F32", "[1]", "[4,0]")+"}", f32s(1)), []string{"data_offsets [4,0] begin after end"}},
	{"offsets not array", build("{"+ent("w", "F32", "[1]", `"0-4"`)+"}", f32s(1)), []string{"data_offsets must be an array of two non-negative integers"}},
	{"size mismatch", build("{"+ent("w", "F32", "[2,2]", "[0,12]")+"}", make([]byte, 12)), []string{`tensor "w": shape [2,2] needs 16 bytes of F32`, "span 12 bytes"}},
	{"past buffer", build("{"+ent("w", "F32", "[2,2]", "[0,16]")+"}", make([]byte, 12)), []string{`tensor "w": data_offsets [0,16] end past the 12-byte data buffer`, "truncated"}},
	{"hostile offsets", build("{"+ent("w", "F32", "[1073741824]", "[0,4294967296]")+"}", f32s(1)), []string{"end past the 4-byte data buffer"}},
	{"overlap", build("{"+ent("a", "F32", "[2]", "[0,8]")+","+ent("b", "F32", "[2]", "[4,12]")+"}", make([]byte, 12)), []string{`tensor "b": data_offsets [4,12] overlap tensor "a"`}},
	{"same bytes", build("{"+ent("a", "F32", "[1]", "[0,4]")+","+ent("b", "F32", "[1]", "[0,4]")+"}", f32s(1)), []string{"overlap"}},
	{"gap", build("{"+ent("a", "F32", "[1]", "[0,4]")+","+ent("b", "F32", "[1]", "[8,12]")+"}", make([]byte, 12)), []string{`tensor "b": data_offsets [8,12] leave 4 unused bytes after tensor "a"`}},
	{"not from 0", build("{"+ent("a", "F32", "[1]", "[4,8]")+"}", make([]byte, 8)), []string{"leave the first 4 bytes of the buffer unused"}},
	{"trailing bytes", build("{"+ent("a", "F32", "[1]", "[0,4]")+"}", make([]byte, 7)), []string{"3 bytes after the end of the last tensor's data", "cover the buffer exactly"}},
	{"no tensors but data", build("{}", make([]byte, 4)), []string{"4 bytes after the end"}},
	{"duplicate name", build("{"+ent("a", "F32", "[1]", "[0,4]")+","+ent("a", "F32", "[1]", "[4,8]")+"}", make([]byte, 8)), []string{`key "a" appears twice in the header (first at byte 9)`, "unique"}},
	{"duplicate metadata", build(`{"__metadata__":{},"__metadata__":{}}`, nil), []string{`key "__metadata__" appears twice`}},
	{"empty name", build("{"+ent("", "F32", "[1]", "[0,4]")+"}", f32s(1)), []string{"tensor name is empty"}},
	{"metadata number", build(`{"__metadata__":{"step":100}}`, nil), []string{`__metadata__: the value of "step" must be a string, found a number`}},
	{"metadata array", build(`{"__metadata__":["a"]}`, nil), []string{"__metadata__ must be an object of string to string, found an array"}},
	{"metadata duplicate", build(`{"__metadata__":{"a":"1","a":"2"}}`, nil), []string{`__metadata__: key "a" appears twice`}},
	{"invalid escape", build(`{"a\x":1}`, nil), []string{`invalid escape \x`}},
	{"short unicode escape", build(`{"a\u12":1}`, nil), []string{`invalid \u escape`}},
	{"lone surrogate", build(`{"a\ud800":1}`, nil), []string{"lone UTF-16 surrogate"}},
	{"lone low surrogate", build(`{"a\udc00":1}`, nil), []string{"lone UTF-16 surrogate"}},
	{"control character", build("{\"a\tb\":1}", nil), []string{"unescaped control character 0x09"}},
}

func TestDecodeErrors(t *testing.T) {
	dir := t.TempDir()
	for _, c := range decodeErrorCases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Decode(c.file)
			mustContain(t, err, c.want...)
			var fe *FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("error %T is not a *FormatError", err)
			}
			if !strings.HasPrefix(err.Error(), "safetensors: ") || fe.File != "" {
				t.Errorf("Decode error %q: want prefix %q and no file", err, "safetensors: ")
			}
			// Through ReadFile the same message names the file.
			path := filepath.Join(dir, "checkpoint.safetensors")
			if err := os.WriteFile(path, c.file, 0o644); err != nil {
				t.Fatal(err)
			}
			_, err = ReadFile(path)
			mustContain(t, err, c.want...)
			if !strings.HasPrefix(err.Error(), "safetensors: "+path+": ") {
				t.Errorf("ReadFile error %q does not start with %q", err, "safetensors: "+path+": ")
			}
			if errors.As(err, &fe); fe.File != path {
				t.Errorf("FormatError.File = %q, want %q", fe.File, path)
			}
		})
	}
}

func TestDecodeTruncatedAndCorrupted(t *testing.T) {
	var buf strings.Builder
	if err := Encode(&buf, sampleFile()); err != nil {
		t.Fatal(err)
	}
	good := []byte(buf.String())
	for n := range len(good) {
		if _, err := Decode(good[:n]); err == nil {
			t.Fatalf("truncated to %d of %d bytes: no error", n, len(good))
		}
	}
	// Flipping any single byte either fails cleanly or (in the data) decodes.
	for i := range good {
		b := append([]byte(nil), good...)
		b[i] ^= 0xa5
		if _, err := Decode(b); err != nil {
			var fe *FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("byte %d: error %T is not a *FormatError", i, err)
			}
		}
	}
}

// A header that claims huge sizes must be refused without allocating them.
func TestDecodeHostileAllocation(t *testing.T) {
	inputs := [][]byte{
		append([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, "{}"...),
		append([]byte{0, 0xe1, 0xf5, 0x05, 0, 0, 0, 0}, "{}"...), // exactly 100e6, past the file
		build("{"+ent("w", "F32", "[1073741824,1073741824]", "[0,4611686018427387904]")+"}", f32s(1)),
		build("{"+ent("w", "F32", "[0,9223372036854775807]", "[0,0]")+"}", nil),
	}
	for i, in := range inputs {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, err := Decode(in)
		runtime.ReadMemStats(&after)
		if got := after.TotalAlloc - before.TotalAlloc; got > 64<<10 {
			t.Errorf("input %d: Decode allocated %d bytes for a %d-byte input (err %v)", i, got, len(in), err)
		}
	}
}
