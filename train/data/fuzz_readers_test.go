package data

import (
	"bytes"
	"runtime"
	"strings"
	"testing"
)

// allocated returns the bytes f allocated.
func allocated(f func()) int64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return int64(after.TotalAlloc - before.TotalAlloc)
}

// FuzzDecodeNPY checks that DecodeNPY never panics, returns a
// *FormatError or a tensor whose size its header implies, and allocates
// about what the input holds (its float32 values at most 4x a byte each,
// twice over while the data arrives in chunks, plus the first 1 MiB chunk
// and bufio), whatever the header claims.
func FuzzDecodeNPY(f *testing.F) {
	for _, seed := range [][]byte{
		npyBytes("<f4", false, "(2, 3)", le32(1, 2, 3, 4, 5, 6)),
		npyBytes(">f8", true, "(1, 2)", make([]byte, 16)),
		npyBytes("|u1", false, "(3,)", []byte{1, 2, 3}),
		npyBytes("<i8", false, "()", make([]byte, 8)),
		npyBytes("<f4", false, "(100000000, 100000000)", nil),
		npyBytes("<f4", false, "(1000000,)", le32(1)),
		[]byte("\x93NUMPY\x02\x00\x10\x00\x00\x00{'descr': '<f4'}"),
		{},
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		var err error
		got := allocated(func() {
			var x interface{ Numel() int }
			x, err = DecodeNPY(bytes.NewReader(in))
			switch e := err.(type) {
			case nil:
				if x.Numel() > len(in) {
					t.Fatalf("%d elements from %d input bytes", x.Numel(), len(in))
				}
			case *FormatError:
			default:
				t.Fatalf("error %T is not a *FormatError: %v", e, e)
			}
		})
		if bound := 16*int64(len(in)) + 2<<20; got > bound {
			t.Fatalf("allocated %d bytes (bound %d) for %d input bytes (error %v)", got, bound, len(in), err)
		}
	})
}

// FuzzDecodeNPZ: as FuzzDecodeNPY, through a zip archive (stored or
// deflated members).
func FuzzDecodeNPZ(f *testing.F) {
	f.Add(npzBytes(f, map[string][]byte{"x.npy": npyBytes("<f4", false, "(2,)", le32(1, 2))}, false))
	f.Add(npzBytes(f, map[string][]byte{"x.npy": npyBytes("<f4", false, "(2,)", le32(1, 2)), "y.npy": npyBytes("|u1", false, "(1,)", []byte{7})}, true))
	f.Add(npzBytes(f, map[string][]byte{"x.npy": npyBytes("<f4", false, "(100000000,)", nil)}, true))
	f.Add([]byte("PK\x05\x06" + strings.Repeat("\x00", 18)))
	f.Fuzz(func(t *testing.T, in []byte) {
		m, err := DecodeNPZ(bytes.NewReader(in), int64(len(in)))
		if err != nil {
			if m != nil {
				t.Fatal("result and error both non-nil")
			}
			if _, ok := err.(*FormatError); !ok {
				t.Fatalf("error %T is not a *FormatError: %v", err, err)
			}
		}
	})
}

// FuzzDecodeCSV checks that DecodeCSV never panics, returns a *FormatError
// or a table whose shapes agree, and holds only finite values.
func FuzzDecodeCSV(f *testing.F) {
	for _, seed := range []string{
		"a,b,label\n1,2,0\n3,4,1\n",
		"x\n1e38\n-0\n",
		"a,\"b,c\"\n1,2\n",
		"a,b\n1,2\n3\n",
		"a,b\n1,inf\n",
		"",
	} {
		f.Add([]byte(seed), "label")
	}
	f.Fuzz(func(t *testing.T, in []byte, col string) {
		tb, err := DecodeCSV(bytes.NewReader(in), CSVOptions{LabelColumn: col})
		if err != nil {
			if _, ok := err.(*FormatError); !ok {
				t.Fatalf("error %T is not a *FormatError: %v", err, err)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("error of several lines: %q", err)
			}
			return
		}
		rows := tb.X.Size(0)
		if tb.X.Size(1) != len(tb.Columns) || (tb.Y != nil && tb.Y.Size(0) != rows) {
			t.Fatalf("shapes %v and %v for %d columns", tb.X.Shape(), tb.Y, len(tb.Columns))
		}
		for _, v := range tb.X.Data() {
			if v-v != 0 {
				t.Fatalf("non-finite value %v accepted", v)
			}
		}
	})
}
