//go:build gc && !purego

// Half-precision to float32 conversion kernels (arm64 NEON), for
// half-precision router logits.
//
// Requires: ASIMD (cpu.ARM64.HasASIMD): SHLL/SHLL2 are integer Advanced
// SIMD; FCVTL/FCVTL2 from half precision are base Advanced SIMD (ARMv8.0;
// FEAT_FP16 is not needed for a conversion). Both are WORD-encoded
// (half_arm64.h).
// Twins (half.go): bf16ToF32Generic, f16ToF32Generic. Exact; FCVTL with
// FPCR.DN = 0 (Go's setting) quiets a signalling NaN and keeps its payload,
// and FPCR.FZ16 = 0 keeps binary16 subnormals, as the twin.
// Preconditions: n is a multiple of 8, n >= 0; dst valid for n float32,
// src for n uint16 (the Go glue converts a tail through a stack buffer).
//
// Register map (both): R0 = dst, R1 = src, R2 = n remaining; V0-V1 the
// loaded halves, V2-V5 the float32 results.

#include "textflag.h"
#include "half_arm64.h"

// func bf16ToF32NEON(dst *float32, src *uint16, n int)
// Twin: bf16ToF32Generic: dst[i] = float32 with bits src[i]<<16.
TEXT ·bf16ToF32NEON(SB), NOSPLIT, $0-24
	MOVD dst+0(FP), R0
	MOVD src+8(FP), R1
	MOVD n+16(FP), R2

bf_loop16:
	CMP  $16, R2
	BLT  bf_loop8
	VLD1.P 32(R1), [V0.H8, V1.H8]
	VSHLL16(0, 2)
	VSHLL216(0, 3)
	VSHLL16(1, 4)
	VSHLL216(1, 5)
	VST1.P [V2.S4, V3.S4, V4.S4, V5.S4], 64(R0)
	SUB  $16, R2
	B    bf_loop16

bf_loop8:
	CBZ  R2, bf_done
	VLD1.P 16(R1), [V0.H8]
	VSHLL16(0, 2)
	VSHLL216(0, 3)
	VST1.P [V2.S4, V3.S4], 32(R0)
	SUB  $8, R2
	B    bf_loop8

bf_done:
	RET

// func f16ToF32NEON(dst *float32, src *uint16, n int)
// Twin: f16ToF32Generic.
TEXT ·f16ToF32NEON(SB), NOSPLIT, $0-24
	MOVD dst+0(FP), R0
	MOVD src+8(FP), R1
	MOVD n+16(FP), R2

f_loop16:
	CMP  $16, R2
	BLT  f_loop8
	VLD1.P 32(R1), [V0.H8, V1.H8]
	VFCVTL4S(0, 2)
	VFCVTL24S(0, 3)
	VFCVTL4S(1, 4)
	VFCVTL24S(1, 5)
	VST1.P [V2.S4, V3.S4, V4.S4, V5.S4], 64(R0)
	SUB  $16, R2
	B    f_loop16

f_loop8:
	CBZ  R2, f_done
	VLD1.P 16(R1), [V0.H8]
	VFCVTL4S(0, 2)
	VFCVTL24S(0, 3)
	VST1.P [V2.S4, V3.S4], 32(R0)
	SUB  $8, R2
	B    f_loop8

f_done:
	RET
