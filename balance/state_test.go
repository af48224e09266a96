package balance_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"flag"
	"hash/crc32"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/moegate/moegate/balance"
)

var update = flag.Bool("update", false, "rewrite testdata/state_v1.bin")

// sampleController is a controller with non-trivial state: negative and
// positive biases, global counts, steps.
func sampleController(t testing.TB, e int, rule balance.Rule) *balance.Controller {
	c := mustNew(t, e, balance.Options{Rate: 0.0025, Rule: rule})
	r := rand.New(rand.NewPCG(uint64(e), 5))
	for range 20 {
		if _, err := c.Update(randCounts(r, e, 500)); err != nil {
			t.Fatal(err)
		}
	}
	return c
}

func fixCRC(b []byte) {
	n := len(b) - 4
	binary.LittleEndian.PutUint32(b[n:], crc32.Checksum(b[:n], crc32.MakeTable(crc32.Castagnoli)))
}

func TestStateRoundTrip(t *testing.T) {
	for _, rule := range []balance.Rule{balance.Sign, balance.Linear} {
		for _, e := range []int{1, 5, 64} {
			c := sampleController(t, e, rule)
			b, err := c.MarshalBinary()
			if err != nil {
				t.Fatal(err)
			}
			if len(b) != 25+12*e+4 {
				t.Fatalf("state of %d experts is %d bytes", e, len(b))
			}
			var buf bytes.Buffer
			if err := c.Save(&buf); err != nil || !bytes.Equal(buf.Bytes(), b) {
				t.Fatalf("Save differs from MarshalBinary (%v)", err)
			}
			buf.WriteString("next record") // Load reads exactly the state
			d, err := balance.Load(&buf)
			if err != nil {
				t.Fatal(err)
			}
			if buf.String() != "next record" {
				t.Fatalf("Load consumed %q too much", "next record"[:11-buf.Len()])
			}
			if !slices.Equal(bitsOf(d.Bias()), bitsOf(c.Bias())) || !slices.Equal(d.GlobalLoad(), c.GlobalLoad()) ||
				d.Steps() != c.Steps() || d.Options() != c.Options() || d.Experts() != e {
				t.Fatal("loaded state differs")
			}
			b2, _ := d.MarshalBinary()
			if !bytes.Equal(b, b2) {
				t.Fatal("re-marshalled state differs")
			}
			// Both continue identically.
			counts := make([]int64, e)
			counts[0] = 7
			s1, _ := c.Update(counts)
			s2, _ := d.Update(counts)
			if s1 != s2 || !slices.Equal(bitsOf(d.Bias()), bitsOf(c.Bias())) {
				t.Fatal("restored controller diverges")
			}
		}
	}
}

// The committed state file pins the version-1 format: if the encoding
// changes, this fails and the version must be bumped.
func TestStateGoldenFile(t *testing.T) {
	path := filepath.Join("testdata", "state_v1.bin")
	c := sampleController(t, 6, balance.Linear)
	b, _ := c.MarshalBinary()
	if *update {
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b, want) {
		t.Fatalf("encoding differs from %s (a format change needs a new version)", path)
	}
	d, err := balance.Load(bytes.NewReader(want))
	if err != nil || !slices.Equal(bitsOf(d.Bias()), bitsOf(c.Bias())) {
		t.Fatalf("golden file does not load back: %v", err)
	}
}

// checkRefused asserts that b is refused by both UnmarshalBinary and Load with
// ErrCorrupt, and that a live controller is left untouched.
func checkRefused(t *testing.T, what string, b []byte, wantMsg string) {
	t.Helper()
	live := sampleController(t, 3, balance.Sign)
	before, _ := live.MarshalBinary()
	err := live.UnmarshalBinary(b)
	if !errors.Is(err, balance.ErrCorrupt) {
		t.Fatalf("%s: UnmarshalBinary = %v, want ErrCorrupt", what, err)
	}
	if wantMsg != "" && !strings.Contains(err.Error(), wantMsg) {
		t.Fatalf("%s: error %q does not say %q", what, err, wantMsg)
	}
	if after, _ := live.MarshalBinary(); !bytes.Equal(before, after) {
		t.Fatalf("%s: a refused state changed the controller", what)
	}
	if c, err := balance.Load(bytes.NewReader(b)); !errors.Is(err, balance.ErrCorrupt) || c != nil {
		// Load reads only the state's length, so trailing bytes are not
		// its business.
		if wantMsg != "trailing" {
			t.Fatalf("%s: Load = %v, want ErrCorrupt", what, err)
		}
	}
}

func TestStateTruncated(t *testing.T) {
	b, _ := sampleController(t, 5, balance.Sign).MarshalBinary()
	for n := range len(b) {
		checkRefused(t, "truncated", b[:n], "")
	}
	checkRefused(t, "truncated body", b[:len(b)-1], "truncated")
	checkRefused(t, "trailing", append(slices.Clone(b), 0), "trailing")
}

func TestStateFlipped(t *testing.T) {
	b, _ := sampleController(t, 5, balance.Linear).MarshalBinary()
	for i := range b {
		for _, x := range []byte{0x01, 0x80, 0xff} {
			c := slices.Clone(b)
			c[i] ^= x
			checkRefused(t, "flipped byte", c, "")
		}
	}
	c := slices.Clone(b)
	c[30] ^= 4
	checkRefused(t, "flipped bias bit", c, "checksum")
}

// Fields that are wrong although the checksum matches (a writer bug, or a
// deliberate edit): each refused, saying what is wrong.
func TestStateBadFields(t *testing.T) {
	good, _ := sampleController(t, 4, balance.Sign).MarshalBinary()
	edit := func(f func(b []byte)) []byte {
		b := slices.Clone(good)
		f(b)
		fixCRC(b)
		return b
	}
	f32 := func(v float32) []byte { return binary.LittleEndian.AppendUint32(nil, math.Float32bits(v)) }
	cases := []struct {
		name, msg string
		b         []byte
	}{
		{"magic", "magic", edit(func(b []byte) { b[0] = 'X' })},
		{"version 2", "version 2", edit(func(b []byte) { b[7] = 2 })},
		{"version 0", "version 0", edit(func(b []byte) { b[7] = 0 })},
		{"experts 0", "experts = 0", edit(func(b []byte) { binary.LittleEndian.PutUint32(b[8:], 0) })},
		{"experts too many", "experts", edit(func(b []byte) { binary.LittleEndian.PutUint32(b[8:], 1<<30) })},
		{"experts 3 for 4", "trailing", edit(func(b []byte) { binary.LittleEndian.PutUint32(b[8:], 3) })},
		{"experts 5 for 4", "truncated", edit(func(b []byte) { binary.LittleEndian.PutUint32(b[8:], 5) })},
		{"rule", "rule = 3", edit(func(b []byte) { b[12] = 3 })},
		{"rate NaN", "rate", edit(func(b []byte) { copy(b[13:], f32(float32(math.NaN()))) })},
		{"rate 0", "rate", edit(func(b []byte) { copy(b[13:], f32(0)) })},
		{"rate negative", "rate", edit(func(b []byte) { copy(b[13:], f32(-0.001)) })},
		{"rate Inf", "rate", edit(func(b []byte) { copy(b[13:], f32(float32(math.Inf(1)))) })},
		{"steps", "steps", edit(func(b []byte) { binary.LittleEndian.PutUint64(b[17:], 1<<63) })},
		{"bias NaN", "bias[2]", edit(func(b []byte) { copy(b[25+8:], f32(float32(math.NaN()))) })},
		{"bias -Inf", "bias[0]", edit(func(b []byte) { copy(b[25:], f32(float32(math.Inf(-1)))) })},
		{"count negative", "global count [1]", edit(func(b []byte) { binary.LittleEndian.PutUint64(b[25+16+8:], 1<<63) })},
		{"checksum", "checksum", func() []byte { b := slices.Clone(good); b[len(b)-1] ^= 1; return b }()},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { checkRefused(t, c.name, c.b, c.msg) })
	}
	if _, err := balance.Load(bytes.NewReader(nil)); !errors.Is(err, balance.ErrCorrupt) {
		t.Errorf("empty input: %v", err)
	}
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, io.ErrClosedPipe }

func TestLoadReadError(t *testing.T) {
	if _, err := balance.Load(errReader{}); !errors.Is(err, io.ErrClosedPipe) || errors.Is(err, balance.ErrCorrupt) {
		t.Errorf("read error: %v", err)
	}
	b, _ := sampleController(t, 4, balance.Sign).MarshalBinary()
	r := io.MultiReader(bytes.NewReader(b[:20]), errReader{})
	if _, err := balance.Load(r); !errors.Is(err, io.ErrClosedPipe) {
		t.Errorf("read error mid-state: %v", err)
	}
	if err := sampleController(t, 2, balance.Sign).Save(failWriter{}); !errors.Is(err, io.ErrShortWrite) {
		t.Errorf("Save write error: %v", err)
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, io.ErrShortWrite }
