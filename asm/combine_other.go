//go:build purego || !gc || !(amd64 || arm64)

package asm

func combineF32Arch(Impl, []float32, []float32, int, []float32, []int32, []float32) int { return 0 }

func combineBF16Arch(Impl, []uint16, []uint16, int, []uint16, []int32, []float32) int { return 0 }
