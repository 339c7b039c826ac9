package safetensors

import (
	"math"
	"strconv"
	"strings"
)

// MaxHeaderSize is the largest header, in bytes, that Decode accepts. It is
// the reference implementation's limit: a header that claims more is far
// more likely to be corruption than a real checkpoint (a million tensors
// take about 100 bytes each).
const MaxHeaderSize = 100_000_000

// DTypeF32 is the dtype this package writes, and the one it holds tensors
// in: Decode also reads F64, F16 and BF16 tensors, converted to float32
// (see readDTypes).
const DTypeF32 = "F32"

// readDTypes are the dtypes Decode reads, with their element size in
// bytes. F16 and BF16 convert to float32 exactly; F64 rounds to the nearest
// float32, ties to even, as torch's .float() does, and a finite value
// beyond float32's range is refused rather than made infinite.
var readDTypes = map[string]int64{"F32": 4, "F64": 8, "F16": 2, "BF16": 2}

// acceptedDTypes lists readDTypes for messages.
const acceptedDTypes = `"F32", "F64", "F16" or "BF16" (read as float32)`

// metadataKey is the reserved header key for the file's metadata.
const metadataKey = "__metadata__"

// prefixSize is the size of the little-endian header length that starts a
// file.
const prefixSize = 8

// f32Size is the size in bytes of one F32 element.
const f32Size = 4

// knownDTypes are the dtypes of the safetensors specification. Decode
// reads only readDTypes, but naming a known dtype in the error ("I64 is a
// safetensors dtype this package does not read") tells the user the file is
// fine and only needs converting, where an unknown one means corruption.
var knownDTypes = map[string]bool{
	"BOOL": true, "U8": true, "I8": true, "F8_E5M2": true, "F8_E4M3": true,
	"I16": true, "U16": true, "F16": true, "BF16": true, "I32": true,
	"U32": true, "F32": true, "F64": true, "I64": true, "U64": true,
	"F8_E8M0": true, "F4": true, "F6_E2M3": true, "F6_E3M2": true, "C64": true,
}

// Tensor is one named float32 tensor (dtype F32 in the files Encode
// writes; F32, F64, F16 or BF16 in the files Decode reads).
type Tensor struct {
	// Name is the tensor's key in the header, such as PyTorch's state_dict
	// name "fc1.weight".
	Name string
	// Shape is the size of each dimension, outermost first; empty for a
	// scalar.
	Shape []int
	// Data holds the elements in row-major order; len(Data) is the
	// product of Shape (1 for a scalar, 0 if any dimension is 0).
	Data []float32
}

// File is the content of a safetensors file.
type File struct {
	// Tensors are in buffer order: Encode writes their data in this order
	// (it sorts nothing), and Decode returns them ordered by data offset, so
	// a round trip keeps the order. Empty tensors, which all occupy no
	// bytes, may share an offset; among those Decode orders by name. The
	// JSON header lists names sorted, as the reference implementation does.
	Tensors []Tensor
	// Metadata is the "__metadata__" object; Encode omits it when nil or
	// empty.
	Metadata map[string]string
}

// Get returns the tensor called name, and whether there is one. The pointer
// refers into f.Tensors, so changes through it change f. It is a linear
// search: checkpoints hold hundreds of tensors, not millions, and a map
// would go stale as soon as a caller appends to f.Tensors.
func (f *File) Get(name string) (*Tensor, bool) {
	if f == nil {
		return nil, false
	}
	for i := range f.Tensors {
		if f.Tensors[i].Name == name {
			return &f.Tensors[i], true
		}
	}
	return nil, false
}

// numel returns the product of shape, and false if a dimension is negative
// or the product exceeds limit. Checking against limit at every step, rather
// than computing the product first, is what keeps a hostile shape such as
// [2^62, 2^62] from overflowing. A zero dimension makes the product zero
// whatever the others are, so it is looked for first.
func numel(shape []int, limit int64) (int64, bool) {
	for _, d := range shape {
		if d < 0 {
			return 0, false
		}
		if d == 0 {
			return 0, true
		}
	}
	n := int64(1)
	for _, d := range shape {
		if int64(d) > limit/n {
			return 0, false
		}
		n *= int64(d)
	}
	if n > limit {
		return 0, false
	}
	return n, true
}

// maxElements is the most F32 elements whose byte size fits in an int64.
const maxElements = math.MaxInt64 / f32Size

// formatShape writes shape as JSON does, "[2,3]", so messages show exactly
// what the header holds.
func formatShape(shape []int) string {
	var b strings.Builder
	b.WriteByte('[')
	for i, d := range shape {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Itoa(d))
	}
	b.WriteByte(']')
	return b.String()
}
