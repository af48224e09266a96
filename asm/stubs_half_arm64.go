//go:build gc && !purego

package asm

// Half-precision conversion kernels (half_arm64.s; twins in half.go).
// n is a multiple of 8.

//go:noescape
func bf16ToF32NEON(dst *float32, src *uint16, n int)

//go:noescape
func f16ToF32NEON(dst *float32, src *uint16, n int)
