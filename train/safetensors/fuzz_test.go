package safetensors

import (
	"bytes"
	"runtime"
	"testing"
)

// FuzzDecode checks that Decode never panics, never allocates much more
// than its input, and that whatever it accepts survives Encode: the
// re-encoded file decodes to the same content, and encoding is then stable
// byte for byte.
func FuzzDecode(f *testing.F) {
	var buf bytes.Buffer
	for _, file := range []*File{sampleFile(), {}, {Metadata: map[string]string{"a": "b"}}} {
		buf.Reset()
		if err := Encode(&buf, file); err != nil {
			f.Fatal(err)
		}
		good := append([]byte(nil), buf.Bytes()...)
		f.Add(good)
		f.Add(good[:len(good)/2]) // truncated in the header or data
		f.Add(good[:len(good)-1]) // one byte short
		f.Add(append(good, 0))    // a trailing byte
		corrupt := append([]byte(nil), good...)
		corrupt[12] = '}' // corrupted header
		f.Add(corrupt)
	}
	f.Add(build(specHeader, f32s(1, 2, 3, 4)))
	for _, c := range decodeErrorCases {
		f.Add(c.file)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		got, err := Decode(b)
		runtime.ReadMemStats(&after)
		// The bound: header structures cost a few bytes per header byte,
		// the data a copy of the buffer. The constant covers map buckets
		// and the fuzzer's own bookkeeping.
		if alloc, limit := after.TotalAlloc-before.TotalAlloc, uint64(16*len(b)+1<<20); alloc > limit {
			t.Fatalf("Decode allocated %d bytes for a %d-byte input (limit %d)", alloc, len(b), limit)
		}
		if err != nil {
			if got != nil {
				t.Fatal("Decode returned a File with an error")
			}
			if _, ok := err.(*FormatError); !ok {
				t.Fatalf("error %T is not a *FormatError: %v", err, err)
			}
			return
		}
		var w bytes.Buffer
		if err := Encode(&w, got); err != nil {
			t.Fatalf("Encode refused what Decode accepted: %v", err)
		}
		again, err := Decode(w.Bytes())
		if err != nil {
			t.Fatalf("Decode refused what Encode wrote: %v", err)
		}
		if msg, ok := equalFiles(got, again); !ok {
			t.Fatalf("round trip changed the content: %s", msg)
		}
		var w2 bytes.Buffer
		if err := Encode(&w2, again); err != nil || !bytes.Equal(w.Bytes(), w2.Bytes()) {
			t.Fatalf("encoding is not stable: %v", err)
		}
	})
}
