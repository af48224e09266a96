//go:build gc && !purego

package asm

// Combine kernels (combine_neon_arm64.s): the first h elements of
// CombineF32Generic / CombineBF16Generic; h is a multiple of 4, n >= 1.

//go:noescape
func combineF32NEON(out, y *float32, ystride int, x *float32, rows *int32, w *float32, n, h int)

//go:noescape
func combineBF16NEON(out, y *uint16, ystride int, x *uint16, rows *int32, w *float32, n, h int)
