//go:build gc && !purego

package asm

// Half-precision conversion kernels (half_amd64.s; twins in half.go).
// n is a multiple of the vector width: 8 (AVX2), 16 (AVX-512).

//go:noescape
func bf16ToF32AVX2(dst *float32, src *uint16, n int)

//go:noescape
func f16ToF32AVX2(dst *float32, src *uint16, n int)

//go:noescape
func bf16ToF32AVX512(dst *float32, src *uint16, n int)

//go:noescape
func f16ToF32AVX512(dst *float32, src *uint16, n int)
