package safetensors

import (
	"fmt"
	"strings"
)

// FormatError reports a file that is not a valid safetensors file of the
// dtypes this package reads: it is truncated, corrupted, or holds something
// this package does not read.
type FormatError struct {
	// File is the path given to ReadFile; empty for Decode.
	File string
	// Offset is the byte offset in the file where the problem was found, or
	// -1 when no single byte is to blame.
	Offset int64
	// Msg says what is wrong and, where it helps, what is accepted.
	Msg string
}

// Error returns "safetensors: FILE: MSG (at byte OFFSET)", leaving out the
// parts that are unknown.
func (e *FormatError) Error() string {
	var b strings.Builder
	b.WriteString("safetensors: ")
	if e.File != "" {
		b.WriteString(e.File)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	if e.Offset >= 0 {
		fmt.Fprintf(&b, " (at byte %d)", e.Offset)
	}
	return b.String()
}

// EncodeError reports a File that Encode or WriteFile refuses to write,
// because no valid safetensors file could represent it. Nothing has been
// written when it is returned.
type EncodeError struct {
	// File is the path given to WriteFile; empty for Encode.
	File string
	// Tensor is the name of the offending tensor, or empty when the problem
	// is not with one tensor (a nil File, bad metadata).
	Tensor string
	// Msg says what is wrong and what is accepted.
	Msg string
}

// Error returns "safetensors: FILE: tensor "NAME": MSG", leaving out the
// parts that are unknown.
func (e *EncodeError) Error() string {
	var b strings.Builder
	b.WriteString("safetensors: ")
	if e.File != "" {
		b.WriteString(e.File)
		b.WriteString(": ")
	}
	if e.Tensor != "" {
		fmt.Fprintf(&b, "tensor %q: ", e.Tensor)
	}
	b.WriteString(e.Msg)
	return b.String()
}
