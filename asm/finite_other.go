//go:build purego || !gc || !(amd64 || arm64)

package asm

// allFiniteArch: no kernel in this build (the Go loop costs
// about 0.3 ns per element); AllFinite runs AllFiniteGeneric.
func allFiniteArch([]float32) (ok, done bool) { return false, false }
