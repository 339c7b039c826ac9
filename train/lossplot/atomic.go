package lossplot

import (
	"fmt"
	"os"
	"path/filepath"
)

// writeFileAtomic writes data to path through a temporary file in the same
// directory and a rename, so that path holds either its old content or all
// of data. The new file gets the mode of the file it replaces, or 0644.
// On any failure the temporary file is removed and path is untouched.
func writeFileAtomic(path string, data []byte) (err error) {
	dir, base := filepath.Split(path)
	if base == "" {
		return fmt.Errorf("lossplot: %q names a directory, not a file", path)
	}
	if dir == "" {
		dir = "."
	}
	mode := os.FileMode(0o644)
	if fi, err := os.Stat(path); err == nil {
		if !fi.Mode().IsRegular() {
			return fmt.Errorf("lossplot: %s exists and is not a regular file", path)
		}
		mode = fi.Mode().Perm()
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return fmt.Errorf("lossplot: %w", err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if err := write(f, data); err != nil {
		return fmt.Errorf("lossplot: writing %s: %w", tmp, err)
	}
	if err := f.Chmod(mode); err != nil {
		return fmt.Errorf("lossplot: %w", err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("lossplot: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("lossplot: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("lossplot: %w", err)
	}
	return nil
}

// write is (*os.File).Write; tests replace it to fail midway.
var write = func(f *os.File, data []byte) error {
	_, err := f.Write(data)
	return err
}
