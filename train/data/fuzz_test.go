package data

import (
	"bytes"
	"compress/gzip"
	"io"
	"runtime"
	"testing"
)

// FuzzReadIDX checks that ReadIDX never panics, that what it accepts
// writes back and reads back the same, and that it never allocates much
// more than the (decompressed) input holds, whatever the header claims.
func FuzzReadIDX(f *testing.F) {
	img := idxBytes(f, smallImages(), false)
	lbl := idxBytes(f, &IDX{Dims: []int{4}, Data: []byte{9, 0, 3, 1}}, false)
	for _, seed := range [][]byte{
		img,
		lbl,
		idxBytes(f, smallImages(), true),
		idxBytes(f, &IDX{Dims: []int{4}, Data: []byte{9, 0, 3, 1}}, true),
		img[:len(img)-3],                      // truncated data
		img[:10],                              // truncated header
		append(bytes.Clone(img), 0),           // trailing byte
		header(0x00000d03, 1, 1, 1),           // float type
		header(0x01000803, 1, 1, 1),           // bad magic
		header(0x00000803, 1<<14, 1<<7, 1<<7), // hostile header, no data
		header(0x00000803, 0xffffffff, 0xffffffff, 0xffffffff),
		gz(append(header(0x00000803, 1<<14, 1<<7, 1<<7), 1, 2, 3)),
		{0x1f, 0x8b},
		{},
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		m, err := ReadIDX(bytes.NewReader(in))
		runtime.ReadMemStats(&after)
		// The bound: twice the data present (the buffer doubles as data
		// arrives) plus the fixed cost of the first 1 MiB buffer, bufio and
		// a gzip decompressor.
		present := int64(len(in))
		if len(in) >= 2 && in[0] == 0x1f && in[1] == 0x8b {
			present = decompressedLen(in)
		}
		if got, bound := int64(after.TotalAlloc-before.TotalAlloc), 2*present+2<<20; got > bound {
			t.Fatalf("allocated %d bytes (bound %d) for %d input bytes (%d decompressed)", got, bound, len(in), present)
		}
		if err != nil {
			if m != nil {
				t.Fatal("result and error both non-nil")
			}
			if _, ok := err.(*FormatError); !ok {
				t.Fatalf("error %T is not a *FormatError: %v", err, err)
			}
			return
		}
		var buf bytes.Buffer
		if err := WriteIDX(&buf, m); err != nil {
			t.Fatalf("WriteIDX of what ReadIDX accepted: %v", err)
		}
		m2, err := ReadIDX(&buf)
		if err != nil || !equalIDX(m, m2) {
			t.Fatalf("round trip: %v", err)
		}
	})
}

// decompressedLen returns how many bytes the gzip stream in b decompresses
// to, as far as it is readable (capped beyond MaxIDXBytes).
func decompressedLen(b []byte) int64 {
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return 0
	}
	n, _ := io.Copy(io.Discard, io.LimitReader(zr, MaxIDXBytes+1<<20))
	return n
}
