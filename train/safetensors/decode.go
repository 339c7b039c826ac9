package safetensors

import (
	"cmp"
	"encoding/binary"
	"fmt"
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
	fail := func(off int64, format string, args ...any) error {
		return &FormatError{File: file, Offset: off, Msg: fmt.Sprintf(format, args...)}
	}
	if len(b) < prefixSize {
		return nil, fail(-1, "file is %d bytes, too short for the 8-byte header length that starts a safetensors file (empty or truncated file?)", len(b))
	}
	n := binary.LittleEndian.Uint64(b)
	rest := uint64(len(b) - prefixSize)
	switch {
	case n > MaxHeaderSize:
		return nil, fail(0, "header length %d is over the %d-byte limit (corrupt file, or not a safetensors file?)", n, MaxHeaderSize)
	case n > rest:
		return nil, fail(0, "header length %d is more than the %d bytes that follow it (truncated file?)", n, rest)
	case n == 0:
		return nil, fail(0, "header length is 0; the header must be a JSON object")
	}
	hdr := b[prefixSize : prefixSize+n]
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
	bufStart := int64(prefixSize + n)
	buf := b[bufStart:]
	bufLen := int64(len(buf))

	// Each entry on its own: offsets within the buffer, size matching the
	// shape. Done before the coverage check so that the message names the
	// tensor that is wrong rather than its neighbour.
	for _, e := range h.entries {
		at := int64(prefixSize + e.at)
		if e.end > bufLen {
			return nil, fail(at, "tensor %q: data_offsets [%d,%d] end past the %d-byte data buffer (truncated file?)", e.name, e.begin, e.end, bufLen)
		}
		elems, ok := numel(e.shape, maxElements)
		if !ok {
			return nil, fail(at, "tensor %q: shape %s has too many elements (4 bytes times their product overflows)", e.name, formatShape(e.shape))
		}
		if size := e.end - e.begin; elems*f32Size != size {
			return nil, fail(at, "tensor %q: shape %s needs %d bytes of F32 (%d elements of 4 bytes), but data_offsets [%d,%d] span %d bytes", e.name, formatShape(e.shape), elems*f32Size, elems, e.begin, e.end, size)
		}
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

	// One allocation for all the data, sliced per tensor with a capped
	// capacity so that appending to one tensor cannot overwrite the next.
	// bufLen is a multiple of 4 here: it is a sum of 4*elems.
	data := make([]float32, bufLen/f32Size)
	for i := range data {
		data[i] = math.Float32frombits(binary.LittleEndian.Uint32(buf[i*f32Size:]))
	}
	f := &File{Tensors: make([]Tensor, len(entries)), Metadata: h.metadata}
	for i, e := range entries {
		lo, hi := e.begin/f32Size, e.end/f32Size
		f.Tensors[i] = Tensor{Name: e.name, Shape: e.shape, Data: data[lo:hi:hi]}
	}
	return f, nil
}
