package safetensors

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"os"

	"github.com/vecgrad/vecgrad/internal/atomicfile"
	"github.com/vecgrad/vecgrad/internal/regularfile"
)

// wrapWriter is a hook for tests, to make a write fail at a chosen point
// (internal/atomicfile tests the failing rename).
var wrapWriter = func(w io.Writer) io.Writer { return w }

// WriteFile writes f to path atomically (internal/atomicfile): it encodes
// into a temporary file in the same directory (so that the rename cannot
// cross file systems), fsyncs and closes it, and renames it over path. Readers see the old file or the
// new one, never a mixture; on any error the temporary file is removed and
// a file already at path is left untouched. The new file keeps the
// permissions of the file it replaces, or gets 0644.
//
// An invalid f is reported, as by Encode, before anything is created.
func WriteFile(path string, f *File) error {
	hdr, err := encodeHeader(f)
	if err != nil {
		var ee *EncodeError
		if errors.As(err, &ee) {
			ee.File = path
		}
		return err
	}
	if err := atomicfile.Write(path, func(w io.Writer) error { return writeFile(wrapWriter(w), hdr, f) }); err != nil {
		return fmt.Errorf("safetensors: %s: %w", path, err)
	}
	return nil
}

// ReadFile reads and decodes the safetensors file at path. Every error
// names the file: a *FormatError with File set for a malformed file
// ("safetensors: checkpoint.safetensors: ..."), or the *fs.PathError of the
// read, wrapped, so errors.Is(err, fs.ErrNotExist) works.
//
// It never reads more than the file declares: it refuses anything but a
// regular file (a FIFO would block, /dev/zero never ends) before opening
// it, reads the header, checks every declared size against the file's size,
// and only then reads the tensor data, exactly the bytes the header
// declares, into the one allocation that holds them. Memory is thus bounded
// by twice the file's size (F16 and BF16 double when read as float32);
// ReadFileMax bounds it by what the caller expects.
func ReadFile(path string) (*File, error) {
	return ReadFileMax(path, math.MaxInt64)
}

// ReadFileMax is ReadFile for a caller that knows how much data to expect
// (a checkpoint loader knows its model's size): a file whose tensors hold
// more than maxData bytes, in the file or once read as float32 (twice the
// file's bytes for F16 and BF16), is refused with a *FormatError before any
// tensor data is read or allocated.
func ReadFileMax(path string, maxData int64) (*File, error) {
	f, l, err := openLayout(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if n := max(l.bufLen, f32Size*l.elems); n > maxData {
		return nil, &FormatError{File: path, Offset: l.bufStart, Msg: fmt.Sprintf("its tensors hold %d bytes, more than the %d expected (a file for a larger model, or a corrupt header?)", n, maxData)}
	}
	return l.read(bufio.NewReaderSize(f, 64<<10), path)
}

// ReadMetadata returns the metadata of the safetensors file at path,
// reading the header only. The whole header is validated against the
// file's size, as ReadFile does; the data is neither read nor checked.
func ReadMetadata(path string) (map[string]string, error) {
	f, l, err := openLayout(path)
	if err != nil {
		return nil, err
	}
	f.Close()
	return l.metadata, nil
}

// openLayout opens the regular file at path and reads and checks its
// header, leaving the file positioned at the start of the data.
func openLayout(path string) (*os.File, *layout, error) {
	f, size, err := regularfile.Open(path)
	if err != nil {
		var re *regularfile.Error
		if errors.As(err, &re) {
			return nil, nil, &FormatError{File: path, Offset: -1, Msg: "is " + re.Kind + "; a safetensors file must be a regular file"}
		}
		return nil, nil, fmt.Errorf("safetensors: %w", err)
	}
	l, err := readLayout(f, size, path)
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	return f, l, nil
}

// readLayout reads the prefix and the header of a file of size bytes from
// r and checks them, leaving r at the start of the data.
func readLayout(r io.Reader, size int64, path string) (*layout, error) {
	var prefix [prefixSize]byte
	k, err := io.ReadFull(r, prefix[:])
	if err != nil && size >= prefixSize {
		return nil, readError(path, err)
	}
	n, err := checkPrefix(prefix[:k], size, path)
	if err != nil {
		return nil, err
	}
	hdr := make([]byte, n)
	if _, err := io.ReadFull(r, hdr); err != nil {
		return nil, readError(path, err)
	}
	return checkLayout(hdr, size, path)
}

// readError reports a failed read of a file whose size was checked: one
// that ends early changed while being read.
func readError(path string, err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return &FormatError{File: path, Offset: -1, Msg: "the file ends before its header does (was it truncated while being read?)"}
	}
	return fmt.Errorf("safetensors: %s: %w", path, err)
}
