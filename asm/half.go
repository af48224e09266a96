package asm

import "math"

// Half-precision logits. Router logits arrive in bfloat16 (or IEEE float16)
// in most serving stacks; package route converts them to float32 with the
// kernels below, a sub-chunk of rows at a time, and routes the float32 rows.
// Both conversions are exact (every half value is a float32 value), so
// routing half logits is routing their float32 conversion.

// HalfFormat names a 16-bit floating-point format.
type HalfFormat uint8

const (
	// BF16 is bfloat16: the top 16 bits of a float32 (8 exponent bits, 7
	// fraction bits).
	BF16 HalfFormat = iota + 1
	// F16 is IEEE 754 binary16 (5 exponent bits, 10 fraction bits).
	F16
)

func (f HalfFormat) String() string {
	switch f {
	case BF16:
		return "bf16"
	case F16:
		return "f16"
	}
	return "unknown"
}

// HalfToF32 converts src to float32 into dst[:len(src)] with the kernels of
// impl (Go: the twins below). An impl this machine cannot run falls back to
// Go. Panics if dst is shorter than src or f is not a format.
func HalfToF32(impl Impl, f HalfFormat, dst []float32, src []uint16) {
	dst = dst[:len(src)]
	switch f {
	case BF16, F16:
	default:
		panic("asm: HalfToF32: bad format")
	}
	if len(src) == 0 {
		return
	}
	if impl != Go && halfArch(impl, f, dst, src) {
		return
	}
	if f == BF16 {
		bf16ToF32Generic(dst, src)
	} else {
		f16ToF32Generic(dst, src)
	}
}

// bf16ToF32Generic is the specification of the bfloat16 kernels: a bfloat16
// is the top half of a float32, so the conversion is a shift (NaN payloads
// and signalling NaNs are kept as they are).
func bf16ToF32Generic(dst []float32, src []uint16) {
	dst = dst[:len(src)]
	for i, h := range src {
		dst[i] = math.Float32frombits(uint32(h) << 16)
	}
}

// F16ToF32 is the float32 value of the IEEE binary16 h (exact), as
// f16ToF32Generic converts it.
func F16ToF32(h uint16) float32 { return math.Float32frombits(f16Bits(h)) }

// BF16ToF32 (combine.go) is the float32 value of a bfloat16.

// f16Bits is the float32 encoding of the binary16 h: normal numbers and
// subnormals exactly, ±0, ±Inf; a NaN keeps its sign and payload (shifted
// into the top of the float32 fraction) and is made quiet (fraction bit 22
// set), as the hardware conversions do: x86 VCVTPH2PS and arm64 FCVTL (with
// FPCR.DN = 0, Go's setting) both quiet a signalling NaN
// (TestF16NaNHardware measures it on this machine's implementations).
func f16Bits(h uint16) uint32 {
	sign := uint32(h&0x8000) << 16
	exp := uint32(h>>10) & 0x1f
	frac := uint32(h & 0x3ff)
	switch {
	case exp == 0x1f && frac == 0:
		return sign | 0x7f800000
	case exp == 0x1f:
		return sign | 0x7fc00000 | frac<<13
	case exp == 0 && frac == 0:
		return sign
	case exp == 0:
		// Subnormal: frac * 2^-24, normalised.
		e := uint32(127 - 15 + 1)
		for frac&0x400 == 0 {
			frac <<= 1
			e--
		}
		return sign | e<<23 | (frac&0x3ff)<<13
	}
	return sign | (exp+127-15)<<23 | frac<<13
}

// f16ToF32Generic is the specification of the float16 kernels: f16Bits of
// every element.
func f16ToF32Generic(dst []float32, src []uint16) {
	dst = dst[:len(src)]
	for i, h := range src {
		dst[i] = math.Float32frombits(f16Bits(h))
	}
}
