// Package safetensors reads and writes float32 checkpoints in the
// safetensors format (https://github.com/huggingface/safetensors), so that a
// model trained here can be loaded by PyTorch, NumPy or any other
// safetensors reader, and the other way round. It writes F32 tensors and
// reads F32, F64, F16 and BF16 ones, converted to float32, so that weights
// saved in half or double precision elsewhere load too.
//
// # The format
//
// A file is
//
//	8 bytes   N, the header length, unsigned little-endian
//	N bytes   the header: a UTF-8 JSON object, optionally padded with
//	          trailing spaces (writers pad it to a multiple of 8 bytes so
//	          that the buffer is aligned)
//	rest      the byte buffer holding every tensor's data
//
// The header maps each tensor name to
//
//	{"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}
//
// where begin and end are byte offsets into the buffer (not into the file),
// and may hold one more key, "__metadata__", whose value is an object of
// string to string (a free-form description: framework, step, loss).
// Tensor data is row-major and little-endian. Tensor names are PyTorch's
// state_dict names ("fc1.weight", "state.0.exp_avg"); this package does not
// interpret them.
//
// # Validation
//
// [Decode] and [ReadFile] accept a file only if all of these hold, and return
// a *[FormatError] that says which one failed and at what byte otherwise;
// they never panic and never allocate more than a small multiple of the
// input's size, whatever the header claims:
//
//   - the file has at least the 8-byte length prefix;
//   - N is at most [MaxHeaderSize] and fits in the file;
//   - the header is valid UTF-8 and is one JSON object, starting with '{',
//     followed by nothing but JSON whitespace (the padding);
//   - no key appears twice, at the top level, in an entry or in
//     "__metadata__" (JSON allows duplicate keys and most parsers keep the
//     last one silently; a checkpoint with two different "fc1.weight" is
//     corrupt, not ambiguous);
//   - every tensor name is non-empty;
//   - every entry is an object with exactly "dtype", "shape" and
//     "data_offsets";
//   - dtype is "F32", "F64", "F16" or "BF16", each read as float32: F16
//     and BF16 exactly, F64 rounded to the nearest float32 (ties to even,
//     as torch's .float()); other dtypes (integers, 8-bit floats) are
//     refused rather than silently changed;
//   - shape is an array of non-negative integers whose product, times the
//     dtype's size, does not overflow;
//   - data_offsets is an array of two non-negative integers, begin <= end,
//     end within the buffer, and end-begin = size * product(shape);
//   - the tensors, in offset order, cover the buffer exactly: the first
//     starts at 0, each starts where the previous ends (no overlap, no gap)
//     and the last ends at the end of the file (no trailing bytes);
//   - "__metadata__", if present, is an object of strings (or null);
//   - checksums recorded in the metadata (see below), if any, are one per
//     tensor and match the data;
//   - every F64 element that is finite stays finite as a float32 (a value
//     beyond ±3.4e38 is refused, not turned into an infinity).
//
// # Reading files
//
// [ReadFile] reads only what the header declares and checks first: it
// refuses anything but a regular file (a FIFO, /dev/zero, a directory)
// before opening it, reads the 8-byte length and the header, checks every
// declared size against the file's size, and only then reads the tensor
// data, in one allocation of exactly the declared size. A file extended to
// 64 GiB, or one that is a hole, is refused after reading its header.
// [ReadFileMax] also refuses data larger than the caller expects, and
// [ReadMetadata] reads the header alone.
//
// # Checksums
//
// The format has none, so a bit flipped in the data, or two tensors of the
// same size whose data_offsets were exchanged, decode as valid files.
// [File.SetChecksums] records the CRC-32C of every tensor's bytes in the
// metadata, under "crc32c." followed by the tensor's name; Decode and
// ReadFile then verify every tensor and refuse one that does not match.
// Files without these keys (from other writers) are read unverified:
// [File.HasChecksums] tells the caller which it got. A checksum is of the
// bytes in the file; for a tensor converted from F64, F16 or BF16 the
// returned metadata holds, once the file's checksum is verified, that of the
// float32 data, which is what Encode would write.
//
// [Encode] checks the in-memory [File] the same way before writing a byte:
// names non-empty, unique, valid UTF-8 and not "__metadata__"; shapes
// non-negative; len(Data) equal to the product of Shape; recorded checksums
// complete and matching. What Encode writes,
// Decode accepts, and the round trip is bit for bit (NaN payloads and -0
// included).
//
// # Atomic writes
//
// [WriteFile] writes to a temporary file in the destination's directory,
// fsyncs and closes it, and only then renames it over the destination. A
// reader therefore sees either the old checkpoint or the new one, never a
// partial file, and a failure at any step (disk full, a killed process)
// leaves the old checkpoint as it was and removes the temporary file.
package safetensors
