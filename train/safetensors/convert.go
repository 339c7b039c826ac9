package safetensors

import (
	"encoding/binary"
	"math"
)

// convert decodes the little-endian elements of dtype in src into dst
// (len(dst) elements). It returns the index of the first F64 element that
// is finite but beyond float32's range, or -1 when all convert.
func convert(dst []float32, src []byte, dtype string) int {
	switch dtype {
	case "F32":
		for j := range dst {
			dst[j] = math.Float32frombits(binary.LittleEndian.Uint32(src[4*j:]))
		}
	case "F64":
		for j := range dst {
			v := math.Float64frombits(binary.LittleEndian.Uint64(src[8*j:]))
			// Go's conversion rounds to nearest, ties to even (IEEE 754),
			// as every architecture's instruction for it does.
			x := float32(v)
			if math.IsInf(float64(x), 0) && !math.IsInf(v, 0) {
				return j
			}
			dst[j] = x
		}
	case "F16":
		for j := range dst {
			dst[j] = halfToFloat32(binary.LittleEndian.Uint16(src[2*j:]))
		}
	case "BF16":
		// bfloat16 is the top half of a float32: the conversion is exact.
		for j := range dst {
			dst[j] = math.Float32frombits(uint32(binary.LittleEndian.Uint16(src[2*j:])) << 16)
		}
	}
	return -1
}

// halfToFloat32 converts an IEEE 754 binary16 value exactly: float32 has
// more exponent and fraction bits, so every half value, subnormals, zeros,
// infinities and NaN payloads included, has an exact float32.
func halfToFloat32(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	frac := uint32(h) & 0x3ff
	switch {
	case exp == 0x1f: // infinity, or NaN with its payload kept
		return math.Float32frombits(sign | 0x7f800000 | frac<<13)
	case exp == 0: // zero or subnormal: frac * 2^-24, a normal float32 unless 0
		return math.Float32frombits(sign | math.Float32bits(float32(frac)*0x1p-24))
	}
	// Normal: rebias the exponent from 15 to 127.
	return math.Float32frombits(sign | (exp+127-15)<<23 | frac<<13)
}
