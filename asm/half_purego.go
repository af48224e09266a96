//go:build purego || !gc || !(amd64 || arm64)

package asm

// halfArch: no kernels in this build; HalfToF32 runs the Go twins.
func halfArch(Impl, HalfFormat, []float32, []uint16) bool { return false }
