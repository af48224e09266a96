//go:build gc && !purego

package asm

// halfArch converts src into dst (same length, non-empty) with the NEON
// kernels; false if they cannot run here. The kernels take whole vectors
// of 8; a tail goes through a stack buffer, so every element is converted
// by the same instructions.
func halfArch(impl Impl, f HalfFormat, dst []float32, src []uint16) bool {
	if impl != NEON || !hasNEON {
		return false
	}
	n := len(src) &^ 7
	if n > 0 {
		halfKernelNEON(f, &dst[0], &src[0], n)
	}
	if tail := len(src) - n; tail > 0 {
		var hb [8]uint16
		var fb [8]float32
		copy(hb[:], src[n:])
		halfKernelNEON(f, &fb[0], &hb[0], 8)
		copy(dst[n:], fb[:tail])
	}
	return true
}

func halfKernelNEON(f HalfFormat, dst *float32, src *uint16, n int) {
	if f == BF16 {
		bf16ToF32NEON(dst, src, n)
	} else {
		f16ToF32NEON(dst, src, n)
	}
}
