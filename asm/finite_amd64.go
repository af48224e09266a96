//go:build gc && !purego

package asm

// allFiniteArch runs allFiniteAVX2 (finite_amd64.s) on a CPU with AVX2;
// done is false without it.
func allFiniteArch(v []float32) (ok, done bool) {
	if !hasAVX2 {
		return false, false
	}
	return allFiniteAVX2(&v[0], len(v)), true
}

// allFiniteAVX2 is AllFiniteGeneric over p[0:n], n >= 1.
//
//go:noescape
func allFiniteAVX2(p *float32, n int) bool
