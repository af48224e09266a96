package main

import (
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// TestStreamChunking: the stream does not depend on how a batch is split.
func TestStreamChunking(t *testing.T) {
	const E, B = 64, 4 * seqLen
	s := newStream(E, 9)
	whole := make([]float32, B*E)
	s.fill(7, 0, B, whole)
	parts := make([]float32, B*E)
	for t0 := 0; t0 < B; t0 += seqLen {
		s.fill(7, t0, seqLen, parts[t0*E:(t0+seqLen)*E])
	}
	if !slices.Equal(whole, parts) {
		t.Fatal("chunked fill differs")
	}
	other := make([]float32, B*E)
	s.fill(8, 0, B, other)
	if slices.Equal(whole, other) {
		t.Fatal("two steps gave the same tokens")
	}
}

// TestStreamScale checks the numbers stream.go and the demo's help state:
// logits with a per-token std of about 0.35, scores from about 0.3 to 0.7.
func TestStreamScale(t *testing.T) {
	const E, B = 256, 2048
	s := newStream(E, 1)
	x := make([]float32, B*E)
	s.fill(0, 0, B, x)
	var sd, lo, hi float64
	for tk := 0; tk < B; tk++ {
		row := x[tk*E : (tk+1)*E]
		m, v := 0.0, 0.0
		mn, mx := math.Inf(1), math.Inf(-1)
		for _, f := range row {
			m += float64(f)
			mn, mx = math.Min(mn, float64(f)), math.Max(mx, float64(f))
		}
		m /= E
		for _, f := range row {
			v += (float64(f) - m) * (float64(f) - m)
		}
		sd += math.Sqrt(v / E)
		lo += 1 / (1 + math.Exp(-mn))
		hi += 1 / (1 + math.Exp(-mx))
	}
	sd, lo, hi = sd/B, lo/B, hi/B
	t.Logf("logit std %.3f, scores %.2f..%.2f", sd, lo, hi)
	if sd < 0.3 || sd > 0.4 || lo < 0.25 || lo > 0.35 || hi < 0.65 || hi > 0.75 {
		t.Errorf("stream scale drifted from its documentation: std %.3f, scores %.2f..%.2f", sd, lo, hi)
	}
}

func TestFloat16(t *testing.T) {
	for _, c := range []struct {
		h uint16
		f float32
	}{
		{0x0000, 0}, {0x3c00, 1}, {0xc000, -2}, {0x7bff, 65504}, {0x0001, 5.960464477539063e-08},
		{0x03ff, 6.097555160522461e-05}, {0x0400, 6.103515625e-05}, {0x3555, 0.333251953125},
		{0x7c00, float32(math.Inf(1))}, {0xfc00, float32(math.Inf(-1))},
	} {
		if got := float16to32(c.h); got != c.f {
			t.Errorf("float16to32(%#04x) = %v, want %v", c.h, got, c.f)
		}
	}
	if g := float16to32(0x8000); g != 0 || !math.Signbit(float64(g)) {
		t.Errorf("-0: %v", g)
	}
	if g := float16to32(0x7e00); !math.IsNaN(float64(g)) {
		t.Errorf("NaN: %v", g)
	}
}

func TestFromFortran(t *testing.T) {
	// A 2x3 array [[1,2,3],[4,5,6]] in column-major order.
	got := fromFortran([]float32{1, 4, 2, 5, 3, 6}, []int{2, 3})
	if !slices.Equal(got, []float32{1, 2, 3, 4, 5, 6}) {
		t.Fatalf("2-D: %v", got)
	}
	// 2x2x2: element (i,j,k) at i + 2j + 4k in Fortran order.
	var f []float32
	for k := 0; k < 2; k++ {
		for j := 0; j < 2; j++ {
			for i := 0; i < 2; i++ {
				f = append(f, float32(100*i+10*j+k))
			}
		}
	}
	got = fromFortran(f, []int{2, 2, 2})
	want := []float32{0, 1, 10, 11, 100, 101, 110, 111}
	if !slices.Equal(got, want) {
		t.Fatalf("3-D: %v, want %v", got, want)
	}
}

// TestWriteAllRollback: when a rename fails after others succeeded (here
// weights.npy is a directory), no file of the set and no temporary is left.
func TestWriteAllRollback(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "weights.npy"), 0o755); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "weights.npy", "x"), []byte("x"), 0o644)
	err := writeAll(dir, []outFile{{"experts.npy", []byte("a")}, {"weights.npy", []byte("b")}, {"load.npy", []byte("c")}})
	if err == nil {
		t.Fatal("writeAll succeeded onto a directory")
	}
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if e.Name() != "weights.npy" {
			t.Errorf("left behind: %s", e.Name())
		}
	}
	// and a good write leaves exactly the files, mode 0644
	dir = t.TempDir()
	if err := writeAll(dir, []outFile{{"a.npy", []byte("a")}, {"b.npy", []byte("b")}}); err != nil {
		t.Fatal(err)
	}
	ents, _ = os.ReadDir(dir)
	if len(ents) != 2 {
		t.Fatalf("files: %v", ents)
	}
	for _, e := range ents {
		if fi, _ := e.Info(); fi.Mode().Perm() != 0o644 {
			t.Errorf("%s: mode %v", e.Name(), fi.Mode())
		}
	}
}
