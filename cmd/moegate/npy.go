package main

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// inputError is a problem with the user's input (a file, a flag): the
// command prints it and exits with status 2.
type inputError struct{ msg string }

func (e *inputError) Error() string { return e.msg }

func inputErrorf(format string, args ...any) error {
	return &inputError{msg: fmt.Sprintf(format, args...)}
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

// npyArray is a .npy file of numbers read into float32, with where it came
// from.
type npyArray struct {
	Path  string
	Descr string // the file's dtype as its header spells it, e.g. "<f4"
	Shape []int
	Data  []float32 // row-major (C order), converted from Descr
}

// intArray is a .npy file of integers (int32 or int64) read into int32.
type intArray struct {
	Path  string
	Descr string
	Shape []int
	Data  []int32 // row-major
}

// readNPY reads a .npy file of floats. float32 is read as is, float64 and
// float16 are converted (float64 values beyond float32's range become
// infinities, which routing refuses), and 2-byte integer/void data is
// converted only when half says what it holds. Every error names the file.
func readNPY(path string, half halfKind) (*npyArray, error) {
	const want = "want float32 (float64 and float16 are converted; bfloat16 stored as uint16 with --dtype bfloat16)"
	f, err := openNPY(path, want)
	if err != nil {
		return nil, err
	}
	a := &npyArray{Path: path, Descr: f.Descr, Shape: f.Shape, Data: make([]float32, f.N)}
	dt, body, order := f.dt, f.body, f.dt.order
	switch {
	case dt.kind == 'f' && dt.size == 4:
		for i := range a.Data {
			a.Data[i] = math.Float32frombits(order.Uint32(body[4*i:]))
		}
	case dt.kind == 'f' && dt.size == 8:
		for i := range a.Data {
			a.Data[i] = float32(math.Float64frombits(order.Uint64(body[8*i:])))
		}
	case dt.kind == 'f' && dt.size == 2:
		if half == halfBFloat16 {
			return nil, inputErrorf("%s: dtype %s is float16, but --dtype bfloat16 was given", path, f.Descr)
		}
		for i := range a.Data {
			a.Data[i] = float16to32(order.Uint16(body[2*i:]))
		}
	case (dt.kind == 'u' || dt.kind == 'i' || dt.kind == 'V') && dt.size == 2:
		switch half {
		case halfBFloat16:
			for i := range a.Data {
				a.Data[i] = math.Float32frombits(uint32(order.Uint16(body[2*i:])) << 16)
			}
		case halfFloat16:
			for i := range a.Data {
				a.Data[i] = float16to32(order.Uint16(body[2*i:]))
			}
		default:
			return nil, inputErrorf("%s: dtype %s holds 16-bit values that may be bfloat16 or float16: pass --dtype bfloat16 or --dtype float16", path, f.Descr)
		}
	default:
		return nil, inputErrorf("%s: dtype %s is not supported: %s", path, f.Descr, want)
	}
	if f.Fortran {
		a.Data = fromFortran(a.Data, a.Shape)
	}
	return a, nil
}

// readIntNPY reads a .npy file of int32 or int64 into int32; an int64 value
// that int32 cannot hold is refused, naming its index.
func readIntNPY(path string) (*intArray, error) {
	const want = "want int32 or int64"
	f, err := openNPY(path, want)
	if err != nil {
		return nil, err
	}
	if f.dt.kind != 'i' || (f.dt.size != 4 && f.dt.size != 8) {
		return nil, inputErrorf("%s: dtype %s is not supported: %s", path, f.Descr, want)
	}
	v := make([]int64, f.N)
	for i := range v {
		if f.dt.size == 4 {
			v[i] = int64(int32(f.dt.order.Uint32(f.body[4*i:])))
		} else {
			v[i] = int64(f.dt.order.Uint64(f.body[8*i:]))
		}
	}
	if f.Fortran {
		v = fromFortran(v, f.Shape)
	}
	a := &intArray{Path: path, Descr: f.Descr, Shape: f.Shape, Data: make([]int32, f.N)}
	for i, x := range v {
		if x < math.MinInt32 || x > math.MaxInt32 {
			return nil, inputErrorf("%s: value %d at index %s does not fit in int32", path, x, indexStr(i, f.Shape))
		}
		a.Data[i] = int32(x)
	}
	return a, nil
}

// readMaskNPY reads a .npy file of bool or uint8 holding only 0 and 1.
func readMaskNPY(path string) ([]bool, []int, error) {
	const want = "want bool or uint8 (1: a real token, 0: padding)"
	f, err := openNPY(path, want)
	if err != nil {
		return nil, nil, err
	}
	if (f.dt.kind != 'b' && f.dt.kind != 'u') || f.dt.size != 1 {
		return nil, nil, inputErrorf("%s: dtype %s is not supported: %s", path, f.Descr, want)
	}
	m := make([]bool, f.N)
	for i, b := range f.body {
		if b > 1 {
			return nil, nil, inputErrorf("%s: value %d at index %s: a mask holds 1 (a real token) or 0 (padding), nothing else", path, b, indexStr(i, f.Shape))
		}
		m[i] = b == 1
	}
	if f.Fortran {
		m = fromFortran(m, f.Shape)
	}
	return m, f.Shape, nil
}

// indexStr names the element at row-major flat index i of shape, as numpy
// would index it: "[3, 1]".
func indexStr(i int, shape []int) string {
	if len(shape) == 0 {
		return "[]"
	}
	idx := make([]string, len(shape))
	for k := len(shape) - 1; k >= 0; k-- {
		idx[k] = strconv.Itoa(i % shape[k])
		i /= shape[k]
	}
	return "[" + strings.Join(idx, ", ") + "]"
}

// fromFortran reorders column-major data into row-major.
func fromFortran[T any](d []T, shape []int) []T {
	if len(shape) < 2 {
		return d
	}
	out := make([]T, len(d))
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
func encodeNPY(descr string, shape []int, data []byte) []byte {
	dict := fmt.Sprintf("{'descr': '%s', 'fortran_order': False, 'shape': %s, }", descr, shapeStr(shape))
	total := 10 + len(dict) + 1
	pad := (64 - total%64) % 64
	hdr := dict + strings.Repeat(" ", pad) + "\n"
	var b bytes.Buffer
	b.Grow(10 + len(hdr) + len(data))
	b.WriteString(npyMagic)
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
