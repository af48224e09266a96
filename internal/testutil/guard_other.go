//go:build !linux

package testutil

import "errors"

// GuardSupported reports whether guard pages work on this OS.
const GuardSupported = false

// Guarded is unavailable on this OS (guard pages need mmap and mprotect;
// only the linux helper is written). NewGuarded returns an error, which
// tests turn into a skip with the reason.
type Guarded struct{}

func NewGuarded(n int) (*Guarded, error) {
	return nil, errors.New("guard pages are implemented for linux only")
}

func (g *Guarded) Cap() int             { return 0 }
func (g *Guarded) Tail(n int) []float32 { return nil }
func (g *Guarded) Head(n int) []float32 { return nil }
func (g *Guarded) Free()                {}
