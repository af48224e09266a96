package main

// The .npy reader. Format: https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html
//
// numpy reads the header dictionary with ast.literal_eval, so any Python
// literal spelling of it is a valid file: single or double quotes, the keys
// in any order, with or without a trailing comma, any spacing (newlines
// included), and dtype strings such as '<f4', '=f4', 'f4', '|b1', '?' or
// 'float32'. github.com/sbinet/npyio (v0.6.0) and its maintained successor
// codeberg.org/sbinet/npyio (v0.14.0) both slice the header by position:
// they refuse double quotes, other spacing and version 3.0 files, panic on
// another key order and read a header without the trailing comma with the
// wrong shape. So moegate parses the header itself, by the rules numpy
// applies (numpy/lib/format.py, _read_array_header and descr_to_dtype), and
// refuses, naming the file, whatever it cannot read exactly.

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
)

// npyMagic begins every .npy file.
const npyMagic = "\x93NUMPY"

// maxHeaderLen is numpy's default max_header_size (numpy >= 1.24 refuses a
// longer header unless told to trust the file).
const maxHeaderLen = 10000

// npyDtype is a dtype moegate can hold: a kind ('f' float, 'i' signed int,
// 'u' unsigned int, 'b' bool, 'V' raw bytes), a size in bytes and a byte
// order.
type npyDtype struct {
	kind  byte
	size  int
	order binary.ByteOrder
}

// npyFile is a .npy file whose header has been read and whose size matches
// it.
type npyFile struct {
	Path    string
	Descr   string // as the header spells it
	Shape   []int
	Fortran bool
	N       int // elements
	dt      npyDtype
	body    []byte // N*dt.size bytes
}

// openNPY reads the file at path and its header; want describes the dtypes
// the caller reads, for the error about one it cannot parse.
func openNPY(path, want string) (*npyFile, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, inputErrorf("%s: no such file", path)
		}
		return nil, inputErrorf("%s: cannot read: %v", path, err)
	}
	if len(raw) < 10 || string(raw[:6]) != npyMagic {
		return nil, inputErrorf("%s: not a NumPy .npy file (it does not start with \\x93NUMPY)", path)
	}
	major, minor := raw[6], raw[7]
	if major < 1 || major > 3 || minor != 0 {
		return nil, inputErrorf("%s: .npy format version %d.%d is not supported (want 1.0, 2.0 or 3.0)", path, major, minor)
	}
	pre, hlen := 10, 0
	if major == 1 {
		hlen = int(binary.LittleEndian.Uint16(raw[8:10]))
	} else {
		if len(raw) < 12 {
			return nil, inputErrorf("%s: truncated .npy header", path)
		}
		pre = 12
		hlen = int(binary.LittleEndian.Uint32(raw[8:12]))
	}
	if hlen > maxHeaderLen {
		return nil, inputErrorf("%s: .npy header of %d bytes is longer than numpy's limit of %d", path, hlen, maxHeaderLen)
	}
	if pre+hlen > len(raw) {
		return nil, inputErrorf("%s: truncated .npy header (header length %d, file has %d bytes)", path, pre+hlen, len(raw))
	}
	descr, fortran, shape, err := parseNPYHeader(raw[pre:pre+hlen], major)
	if err != nil {
		return nil, inputErrorf("%s: malformed .npy header: %v", path, err)
	}
	f := &npyFile{Path: path, Descr: descr, Shape: shape, Fortran: fortran && len(shape) > 1}
	n := 1
	for _, d := range shape {
		if d > 0 && n > math.MaxInt32/d {
			return nil, inputErrorf("%s: shape %s is too large (more than %d elements)", path, shapeStr(shape), math.MaxInt32)
		}
		n *= d
	}
	f.N = n
	f.dt, err = parseDescr(descr)
	if err != nil {
		return nil, inputErrorf("%s: dtype %s is not supported (%v): %s", path, descr, err, want)
	}
	f.body = raw[pre+hlen:]
	if want := n * f.dt.size; len(f.body) != want {
		what := "truncated"
		if len(f.body) > want {
			what = "has trailing bytes"
		}
		return nil, inputErrorf("%s: %s: header says shape %s of %s (%d bytes of data), file has %d bytes of data",
			path, what, shapeStr(shape), descr, want, len(f.body))
	}
	return f, nil
}

// parseNPYHeader reads the header dictionary as numpy does: a Python
// literal (ast.literal_eval) that must be a dict with exactly the keys
// descr (a dtype string), fortran_order (a bool) and shape (a tuple of
// non-negative ints). Versions 1.0 and 2.0 may spell ints with Python 2's
// L suffix (numpy's _filter_header removes it).
func parseNPYHeader(hdr []byte, major byte) (descr string, fortran bool, shape []int, err error) {
	p := &pyParser{s: string(hdr), longSuffix: major <= 2}
	// ast.literal_eval strips leading spaces and tabs.
	p.s = strings.TrimLeft(p.s, " \t")
	v, err := p.value(0)
	if err != nil {
		return "", false, nil, err
	}
	p.space()
	if p.i < len(p.s) {
		return "", false, nil, fmt.Errorf("unexpected %q after the dictionary", p.rest())
	}
	d, ok := v.(pyDict)
	if !ok {
		return "", false, nil, fmt.Errorf("the header is a %s, not a dict", pyType(v))
	}
	keys := make([]string, 0, len(d))
	for k := range d {
		keys = append(keys, k)
	}
	if len(d) != 3 || d["descr"] == nil || d["fortran_order"] == nil || d["shape"] == nil {
		return "", false, nil, fmt.Errorf("keys %q: want exactly descr, fortran_order and shape", keys)
	}
	switch x := d["descr"].(type) {
	case string:
		descr = x
	default:
		return "", false, nil, fmt.Errorf("descr is a %s: structured and sub-array dtypes are not supported", pyType(x))
	}
	fo, ok := d["fortran_order"].(bool)
	if !ok {
		return "", false, nil, fmt.Errorf("fortran_order is a %s, not True or False", pyType(d["fortran_order"]))
	}
	tup, ok := d["shape"].(pyTuple)
	if !ok {
		return "", false, nil, fmt.Errorf("shape is a %s, not a tuple", pyType(d["shape"]))
	}
	shape = make([]int, len(tup))
	for i, x := range tup {
		n, ok := x.(int64)
		if !ok {
			return "", false, nil, fmt.Errorf("shape[%d] is a %s, not an int", i, pyType(x))
		}
		if n < 0 || n > math.MaxInt32 {
			return "", false, nil, fmt.Errorf("shape[%d] = %d: want a size in [0, %d]", i, n, math.MaxInt32)
		}
		shape[i] = int(n)
	}
	return descr, fo, shape, nil
}

// Python literal values: string, int64, bool, nil (None), pyTuple, pyList,
// pyDict (string keys; a repeated key keeps its last value, as in Python).
type (
	pyTuple []any
	pyList  []any
	pyDict  map[string]any
)

func pyType(v any) string {
	switch v.(type) {
	case string:
		return "str"
	case int64:
		return "int"
	case bool:
		return "bool"
	case nil:
		return "None"
	case pyTuple:
		return "tuple"
	case pyList:
		return "list"
	case pyDict:
		return "dict"
	}
	return fmt.Sprintf("%T", v)
}

// pyParser reads the subset of Python literals a .npy header can hold.
type pyParser struct {
	s          string
	i          int
	longSuffix bool // accept 3L (numpy's _filter_header for version 1.0 and 2.0)
}

func (p *pyParser) rest() string {
	r := p.s[p.i:]
	if len(r) > 20 {
		r = r[:20] + "..."
	}
	return r
}

// space skips whitespace (the dict spans lines freely inside its braces)
// and comments.
func (p *pyParser) space() {
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case ' ', '\t', '\n', '\r', '\f', '\v':
			p.i++
		case '#':
			for p.i < len(p.s) && p.s[p.i] != '\n' {
				p.i++
			}
		default:
			return
		}
	}
}

func (p *pyParser) value(depth int) (any, error) {
	if depth > 8 {
		return nil, errors.New("nested too deeply")
	}
	p.space()
	if p.i >= len(p.s) {
		return nil, errors.New("unexpected end of the header")
	}
	c := p.s[p.i]
	switch {
	case c == '{':
		p.i++
		d := pyDict{}
		for {
			p.space()
			if p.i < len(p.s) && p.s[p.i] == '}' {
				p.i++
				return d, nil
			}
			k, err := p.value(depth + 1)
			if err != nil {
				return nil, err
			}
			ks, ok := k.(string)
			if !ok {
				return nil, fmt.Errorf("a dict key is a %s, not a str", pyType(k))
			}
			p.space()
			if p.i >= len(p.s) || p.s[p.i] != ':' {
				return nil, fmt.Errorf("want ':' after key %q, found %q", ks, p.rest())
			}
			p.i++
			v, err := p.value(depth + 1)
			if err != nil {
				return nil, err
			}
			d[ks] = v
			if !p.sep('}') {
				return nil, fmt.Errorf("want ',' or '}' after the value of %q, found %q", ks, p.rest())
			}
		}
	case c == '(' || c == '[':
		end := byte(')')
		if c == '[' {
			end = ']'
		}
		p.i++
		var items []any
		commas := 0
		for {
			p.space()
			if p.i < len(p.s) && p.s[p.i] == end {
				p.i++
				break
			}
			v, err := p.value(depth + 1)
			if err != nil {
				return nil, err
			}
			items = append(items, v)
			p.space()
			if p.i < len(p.s) && p.s[p.i] == ',' {
				commas++
			}
			if !p.sep(end) {
				return nil, fmt.Errorf("want ',' or '%c', found %q", end, p.rest())
			}
		}
		if c == '[' {
			return pyList(items), nil
		}
		if len(items) == 1 && commas == 0 {
			return items[0], nil // (3) is 3, not a tuple
		}
		return pyTuple(items), nil
	case c == '\'' || c == '"' || ((c == 'u' || c == 'U') && p.i+1 < len(p.s) && (p.s[p.i+1] == '\'' || p.s[p.i+1] == '"')):
		if c == 'u' || c == 'U' {
			p.i++
		}
		return p.str()
	case c == '-' || c == '+' || (c >= '0' && c <= '9'):
		return p.int()
	default:
		j := p.i
		for j < len(p.s) && (isAlnum(p.s[j]) || p.s[j] == '_') {
			j++
		}
		switch p.s[p.i:j] {
		case "True":
			p.i = j
			return true, nil
		case "False":
			p.i = j
			return false, nil
		case "None":
			p.i = j
			return nil, nil
		}
		return nil, fmt.Errorf("cannot read %q (moegate reads dicts, tuples, strings, ints and True/False)", p.rest())
	}
}

// sep consumes a ',' or, without consuming it, reports the closing end;
// it reports false for anything else.
func (p *pyParser) sep(end byte) bool {
	p.space()
	if p.i >= len(p.s) {
		return false
	}
	switch p.s[p.i] {
	case ',':
		p.i++
		return true
	case end:
		return true
	}
	return false
}

// str reads a single- or double-quoted string; the escapes \\, \', \" are
// understood and any other escape is refused rather than guessed.
func (p *pyParser) str() (string, error) {
	q := p.s[p.i]
	if strings.HasPrefix(p.s[p.i:], strings.Repeat(string(q), 3)) {
		return "", errors.New("triple-quoted strings are not supported")
	}
	p.i++
	var b strings.Builder
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch {
		case c == q:
			p.i++
			return b.String(), nil
		case c == '\n':
			return "", errors.New("a string runs past the end of the line")
		case c == '\\':
			if p.i+1 >= len(p.s) {
				return "", errors.New("unterminated string")
			}
			e := p.s[p.i+1]
			if e != '\\' && e != '\'' && e != '"' {
				return "", fmt.Errorf("the escape \\%c in a string is not supported", e)
			}
			b.WriteByte(e)
			p.i += 2
		default:
			b.WriteByte(c)
			p.i++
		}
	}
	return "", errors.New("unterminated string")
}

// int reads a Python int literal: decimal (no leading zeros), 0x/0o/0b,
// underscores between digits, an optional sign.
func (p *pyParser) int() (int64, error) {
	neg := false
	for p.i < len(p.s) && (p.s[p.i] == '-' || p.s[p.i] == '+') {
		if p.s[p.i] == '-' {
			neg = !neg
		}
		p.i++
		p.space()
	}
	j := p.i
	for j < len(p.s) && (isAlnum(p.s[j]) || p.s[j] == '_') {
		j++
	}
	tok := p.s[p.i:j]
	if p.longSuffix && (strings.HasSuffix(tok, "L") || strings.HasSuffix(tok, "l")) {
		tok = tok[:len(tok)-1]
	}
	if tok == "" || tok[0] < '0' || tok[0] > '9' {
		return 0, fmt.Errorf("cannot read the number %q", p.rest())
	}
	if j < len(p.s) && p.s[j] == '.' {
		return 0, fmt.Errorf("%q: want an int", p.rest())
	}
	if len(tok) > 1 && tok[0] == '0' && isDigitOrUnderscore(tok[1]) && strings.Trim(tok, "0_") != "" {
		return 0, fmt.Errorf("%q: a decimal int cannot start with 0", tok)
	}
	n, err := strconv.ParseInt(tok, 0, 64)
	if err != nil {
		return 0, fmt.Errorf("%q: not an int that moegate can hold", tok)
	}
	p.i = j
	if neg {
		n = -n
	}
	return n, nil
}

func isAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

func isDigitOrUnderscore(c byte) bool { return c >= '0' && c <= '9' || c == '_' }

// parseDescr reads a dtype string as numpy.dtype does, for the dtypes
// moegate holds: an optional byte order ('<' little, '>' big, '=' or '|'
// or none: this machine's, as numpy reads it) and a type code with its size
// ('f4', 'i8', 'b1', 'V2'), a one-letter code ('f', 'd', 'e', '?', 'B',
// 'i', 'q', ...) or a name ('float32', 'int64', 'bool', ...). Codes whose
// size depends on the platform that wrote the file ('l', 'L', 'int',
// 'long') are refused.
func parseDescr(s string) (npyDtype, error) {
	var order binary.ByteOrder = binary.NativeEndian
	body := s
	if body != "" {
		switch body[0] {
		case '<':
			order, body = binary.LittleEndian, body[1:]
		case '>':
			order, body = binary.BigEndian, body[1:]
		case '=', '|':
			body = body[1:]
		}
	}
	names := map[string]npyDtype{
		"float16": {'f', 2, nil}, "half": {'f', 2, nil}, "float32": {'f', 4, nil}, "single": {'f', 4, nil},
		"float64": {'f', 8, nil}, "double": {'f', 8, nil}, "float": {'f', 8, nil},
		"int8": {'i', 1, nil}, "int16": {'i', 2, nil}, "int32": {'i', 4, nil}, "int64": {'i', 8, nil},
		"uint8": {'u', 1, nil}, "uint16": {'u', 2, nil}, "uint32": {'u', 4, nil}, "uint64": {'u', 8, nil},
		"bool": {'b', 1, nil},
	}
	codes := map[string]npyDtype{
		"e": {'f', 2, nil}, "f": {'f', 4, nil}, "d": {'f', 8, nil},
		"?": {'b', 1, nil}, "b": {'i', 1, nil}, "B": {'u', 1, nil},
		"h": {'i', 2, nil}, "H": {'u', 2, nil}, "i": {'i', 4, nil}, "I": {'u', 4, nil},
		"q": {'i', 8, nil}, "Q": {'u', 8, nil},
	}
	if d, ok := names[s]; ok { // names take no byte order prefix
		d.order = binary.NativeEndian
		return d, nil
	}
	if d, ok := codes[body]; ok {
		d.order = order
		return d, nil
	}
	switch body {
	case "l", "L", "int", "long", "uint", "ulong":
		return npyDtype{}, errors.New("its size depends on the platform that wrote the file; write a sized dtype such as '<i8'")
	}
	if len(body) >= 2 {
		size, err := strconv.Atoi(body[1:])
		if err == nil && size > 0 && body[1] != '0' && body[1] != '+' {
			d := npyDtype{kind: body[0], size: size, order: order}
			switch {
			case d.kind == 'f' && (size == 2 || size == 4 || size == 8),
				(d.kind == 'i' || d.kind == 'u') && (size == 1 || size == 2 || size == 4 || size == 8),
				d.kind == 'b' && size == 1,
				d.kind == 'V':
				return d, nil
			}
		}
	}
	return npyDtype{}, errors.New("not a dtype moegate reads")
}
