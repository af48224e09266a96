//go:build purego || !gc || !amd64

package asm

// archCallGo: only the amd64 lanes shapes hand calls to the reference by
// their number of tokens.
func archCallGo(impl Impl, p *Plan, T int, hasBias bool) bool { return false }
