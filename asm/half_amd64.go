//go:build gc && !purego

package asm

// halfArch converts src into dst (same length, non-empty) with impl's
// kernels; false if impl cannot run here. The kernels take whole vectors;
// a tail goes through a stack buffer, so every element is converted by the
// same instructions.
func halfArch(impl Impl, f HalfFormat, dst []float32, src []uint16) bool {
	var w int
	switch impl {
	case AVX2:
		if !hasAVX2 {
			return false
		}
		w = 8
	case AVX512:
		if !hasAVX512 {
			return false
		}
		w = 16
	default:
		return false
	}
	n := len(src) &^ (w - 1)
	if n > 0 {
		halfKernel(impl, f, &dst[0], &src[0], n)
	}
	if tail := len(src) - n; tail > 0 {
		var hb [16]uint16
		var fb [16]float32
		copy(hb[:], src[n:])
		halfKernel(impl, f, &fb[0], &hb[0], w)
		copy(dst[n:], fb[:tail])
	}
	return true
}

func halfKernel(impl Impl, f HalfFormat, dst *float32, src *uint16, n int) {
	switch {
	case impl == AVX512 && f == BF16:
		bf16ToF32AVX512(dst, src, n)
	case impl == AVX512:
		f16ToF32AVX512(dst, src, n)
	case f == BF16:
		bf16ToF32AVX2(dst, src, n)
	default:
		f16ToF32AVX2(dst, src, n)
	}
}
