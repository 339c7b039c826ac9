// Package regularfile opens input files (checkpoints, datasets) that must
// be regular files, refusing anything else by what it is before reading it:
// opening a FIFO for reading blocks until a writer comes, and a device such
// as /dev/zero or /dev/urandom never ends, so a reader given one would hang
// or grow without limit instead of failing.
package regularfile

import (
	"io/fs"
	"os"
)

// Error reports a path that names something other than a regular file.
type Error struct {
	// Path is the path as given.
	Path string
	// Kind says what it is: "a directory", "a named pipe (FIFO)", "a
	// character device", ...
	Kind string
}

// Error returns "PATH is KIND, not a regular file".
func (e *Error) Error() string { return e.Path + " is " + e.Kind + ", not a regular file" }

// Open opens path for reading if it is a regular file (symbolic links
// followed) and returns the file and its size. It checks before opening,
// so a FIFO is never opened, and again on the open file, which is what is
// read if the name was replaced in between. Errors are an *Error, or the
// *fs.PathError of the stat or the open.
func Open(path string) (*os.File, int64, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, 0, err
	}
	if err := check(path, fi); err != nil {
		return nil, 0, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, err
	}
	fi, err = f.Stat()
	if err == nil {
		err = check(path, fi)
	}
	if err != nil {
		f.Close()
		return nil, 0, err
	}
	return f, fi.Size(), nil
}

// check returns an *Error unless fi is a regular file's.
func check(path string, fi fs.FileInfo) error {
	m := fi.Mode()
	if m.IsRegular() {
		return nil
	}
	kind := "not a regular file"
	switch {
	case m.IsDir():
		kind = "a directory"
	case m&fs.ModeNamedPipe != 0:
		kind = "a named pipe (FIFO)"
	case m&fs.ModeSocket != 0:
		kind = "a socket"
	case m&fs.ModeCharDevice != 0:
		kind = "a character device"
	case m&fs.ModeDevice != 0:
		kind = "a block device"
	default:
		kind = "a special file (" + m.Type().String() + ")"
	}
	return &Error{Path: path, Kind: kind}
}
