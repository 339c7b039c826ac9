package safetensors

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// Hooks for tests, to make a write or the rename fail at a chosen point.
var (
	wrapWriter = func(w io.Writer) io.Writer { return w }
	rename     = os.Rename
)

// WriteFile writes f to path atomically: it encodes into a temporary file in
// the same directory (so that the rename cannot cross file systems), fsyncs
// and closes it, and renames it over path. Readers see the old file or the
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
	perm := fs.FileMode(0o644)
	if fi, err := os.Stat(path); err == nil && fi.Mode().IsRegular() {
		perm = fi.Mode().Perm()
	}
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	// A dot name keeps the temporary file out of globs like *.safetensors,
	// so a concurrent loader scanning the directory does not pick it up.
	tmp, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return fmt.Errorf("safetensors: %s: creating the temporary file: %w", path, err)
	}
	name := tmp.Name()
	done := false
	defer func() {
		if !done {
			tmp.Close() // the error, if any, is moot: the file is being removed
			os.Remove(name)
		}
	}()
	if err := writeFile(wrapWriter(tmp), hdr, f); err != nil {
		return fmt.Errorf("safetensors: %s: writing %s: %w", path, name, err)
	}
	if err := tmp.Chmod(perm); err != nil {
		return fmt.Errorf("safetensors: %s: %w", path, err)
	}
	// Sync before rename: otherwise a crash could leave the new name
	// pointing at a file whose data never reached the disk.
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("safetensors: %s: syncing %s: %w", path, name, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("safetensors: %s: closing %s: %w", path, name, err)
	}
	if err := rename(name, path); err != nil {
		return fmt.Errorf("safetensors: %s: %w", path, err)
	}
	done = true
	syncDir(dir)
	return nil
}

// syncDir fsyncs a directory so that a rename in it survives a crash. It is
// best effort: some systems and file systems cannot sync a directory, and by
// now the new file is complete and in place, so failing the whole write
// would report an error for a checkpoint that is there.
func syncDir(dir string) {
	d, err := os.Open(dir)
	if err != nil {
		return
	}
	_ = d.Sync()
	_ = d.Close()
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
