package main

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/sbinet/npyio/npy"
)

// inputError is a problem with the user's input (a file, a flag): the
// command prints it and exits with status 2.
type inputError struct{ msg string }

func (e *inputError) Error() string { return e.msg }

func inputErrorf(format string, args ...any) error {
	return &inputError{msg: fmt.Sprintf(format, args...)}
}

// npyArray is a .npy file read into float32, with where it came from.
type npyArray struct {
	Path  string
	Descr string // the file's dtype, e.g. "<f4"
	Shape []int
	Data  []float32 // row-major (C order), converted from Descr
}

// halfKind says how 2-byte data (uint16 or void) is to be read: numpy has
// no bfloat16 dtype, so bfloat16 arrays arrive as uint16 views (or as the
// 2-byte void of ml_dtypes) and the file alone cannot say which 16-bit
// float they hold.
type halfKind string

const (
	halfNone     halfKind = ""
	halfBFloat16 halfKind = "bfloat16"
	halfFloat16  halfKind = "float16"
)

func parseHalf(s string) (halfKind, error) {
	switch strings.ToLower(s) {
	case "", "auto":
		return halfNone, nil
	case "bfloat16", "bf16":
		return halfBFloat16, nil
	case "float16", "f16", "half":
		return halfFloat16, nil
	}
	return "", inputErrorf("--dtype %q: want bfloat16 or float16 (for uint16 .npy data); float32, float64 and float16 files are detected", s)
}

// readNPY reads a .npy file of floats. The header is parsed by
// github.com/sbinet/npyio; the file's size is checked against the header
// before any data is read, so a truncated or padded file is refused rather
// than half-read. float32 is read as is, float64 and float16 are converted
// (float64 values beyond float32's range become infinities, which routing
// refuses), and 2-byte integer/void data is converted only when half says
// what it holds. Every error names the file.
func readNPY(path string, half halfKind) (*npyArray, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, inputErrorf("%s: no such file", path)
		}
		return nil, inputErrorf("%s: cannot read: %v", path, err)
	}
	if len(raw) < 10 || !bytes.Equal(raw[:6], npy.Magic[:]) {
		return nil, inputErrorf("%s: not a NumPy .npy file (it does not start with \\x93NUMPY)", path)
	}
	var dataOff int
	switch raw[6] {
	case 1:
		dataOff = 10 + int(binary.LittleEndian.Uint16(raw[8:10]))
	case 2:
		if len(raw) < 12 {
			return nil, inputErrorf("%s: truncated .npy header", path)
		}
		dataOff = 12 + int(binary.LittleEndian.Uint32(raw[8:12]))
	default:
		return nil, inputErrorf("%s: .npy format version %d.%d is not supported (want 1.0 or 2.0)", path, raw[6], raw[7])
	}
	if dataOff > len(raw) {
		return nil, inputErrorf("%s: truncated .npy header (header length %d, file has %d bytes)", path, dataOff, len(raw))
	}
	hdr, err := parseHeader(raw)
	if err != nil {
		return nil, inputErrorf("%s: malformed .npy header: %v", path, err)
	}
	a := &npyArray{Path: path, Descr: hdr.Descr.Type, Shape: hdr.Descr.Shape}
	n := 1
	for _, d := range a.Shape {
		if d < 0 || (d > 0 && n > math.MaxInt32/d) {
			return nil, inputErrorf("%s: shape %s is too large", path, shapeStr(a.Shape))
		}
		n *= d
	}
	kind, size, order, err := dtypeOf(a.Descr, half)
	if err != nil {
		return nil, inputErrorf("%s: %v", path, err)
	}
	if want := dataOff + n*size; len(raw) != want {
		what := "truncated"
		if len(raw) > want {
			what = "has trailing bytes"
		}
		return nil, inputErrorf("%s: %s: header says shape %s of %s (%d bytes of data), file has %d bytes of data",
			path, what, shapeStr(a.Shape), a.Descr, n*size, len(raw)-dataOff)
	}
	body := raw[dataOff:]
	a.Data = make([]float32, n)
	switch kind {
	case "f4":
		if order == binary.LittleEndian {
			// npyio reads element by element; the size is known to match.
			r, err := npy.NewReader(bytes.NewReader(raw))
			if err != nil {
				return nil, inputErrorf("%s: %v", path, err)
			}
			if err := r.Read(&a.Data); err != nil {
				return nil, inputErrorf("%s: %v", path, err)
			}
			break
		}
		for i := range a.Data {
			a.Data[i] = math.Float32frombits(order.Uint32(body[4*i:]))
		}
	case "f8":
		for i := range a.Data {
			a.Data[i] = float32(math.Float64frombits(order.Uint64(body[8*i:])))
		}
	case "f2":
		for i := range a.Data {
			a.Data[i] = float16to32(order.Uint16(body[2*i:]))
		}
	case "bf16":
		for i := range a.Data {
			a.Data[i] = math.Float32frombits(uint32(order.Uint16(body[2*i:])) << 16)
		}
	}
	if hdr.Descr.Fortran && len(a.Shape) > 1 {
		a.Data = fromFortran(a.Data, a.Shape)
	}
	return a, nil
}

// parseHeader runs npyio's header parser, which slices the header text by
// position and can panic on a header it does not expect.
func parseHeader(raw []byte) (h npy.Header, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("cannot parse the header dictionary")
		}
	}()
	r, err := npy.NewReader(bytes.NewReader(raw))
	if err != nil {
		return h, err
	}
	return r.Header, nil
}

// dtypeOf maps a .npy descr to the conversion readNPY applies.
func dtypeOf(descr string, half halfKind) (kind string, size int, order binary.ByteOrder, err error) {
	order = binary.LittleEndian
	d := descr
	if d != "" && (d[0] == '<' || d[0] == '>' || d[0] == '|' || d[0] == '=') {
		if d[0] == '>' {
			order = binary.BigEndian
		}
		d = d[1:]
	}
	switch d {
	case "f4":
		return "f4", 4, order, nil
	case "f8":
		return "f8", 8, order, nil
	case "f2":
		if half == halfBFloat16 {
			return "", 0, nil, fmt.Errorf("dtype %s is float16, but --dtype bfloat16 was given", descr)
		}
		return "f2", 2, order, nil
	case "u2", "i2", "V2":
		switch half {
		case halfBFloat16:
			return "bf16", 2, order, nil
		case halfFloat16:
			return "f2", 2, order, nil
		}
		return "", 0, nil, fmt.Errorf("dtype %s holds 16-bit values that may be bfloat16 or float16: pass --dtype bfloat16 or --dtype float16", descr)
	}
	return "", 0, nil, fmt.Errorf("dtype %s is not supported: want float32 (float64 and float16 are converted; bfloat16 stored as uint16 with --dtype bfloat16)", descr)
}

// float16to32 converts IEEE 754 binary16 bits exactly.
func float16to32(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	man := uint32(h) & 0x3ff
	switch {
	case exp == 0x1f: // inf or NaN
		return math.Float32frombits(sign | 0x7f800000 | man<<13)
	case exp != 0:
		return math.Float32frombits(sign | (exp+112)<<23 | man<<13)
	case man == 0:
		return math.Float32frombits(sign)
	}
	// subnormal: man * 2^-24, exact in float32
	f := float32(man) * (1.0 / (1 << 24))
	if sign != 0 {
		f = -f
	}
	return f
}

// fromFortran reorders column-major data into row-major.
func fromFortran(d []float32, shape []int) []float32 {
	out := make([]float32, len(d))
	nd := len(shape)
	idx := make([]int, nd)
	for f := range d {
		// f enumerates column-major: the first index varies fastest.
		c := 0
		for k := 0; k < nd; k++ {
			c = c*shape[k] + idx[k]
		}
		out[c] = d[f]
		for k := 0; k < nd; k++ {
			idx[k]++
			if idx[k] < shape[k] {
				break
			}
			idx[k] = 0
		}
	}
	return out
}

func shapeStr(s []int) string {
	parts := make([]string, len(s))
	for i, d := range s {
		parts[i] = strconv.Itoa(d)
	}
	if len(s) == 1 {
		return "(" + parts[0] + ",)"
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// encodeNPY returns a version 1.0 .npy file as the format's specification
// describes it: magic, version, little-endian header length, an ASCII dict
// padded with spaces and a newline so the data starts at a multiple of 64.
// (npyio's writer always writes version 2.0 headers aligned to 16 and
// cannot write a 2-D shape from a flat slice, so moegate writes its own.)
func encodeNPY(descr string, shape []int, data []byte) []byte {
	dict := fmt.Sprintf("{'descr': '%s', 'fortran_order': False, 'shape': %s, }", descr, shapeStr(shape))
	total := 10 + len(dict) + 1
	pad := (64 - total%64) % 64
	hdr := dict + strings.Repeat(" ", pad) + "\n"
	var b bytes.Buffer
	b.Grow(10 + len(hdr) + len(data))
	b.Write(npy.Magic[:])
	b.Write([]byte{1, 0})
	binary.Write(&b, binary.LittleEndian, uint16(len(hdr)))
	b.WriteString(hdr)
	b.Write(data)
	return b.Bytes()
}

func int32Bytes(v []int32) []byte {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], uint32(x))
	}
	return b
}

func float32Bytes(v []float32) []byte {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return b
}

func int64Bytes(v []int64) []byte {
	b := make([]byte, 8*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint64(b[8*i:], uint64(x))
	}
	return b
}

// outFile is one file of a set written all or nothing.
type outFile struct {
	Name string
	Data []byte
}

// writeAll writes files into dir all or nothing: each goes to a temporary
// name in dir (mode 0644, synced), and only when every one is written are
// they renamed into place. On an error while writing, the temporaries are
// removed and dir is left as it was. Renames are atomic per file; should one
// fail after others succeeded (rare: same directory, same file system), the
// files already renamed are removed too, so no mixed set is left.
func writeAll(dir string, files []outFile) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("--out %s: %v", dir, err)
	}
	tmps := make([]string, 0, len(files))
	cleanup := func() {
		for _, t := range tmps {
			os.Remove(t)
		}
	}
	for _, f := range files {
		tf, err := os.CreateTemp(dir, "."+f.Name+".tmp*")
		if err != nil {
			cleanup()
			return fmt.Errorf("--out %s: %v", dir, err)
		}
		tmps = append(tmps, tf.Name())
		_, err = tf.Write(f.Data)
		if err == nil {
			err = tf.Chmod(0o644) // CreateTemp makes 0600
		}
		if err == nil {
			err = tf.Sync()
		}
		if cerr := tf.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			cleanup()
			return fmt.Errorf("writing %s: %v", filepath.Join(dir, f.Name), err)
		}
	}
	for i, f := range files {
		if err := os.Rename(tmps[i], filepath.Join(dir, f.Name)); err != nil {
			for _, g := range files[:i] {
				os.Remove(filepath.Join(dir, g.Name))
			}
			cleanup()
			return fmt.Errorf("writing %s: %v", filepath.Join(dir, f.Name), err)
		}
	}
	return nil
}

// writeFileAtomic writes one file by temporary name and rename.
func writeFileAtomic(path string, data []byte) error {
	return writeAll(filepath.Dir(path), []outFile{{Name: filepath.Base(path), Data: data}})
}
