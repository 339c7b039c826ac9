package data

import (
	"archive/zip"
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/vecgrad/vecgrad/tensor"
)

// maxNPZArrays bounds the number of arrays in one .npz archive.
const maxNPZArrays = 1024

// ReadNPZ reads a NumPy .npz archive (np.savez or np.savez_compressed: a
// zip of .npy files) as float32 tensors keyed by array name (the member
// name without ".npy": np.savez(f, x=..., y=...) gives "x" and "y"). Each
// array is read as ReadNPY reads one, and together they hold at most
// MaxNPYBytes of data, however large the members claim to be. Errors are
// one line naming the file and the member (*FormatError).
func ReadNPZ(path string) (map[string]*tensor.Tensor, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	m, err := DecodeNPZ(f, st.Size())
	return m, withFile(err, path)
}

// DecodeNPZ is ReadNPZ on an archive of size bytes read through r; its
// errors are *FormatError values without a file name.
func DecodeNPZ(r io.ReaderAt, size int64) (map[string]*tensor.Tensor, error) {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return nil, npzErr("not a zip archive (an .npz file is a zip of .npy files): %v", err)
	}
	if len(zr.File) > maxNPZArrays {
		return nil, npzErr("%d members (accepted: at most %d arrays)", len(zr.File), maxNPZArrays)
	}
	out := make(map[string]*tensor.Tensor, len(zr.File))
	left := MaxNPYBytes
	for _, f := range zr.File {
		name, ok := strings.CutSuffix(f.Name, ".npy")
		if !ok || name == "" {
			return nil, npzErr("member %q is not an .npy array (accepted: NAME.npy members only)", f.Name)
		}
		if _, dup := out[name]; dup {
			return nil, npzErr("member %q appears twice", f.Name)
		}
		t, err := npzMember(f, left)
		if err != nil {
			fe, ok := err.(*FormatError)
			if !ok {
				return nil, npzErr("member %q: %v", f.Name, err)
			}
			return nil, npzErr("member %q: %s", f.Name, fe.Msg)
		}
		out[name] = t
		left -= t.Numel() * 4
	}
	return out, nil
}

// npzMember decodes one member with at most limit bytes of data.
func npzMember(f *zip.File, limit int) (*tensor.Tensor, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	br := bufio.NewReaderSize(rc, 64<<10)
	t, err := decodeNPY(br, limit)
	if err != nil {
		return nil, err
	}
	if _, err := br.ReadByte(); err != io.EOF {
		if err != nil {
			return nil, err // a checksum or decompression error at the end
		}
		return nil, npyErr("bytes after the array's data")
	}
	return t, nil
}

func npzErr(format string, args ...any) error {
	return &FormatError{Format: "npz", Msg: fmt.Sprintf(format, args...)}
}
