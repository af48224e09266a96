package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

func TestBenchGrid(t *testing.T) {
	dir := t.TempDir()
	png := filepath.Join(dir, "grid.png")
	r := moegate(t, "bench", "--grid", "--quick", "--tokens", "16", "--time", "1ms", "--png", png)
	if r.code != 0 {
		t.Fatalf("bench --grid: exit %d: %s", r.code, r.stderr)
	}
	// Every score and quick cell (K <= E), go first.
	for _, re := range []string{
		`(?m)^sigmoid\+bias\s+8\s+1\s+[\d.]+`,
		`(?m)^softmax-norm\s+512\s+22\s+[\d.]+`,
		`(?m)^softmax\+bias\s+64\s+8\s+[\d.]+`,
		`sqrtsoftplus\+bias: not measured`,
	} {
		if !regexp.MustCompile(re).MatchString(r.stdout) {
			t.Errorf("bench --grid output lacks %s:\n%s", re, r.stdout)
		}
	}
	if regexp.MustCompile(`(?m)^\S+\s+8\s+22\s`).MatchString(r.stdout) {
		t.Errorf("bench --grid measured K > E:\n%s", r.stdout)
	}
	b, err := os.ReadFile(png)
	if len(regexp.MustCompile(`(?m)^\S+\s+\d+\s+\d+\s+[\d.]+ +[\d.]+ +[\d.]+x`).FindAllString(r.stdout, -1)) > 0 {
		// At least one SIMD implementation ran: the heat map is written.
		if err != nil || !bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")) {
			t.Errorf("heat map %s: %v (%d bytes)", png, err, len(b))
		}
	}
	noTemps(t, dir)
	if r := moegate(t, "bench", "--quick"); r.code != 2 {
		t.Errorf("bench --quick without --grid: exit %d", r.code)
	}
}
