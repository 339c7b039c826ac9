package safetensors

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"math"
	"strconv"
	"strings"
)

// ChecksumPrefix starts the metadata keys that record tensors' checksums:
// "crc32c.fc1.weight" holds the CRC-32C (Castagnoli) of the bytes of
// tensor "fc1.weight" as they are in the file, as 8 lowercase hex digits.
// The format itself has no checksum; with these keys a reader detects
// flipped bits and tensors whose data_offsets were exchanged (same size,
// other name), which would otherwise decode as valid. Other readers see
// them as ordinary metadata.
const ChecksumPrefix = "crc32c."

// castagnoli is the CRC-32C table: hash/crc32 computes it with the CPU's
// CRC32 instruction where there is one, at several GB/s.
var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Checksum returns the CRC-32C of data's little-endian bytes, the value
// that SetChecksums records.
func Checksum(data []float32) uint32 {
	var buf [4096]byte
	crc := uint32(0)
	for len(data) > 0 {
		n := min(len(data), len(buf)/f32Size)
		for i, v := range data[:n] {
			binary.LittleEndian.PutUint32(buf[i*f32Size:], math.Float32bits(v))
		}
		crc = crc32.Update(crc, castagnoli, buf[:n*f32Size])
		data = data[n:]
	}
	return crc
}

// SetChecksums records the checksum of every tensor of f in its metadata
// (creating it if needed), replacing any recorded before, so that Decode
// and ReadFile refuse the file if its data changes. Call it after the last
// change to the tensors: Encode refuses checksums that do not match.
func (f *File) SetChecksums() {
	for k := range f.Metadata {
		if strings.HasPrefix(k, ChecksumPrefix) {
			delete(f.Metadata, k)
		}
	}
	if f.Metadata == nil {
		f.Metadata = make(map[string]string, len(f.Tensors))
	}
	for _, t := range f.Tensors {
		f.Metadata[ChecksumPrefix+t.Name] = formatChecksum(Checksum(t.Data))
	}
}

// HasChecksums reports whether f's metadata records checksums. Decode and
// ReadFile have verified them when it does; a file written without them
// (by another writer, or by this package before they existed) is read
// unverified.
func (f *File) HasChecksums() bool {
	for k := range f.Metadata {
		if strings.HasPrefix(k, ChecksumPrefix) {
			return true
		}
	}
	return false
}

func formatChecksum(c uint32) string { return fmt.Sprintf("%08x", c) }

// parseChecksums returns the checksums recorded in md for the tensors
// names, or nil if md records none. Recorded checksums must be complete
// (one per tensor: a file with some is a file that had all), name existing
// tensors and be 8 lowercase hex digits.
func parseChecksums(md map[string]string, names []string) (map[string]uint32, error) {
	var sums map[string]uint32
	known := make(map[string]bool, len(names))
	for _, n := range names {
		known[n] = true
	}
	for k, v := range md {
		name, ok := strings.CutPrefix(k, ChecksumPrefix)
		if !ok {
			continue
		}
		if !known[name] {
			return nil, fmt.Errorf("metadata %q records the checksum of tensor %q, which the file does not hold (a tensor removed or renamed?)", k, name)
		}
		c, err := strconv.ParseUint(v, 16, 32)
		if err != nil || len(v) != 8 || strings.ToLower(v) != v {
			return nil, fmt.Errorf("metadata %q is %q, want a CRC-32C as 8 lowercase hex digits", k, v)
		}
		if sums == nil {
			sums = make(map[string]uint32, len(names))
		}
		sums[name] = uint32(c)
	}
	if sums == nil {
		return nil, nil
	}
	for _, n := range names {
		if _, ok := sums[n]; !ok {
			return nil, fmt.Errorf("metadata records checksums but none for tensor %q (want %q; a tensor added, or a key removed?)", n, ChecksumPrefix+n)
		}
	}
	return sums, nil
}

// checkChecksums is Encode's check that the checksums recorded in f's
// metadata, if any, are complete and match the data, so that what Encode
// writes Decode accepts.
func checkChecksums(f *File) error {
	names := make([]string, len(f.Tensors))
	for i, t := range f.Tensors {
		names[i] = t.Name
	}
	sums, err := parseChecksums(f.Metadata, names)
	if err != nil || sums == nil {
		return err
	}
	for _, t := range f.Tensors {
		if got := Checksum(t.Data); got != sums[t.Name] {
			return &EncodeError{Tensor: t.Name, Msg: fmt.Sprintf("metadata records CRC-32C %08x but the data's is %08x; call SetChecksums after changing the data", sums[t.Name], got)}
		}
	}
	return nil
}
