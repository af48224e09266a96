package main

import (
	"encoding/binary"
	"errors"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// rawNPY builds a .npy file with the header dictionary text exactly as
// given (padded with spaces and a newline to a multiple of 64, as numpy
// pads it).
func rawNPY(major byte, dict string, data []byte) []byte {
	pre := 10
	if major >= 2 {
		pre = 12
	}
	n := len(dict) + 1
	for (pre+n)%64 != 0 {
		n++
	}
	b := append([]byte(npyMagic), major, 0)
	if major >= 2 {
		b = binary.LittleEndian.AppendUint32(b, uint32(n))
	} else {
		b = binary.LittleEndian.AppendUint16(b, uint16(n))
	}
	b = append(b, dict...)
	for i := len(dict); i < n-1; i++ {
		b = append(b, ' ')
	}
	b = append(b, '\n')
	return append(b, data...)
}

// headerSpellings are headers numpy reads (TestNPYSpellingsNumpy checks
// that it does), each for the float32 array [[0, 1, 2], [3, 4, 5]] unless
// fortran_order says the data is column-major.
var headerSpellings = []struct {
	name  string
	major byte
	dict  string
}{
	{"canonical", 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }"},
	{"double quotes", 1, `{"descr": "<f4", "fortran_order": False, "shape": (2, 3)}`},
	{"key order", 1, "{'shape': (2, 3), 'fortran_order': False, 'descr': '<f4'}"},
	{"no trailing comma", 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3)}"},
	{"spacing", 1, "{ 'descr' :'<f4' ,'fortran_order':False,'shape':( 2 ,3 , ) , }"},
	{"newlines", 1, "{'descr': '<f4',\n 'fortran_order': False,\n 'shape': (2,\n 3)}"},
	{"leading space", 1, "  {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3)}"},
	{"=f4", 1, "{'descr': '=f4', 'fortran_order': False, 'shape': (2, 3), }"},
	{"|f4", 1, "{'descr': '|f4', 'fortran_order': False, 'shape': (2, 3), }"},
	{"f4", 1, "{'descr': 'f4', 'fortran_order': False, 'shape': (2, 3), }"},
	{"f", 1, "{'descr': 'f', 'fortran_order': False, 'shape': (2, 3), }"},
	{"float32", 1, "{'descr': 'float32', 'fortran_order': False, 'shape': (2, 3), }"},
	{"u prefix", 1, "{u'descr': u'<f4', u'fortran_order': False, u'shape': (2, 3), }"},
	{"python2 long", 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2L, 3L), }"},
	{"repeated key", 1, "{'descr': '<i8', 'fortran_order': False, 'shape': (2, 3), 'descr': '<f4'}"},
	{"fortran", 1, "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }"},
	{"version 2.0", 2, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }"},
	{"version 3.0", 3, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }"},
	{"hex int", 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (0x2, 3), }"},
}

func spellingData(fortran bool) []byte {
	v := []float32{0, 1, 2, 3, 4, 5}
	if fortran {
		v = []float32{0, 3, 1, 4, 2, 5}
	}
	var b []byte
	for _, x := range v {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(x))
	}
	return b
}

// TestNPYSpellings: every spelling of the header reads as the same array.
func TestNPYSpellings(t *testing.T) {
	dir := t.TempDir()
	for _, c := range headerSpellings {
		path := writeFile(t, filepath.Join(dir, strings.ReplaceAll(c.name, " ", "_")+".npy"),
			rawNPY(c.major, c.dict, spellingData(strings.Contains(c.dict, "True"))))
		a, err := readNPY(path, halfNone)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if !slices.Equal(a.Shape, []int{2, 3}) || !slices.Equal(a.Data, []float32{0, 1, 2, 3, 4, 5}) {
			t.Errorf("%s: shape %v data %v", c.name, a.Shape, a.Data)
		}
	}
}

// TestNPYSpellingsNumpy: numpy itself reads every spelling above as the
// same array (so the list holds only what numpy accepts).
func TestNPYSpellingsNumpy(t *testing.T) {
	py := numpyPython()
	if py == "" {
		t.Skip("no python3 with numpy here")
	}
	dir := t.TempDir()
	var paths []string
	for i, c := range headerSpellings {
		p := writeFile(t, filepath.Join(dir, string(rune('a'+i))+".npy"), rawNPY(c.major, c.dict, spellingData(strings.Contains(c.dict, "True"))))
		paths = append(paths, p)
	}
	script := `
import numpy as np, sys
for p in sys.argv[1:]:
    a = np.load(p)
    assert a.dtype == np.float32 and a.shape == (2, 3) and a.tolist() == [[0, 1, 2], [3, 4, 5]], (p, a.dtype, a.shape, a)
print('ok')
`
	out, err := exec.Command(py, append([]string{"-c", script}, paths...)...).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "ok") {
		t.Fatalf("numpy: %v\n%s", err, out)
	}
}

// TestNPYRefused: headers numpy refuses, and the ones moegate refuses
// although numpy would guess (platform-dependent sizes), are errors that
// name the file.
func TestNPYRefused(t *testing.T) {
	dir := t.TempDir()
	data := spellingData(false)
	for _, c := range []struct {
		name, dict string
		want       string
	}{
		{"extra key", "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), 'x': 1}", "want exactly"},
		{"missing key", "{'descr': '<f4', 'shape': (2, 3)}", "want exactly"},
		{"shape list", "{'descr': '<f4', 'fortran_order': False, 'shape': [2, 3]}", "not a tuple"},
		{"shape int", "{'descr': '<f4', 'fortran_order': False, 'shape': (6)}", "not a tuple"},
		{"negative dim", "{'descr': '<f4', 'fortran_order': False, 'shape': (-2, 3)}", "shape[0]"},
		{"float dim", "{'descr': '<f4', 'fortran_order': False, 'shape': (2.0, 3)}", "want an int"},
		{"leading zero", "{'descr': '<f4', 'fortran_order': False, 'shape': (02, 3)}", "cannot start with 0"},
		{"fortran int", "{'descr': '<f4', 'fortran_order': 0, 'shape': (2, 3)}", "fortran_order"},
		{"structured", "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2, 3)}", "structured"},
		{"long", "{'descr': 'l', 'fortran_order': False, 'shape': (2, 3)}", "platform"},
		{"not a dict", "('<f4', False, (2, 3))", "not a dict"},
		{"unterminated", "{'descr': '<f4, 'fortran_order': False, 'shape': (2, 3)}", "header"},
		{"garbage after", "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3)} x", "after the dictionary"},
		{"unknown dtype", "{'descr': '<f5', 'fortran_order': False, 'shape': (2, 3)}", "not supported"},
		{"escape", `{'descr': '\x3cf4', 'fortran_order': False, 'shape': (2, 3)}`, "escape"},
	} {
		path := writeFile(t, filepath.Join(dir, "x.npy"), rawNPY(1, c.dict, data))
		_, err := readNPY(path, halfNone)
		var ie *inputError
		if err == nil || !errors.As(err, &ie) || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want an input error naming the file and %q", c.name, err, c.want)
		}
	}
	// version 1.1 and a header longer than numpy's limit
	b := rawNPY(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3)}", data)
	b[7] = 1
	path := writeFile(t, filepath.Join(dir, "v11.npy"), b)
	if _, err := readNPY(path, halfNone); err == nil || !strings.Contains(err.Error(), "version 1.1") {
		t.Errorf("version 1.1: %v", err)
	}
	path = writeFile(t, filepath.Join(dir, "long.npy"), rawNPY(2, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3)}"+strings.Repeat(" ", 20000), data))
	if _, err := readNPY(path, halfNone); err == nil || !strings.Contains(err.Error(), "limit") {
		t.Errorf("long header: %v", err)
	}
}

func TestParseDescr(t *testing.T) {
	le, be, ne := binary.ByteOrder(binary.LittleEndian), binary.ByteOrder(binary.BigEndian), binary.ByteOrder(binary.NativeEndian)
	for _, c := range []struct {
		s     string
		kind  byte
		size  int
		order binary.ByteOrder
	}{
		{"<f4", 'f', 4, le}, {">f4", 'f', 4, be}, {"=f4", 'f', 4, ne}, {"|f4", 'f', 4, ne}, {"f4", 'f', 4, ne},
		{"f", 'f', 4, ne}, {"<f", 'f', 4, le}, {"d", 'f', 8, ne}, {"e", 'f', 2, ne}, {"<f2", 'f', 2, le},
		{"|b1", 'b', 1, ne}, {"<b1", 'b', 1, le}, {"?", 'b', 1, ne}, {"bool", 'b', 1, ne},
		{"|u1", 'u', 1, ne}, {"B", 'u', 1, ne}, {"uint8", 'u', 1, ne}, {"b", 'i', 1, ne}, {"|i1", 'i', 1, ne},
		{"<i4", 'i', 4, le}, {"i", 'i', 4, ne}, {"<i", 'i', 4, le}, {"int32", 'i', 4, ne}, {"<i8", 'i', 8, le}, {"q", 'i', 8, ne},
		{">i8", 'i', 8, be}, {"int64", 'i', 8, ne}, {"float64", 'f', 8, ne}, {"|V2", 'V', 2, ne}, {"<u2", 'u', 2, le},
	} {
		d, err := parseDescr(c.s)
		if err != nil || d.kind != c.kind || d.size != c.size || d.order != c.order {
			t.Errorf("parseDescr(%q) = %c %d %v, %v; want %c %d %v", c.s, d.kind, d.size, d.order, err, c.kind, c.size, c.order)
		}
	}
	for _, s := range []string{"", "<", "<float32", "f3", "i16", "b2", "l", "int", "U10", "O", "<M8", "c8", "f04", "f+4", " f4"} {
		if d, err := parseDescr(s); err == nil {
			t.Errorf("parseDescr(%q) = %+v, want an error", s, d)
		}
	}
}

// TestIntAndMaskNPY: int32/int64 files (C and Fortran order) read into
// int32; an int64 beyond int32 names its index; a mask holds only 0 and 1.
func TestIntAndMaskNPY(t *testing.T) {
	dir := t.TempDir()
	var i4, i8, i8F []byte
	for _, v := range []int64{0, 1, 2, 3, 4, 5} {
		i4 = binary.LittleEndian.AppendUint32(i4, uint32(v))
		i8 = binary.LittleEndian.AppendUint64(i8, uint64(v))
	}
	for _, v := range []int64{0, 3, 1, 4, 2, 5} {
		i8F = binary.LittleEndian.AppendUint64(i8F, uint64(v))
	}
	for name, b := range map[string][]byte{
		"i4":  rawNPY(1, "{'descr': '<i4', 'fortran_order': False, 'shape': (2, 3)}", i4),
		"i8":  rawNPY(1, "{'descr': '<i8', 'fortran_order': False, 'shape': (2, 3)}", i8),
		"i8F": rawNPY(1, "{'descr': '<i8', 'fortran_order': True, 'shape': (2, 3)}", i8F),
	} {
		a, err := readIntNPY(writeFile(t, filepath.Join(dir, name+".npy"), b))
		if err != nil || !slices.Equal(a.Data, []int32{0, 1, 2, 3, 4, 5}) || !slices.Equal(a.Shape, []int{2, 3}) {
			t.Errorf("%s: %v %v", name, a, err)
		}
	}
	big := slices.Clone(i8)
	binary.LittleEndian.PutUint64(big[8*4:], uint64(1)<<31)
	p := writeFile(t, filepath.Join(dir, "big.npy"), rawNPY(1, "{'descr': '<i8', 'fortran_order': False, 'shape': (2, 3)}", big))
	if _, err := readIntNPY(p); err == nil || !strings.Contains(err.Error(), "[1, 1]") || !strings.Contains(err.Error(), "2147483648") || !strings.Contains(err.Error(), p) {
		t.Errorf("int64 beyond int32: %v", err)
	}
	p = writeFile(t, filepath.Join(dir, "f4.npy"), rawNPY(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3)}", spellingData(false)))
	if _, err := readIntNPY(p); err == nil || !strings.Contains(err.Error(), "int32 or int64") {
		t.Errorf("float ids: %v", err)
	}
	for _, d := range []string{"|b1", "|u1", "?", "bool", "uint8"} {
		m, shape, err := readMaskNPY(writeFile(t, filepath.Join(dir, "m.npy"), rawNPY(1, "{'descr': '"+d+"', 'fortran_order': False, 'shape': (4,)}", []byte{1, 0, 0, 1})))
		if err != nil || !slices.Equal(m, []bool{true, false, false, true}) || !slices.Equal(shape, []int{4}) {
			t.Errorf("mask %s: %v %v %v", d, m, shape, err)
		}
	}
	p = writeFile(t, filepath.Join(dir, "m2.npy"), rawNPY(1, "{'descr': '|u1', 'fortran_order': False, 'shape': (4,)}", []byte{1, 0, 2, 1}))
	if _, _, err := readMaskNPY(p); err == nil || !strings.Contains(err.Error(), "value 2 at index [2]") {
		t.Errorf("mask with 2: %v", err)
	}
	p = writeFile(t, filepath.Join(dir, "mi.npy"), rawNPY(1, "{'descr': '<i4', 'fortran_order': False, 'shape': (1,)}", []byte{1, 0, 0, 0}))
	if _, _, err := readMaskNPY(p); err == nil || !strings.Contains(err.Error(), "bool or uint8") {
		t.Errorf("int32 mask: %v", err)
	}
	os.Remove(p)
}
