package safetensors

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/vecgrad/vecgrad/internal/atomicfile"
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
func ReadFile(path string) (*File, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("safetensors: %w", err)
	}
	return decode(b, path)
}
