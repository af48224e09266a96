//go:build gc && !purego

// Half-precision to float32 conversion kernels (amd64), for half-precision
// router logits (package route converts a sub-chunk of rows, then routes the
// float32 rows with the routing kernels).
//
// Requires: bf16ToF32AVX2, f16ToF32AVX2: AVX2 (VEX-encoded integer SIMD and
// VMULPS; no F16C: golang.org/x/sys/cpu, which decides dispatch, does not
// report it). bf16ToF32AVX512, f16ToF32AVX512: AVX512F (VPMOVZXWD and
// VPSLLD on zmm, VCVTPH2PS ymm/m256 -> zmm).
// Twins (half.go): bf16ToF32Generic, f16ToF32Generic. Exact: every half
// value is a float32 value; the float16 NaN rule (quieted, payload kept) is
// VCVTPH2PS's, and f16ToF32AVX2 reproduces it.
// Preconditions: n is a multiple of 8 (AVX2) or 16 (AVX-512), n >= 0;
// dst valid for n float32, src for n uint16 (the Go glue converts a tail
// through a stack buffer). Loads and stores never pass those bounds.
//
// Register map (all four): DI = dst, SI = src, CX = n remaining.

#include "textflag.h"

#include "tables_half_amd64.h"

// func bf16ToF32AVX2(dst *float32, src *uint16, n int)
// Twin: bf16ToF32Generic: dst[i] = float32 with bits src[i]<<16.
// Y0-Y3: four vectors of 8 in the unrolled loop.
TEXT ·bf16ToF32AVX2(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX

bf2loop32:
	CMPQ CX, $32
	JB   bf2loop8
	VPMOVZXWD (SI), Y0
	VPMOVZXWD 16(SI), Y1
	VPMOVZXWD 32(SI), Y2
	VPMOVZXWD 48(SI), Y3
	VPSLLD    $16, Y0, Y0
	VPSLLD    $16, Y1, Y1
	VPSLLD    $16, Y2, Y2
	VPSLLD    $16, Y3, Y3
	VMOVDQU   Y0, (DI)
	VMOVDQU   Y1, 32(DI)
	VMOVDQU   Y2, 64(DI)
	VMOVDQU   Y3, 96(DI)
	ADDQ      $64, SI
	ADDQ      $128, DI
	SUBQ      $32, CX
	JMP       bf2loop32

bf2loop8:
	TESTQ     CX, CX
	JZ        bf2done
	VPMOVZXWD (SI), Y0
	VPSLLD    $16, Y0, Y0
	VMOVDQU   Y0, (DI)
	ADDQ      $16, SI
	ADDQ      $32, DI
	SUBQ      $8, CX
	JMP       bf2loop8

bf2done:
	VZEROUPPER
	RET

// F16_AVX2(h, mag, t, u, v): in: h = 8 binary16 zero-extended to 32 bits;
// out: h = their float32 bits (f16Bits). mag, t, u, v are scratch.
//   mag = h & 0x7fff; sign = (h ^ mag) << 16
//   finite: float32(mag<<13) * 2^112 (exact, subnormals included: the
//           product has at most 11 significant bits and lies in the
//           normal range of float32)
//   Inf/NaN (mag > 0x7bff): the product's exponent field is 0x8f; OR-ing
//           0x7f800000 makes it 0xff and keeps the fraction; NaN
//           (mag > 0x7c00) also gets the quiet bit (as VCVTPH2PS).
// Constants: Y8 = 0x7fff, Y9 = 2^112, Y10 = 0x7bff, Y11 = 0x7c00,
// Y12 = 0x7f800000, Y13 = 0x7fc00000.
#define F16_AVX2(h, mag, t, u, v) \
	VPAND   Y8, h, mag; \
	VPXOR   mag, h, h; \
	VPSLLD  $16, h, h; \
	VPSLLD  $13, mag, t; \
	VMULPS  Y9, t, t; \
	VPCMPGTD Y10, mag, u; \
	VPCMPGTD Y11, mag, v; \
	VPAND   Y12, u, u; \
	VPAND   Y13, v, v; \
	VPOR    u, t, t; \
	VPOR    v, t, t; \
	VPOR    t, h, h

// func f16ToF32AVX2(dst *float32, src *uint16, n int)
// Twin: f16ToF32Generic. Registers: Y0-Y7 two conversions in flight
// (Y0, Y4: values), Y8-Y13 constants (see F16_AVX2).
TEXT ·f16ToF32AVX2(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	VPBROADCASTD halfc<>+0(SB), Y8
	VPBROADCASTD halfc<>+4(SB), Y9
	VPBROADCASTD halfc<>+8(SB), Y10
	VPBROADCASTD halfc<>+12(SB), Y11
	VPBROADCASTD halfc<>+16(SB), Y12
	VPBROADCASTD halfc<>+20(SB), Y13

f2loop16:
	CMPQ CX, $16
	JB   f2loop8
	VPMOVZXWD (SI), Y0
	VPMOVZXWD 16(SI), Y4
	F16_AVX2(Y0, Y1, Y2, Y3, Y14)
	F16_AVX2(Y4, Y5, Y6, Y7, Y15)
	VMOVDQU   Y0, (DI)
	VMOVDQU   Y4, 32(DI)
	ADDQ      $32, SI
	ADDQ      $64, DI
	SUBQ      $16, CX
	JMP       f2loop16

f2loop8:
	TESTQ     CX, CX
	JZ        f2done
	VPMOVZXWD (SI), Y0
	F16_AVX2(Y0, Y1, Y2, Y3, Y14)
	VMOVDQU   Y0, (DI)
	ADDQ      $16, SI
	ADDQ      $32, DI
	SUBQ      $8, CX
	JMP       f2loop8

f2done:
	VZEROUPPER
	RET

// func bf16ToF32AVX512(dst *float32, src *uint16, n int)
// Twin: bf16ToF32Generic. Z0-Z3: four vectors of 16 in the unrolled loop.
TEXT ·bf16ToF32AVX512(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX

bf5loop64:
	CMPQ CX, $64
	JB   bf5loop16
	VPMOVZXWD (SI), Z0
	VPMOVZXWD 32(SI), Z1
	VPMOVZXWD 64(SI), Z2
	VPMOVZXWD 96(SI), Z3
	VPSLLD    $16, Z0, Z0
	VPSLLD    $16, Z1, Z1
	VPSLLD    $16, Z2, Z2
	VPSLLD    $16, Z3, Z3
	VMOVDQU32 Z0, (DI)
	VMOVDQU32 Z1, 64(DI)
	VMOVDQU32 Z2, 128(DI)
	VMOVDQU32 Z3, 192(DI)
	ADDQ      $128, SI
	ADDQ      $256, DI
	SUBQ      $64, CX
	JMP       bf5loop64

bf5loop16:
	TESTQ     CX, CX
	JZ        bf5done
	VPMOVZXWD (SI), Z0
	VPSLLD    $16, Z0, Z0
	VMOVDQU32 Z0, (DI)
	ADDQ      $32, SI
	ADDQ      $64, DI
	SUBQ      $16, CX
	JMP       bf5loop16

bf5done:
	VZEROUPPER
	RET

// func f16ToF32AVX512(dst *float32, src *uint16, n int)
// Twin: f16ToF32Generic (VCVTPH2PS: exact; quiets a signalling NaN; with
// the zmm form's default MXCSR, DAZ off, subnormals are converted exactly).
// Z0-Z3: four vectors of 16 in the unrolled loop.
TEXT ·f16ToF32AVX512(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX

f5loop64:
	CMPQ CX, $64
	JB   f5loop16
	VCVTPH2PS (SI), Z0
	VCVTPH2PS 32(SI), Z1
	VCVTPH2PS 64(SI), Z2
	VCVTPH2PS 96(SI), Z3
	VMOVUPS   Z0, (DI)
	VMOVUPS   Z1, 64(DI)
	VMOVUPS   Z2, 128(DI)
	VMOVUPS   Z3, 192(DI)
	ADDQ      $128, SI
	ADDQ      $256, DI
	SUBQ      $64, CX
	JMP       f5loop64

f5loop16:
	TESTQ     CX, CX
	JZ        f5done
	VCVTPH2PS (SI), Z0
	VMOVUPS   Z0, (DI)
	ADDQ      $32, SI
	ADDQ      $64, DI
	SUBQ      $16, CX
	JMP       f5loop16

f5done:
	VZEROUPPER
	RET
