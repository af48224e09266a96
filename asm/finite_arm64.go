//go:build gc && !purego

package asm

// allFiniteArch runs allFiniteNEON (finite_arm64.s) on a CPU with ASIMD;
// done is false without it.
func allFiniteArch(v []float32) (ok, done bool) {
	if !hasNEON {
		return false, false
	}
	return allFiniteNEON(&v[0], len(v)), true
}

// allFiniteNEON is AllFiniteGeneric over p[0:n], n >= 1.
//
//go:noescape
func allFiniteNEON(p *float32, n int) bool
