package safetensors

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"slices"
	"unicode/utf8"
)

// Decode parses a whole safetensors file held in memory and returns its
// tensors, ordered by data offset, and metadata. Any violation of the rules
// in the package documentation is a *FormatError; Decode never panics. The
// result does not alias b. Decode allocates at most a small multiple of
// len(b): every size it allocates by is checked against the bytes that are
// actually there, never taken on the header's word.
func Decode(b []byte) (*File, error) {
	return decode(b, "")
}

func decode(b []byte, file string) (*File, error) {
	size := int64(len(b))
	n, err := checkPrefix(b, size, file)
	if err != nil {
		return nil, err
	}
	l, err := checkLayout(b[prefixSize:prefixSize+n], size, file)
	if err != nil {
		return nil, err
	}
	return l.read(bytes.NewReader(b[l.bufStart:]), file)
}

// layout is a header checked against the size of its file: the entries
// tile the data buffer, which starts at bufStart and holds bufLen bytes.
type layout struct {
	entries  []entry // sorted by offset
	metadata map[string]string
	bufStart int64
	bufLen   int64
	elems    int64             // all tensors' elements: the float32s read allocates
	sums     map[string]uint32 // the recorded checksums; nil if none
}

// checkPrefix checks the 8-byte header length at the start of p (the first
// bytes of a file of size bytes) and returns it.
func checkPrefix(p []byte, size int64, file string) (int64, error) {
	if size < prefixSize || len(p) < prefixSize {
		return 0, &FormatError{File: file, Offset: -1, Msg: fmt.Sprintf("file is %d bytes, too short for the 8-byte header length that starts a safetensors file (empty or truncated file?)", size)}
	}
	n := binary.LittleEndian.Uint64(p)
	rest := uint64(size - prefixSize)
	fail := func(format string, args ...any) (int64, error) {
		return 0, &FormatError{File: file, Offset: 0, Msg: fmt.Sprintf(format, args...)}
	}
	switch {
	case n > MaxHeaderSize:
		return fail("header length %d is over the %d-byte limit (corrupt file, or not a safetensors file?)", n, MaxHeaderSize)
	case n > rest:
		return fail("header length %d is more than the %d bytes that follow it (truncated file?)", n, rest)
	case n == 0:
		return fail("header length is 0; the header must be a JSON object")
	}
	return int64(n), nil
}

// checkLayout parses the header hdr of a file of size bytes and checks
// every entry against the buffer that follows it, and the checksums in its
// metadata against the entries, before any tensor data is read.
func checkLayout(hdr []byte, size int64, file string) (*layout, error) {
	fail := func(off int64, format string, args ...any) error {
		return &FormatError{File: file, Offset: off, Msg: fmt.Sprintf(format, args...)}
	}
	if !utf8.Valid(hdr) {
		i := 0
		for i < len(hdr) {
			r, size := utf8.DecodeRune(hdr[i:])
			if r == utf8.RuneError && size <= 1 {
				break
			}
			i += size
		}
		return nil, fail(int64(prefixSize+i), "header is not valid UTF-8 (corrupt header?)")
	}
	h, err := parseHeader(hdr, prefixSize, file)
	if err != nil {
		return nil, err
	}
	bufStart := int64(prefixSize + len(hdr))
	bufLen := size - bufStart
	total := int64(0)

	// Each entry on its own: offsets within the buffer, size matching the
	// shape. Done before the coverage check so that the message names the
	// tensor that is wrong rather than its neighbour.
	for i := range h.entries {
		e := &h.entries[i]
		at := int64(prefixSize + e.at)
		if e.end > bufLen {
			return nil, fail(at, "tensor %q: data_offsets [%d,%d] end past the %d-byte data buffer (truncated file?)", e.name, e.begin, e.end, bufLen)
		}
		elems, ok := numel(e.shape, math.MaxInt64/e.size)
		if !ok {
			return nil, fail(at, "tensor %q: shape %s has too many elements (%d bytes times their product overflows)", e.name, formatShape(e.shape), e.size)
		}
		if size := e.end - e.begin; elems*e.size != size {
			return nil, fail(at, "tensor %q: shape %s needs %d bytes of %s (%d elements of %d bytes), but data_offsets [%d,%d] span %d bytes", e.name, formatShape(e.shape), elems*e.size, e.dtype, elems, e.size, e.begin, e.end, size)
		}
		e.elems = elems
		total += elems // no overflow: each element takes at least 2 of the file's bytes
	}

	// Together: in offset order, the tensors must tile the buffer. The
	// format requires it, and it is what catches overlapping tensors
	// (two names reading the same bytes) and bytes that belong to nothing.
	// Empty tensors may share an offset; the name breaks the tie so that
	// the order is deterministic.
	entries := h.entries
	slices.SortFunc(entries, func(x, y entry) int {
		return cmp.Or(cmp.Compare(x.begin, y.begin), cmp.Compare(x.end, y.end), cmp.Compare(x.name, y.name))
	})
	pos := int64(0)
	prev := ""
	for _, e := range entries {
		switch {
		case e.begin < pos:
			return nil, fail(bufStart+e.begin, "tensor %q: data_offsets [%d,%d] overlap tensor %q, which ends at buffer byte %d; tensors must not share bytes", e.name, e.begin, e.end, prev, pos)
		case e.begin > pos && prev == "":
			return nil, fail(bufStart, "tensor %q: data_offsets [%d,%d] leave the first %d bytes of the buffer unused; the first tensor must begin at 0", e.name, e.begin, e.end, e.begin)
		case e.begin > pos:
			return nil, fail(bufStart+pos, "tensor %q: data_offsets [%d,%d] leave %d unused bytes after tensor %q, which ends at buffer byte %d; tensors must cover the buffer with no gaps", e.name, e.begin, e.end, e.begin-pos, prev, pos)
		}
		pos = e.end
		prev = e.name
	}
	if pos != bufLen {
		return nil, fail(bufStart+pos, "%d bytes after the end of the last tensor's data; the tensors must cover the buffer exactly (corrupt file, or data_offsets wrong?)", bufLen-pos)
	}
	names := make([]string, len(entries))
	for i, e := range entries {
		names[i] = e.name
	}
	sums, err := parseChecksums(h.metadata, names)
	if err != nil {
		return nil, &FormatError{File: file, Offset: -1, Msg: err.Error()}
	}
	return &layout{entries: entries, metadata: h.metadata, bufStart: bufStart, bufLen: bufLen, elems: total, sums: sums}, nil
}

// read reads the data buffer from r, which must hold exactly l.bufLen
// bytes, checks each tensor's checksum if the file records them, converts
// the elements to float32 and returns the File. Its one allocation
// proportional to the file is the tensors' data (bufLen bytes, twice that
// for F16 and BF16): the bytes go through a fixed buffer.
//
// A checksum is of the bytes in the file. Once verified, that of a tensor
// read from another dtype than F32 is replaced in the returned metadata by
// the checksum of its float32 data, so that the File is what Encode would
// write (and accepts) rather than a record of bytes it no longer holds.
func (l *layout) read(r io.Reader, file string) (*File, error) {
	// One allocation for all the data, sliced per tensor with a capped
	// capacity so that appending to one tensor cannot overwrite the next.
	data := make([]float32, l.elems)
	chunk := make([]byte, min(64<<10, l.bufLen)) // a multiple of every element size
	f := &File{Tensors: make([]Tensor, len(l.entries)), Metadata: l.metadata}
	lo := int64(0)
	for i, e := range l.entries {
		hi := lo + e.elems
		crc := uint32(0)
		for k := lo; k < hi; {
			n := min(int64(len(chunk))/e.size, hi-k)
			b := chunk[:n*e.size]
			at := l.bufStart + e.begin + (k-lo)*e.size
			if _, err := io.ReadFull(r, b); err != nil {
				if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
					return nil, &FormatError{File: file, Offset: at, Msg: fmt.Sprintf("tensor %q: the file ends inside its data (was it truncated while being read?)", e.name)}
				}
				return nil, fmt.Errorf("safetensors: %s: reading tensor %q: %w", file, e.name, err)
			}
			crc = crc32.Update(crc, castagnoli, b)
			if j := convert(data[k:k+n], b, e.dtype); j >= 0 {
				v := math.Float64frombits(binary.LittleEndian.Uint64(b[j*8:]))
				return nil, &FormatError{File: file, Offset: at + int64(j)*8, Msg: fmt.Sprintf("tensor %q: F64 element %d is %g, beyond float32's range (±%g); it would become infinite", e.name, k-lo+int64(j), v, float32(math.MaxFloat32))}
			}
			k += n
		}
		if want, ok := l.sums[e.name]; ok {
			if crc != want {
				return nil, &FormatError{File: file, Offset: l.bufStart + e.begin, Msg: fmt.Sprintf("tensor %q: its data has CRC-32C %08x, but the metadata records %08x (corrupted data, or tensors moved?)", e.name, crc, want)}
			}
			if e.dtype != DTypeF32 {
				f.Metadata[ChecksumPrefix+e.name] = formatChecksum(Checksum(data[lo:hi]))
			}
		}
		f.Tensors[i] = Tensor{Name: e.name, Shape: e.shape, Data: data[lo:hi:hi]}
		lo = hi
	}
	return f, nil
}
