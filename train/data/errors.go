package data

import "fmt"

// FormatError reports input that does not follow a file format this package
// reads: an IDX file (magic number, dimensions, length), a gzip stream
// around one, a pair of IDX files that do not form a dataset, a NumPy .npy
// or .npz file, or a CSV file. Msg says
// what was wrong, with the values, and what is accepted.
type FormatError struct {
	// File is the file's name, empty when ReadIDX got a plain io.Reader.
	File string
	// Format names the format when File is empty ("npy", "npz", "csv");
	// empty means IDX.
	Format string
	// Msg says what was wrong and what would be accepted.
	Msg string
	// Err is the underlying error, if any (a gzip or I/O error,
	// io.ErrUnexpectedEOF for a short file).
	Err error
}

// Error returns "data: FILE: MSG", or "data: FORMAT: MSG" without a file
// name ("data: idx: MSG" for IDX).
func (e *FormatError) Error() string {
	if e.File == "" {
		f := e.Format
		if f == "" {
			f = "idx"
		}
		return "data: " + f + ": " + e.Msg
	}
	return "data: " + e.File + ": " + e.Msg
}

// Unwrap returns the underlying error, if any.
func (e *FormatError) Unwrap() error { return e.Err }

// withFile returns err with the file name filled in when err is a
// *FormatError that has none yet, and err wrapped with the name otherwise.
func withFile(err error, file string) error {
	if err == nil {
		return nil
	}
	if fe, ok := err.(*FormatError); ok {
		if fe.File == "" {
			c := *fe
			c.File = file
			return &c
		}
		return fe
	}
	return fmt.Errorf("data: %s: %w", file, err)
}

// ChecksumError reports a file whose content is not the published one: a
// download that was corrupted or truncated on the way, or a file in the
// destination directory that is some other file under the canonical name.
type ChecksumError struct {
	// File is the file's name (or the URL it came from).
	File string
	// Algorithm is "SHA-256" or "MD5".
	Algorithm string
	// Want and Got are the expected and the computed digests in hex.
	Want, Got string
	// Size is the number of bytes hashed; WantSize the published size.
	Size, WantSize int64
}

// Error names the file, the algorithm, both digests and both sizes.
func (e *ChecksumError) Error() string {
	return fmt.Sprintf("data: %s: %s is %s, want %s (%d bytes, the published file has %d): the file is corrupted or not the published one",
		e.File, e.Algorithm, e.Got, e.Want, e.Size, e.WantSize)
}

// UsageError is the panic value of a programming mistake in this package,
// such as iterating two epochs of one Loader at once; errors from outside
// input are returned, never panicked (see the README's error convention).
type UsageError struct {
	// Op is the method ("Loader.Epoch", "Loader.Order").
	Op string
	// Msg says what was wrong.
	Msg string
}

// Error returns "data: Op: Msg".
func (e *UsageError) Error() string { return "data: " + e.Op + ": " + e.Msg }
