//go:build gc && !purego

package asm

// Combine kernels (combine_avx2_amd64.s, combine_avx512_amd64.s): the
// first h elements of CombineF32Generic / CombineBF16Generic; h is a
// multiple of 8, n >= 1. Each .s header names its twin and registers.

//go:noescape
func combineF32AVX2(out, y *float32, ystride int, x *float32, rows *int32, w *float32, n, h int)

//go:noescape
func combineBF16AVX2(out, y *uint16, ystride int, x *uint16, rows *int32, w *float32, n, h int)

//go:noescape
func combineF32AVX512(out, y *float32, ystride int, x *float32, rows *int32, w *float32, n, h int)

//go:noescape
func combineBF16AVX512(out, y *uint16, ystride int, x *uint16, rows *int32, w *float32, n, h int)
