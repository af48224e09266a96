package main

import (
	"os"
	"path/filepath"
	"testing"
)

// TestCommitted: the generated headers in the asm directory are what the
// generator writes (as CI's go generate check, within go test).
func TestCommitted(t *testing.T) {
	for name, text := range files() {
		got, err := os.ReadFile(filepath.Join("..", "..", name))
		if err != nil {
			t.Fatalf("%s: %v (run go generate ./asm)", name, err)
		}
		if string(got) != header+text {
			t.Errorf("%s differs from the generator's output (run go generate ./asm)", name)
		}
	}
}
