package data

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"

	"github.com/vecgrad/vecgrad/tensor"
)

// MaxNPYBytes bounds the data of one .npy array (the product of its shape
// times the element size): 1 GiB. A header that declares more is rejected
// before any of the data is read.
const MaxNPYBytes = 1 << 30

// maxNPYHeader bounds an .npy header: numpy's own loader refuses headers
// over 10000 bytes by default; this accepts up to 64 KiB.
const maxNPYHeader = 64 << 10

// npyMagic starts every .npy file (NumPy's format, versions 1.0 to 3.0).
const npyMagic = "\x93NUMPY"

// ReadNPY reads a NumPy .npy file (np.save's format, versions 1.0 to 3.0)
// as a float32 tensor of the array's shape. It accepts the element types
// float32, float64, uint8 and int64 (descr <f4, <f8, |u1, <i8, either byte
// order), in C or Fortran order; float64 and int64 values are rounded to
// the nearest float32 (integers are exact up to 2^24). The data must be at
// most MaxNPYBytes and is read incrementally, so a truncated file fails
// having allocated about what it held. Bytes after the data are an error.
// Errors are one line naming the file (*FormatError).
func ReadNPY(path string) (*tensor.Tensor, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	t, err := DecodeNPY(f)
	return t, withFile(err, path)
}

// DecodeNPY is ReadNPY on a stream; its errors are *FormatError values
// without a file name.
func DecodeNPY(r io.Reader) (*tensor.Tensor, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	t, err := decodeNPY(br, MaxNPYBytes)
	if err != nil {
		return nil, err
	}
	if _, err := br.ReadByte(); err != io.EOF {
		return nil, npyErr("bytes after the array's data (an .npy file ends with its data)")
	}
	return t, nil
}

// npyHeader is what an .npy header says about its array.
type npyHeader struct {
	kind    byte // 'f', 'u' or 'i'
	size    int  // bytes per element
	big     bool // big-endian elements
	fortran bool // column-major data
	shape   []int
}

func npyErr(format string, args ...any) error {
	return &FormatError{Format: "npy", Msg: fmt.Sprintf(format, args...)}
}

// decodeNPY reads one array of at most limit data bytes from r, leaving r
// just after its data.
func decodeNPY(r io.Reader, limit int) (*tensor.Tensor, error) {
	var pre [10]byte
	if n, err := io.ReadFull(r, pre[:8]); err != nil {
		return nil, npyShort(err, "want the 8-byte magic and version, got %d bytes", n)
	}
	if string(pre[:6]) != npyMagic {
		return nil, npyErr("bad magic %q (an .npy file starts with \\x93NUMPY)", pre[:6])
	}
	major := pre[6]
	var hlen int
	switch major {
	case 1:
		if n, err := io.ReadFull(r, pre[8:10]); err != nil {
			return nil, npyShort(err, "want the 2-byte header length, got %d bytes", n)
		}
		hlen = int(binary.LittleEndian.Uint16(pre[8:10]))
	case 2, 3:
		var l [4]byte
		if n, err := io.ReadFull(r, l[:]); err != nil {
			return nil, npyShort(err, "want the 4-byte header length, got %d bytes", n)
		}
		v := binary.LittleEndian.Uint32(l[:])
		if v > maxNPYHeader {
			return nil, npyErr("header of %d bytes (accepted: at most %d)", v, maxNPYHeader)
		}
		hlen = int(v)
	default:
		return nil, npyErr("format version %d.%d (accepted: 1.0, 2.0, 3.0)", major, pre[7])
	}
	hb := make([]byte, hlen)
	if n, err := io.ReadFull(r, hb); err != nil {
		return nil, npyShort(err, "want a %d-byte header, got %d bytes", hlen, n)
	}
	h, err := parseNPYHeader(string(hb))
	if err != nil {
		return nil, err
	}
	if err := tensor.CheckShape(h.shape); err != nil {
		return nil, npyErr("shape %v: %v", h.shape, err)
	}
	n := 1
	for _, d := range h.shape {
		n *= d
	}
	if n > limit/h.size {
		return nil, npyErr("shape %v holds %d elements of %d bytes (accepted: at most %d bytes of data)", h.shape, n, h.size, limit)
	}
	raw, err := readGrowing(r, n*h.size)
	if err != nil {
		return nil, npyShort(err, "want %d bytes of data for shape %v, got %d", n*h.size, h.shape, len(raw))
	}
	vals := make([]float32, n)
	npyConvert(vals, raw, h)
	if !h.fortran || len(h.shape) < 2 {
		return tensor.New(vals, h.shape...), nil
	}
	// Column-major data is the row-major array of the reversed shape,
	// transposed back.
	rev := make([]int, len(h.shape))
	perm := make([]int, len(h.shape))
	for i, d := range h.shape {
		rev[len(rev)-1-i] = d
		perm[i] = len(rev) - 1 - i
	}
	return tensor.New(vals, rev...).Permute(perm...).Contiguous(), nil
}

func npyShort(err error, format string, args ...any) error {
	e := shortRead(err, format, args...).(*FormatError)
	e.Format = "npy"
	return e
}

// npyConvert turns raw elements into float32 values.
func npyConvert(dst []float32, raw []byte, h npyHeader) {
	order := binary.ByteOrder(binary.LittleEndian)
	if h.big {
		order = binary.BigEndian
	}
	for i := range dst {
		b := raw[i*h.size : (i+1)*h.size]
		switch {
		case h.kind == 'u':
			dst[i] = float32(b[0])
		case h.kind == 'f' && h.size == 4:
			dst[i] = math.Float32frombits(order.Uint32(b))
		case h.kind == 'f':
			dst[i] = float32(math.Float64frombits(order.Uint64(b)))
		default: // int64
			dst[i] = float32(int64(order.Uint64(b)))
		}
	}
}

// parseNPYHeader reads the Python dict literal of an .npy header, e.g.
// {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }, strictly:
// the three keys, each once, and nothing else.
func parseNPYHeader(s string) (npyHeader, error) {
	var h npyHeader
	p := &pyLit{s: strings.TrimRight(s, " \n\x00")}
	if !p.eat('{') {
		return h, npyErr("header %s is not a Python dict", quoteShort(s))
	}
	seen := map[string]bool{}
	for !p.eat('}') {
		key, ok := p.str()
		if !ok || !p.eat(':') {
			return h, npyErr("header %s: want 'key': value pairs", quoteShort(s))
		}
		if seen[key] {
			return h, npyErr("header repeats the key %q", key)
		}
		seen[key] = true
		var err error
		switch key {
		case "descr":
			d, ok := p.str()
			if !ok {
				return h, npyErr("header: descr is not a string (accepted: '<f4', '<f8', '|u1', '<i8', or '>' for big-endian)")
			}
			err = h.setDescr(d)
		case "fortran_order":
			switch {
			case p.word("True"):
				h.fortran = true
			case p.word("False"):
			default:
				err = npyErr("header: fortran_order is not True or False")
			}
		case "shape":
			h.shape, err = p.tuple()
		default:
			err = npyErr("header has the unknown key %q (accepted: descr, fortran_order, shape)", key)
		}
		if err != nil {
			return h, err
		}
		if !p.eat(',') && !p.peek('}') {
			return h, npyErr("header %s: want ',' or '}' after %s", quoteShort(s), key)
		}
	}
	if p.rest() != "" {
		return h, npyErr("header has %s after the dict", quoteShort(p.rest()))
	}
	if !seen["descr"] || !seen["shape"] || !seen["fortran_order"] {
		return h, npyErr("header %s lacks descr, fortran_order or shape", quoteShort(s))
	}
	return h, nil
}

// setDescr accepts float32, float64, uint8 and int64 in either byte order.
func (h *npyHeader) setDescr(d string) error {
	const accepted = "accepted: float32, float64, uint8 and int64: '<f4', '<f8', '|u1', '<i8' ('>' for big-endian)"
	if len(d) != 3 || !strings.Contains("<>|=", d[:1]) {
		return npyErr("element type %q (%s)", d, accepted)
	}
	h.big = d[0] == '>'
	switch d[1:] {
	case "f4":
		h.kind, h.size = 'f', 4
	case "f8":
		h.kind, h.size = 'f', 8
	case "u1":
		h.kind, h.size = 'u', 1
	case "i8":
		h.kind, h.size = 'i', 8
	default:
		return npyErr("element type %q (%s)", d, accepted)
	}
	return nil
}

// quoteShort quotes s for a message, cut to 60 bytes.
func quoteShort(s string) string {
	if len(s) > 60 {
		return strconv.Quote(s[:60]) + "..."
	}
	return strconv.Quote(s)
}

// pyLit scans the few Python literals of an .npy header.
type pyLit struct {
	s string
	i int
}

func (p *pyLit) skip() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t') {
		p.i++
	}
}

func (p *pyLit) rest() string { p.skip(); return p.s[p.i:] }

func (p *pyLit) peek(c byte) bool { p.skip(); return p.i < len(p.s) && p.s[p.i] == c }

func (p *pyLit) eat(c byte) bool {
	if p.peek(c) {
		p.i++
		return true
	}
	return false
}

func (p *pyLit) word(w string) bool {
	p.skip()
	if strings.HasPrefix(p.s[p.i:], w) {
		p.i += len(w)
		return true
	}
	return false
}

// str reads a string in single or double quotes (no escapes: header
// strings have none).
func (p *pyLit) str() (string, bool) {
	p.skip()
	if p.i >= len(p.s) || (p.s[p.i] != '\'' && p.s[p.i] != '"') {
		return "", false
	}
	q := p.s[p.i]
	end := strings.IndexByte(p.s[p.i+1:], q)
	if end < 0 {
		return "", false
	}
	v := p.s[p.i+1 : p.i+1+end]
	p.i += end + 2
	return v, true
}

// tuple reads a tuple of non-negative integers: (), (3,), (3, 4).
func (p *pyLit) tuple() ([]int, error) {
	if !p.eat('(') {
		return nil, npyErr("header: shape is not a tuple")
	}
	shape := []int{}
	for !p.eat(')') {
		p.skip()
		j := p.i
		for j < len(p.s) && p.s[j] >= '0' && p.s[j] <= '9' {
			j++
		}
		if j == p.i || j-p.i > 18 {
			return nil, npyErr("header: shape holds %s, not a size", quoteShort(p.s[p.i:min(len(p.s), p.i+20)]))
		}
		d, _ := strconv.Atoi(p.s[p.i:j])
		p.i = j
		shape = append(shape, d)
		if len(shape) > tensor.MaxDims {
			return nil, npyErr("header: shape has more than %d dimensions", tensor.MaxDims)
		}
		if !p.eat(',') && !p.peek(')') {
			return nil, npyErr("header: want ',' or ')' in the shape")
		}
	}
	return shape, nil
}
