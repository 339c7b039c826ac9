// Package atomicfile writes output files (checkpoints, datasets, plots, CSV
// logs) so that a reader, or a crash, finds either the old content or all
// of the new: the data goes to a temporary file in the same directory,
// which is synced, closed and then renamed over the target.
package atomicfile

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// rename is os.Rename; the package's tests replace it to make it fail.
var rename = os.Rename

// Write creates or replaces path with what write writes to its writer. The
// new file gets the permissions of the regular file it replaces, or 0644
// (os.CreateTemp's 0600 is meant for secrets; these are ordinary outputs).
// If write returns an error, or any step fails, the temporary file is
// removed, path is left as it was, and the error is returned: write's own
// error as it is (so that callers can still match it with errors.As), the
// others wrapped with the file concerned. The temporary name starts with a
// dot, which keeps it out of globs such as *.safetensors.
func Write(path string, write func(io.Writer) error) (err error) {
	dir, base := filepath.Split(path)
	if base == "" {
		return fmt.Errorf("%q names a directory, not a file", path)
	}
	if dir == "" {
		dir = "."
	}
	perm := os.FileMode(0o644)
	if fi, err := os.Stat(path); err == nil {
		if !fi.Mode().IsRegular() {
			return fmt.Errorf("%s exists and is not a regular file", path)
		}
		perm = fi.Mode().Perm()
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return fmt.Errorf("creating a temporary file for %s: %w", path, err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close() // moot: the file is being removed
			os.Remove(tmp)
		}
	}()
	if err := write(f); err != nil {
		return err
	}
	if err := f.Chmod(perm); err != nil {
		return fmt.Errorf("%s: %w", tmp, err)
	}
	// Sync before the rename: otherwise a crash could leave the name
	// pointing at a file whose data never reached the disk.
	if err := f.Sync(); err != nil {
		return fmt.Errorf("syncing %s: %w", tmp, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("closing %s: %w", tmp, err)
	}
	if err := rename(tmp, path); err != nil {
		return fmt.Errorf("renaming %s to %s: %w", tmp, path, err)
	}
	syncDir(dir)
	return nil
}

// WriteBytes is Write for data already in memory.
func WriteBytes(path string, data []byte) error {
	return Write(path, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// syncDir makes the rename durable where the platform allows (best
// effort: the new file is complete and in place either way).
func syncDir(dir string) {
	d, err := os.Open(dir)
	if err != nil {
		return
	}
	_ = d.Sync()
	_ = d.Close()
}
