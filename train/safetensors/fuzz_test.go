package safetensors

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"math"
	"runtime"
	"testing"
)

// FuzzDecode checks that Decode never panics, never allocates much more
// than its input, and that whatever it accepts survives Encode: the
// re-encoded file decodes to the same content, and encoding is then stable
// byte for byte.
func FuzzDecode(f *testing.F) {
	var buf bytes.Buffer
	summed := sampleFile()
	summed.SetChecksums()
	for _, file := range []*File{sampleFile(), {}, {Metadata: map[string]string{"a": "b"}}, summed} {
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
		flipped := append([]byte(nil), good...)
		flipped[len(flipped)-1] ^= 1 // a bit of the data: refused when checksummed
		f.Add(flipped)
	}
	f.Add(build(specHeader, f32s(1, 2, 3, 4)))
	// Every dtype read, converted (F16 1, -2, 65504; BF16 1; F64 0.1).
	mixed := "{" + ent("h", "F16", "[3]", "[0,6]") + "," + ent("b", "BF16", "[1]", "[6,8]") + "," + ent("d", "F64", "[1]", "[8,16]") + "}"
	f.Add(build(mixed, append([]byte{0x00, 0x3c, 0x00, 0xc0, 0xff, 0x7b, 0x80, 0x3f}, f64s(0.1)...)))
	for _, c := range decodeErrorCases {
		f.Add(c.file)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		got, err := Decode(b)
		runtime.ReadMemStats(&after)
		streamed, serr := decodeStream(b)
		if (err == nil) != (serr == nil) || err != nil && err.Error() != serr.Error() {
			t.Fatalf("Decode and ReadFile's streaming path disagree: %v, %v", err, serr)
		}
		if err == nil {
			if msg, ok := equalFiles(got, streamed); !ok {
				t.Fatalf("Decode and ReadFile's streaming path disagree: %s", msg)
			}
			// Accepted checksums match the data, computed independently.
			for _, tn := range got.Tensors {
				if v, ok := got.Metadata[ChecksumPrefix+tn.Name]; ok && v != formatChecksum(crcOfBytes(tn.Data)) {
					t.Fatalf("tensor %q: accepted with checksum %s, data's is %08x", tn.Name, v, crcOfBytes(tn.Data))
				}
			}
		}
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

// decodeStream decodes b as ReadFile does a file: prefix and header read
// first, then the data through a reader.
func decodeStream(b []byte) (*File, error) {
	r := bytes.NewReader(b)
	l, err := readLayout(r, int64(len(b)), "")
	if err != nil {
		return nil, err
	}
	return l.read(r, "")
}

// crcOfBytes is the CRC-32C of data's little-endian bytes, computed in one
// piece (Checksum goes through a buffer).
func crcOfBytes(data []float32) uint32 {
	b := make([]byte, 0, 4*len(data))
	for _, v := range data {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(v))
	}
	return crc32.Checksum(b, crc32.MakeTable(crc32.Castagnoli))
}
