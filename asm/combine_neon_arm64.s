//go:build gc && !purego

// NEON combine kernels of package dispatch: one token's output row as the
// weighted sum of its experts' rows.
//
// Requires: ASIMD only. No FMA: each product is rounded (FMUL) before the
// add (FADD), encoded by neon_arm64.h's WORD macros.
// Twins: CombineF32Generic, CombineBF16Generic (combine.go), on the first
// h elements of the row.
// Register map: R0 out, R1 y, R2 y row stride in bytes, R3 x (only read
// for rows[j] < 0), R4 rows, R5 w, R6 n, R7 elements left, R8 byte offset
// of the current block in a row (f32: 4 per element, bf16: 2; the same
// for out, y and x), R9 j, R10 rows[j], R11 source address, R12 scratch.
// V0-V3 accumulators, V4 = w[j] broadcast, V5-V15 loads and products,
// V20-V24 bf16 constants, V31 zero. Never touched: R18, R26-R29.
// Preconditions: n >= 1, h a multiple of 4, every row pointer valid for h
// elements; x may be nil only when no rows[j] < 0.

#include "textflag.h"
#include "neon_arm64.h"

// SRC: R11 = (rows[j] >= 0 ? y + rows[j]*ystride : x) + R8.
#define SRC \
	MOVW (R4)(R9<<2), R10; \
	MUL  R2, R10, R11; \
	ADD  R1, R11, R11; \
	CMP  $0, R10; \
	CSEL LT, R3, R11, R11; \
	ADD  R8, R11, R11; \
	MOVWU (R5)(R9<<2), R12; \
	VDUP R12, V4.S4

#define LOAD_ARGS(shift) \
	MOVD out+0(FP), R0; \
	MOVD y+8(FP), R1; \
	MOVD ystride+16(FP), R2; \
	LSL  $shift, R2, R2; \
	MOVD x+24(FP), R3; \
	MOVD rows+32(FP), R4; \
	MOVD w+40(FP), R5; \
	MOVD n+48(FP), R6; \
	MOVD h+56(FP), R7; \
	MOVD ZR, R8

// func combineF32NEON(out, y *float32, ystride int, x *float32, rows *int32, w *float32, n, h int)
// Twin: CombineF32Generic(out[:h], y, ystride, x, rows[:n], w[:n]).
// Blocks of 16 elements (4 accumulators), then of 4.
TEXT ·combineF32NEON(SB), NOSPLIT, $0-64
	LOAD_ARGS(2)

loop16:
	CMP  $16, R7
	BLT  loop4
	VEOR V0.B16, V0.B16, V0.B16
	VEOR V1.B16, V1.B16, V1.B16
	VEOR V2.B16, V2.B16, V2.B16
	VEOR V3.B16, V3.B16, V3.B16
	MOVD ZR, R9

j16:
	SRC
	VLD1 (R11), [V5.S4, V6.S4, V7.S4, V8.S4]
	VFMUL4S(4, 5, 5)
	VFMUL4S(4, 6, 6)
	VFMUL4S(4, 7, 7)
	VFMUL4S(4, 8, 8)
	VFADD4S(5, 0, 0)
	VFADD4S(6, 1, 1)
	VFADD4S(7, 2, 2)
	VFADD4S(8, 3, 3)
	ADD  $1, R9
	CMP  R6, R9
	BLT  j16
	ADD  R8, R0, R11
	VST1 [V0.S4, V1.S4, V2.S4, V3.S4], (R11)
	ADD  $64, R8
	SUB  $16, R7
	B    loop16

loop4:
	CMP  $4, R7
	BLT  done
	VEOR V0.B16, V0.B16, V0.B16
	MOVD ZR, R9

j4:
	SRC
	VLD1 (R11), [V5.S4]
	VFMUL4S(4, 5, 5)
	VFADD4S(5, 0, 0)
	ADD  $1, R9
	CMP  R6, R9
	BLT  j4
	ADD  R8, R0, R11
	VST1 [V0.S4], (R11)
	ADD  $16, R8
	SUB  $4, R7
	B    loop4

done:
	RET

// BF16_ROUND(VA, VT, VU, u): VT = F32ToBF16 of each lane of VA in the
// high half of its word (the low half is garbage):
// VT = VA + 0x7fff + ((VA >> 16) & 1), or VA | 0x00400000 where
// |VA| > 0x7f800000 (NaN). u is VU's number. VA is clobbered.
#define BF16_ROUND(VA, VT, VU, u) \
	VUSHR $16, VA.S4, VT.S4; \
	VAND  V21.B16, VT.B16, VT.B16; \
	VADD  V20.S4, VT.S4, VT.S4; \
	VADD  VA.S4, VT.S4, VT.S4; \
	VAND  V22.B16, VA.B16, VU.B16; \
	VCMHI4S(23, u, u); \
	VORR  V24.B16, VA.B16, VA.B16; \
	VBIT  VU.B16, VA.B16, VT.B16

// func combineBF16NEON(out, y *uint16, ystride int, x *uint16, rows *int32, w *float32, n, h int)
// Twin: CombineBF16Generic(out[:h], y, ystride, x, rows[:n], w[:n]).
// Each source element is widened exactly (ZIP with zero: the bfloat16 in
// the high half), the float32 sum is combineF32NEON's, BF16_ROUND rounds
// once and UZP2 keeps the high halves. Blocks of 16 elements, then 4.
TEXT ·combineBF16NEON(SB), NOSPLIT, $0-64
	LOAD_ARGS(1)
	VEOR V31.B16, V31.B16, V31.B16
	MOVW $0x7fff, R12
	VDUP R12, V20.S4
	MOVW $1, R12
	VDUP R12, V21.S4
	MOVW $0x7fffffff, R12
	VDUP R12, V22.S4
	MOVW $0x7f800000, R12
	VDUP R12, V23.S4
	MOVW $0x00400000, R12
	VDUP R12, V24.S4

bloop16:
	CMP  $16, R7
	BLT  bloop4
	VEOR V0.B16, V0.B16, V0.B16
	VEOR V1.B16, V1.B16, V1.B16
	VEOR V2.B16, V2.B16, V2.B16
	VEOR V3.B16, V3.B16, V3.B16
	MOVD ZR, R9

bj16:
	SRC
	VLD1  (R11), [V9.H8, V10.H8]
	VZIP1 V9.H8, V31.H8, V5.H8
	VZIP2 V9.H8, V31.H8, V6.H8
	VZIP1 V10.H8, V31.H8, V7.H8
	VZIP2 V10.H8, V31.H8, V8.H8
	VFMUL4S(4, 5, 5)
	VFMUL4S(4, 6, 6)
	VFMUL4S(4, 7, 7)
	VFMUL4S(4, 8, 8)
	VFADD4S(5, 0, 0)
	VFADD4S(6, 1, 1)
	VFADD4S(7, 2, 2)
	VFADD4S(8, 3, 3)
	ADD  $1, R9
	CMP  R6, R9
	BLT  bj16
	BF16_ROUND(V0, V5, V9, 9)
	BF16_ROUND(V1, V6, V9, 9)
	BF16_ROUND(V2, V7, V9, 9)
	BF16_ROUND(V3, V8, V9, 9)
	VUZP2 V6.H8, V5.H8, V10.H8
	VUZP2 V8.H8, V7.H8, V11.H8
	ADD  R8, R0, R11
	VST1 [V10.H8, V11.H8], (R11)
	ADD  $32, R8
	SUB  $16, R7
	B    bloop16

bloop4:
	CMP  $4, R7
	BLT  bdone
	VEOR V0.B16, V0.B16, V0.B16
	MOVD ZR, R9

bj4:
	SRC
	FMOVD (R11), F9
	VZIP1 V9.H8, V31.H8, V5.H8
	VFMUL4S(4, 5, 5)
	VFADD4S(5, 0, 0)
	ADD  $1, R9
	CMP  R6, R9
	BLT  bj4
	BF16_ROUND(V0, V5, V9, 9)
	VUZP2 V5.H8, V5.H8, V10.H8
	ADD   R8, R0, R11
	FMOVD F10, (R11)
	ADD   $8, R8
	SUB   $4, R7
	B     bloop4

bdone:
	RET
