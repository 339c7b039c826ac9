package safetensors

import (
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Encode writes f to w in the safetensors format: tensor data in the order
// of f.Tensors, the JSON header listing names sorted and padded with spaces
// to a multiple of 8 bytes (so the data is 8-byte aligned in the file).
//
// Encode first checks f and returns an *EncodeError, having written
// nothing, if a name is empty, repeated, not valid UTF-8 or "__metadata__",
// if a shape has a negative dimension, or if len(Data) is not the product of
// Shape, or if the metadata records checksums (see SetChecksums) that are
// incomplete or do not match the data. An error from w is returned wrapped,
// with w possibly holding part of the file: use WriteFile to replace a file
// safely.
func Encode(w io.Writer, f *File) error {
	hdr, err := encodeHeader(f)
	if err != nil {
		return err
	}
	if err := writeFile(w, hdr, f); err != nil {
		return fmt.Errorf("safetensors: writing: %w", err)
	}
	return nil
}

// writeFile writes the prefix, the header and the data. Values are
// converted to little-endian bytes through a fixed buffer, so writing costs
// no allocation proportional to the checkpoint.
func writeFile(w io.Writer, hdr []byte, f *File) error {
	var prefix [prefixSize]byte
	binary.LittleEndian.PutUint64(prefix[:], uint64(len(hdr)))
	if _, err := w.Write(prefix[:]); err != nil {
		return err
	}
	if _, err := w.Write(hdr); err != nil {
		return err
	}
	chunk := make([]byte, 64<<10)
	k := 0
	for _, t := range f.Tensors {
		for _, v := range t.Data {
			if k == len(chunk) {
				if _, err := w.Write(chunk); err != nil {
					return err
				}
				k = 0
			}
			binary.LittleEndian.PutUint32(chunk[k:], math.Float32bits(v))
			k += f32Size
		}
	}
	if k > 0 {
		if _, err := w.Write(chunk[:k]); err != nil {
			return err
		}
	}
	return nil
}

// encodeHeader validates f and returns its padded JSON header.
func encodeHeader(f *File) ([]byte, error) {
	if f == nil {
		return nil, &EncodeError{Msg: "File is nil"}
	}
	offsets, err := dataOffsets(f.Tensors)
	if err != nil {
		return nil, err
	}
	if err := checkChecksums(f); err != nil {
		if _, ok := err.(*EncodeError); ok {
			return nil, err
		}
		return nil, encodeError("", "%v", err)
	}
	keys, err := metadataKeys(f.Metadata)
	if err != nil {
		return nil, err
	}
	order := make([]int, len(f.Tensors))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return strings.Compare(f.Tensors[a].Name, f.Tensors[b].Name) })

	// The reference writer's layout: compact JSON, "__metadata__" first,
	// fields in the order dtype, shape, data_offsets.
	var b []byte
	b = append(b, '{')
	if len(keys) > 0 {
		b = appendMetadata(b, f.Metadata, keys)
		if len(order) > 0 {
			b = append(b, ',')
		}
	}
	for n, i := range order {
		if n > 0 {
			b = append(b, ',')
		}
		b = appendTensorEntry(b, &f.Tensors[i], offsets[i])
	}
	b = append(b, '}')
	for len(b)%8 != 0 {
		b = append(b, ' ')
	}
	if len(b) > MaxHeaderSize {
		return nil, encodeError("", "the header would be %d bytes, over the %d-byte limit that readers accept; split the checkpoint", len(b), MaxHeaderSize)
	}
	return b, nil
}

// encodeError is Encode's error about the tensor name ("" for the file).
func encodeError(name, format string, args ...any) error {
	return &EncodeError{Tensor: name, Msg: fmt.Sprintf(format, args...)}
}

// dataOffsets checks the tensors' names (non-empty, unique, valid UTF-8,
// not "__metadata__") and shapes (dimensions >= 0, with as many elements as
// Data), and returns each tensor's data_offsets: begin and end in the data
// section, which holds the tensors in the order given.
func dataOffsets(tensors []Tensor) ([][2]int64, error) {
	index := make(map[string]int, len(tensors))
	offsets := make([][2]int64, len(tensors))
	var pos int64
	for i, t := range tensors {
		switch {
		case t.Name == "":
			return nil, encodeError("", "tensor %d has an empty name; names must be non-empty", i)
		case t.Name == metadataKey:
			return nil, encodeError(t.Name, "the name is reserved for the file's metadata; use File.Metadata")
		case !utf8.ValidString(t.Name):
			return nil, encodeError(t.Name, "the name is not valid UTF-8, which a JSON header cannot hold")
		}
		if j, dup := index[t.Name]; dup {
			return nil, encodeError(t.Name, "the name is used by tensors %d and %d; names must be unique", j, i)
		}
		index[t.Name] = i
		elems, ok := numel(t.Shape, maxElements)
		if !ok {
			if slices.ContainsFunc(t.Shape, func(d int) bool { return d < 0 }) {
				return nil, encodeError(t.Name, "shape %s has a negative dimension; dimensions must be >= 0", formatShape(t.Shape))
			}
			return nil, encodeError(t.Name, "shape %s has too many elements", formatShape(t.Shape))
		}
		if elems != int64(len(t.Data)) {
			return nil, encodeError(t.Name, "shape %s has %d elements but Data has %d; they must match", formatShape(t.Shape), elems, len(t.Data))
		}
		offsets[i] = [2]int64{pos, pos + elems*f32Size}
		pos += elems * f32Size
	}
	return offsets, nil
}

// metadataKeys checks that md's keys and values are valid UTF-8 and
// returns the keys sorted.
func metadataKeys(md map[string]string) ([]string, error) {
	keys := make([]string, 0, len(md))
	for k, v := range md {
		if !utf8.ValidString(k) || !utf8.ValidString(v) {
			return nil, encodeError("", "metadata %q: key and value must be valid UTF-8, which a JSON header can hold", k)
		}
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys, nil
}

// appendMetadata appends the "__metadata__" entry: md's keys, in the order
// of keys, with their values.
func appendMetadata(b []byte, md map[string]string, keys []string) []byte {
	b = appendString(b, metadataKey)
	b = append(b, ":{"...)
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, k)
		b = append(b, ':')
		b = appendString(b, md[k])
	}
	return append(b, '}')
}

// appendTensorEntry appends t's header entry, with its data_offsets off.
func appendTensorEntry(b []byte, t *Tensor, off [2]int64) []byte {
	b = appendString(b, t.Name)
	b = append(b, `:{"dtype":"F32","shape":[`...)
	for j, d := range t.Shape {
		if j > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, int64(d), 10)
	}
	b = append(b, `],"data_offsets":[`...)
	b = strconv.AppendInt(b, off[0], 10)
	b = append(b, ',')
	b = strconv.AppendInt(b, off[1], 10)
	return append(b, "]}"...)
}

// appendString appends s as a JSON string. Only what JSON requires is
// escaped (quote, backslash, control characters); unlike encoding/json, '<',
// '>' and '&' stay as they are, as the reference writer leaves them.
func appendString(b []byte, s string) []byte {
	const hexDigits = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c == '\n':
			b = append(b, '\\', 'n')
		case c == '\r':
			b = append(b, '\\', 'r')
		case c == '\t':
			b = append(b, '\\', 't')
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}
