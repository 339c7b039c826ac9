package lossplot

import (
	"fmt"
	"io"

	"github.com/vecgrad/vecgrad/internal/atomicfile"
)

// writeFileAtomic writes data to path through a temporary file in the same
// directory and a rename (internal/atomicfile), so that path holds either
// its old content or all of data. The new file gets the mode of the file it
// replaces, or 0644. On any failure path is untouched.
func writeFileAtomic(path string, data []byte) error {
	if err := atomicfile.Write(path, func(w io.Writer) error { return write(w, data) }); err != nil {
		return fmt.Errorf("lossplot: %w", err)
	}
	return nil
}

// write writes data to w; tests replace it to fail midway.
var write = func(w io.Writer, data []byte) error {
	_, err := w.Write(data)
	return err
}
