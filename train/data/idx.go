package data

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// IDX magic numbers: two zero bytes, the element type code, the number of
// dimensions.
const (
	// MagicImages is the magic number of an IDX file of unsigned bytes with
	// three dimensions (count, rows, columns): an MNIST image file.
	MagicImages = 0x00000803
	// MagicLabels is the magic number of an IDX file of unsigned bytes with
	// one dimension: an MNIST label file.
	MagicLabels = 0x00000801
)

// MaxIDXBytes bounds the data of one IDX file (the product of its
// dimensions): 256 MiB, over five times MNIST's largest file (60000*28*28 =
// 47040000 bytes). A header that declares more is rejected before any of
// the data is read.
const MaxIDXBytes = 256 << 20

// typeUnsignedByte is the only IDX element type this package reads.
const typeUnsignedByte = 0x08

// gzipMagic are the first two bytes of every gzip stream (RFC 1952).
var gzipMagic = [2]byte{0x1f, 0x8b}

// IDX is the content of one IDX file of unsigned bytes: its dimension sizes
// and its data in row-major order (the last dimension varies fastest).
type IDX struct {
	// Dims holds the dimension sizes: [count] for labels, [count, rows,
	// columns] for images.
	Dims []int
	// Data holds the elements, len(Data) == the product of Dims.
	Data []byte
}

// ReadIDX reads one IDX file from r, raw or gzip-compressed (recognized by
// gzip's magic bytes 1f 8b, not by a name). It accepts the magic numbers
// MagicLabels and MagicImages only, and checks, before reading the data,
// that every dimension is positive and that their product is at most
// MaxIDXBytes. The data is then read incrementally, so a short file fails
// with "unexpected end: want N bytes of pixel data, got M" having allocated
// about what it held, not what its header claimed. Bytes after the data (or
// after the gzip stream) are an error: an IDX file ends with its data.
// Every error is a *FormatError.
func ReadIDX(r io.Reader) (*IDX, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	head, err := br.Peek(2)
	if err != nil && len(head) < 2 {
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return nil, &FormatError{Msg: fmt.Sprintf("unexpected end: want a 4-byte magic number, got %d bytes", len(head)), Err: io.ErrUnexpectedEOF}
		}
		return nil, &FormatError{Msg: "reading: " + err.Error(), Err: err}
	}
	if head[0] != gzipMagic[0] || head[1] != gzipMagic[1] {
		return readIDXBody(br)
	}
	zr, err := gzip.NewReader(br)
	if err != nil {
		return nil, &FormatError{Msg: "starts with gzip's magic bytes 1f 8b but has no valid gzip header: " + err.Error(), Err: err}
	}
	// One gzip member holds one IDX file; anything after it is an error
	// rather than a second member silently appended to the data.
	zr.Multistream(false)
	m, err := readIDXBody(zr)
	if err != nil {
		if fe, ok := err.(*FormatError); ok {
			fe.Msg = "gzip content: " + fe.Msg
		}
		return nil, err
	}
	if _, err := br.ReadByte(); err != io.EOF {
		if err != nil {
			return nil, &FormatError{Msg: "reading after the gzip stream: " + err.Error(), Err: err}
		}
		return nil, &FormatError{Msg: "trailing data after the gzip stream (accepted: one gzip member holding one IDX file)"}
	}
	return m, nil
}

// readIDXBody reads an uncompressed IDX file from r through to its end,
// which must come right after the data.
func readIDXBody(r io.Reader) (*IDX, error) {
	var magic [4]byte
	if n, err := io.ReadFull(r, magic[:]); err != nil {
		return nil, shortRead(err, "want a 4-byte magic number, got %d bytes", n)
	}
	if err := checkMagic(magic); err != nil {
		return nil, err
	}
	ndims := int(magic[3])
	var sizes [3 * 4]byte
	if n, err := io.ReadFull(r, sizes[:4*ndims]); err != nil {
		return nil, shortRead(err, "want %d dimension sizes (%d bytes) after the magic number, got %d bytes", ndims, 4*ndims, n)
	}
	dims := make([]int, ndims)
	for i := range dims {
		dims[i] = int(binary.BigEndian.Uint32(sizes[4*i:]))
	}
	total, err := checkDims(dims)
	if err != nil {
		return nil, err
	}
	what := "label data"
	if ndims == 3 {
		what = "pixel data"
	}
	data, err := readGrowing(r, total)
	if err != nil {
		return nil, shortRead(err, "want %d bytes of %s, got %d", total, what, len(data))
	}
	var one [1]byte
	switch n, err := io.ReadFull(r, one[:]); {
	case n > 0:
		return nil, &FormatError{Msg: fmt.Sprintf("trailing data after the %d bytes of %s that the header %s declares (an IDX file ends with its data)", total, what, dimString(dims))}
	case err == io.ErrUnexpectedEOF:
		// Only a compressed stream ends early after its data: gzip's
		// trailer (CRC-32 and length) is cut off.
		return nil, &FormatError{Msg: "unexpected end: the stream stops after the data, inside its trailer (a truncated gzip file)", Err: err}
	case err != io.EOF:
		// A gzip stream reports a bad checksum or length only here, at
		// its end.
		return nil, &FormatError{Msg: "after the data: " + err.Error(), Err: err}
	}
	return &IDX{Dims: dims, Data: data}, nil
}

// readGrowing reads exactly total bytes in chunks allocated only as data
// arrives (1 MiB, then doubling up to readChunk), so a header that lies
// about the size costs at most about twice the bytes actually present; the
// chunks are then copied into one buffer of the bytes read. A buffer grown
// by doubling copied most of the data several times over (63 MiB of
// copying for MNIST's 47 MiB of pixels), each copy one long memmove that
// the garbage collector, scanning the stack, cannot interrupt: it spent
// the copy signalling the goroutine and spinning for it to stop (5.3% and
// 4.3% of a 1-epoch run's samples; 1.7% and 1.3% with the chunks). On a
// short read it returns what it got and the error.
func readGrowing(r io.Reader, total int) ([]byte, error) {
	var chunks [][]byte
	got, size := 0, 1<<20
	var err error
	for got < total && err == nil {
		chunk := make([]byte, min(size, total-got))
		var n int
		n, err = io.ReadFull(r, chunk)
		chunks = append(chunks, chunk[:n])
		got += n
		size = min(2*size, readChunk)
	}
	if len(chunks) == 1 {
		return chunks[0], err
	}
	data := make([]byte, got)
	at := 0
	for _, c := range chunks {
		// In pieces: the GC can stop the goroutine between two memmoves, not
		// inside one.
		for len(c) > 0 {
			n := copy(data[at:], c[:min(len(c), copyPiece)])
			at, c = at+n, c[n:]
		}
	}
	return data, err
}

// readChunk is the largest of readGrowing's chunks; copyPiece the most
// bytes it copies in one memmove (tens of microseconds).
const (
	readChunk = 8 << 20
	copyPiece = 256 << 10
)

// shortRead turns a read error into a *FormatError: an end of input into
// "unexpected end: ..." (wrapping io.ErrUnexpectedEOF), anything else (an
// I/O or gzip error) into a message that carries it.
func shortRead(err error, format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return &FormatError{Msg: "unexpected end: " + msg, Err: io.ErrUnexpectedEOF}
	}
	return &FormatError{Msg: msg + ": " + err.Error(), Err: err}
}

// checkMagic accepts MagicLabels and MagicImages.
func checkMagic(m [4]byte) error {
	v := binary.BigEndian.Uint32(m[:])
	const accepted = "accepted: 0x00000801 (unsigned bytes, 1 dimension: labels) or 0x00000803 (unsigned bytes, 3 dimensions: images)"
	switch {
	case m[0] != 0 || m[1] != 0:
		return &FormatError{Msg: fmt.Sprintf("bad magic number 0x%08x: an IDX file starts with two zero bytes (%s)", v, accepted)}
	case m[2] != typeUnsignedByte:
		return &FormatError{Msg: fmt.Sprintf("magic number 0x%08x has element type code 0x%02x (%s), which is not supported (%s)", v, m[2], typeName(m[2]), accepted)}
	case m[3] != 1 && m[3] != 3:
		return &FormatError{Msg: fmt.Sprintf("magic number 0x%08x declares %d dimensions (%s)", v, m[3], accepted)}
	}
	return nil
}

// typeName names the IDX element type codes of LeCun's format description.
func typeName(code byte) string {
	switch code {
	case 0x08:
		return "unsigned byte"
	case 0x09:
		return "signed byte"
	case 0x0B:
		return "16-bit integer"
	case 0x0C:
		return "32-bit integer"
	case 0x0D:
		return "32-bit float"
	case 0x0E:
		return "64-bit float"
	}
	return "not an IDX type"
}

// checkDims checks that every size is positive and that the element count
// is at most MaxIDXBytes, and returns the count. Each size is below 2^32 and
// the running product is checked before every multiplication, so it cannot
// overflow.
func checkDims(dims []int) (int, error) {
	total := 1
	for i, d := range dims {
		if d <= 0 {
			return 0, &FormatError{Msg: fmt.Sprintf("dimension %d of %s is %d (sizes must be positive)", i, dimString(dims), d)}
		}
		if d > MaxIDXBytes || total > MaxIDXBytes/d {
			return 0, &FormatError{Msg: fmt.Sprintf("dimensions %s hold more than %d bytes (MaxIDXBytes), the most this reader accepts", dimString(dims), MaxIDXBytes)}
		}
		total *= d
	}
	return total, nil
}

// dimString formats dims as "60000x28x28".
func dimString(dims []int) string {
	s := make([]string, len(dims))
	for i, d := range dims {
		s[i] = strconv.Itoa(d)
	}
	return strings.Join(s, "x")
}

// ReadIDXFile reads the IDX file at path, raw or gzip-compressed (by its
// content, whatever its name). Errors name the file. Anything but a
// regular file (a FIFO, a device) is refused before it is opened: reading
// one would block or never end.
func ReadIDXFile(path string) (*IDX, error) {
	f, err := openRegular(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	m, err := ReadIDX(f)
	return m, withFile(err, path)
}

// WriteIDX writes m to w as an uncompressed IDX file of unsigned bytes
// (magic MagicLabels for one dimension, MagicImages for three). It checks m
// as ReadIDX would, so whatever it writes reads back. Tests use it (with
// WriteMNIST) to make small synthetic datasets.
func WriteIDX(w io.Writer, m *IDX) error {
	if len(m.Dims) != 1 && len(m.Dims) != 3 {
		return &FormatError{Msg: fmt.Sprintf("cannot write %d dimensions (accepted: 1 for labels, 3 for images)", len(m.Dims))}
	}
	for i, d := range m.Dims {
		if d > 1<<32-1 {
			return &FormatError{Msg: fmt.Sprintf("dimension %d is %d, more than an IDX size (32 bits) holds", i, d)}
		}
	}
	total, err := checkDims(m.Dims)
	if err != nil {
		return err
	}
	if len(m.Data) != total {
		return &FormatError{Msg: fmt.Sprintf("len(Data) = %d, but dimensions %s need %d bytes", len(m.Data), dimString(m.Dims), total)}
	}
	head := make([]byte, 4+4*len(m.Dims))
	binary.BigEndian.PutUint32(head, MagicLabels&^0xff|uint32(len(m.Dims)))
	for i, d := range m.Dims {
		binary.BigEndian.PutUint32(head[4+4*i:], uint32(d))
	}
	if _, err := w.Write(head); err != nil {
		return err
	}
	_, err = w.Write(m.Data)
	return err
}

// WriteIDXFile writes m to path atomically (a temporary file in the same
// directory, then a rename), gzip-compressed if compress is set.
func WriteIDXFile(path string, m *IDX, compress bool) error {
	return writeAtomic(path, func(w io.Writer) error {
		if !compress {
			return WriteIDX(w, m)
		}
		zw := gzip.NewWriter(w)
		if err := WriteIDX(zw, m); err != nil {
			return err
		}
		return zw.Close()
	})
}
