package data

import (
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/vecgrad/vecgrad/internal/atomicfile"
	"github.com/vecgrad/vecgrad/internal/regularfile"
)

// writeAtomic writes a file the way every file of this package is written:
// into a temporary file in the destination's directory (so the rename does
// not cross file systems), synced, then renamed over path. A failure at any
// point removes the temporary file, so path either keeps its old content or
// gets the complete new one, never a part.
func writeAtomic(path string, write func(w io.Writer) error) error {
	var own bool // the error is write's (a checksum error, say): pass it on as it is
	err := atomicfile.Write(path, func(w io.Writer) error {
		err := write(w)
		own = err != nil
		return err
	})
	if err != nil && !own {
		return fmt.Errorf("data: %w", err)
	}
	return err
}

// fileSpec identifies one published file: its name, size and digests. The
// SHA-256 is the identity; the MD5 (the digest the Fashion-MNIST README and
// torchvision publish) is checked as well, which costs nothing and guards
// against a mistyped SHA-256 here ever accepting a wrong file.
type fileSpec struct {
	name   string
	size   int64
	sha256 string
	md5    string
}

// digester hashes what is written to it with both algorithms of a fileSpec
// and counts the bytes.
type digester struct {
	sha, md hash.Hash
	n       int64
}

func newDigester() *digester { return &digester{sha: sha256.New(), md: md5.New()} }

func (d *digester) Write(p []byte) (int, error) {
	d.sha.Write(p)
	d.md.Write(p)
	d.n += int64(len(p))
	return len(p), nil
}

// check compares the digests with spec; file names the content in the error.
func (d *digester) check(spec fileSpec, file string) error {
	got := hex.EncodeToString(d.sha.Sum(nil))
	if got != spec.sha256 {
		return &ChecksumError{File: file, Algorithm: "SHA-256", Want: spec.sha256, Got: got, Size: d.n, WantSize: spec.size}
	}
	if spec.md5 != "" {
		if got := hex.EncodeToString(d.md.Sum(nil)); got != spec.md5 {
			return &ChecksumError{File: file, Algorithm: "MD5", Want: spec.md5, Got: got, Size: d.n, WantSize: spec.size}
		}
	}
	return nil
}

// verifyFile reports whether path exists (false, nil when it does not) and,
// if it does, whether its content is spec's: a *ChecksumError when not.
func verifyFile(path string, spec fileSpec) (exists bool, err error) {
	f, err := openRegular(path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return true, err
	}
	defer f.Close()
	d := newDigester()
	if _, err := io.Copy(d, f); err != nil {
		return true, fmt.Errorf("data: %s: %w", path, err)
	}
	return true, d.check(spec, path)
}

// existsError is a file in the destination directory, under a canonical
// name, that is not the published file (err says how it differs). It is left
// alone rather than replaced: this package never overwrites a file it did not
// write, and it writes only verified files.
type existsError struct{ err error }

func (e *existsError) Error() string {
	return e.err.Error() + "; it is left as it is: remove it, or use another directory"
}

func (e *existsError) Unwrap() error { return e.err }

// installFile puts spec's file into dir from src, verifying it before the
// atomic rename: a file already there that verifies is kept (src is not
// read), one that does not is an error and stays untouched. from names the
// source in errors (a URL or a path). At most spec.size+1 bytes are read, so
// an over-long source cannot fill the disk.
func installFile(dir string, spec fileSpec, from string, open func() (io.ReadCloser, error)) (kept bool, err error) {
	dst := filepath.Join(dir, spec.name)
	exists, err := verifyFile(dst, spec)
	if exists {
		if err != nil {
			return false, &existsError{err}
		}
		return true, nil
	}
	src, err := open()
	if err != nil {
		return false, err
	}
	defer src.Close()
	return false, writeAtomic(dst, func(w io.Writer) error {
		d := newDigester()
		n, err := io.Copy(io.MultiWriter(w, d), io.LimitReader(src, spec.size+1))
		if err != nil {
			return fmt.Errorf("data: %s: after %d of %d bytes: %w", from, n, spec.size, err)
		}
		switch {
		case n < spec.size:
			return fmt.Errorf("data: %s: truncated: got %d bytes, want %d", from, n, spec.size)
		case n > spec.size:
			return fmt.Errorf("data: %s: longer than the published %d bytes", from, spec.size)
		}
		return d.check(spec, from)
	})
}

// openRegular opens path for reading if it is a regular file. Errors name
// the file: a *FormatError for a FIFO, a device or a directory, which
// would block or never end, or the wrapped *fs.PathError.
func openRegular(path string) (*os.File, error) {
	f, _, err := regularfile.Open(path)
	if err != nil {
		var re *regularfile.Error
		if errors.As(err, &re) {
			return nil, &FormatError{File: path, Msg: "is " + re.Kind + "; a dataset file must be a regular file", Err: err}
		}
		return nil, fmt.Errorf("data: %w", err)
	}
	return f, nil
}

// makeDir creates dir and its missing parents, and returns undo, which
// removes those it created that are empty, innermost first: a failed
// download leaves no empty directory behind, and keeps any file it did
// verify and install (os.Remove does not remove a directory that holds
// one).
func makeDir(dir string) (undo func(), err error) {
	var created []string
	for d := filepath.Clean(dir); ; d = filepath.Dir(d) {
		if _, err := os.Lstat(d); err == nil {
			break
		}
		created = append(created, d)
		if filepath.Dir(d) == d {
			break
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("data: %w", err)
	}
	return func() {
		for _, d := range created {
			if os.Remove(d) != nil {
				return // not empty: neither are its parents
			}
		}
	}, nil
}

// undoOnError calls undo if *err is set: deferred, it undoes makeDir when
// the function that made the directory fails.
func undoOnError(err *error, undo func()) {
	if *err != nil {
		undo()
	}
}
