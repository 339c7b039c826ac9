package safetensors

import (
	"fmt"
	"strconv"
	"unicode/utf8"
)

// This file is a small JSON scanner for the one shape of object a
// safetensors header has. encoding/json is not used because it silently
// keeps the last of two duplicate keys (a corrupt checkpoint with two
// "fc1.weight" would load without a word), replaces invalid UTF-8 instead of
// failing, and cannot say at which byte a value of the wrong type is. The
// grammar accepted is RFC 8259 restricted to what the header may hold:
// nesting never goes deeper than entry -> array, so there is no recursion a
// hostile header could exhaust.

// entry is one tensor's header entry, before its offsets are checked
// against the buffer.
type entry struct {
	name        string
	at          int // offset of the name in the header, for messages
	dtype       string
	size        int64 // bytes per element of dtype
	shape       []int
	elems       int64 // product of shape, set by checkLayout
	begin, end  int64
	fieldsFound int // fieldDType | fieldShape | fieldOffsets seen so far
}

// header is the parsed header.
type header struct {
	entries  []entry
	metadata map[string]string
}

// parser scans the header bytes b. Offsets in its errors are file offsets:
// base is where the header starts in the file.
type parser struct {
	b    []byte
	i    int
	base int64
	file string
}

func (p *parser) errAt(at int, format string, args ...any) error {
	return &FormatError{File: p.file, Offset: p.base + int64(at), Msg: fmt.Sprintf(format, args...)}
}

// ws skips JSON whitespace. The padding writers add is spaces, but any JSON
// whitespace is accepted, as the reference reader (serde_json) does.
func (p *parser) ws() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *parser) peek() byte {
	if p.i < len(p.b) {
		return p.b[p.i]
	}
	return 0
}

// found describes what is at the current position, for "expected X, found
// Y" messages.
func (p *parser) found() string {
	if p.i >= len(p.b) {
		return "the end of the header (truncated header?)"
	}
	switch c := p.b[p.i]; {
	case c == '{':
		return "an object"
	case c == '[':
		return "an array"
	case c == '"':
		return "a string"
	case c == 't' || c == 'f':
		return "a boolean"
	case c == 'n':
		return "null"
	case c == '-' || ('0' <= c && c <= '9'):
		return "a number"
	default:
		r, _ := utf8.DecodeRune(p.b[p.i:])
		return fmt.Sprintf("the character %q, which is not valid JSON here", r)
	}
}

// parseHeader parses a whole header. b must be valid UTF-8.
func parseHeader(b []byte, base int64, file string) (*header, error) {
	p := &parser{b: b, base: base, file: file}
	if p.peek() != '{' {
		return nil, p.errAt(0, "header must be a JSON object starting with '{', found %s", p.found())
	}
	p.i++
	h := &header{}
	// seen maps every top-level key to its offset, to report duplicates
	// with both places.
	seen := make(map[string]int)
	p.ws()
	if p.peek() == '}' {
		p.i++
	} else {
		for {
			p.ws()
			if p.peek() != '"' {
				return nil, p.errAt(p.i, "expected a tensor name (a JSON string) as a key of the header object, found %s", p.found())
			}
			at := p.i
			key, err := p.str()
			if err != nil {
				return nil, err
			}
			if first, dup := seen[key]; dup {
				return nil, p.errAt(at, "key %q appears twice in the header (first at byte %d); tensor names must be unique", key, p.base+int64(first))
			}
			seen[key] = at
			p.ws()
			if p.peek() != ':' {
				return nil, p.errAt(p.i, "expected ':' after key %q, found %s", key, p.found())
			}
			p.i++
			p.ws()
			if key == metadataKey {
				if h.metadata, err = p.metadata(); err != nil {
					return nil, err
				}
			} else {
				if key == "" {
					return nil, p.errAt(at, "a tensor name is empty; names must be non-empty strings")
				}
				e, err := p.entry(key, at)
				if err != nil {
					return nil, err
				}
				h.entries = append(h.entries, e)
			}
			p.ws()
			if p.peek() == ',' {
				p.i++
				continue
			}
			if p.peek() == '}' {
				p.i++
				break
			}
			return nil, p.errAt(p.i, "expected ',' or '}' after the value of %q, found %s", key, p.found())
		}
	}
	p.ws()
	if p.i != len(p.b) {
		return nil, p.errAt(p.i, "unexpected %s after the header object; only spaces may follow it, as padding", p.found())
	}
	return h, nil
}

// Field bits of entry.fieldsFound.
const (
	fieldDType = 1 << iota
	fieldShape
	fieldOffsets
)

var fieldNames = []struct {
	bit  int
	name string
}{{fieldDType, "dtype"}, {fieldShape, "shape"}, {fieldOffsets, "data_offsets"}}

// entry parses the value of tensor name: an object with exactly dtype,
// shape and data_offsets.
func (p *parser) entry(name string, at int) (entry, error) {
	e := entry{name: name, at: at}
	if p.peek() != '{' {
		return e, p.errAt(p.i, `tensor %q: expected an object with "dtype", "shape" and "data_offsets", found %s`, name, p.found())
	}
	start := p.i
	p.i++
	p.ws()
	if p.peek() == '}' {
		p.i++
		return e, p.errAt(start, `tensor %q: entry is empty; it needs "dtype", "shape" and "data_offsets"`, name)
	}
	for {
		p.ws()
		if p.peek() != '"' {
			return e, p.errAt(p.i, "tensor %q: expected a field name (a JSON string), found %s", name, p.found())
		}
		fat := p.i
		field, err := p.str()
		if err != nil {
			return e, err
		}
		bit := 0
		for _, f := range fieldNames {
			if f.name == field {
				bit = f.bit
			}
		}
		if bit == 0 {
			return e, p.errAt(fat, `tensor %q: unknown field %q; an entry has exactly "dtype", "shape" and "data_offsets"`, name, field)
		}
		if e.fieldsFound&bit != 0 {
			return e, p.errAt(fat, "tensor %q: field %q appears twice", name, field)
		}
		e.fieldsFound |= bit
		p.ws()
		if p.peek() != ':' {
			return e, p.errAt(p.i, "tensor %q: expected ':' after field %q, found %s", name, field, p.found())
		}
		p.i++
		p.ws()
		switch bit {
		case fieldDType:
			if e.dtype, err = p.dtype(name); err != nil {
				return e, err
			}
			e.size = readDTypes[e.dtype]
		case fieldShape:
			if e.shape, err = p.shape(name); err != nil {
				return e, err
			}
		case fieldOffsets:
			if err := p.offsets(&e); err != nil {
				return e, err
			}
		}
		p.ws()
		if p.peek() == ',' {
			p.i++
			continue
		}
		if p.peek() == '}' {
			p.i++
			break
		}
		return e, p.errAt(p.i, "tensor %q: expected ',' or '}' after field %q, found %s", name, field, p.found())
	}
	for _, f := range fieldNames {
		if e.fieldsFound&f.bit == 0 {
			return e, p.errAt(start, `tensor %q: missing field %q; an entry needs "dtype", "shape" and "data_offsets"`, name, f.name)
		}
	}
	return e, nil
}

func (p *parser) dtype(name string) (string, error) {
	at := p.i
	if p.peek() != '"' {
		return "", p.errAt(at, "tensor %q: dtype must be a string; accepted: %s; found %s", name, acceptedDTypes, p.found())
	}
	d, err := p.str()
	if err != nil {
		return "", err
	}
	if readDTypes[d] != 0 {
		return d, nil
	}
	if knownDTypes[d] {
		return "", p.errAt(at, "tensor %q: dtype %q is not supported; accepted: %s (convert the tensor to float32 before saving)", name, d, acceptedDTypes)
	}
	return "", p.errAt(at, "tensor %q: unknown dtype %q; accepted: %s", name, d, acceptedDTypes)
}

// shape parses an array of dimensions. It counts the elements before
// allocating, so the slice costs 8 bytes per (at least 2) header bytes and
// never more: append's doubling would waste up to half of it on a huge
// hostile shape.
func (p *parser) shape(name string) ([]int, error) {
	if p.peek() != '[' {
		return nil, p.errAt(p.i, "tensor %q: shape must be an array of non-negative integers, found %s", name, p.found())
	}
	n := 1
	for j := p.i + 1; j < len(p.b) && p.b[j] != ']'; j++ {
		if p.b[j] == ',' {
			n++
		}
	}
	shape := make([]int, 0, n)
	err := p.uintArray(name, "shape", func(v int64, at int) error {
		if uint64(v) > uint64(^uint(0)>>1) { // does not fit in int (32-bit platforms)
			return p.errAt(at, "tensor %q: shape dimension %d is too large for this platform", name, v)
		}
		shape = append(shape, int(v))
		return nil
	})
	return shape, err
}

func (p *parser) offsets(e *entry) error {
	start := p.i
	if p.peek() != '[' {
		return p.errAt(p.i, "tensor %q: data_offsets must be an array of two non-negative integers [begin, end], found %s", e.name, p.found())
	}
	n := 0
	err := p.uintArray(e.name, "data_offsets", func(v int64, at int) error {
		switch n {
		case 0:
			e.begin = v
		case 1:
			e.end = v
		default:
			return p.errAt(at, "tensor %q: data_offsets has more than two elements; it must be [begin, end]", e.name)
		}
		n++
		return nil
	})
	if err != nil {
		return err
	}
	if n != 2 {
		return p.errAt(start, "tensor %q: data_offsets has %d elements; it must be two, [begin, end]", e.name, n)
	}
	if e.begin > e.end {
		return p.errAt(start, "tensor %q: data_offsets [%d,%d] begin after end; begin must be <= end", e.name, e.begin, e.end)
	}
	return nil
}

// uintArray parses an array of non-negative integers, calling add for each.
func (p *parser) uintArray(name, field string, add func(v int64, at int) error) error {
	p.i++ // '['
	p.ws()
	if p.peek() == ']' {
		p.i++
		return nil
	}
	for {
		p.ws()
		at := p.i
		v, err := p.uint(name, field)
		if err != nil {
			return err
		}
		if err := add(v, at); err != nil {
			return err
		}
		p.ws()
		switch p.peek() {
		case ',':
			p.i++
		case ']':
			p.i++
			return nil
		default:
			return p.errAt(p.i, "tensor %q: expected ',' or ']' in %s, found %s", name, field, p.found())
		}
	}
}

// uint parses a JSON number that must be a non-negative integer fitting in
// an int64. The whole number lexeme is scanned first so that the message
// can quote it ("-1", "2.5", "1e3").
func (p *parser) uint(name, field string) (int64, error) {
	at := p.i
	j := p.i
	if j < len(p.b) && p.b[j] == '-' {
		j++
	}
	digits := j
	for j < len(p.b) && '0' <= p.b[j] && p.b[j] <= '9' {
		j++
	}
	if j == digits {
		return 0, p.errAt(at, "tensor %q: %s must hold non-negative integers, found %s", name, field, p.found())
	}
	intEnd := j
	for j < len(p.b) && (p.b[j] == '.' || p.b[j] == 'e' || p.b[j] == 'E' || p.b[j] == '+' || p.b[j] == '-' || ('0' <= p.b[j] && p.b[j] <= '9')) {
		j++
	}
	lex := string(p.b[at:min(j, at+40)])
	switch {
	case p.b[at] == '-':
		return 0, p.errAt(at, "tensor %q: %s holds the negative number %s; it must hold non-negative integers", name, field, lex)
	case j != intEnd:
		return 0, p.errAt(at, "tensor %q: %s holds %s, which is not an integer; it must hold non-negative integers", name, field, lex)
	case p.b[at] == '0' && intEnd-at > 1:
		return 0, p.errAt(at, "tensor %q: %s holds %s, which has a leading zero (not valid JSON)", name, field, lex)
	}
	v, err := strconv.ParseInt(string(p.b[at:intEnd]), 10, 64)
	if err != nil {
		return 0, p.errAt(at, "tensor %q: %s holds %s, which is too large (the limit is 2^63-1)", name, field, lex)
	}
	p.i = intEnd
	return v, nil
}

// metadata parses the "__metadata__" value: an object of string to string,
// or null (the reference implementation's Option<HashMap> accepts null).
func (p *parser) metadata() (map[string]string, error) {
	if len(p.b)-p.i >= 4 && string(p.b[p.i:p.i+4]) == "null" {
		p.i += 4
		return nil, nil
	}
	if p.peek() != '{' {
		return nil, p.errAt(p.i, "__metadata__ must be an object of string to string, found %s", p.found())
	}
	p.i++
	m := make(map[string]string)
	p.ws()
	if p.peek() == '}' {
		p.i++
		return m, nil
	}
	for {
		p.ws()
		if p.peek() != '"' {
			return nil, p.errAt(p.i, "__metadata__: expected a key (a JSON string), found %s", p.found())
		}
		at := p.i
		k, err := p.str()
		if err != nil {
			return nil, err
		}
		if _, dup := m[k]; dup {
			return nil, p.errAt(at, "__metadata__: key %q appears twice; keys must be unique", k)
		}
		p.ws()
		if p.peek() != ':' {
			return nil, p.errAt(p.i, "__metadata__: expected ':' after key %q, found %s", k, p.found())
		}
		p.i++
		p.ws()
		if p.peek() != '"' {
			return nil, p.errAt(p.i, "__metadata__: the value of %q must be a string, found %s", k, p.found())
		}
		v, err := p.str()
		if err != nil {
			return nil, err
		}
		m[k] = v
		p.ws()
		switch p.peek() {
		case ',':
			p.i++
		case '}':
			p.i++
			return m, nil
		default:
			return nil, p.errAt(p.i, "__metadata__: expected ',' or '}' after the value of %q, found %s", k, p.found())
		}
	}
}

// str parses a JSON string at p.i (which holds '"'). Escapes are decoded;
// a lone UTF-16 surrogate is an error, as in serde_json, because it cannot
// be represented in UTF-8 and would not survive a round trip.
func (p *parser) str() (string, error) {
	start := p.i
	j := p.i + 1
	// Fast path: most names have no escapes and need one copy.
	for j < len(p.b) {
		c := p.b[j]
		if c == '"' {
			s := string(p.b[start+1 : j])
			p.i = j + 1
			return s, nil
		}
		if c == '\\' {
			break
		}
		if c < 0x20 {
			return "", p.errAt(j, "string has an unescaped control character 0x%02x (not valid JSON)", c)
		}
		j++
	}
	buf := append([]byte(nil), p.b[start+1:j]...)
	for j < len(p.b) {
		c := p.b[j]
		switch {
		case c == '"':
			p.i = j + 1
			return string(buf), nil
		case c < 0x20:
			return "", p.errAt(j, "string has an unescaped control character 0x%02x (not valid JSON)", c)
		case c != '\\':
			buf = append(buf, c)
			j++
			continue
		}
		if j+1 >= len(p.b) {
			break
		}
		switch e := p.b[j+1]; e {
		case '"', '\\', '/':
			buf = append(buf, e)
		case 'b':
			buf = append(buf, '\b')
		case 'f':
			buf = append(buf, '\f')
		case 'n':
			buf = append(buf, '\n')
		case 'r':
			buf = append(buf, '\r')
		case 't':
			buf = append(buf, '\t')
		case 'u':
			r, n, err := p.unicodeEscape(j)
			if err != nil {
				return "", err
			}
			buf = utf8.AppendRune(buf, r)
			j += n
			continue
		default:
			return "", p.errAt(j, "string has the invalid escape \\%c (not valid JSON)", rune(e))
		}
		j += 2
	}
	return "", p.errAt(start, "string is not terminated before the end of the header (truncated header?)")
}

// unicodeEscape decodes \uXXXX (or a surrogate pair \uXXXX\uXXXX) at j and
// returns the rune and the number of bytes used.
func (p *parser) unicodeEscape(j int) (rune, int, error) {
	hex := func(k int) (rune, bool) {
		if k+6 > len(p.b) || p.b[k] != '\\' || p.b[k+1] != 'u' {
			return 0, false
		}
		v, err := strconv.ParseUint(string(p.b[k+2:k+6]), 16, 16)
		return rune(v), err == nil
	}
	r, ok := hex(j)
	if !ok {
		return 0, 0, p.errAt(j, `string has an invalid \u escape; it needs four hex digits`)
	}
	switch {
	case 0xD800 <= r && r < 0xDC00:
		lo, ok := hex(j + 6)
		if !ok || lo < 0xDC00 || lo >= 0xE000 {
			return 0, 0, p.errAt(j, `string has a lone UTF-16 surrogate \u%04X, which is not a character`, r)
		}
		return 0x10000 + (r-0xD800)<<10 + (lo - 0xDC00), 12, nil
	case 0xDC00 <= r && r < 0xE000:
		return 0, 0, p.errAt(j, `string has a lone UTF-16 surrogate \u%04X, which is not a character`, r)
	}
	return r, 6, nil
}
