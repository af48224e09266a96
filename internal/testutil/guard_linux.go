//go:build linux

package testutil

import (
	"os"
	"syscall"
	"unsafe"
)

// GuardSupported reports whether guard pages work on this OS.
const GuardSupported = true

// Guarded is a read-write region with an inaccessible (PROT_NONE) page
// directly before and directly after it. Tail and Head carve float32 slices
// that touch one of the guard pages, so that reading past the end (or
// before the start) faults. A Guarded is not safe for concurrent use; Free
// releases it.
type Guarded struct {
	mem  []byte // whole mapping: guard | data | guard
	data []byte
}

// NewGuarded maps a region of at least n float32 between two guard pages.
func NewGuarded(n int) (*Guarded, error) {
	pg := os.Getpagesize()
	size := (n*4 + pg - 1) / pg * pg
	if size == 0 {
		size = pg
	}
	mem, err := syscall.Mmap(-1, 0, size+2*pg, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		return nil, err
	}
	if err := syscall.Mprotect(mem[:pg], syscall.PROT_NONE); err != nil {
		syscall.Munmap(mem)
		return nil, err
	}
	if err := syscall.Mprotect(mem[pg+size:], syscall.PROT_NONE); err != nil {
		syscall.Munmap(mem)
		return nil, err
	}
	return &Guarded{mem: mem, data: mem[pg : pg+size : pg+size]}, nil
}

// Cap returns the number of float32 the region holds.
func (g *Guarded) Cap() int { return len(g.data) / 4 }

func (g *Guarded) floats() []float32 {
	return unsafe.Slice((*float32)(unsafe.Pointer(&g.data[0])), len(g.data)/4)
}

// Tail returns the last n float32 of the region: s[n-1] is the last
// accessible element before the trailing guard page.
func (g *Guarded) Tail(n int) []float32 {
	f := g.floats()
	return f[len(f)-n : len(f) : len(f)]
}

// Head returns the first n float32 of the region: s[0] directly follows the
// leading guard page.
func (g *Guarded) Head(n int) []float32 {
	return g.floats()[:n:n]
}

// Free unmaps the region; slices from it must not be used afterwards.
func (g *Guarded) Free() {
	if g.mem != nil {
		syscall.Munmap(g.mem)
		g.mem, g.data = nil, nil
	}
}
