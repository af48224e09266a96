//go:build gc && !purego

// NEON kernel of DeepSeek-V4's score: sqrtsoftplus.
//
// Requires: ASIMD only (no FMA: every product its own FMUL, every sum its
// own FADD). FDIV and FSQRT are correctly rounded, as Go's float32
// division and float32(math.Sqrt(float64(v))).
// Twin: SqrtSoftplus (math.go: ExpNeg, Log1p, sqrt) and the sqrtsoftplus
// step of scores (route_generic.go), badRow; the same steps as
// SQRTSOFTPLUS_AVX512 (sqrtsoftplus_avx512_amd64.s), with the twin's
// branches as bit blends b ^ ((a ^ b) & mask).
//
// Registers: V16-V30 the constants of exp_arm64.h (EXP_CONSTS; V26 =
// expP5 = 0.5 exactly, V27 = 1.0 whose bits are 0x3F800000), V10 =
// sqrt2m1, V11 = float32(1/sqrtHalf), V12 = 0x007FFFFF, V13 = 0x00800000,
// V14 = 20 (the threshold); Log1p's P0..P8 are loaded from spn<> (R7) into
// V2-V5 when the polynomial needs them. V0 = x, V1 = y then f then r then
// s, V2-V5 and V9 temporaries, V6 = u then z, V7 = c, V8 = ex then e,
// V31 = non-finite accumulator. R0 dst, R1 x, R2 bias (0: none), R3
// remaining count, R6 sig (dst when nil), R7 spn<>, R8 scratch.

#include "textflag.h"
#include "neon_arm64.h"
#include "exp_arm64.h"
#include "tables_sqrtsoftplus_arm64.h"

// SQRTSOFTPLUS_NEON: V1 = SqrtSoftplus(V0) lane by lane, exactly as
// asm.SqrtSoftplus (V0 kept); ORs all-ones into V31 where V0 is not
// finite. Clobbers V2-V9, R8. The steps of SQRTSOFTPLUS_AVX512:
//   y = ExpNeg(x) (EXPNEG on a copy; for x in (0, 20] n is in [0, 29]
//   and both scale factors stay normal, as in the twin)
//   u = 1 + y; c = y >= 1 ? 1 - (u - y) : y - (u - 1); c = c / u
//   ex = (bits(u) >> 23) - 127; m = bits(u) & 0x7FFFFF | bits(1.0)
//   m > 1/sqrtHalf: m = bits(m) - 2^23, ex = ex - (-1)
//   y > sqrt2m1: f = m - 1, e = float32(ex), c kept; else f = y, e = c = +0
//   polynomial and sums in the twin's order; v = x > 20 ? x : r; sqrt(v).
#define SQRTSOFTPLUS_NEON \
	VAND V30.B16, V0.B16, V9.B16; \
	VCMEQ V30.S4, V9.S4, V9.S4; \
	VORR V9.B16, V31.B16, V31.B16; \
	VORR V0.B16, V0.B16, V2.B16; \
	EXPNEG(2, 1, 3, 4, 5, 9, V3, V9); \
	VFADD4S(27, 1, 6); \
	VFSUB4S(1, 6, 2); \
	VFSUB4S(2, 27, 2); \
	VFSUB4S(27, 6, 3); \
	VFSUB4S(3, 1, 3); \
	VFCMGE4S(27, 1, 4); \
	VEOR V3.B16, V2.B16, V2.B16; \
	VAND V4.B16, V2.B16, V2.B16; \
	VEOR V3.B16, V2.B16, V7.B16; \
	VFDIV4S(6, 7, 7); \
	VUSHR $23, V6.S4, V8.S4; \
	VSUB V28.S4, V8.S4, V8.S4; \
	VAND V12.B16, V6.B16, V9.B16; \
	VORR V27.B16, V9.B16, V9.B16; \
	VFCMGT4S(11, 9, 4); \
	VAND V13.B16, V4.B16, V5.B16; \
	VSUB V5.S4, V9.S4, V9.S4; \
	VSUB V4.S4, V8.S4, V8.S4; \
	VSCVTF4S(8, 8); \
	VFSUB4S(27, 9, 9); \
	VFCMGT4S(10, 1, 4); \
	VEOR V1.B16, V9.B16, V9.B16; \
	VAND V4.B16, V9.B16, V9.B16; \
	VEOR V9.B16, V1.B16, V1.B16; \
	VAND V4.B16, V8.B16, V8.B16; \
	VAND V4.B16, V7.B16, V7.B16; \
	VFMUL4S(1, 1, 6); \
	VLD1 (R7), [V2.S4, V3.S4, V4.S4, V5.S4]; \
	VFMUL4S(2, 1, 9); \
	VFADD4S(3, 9, 9); \
	VFMUL4S(1, 9, 9); \
	VFADD4S(4, 9, 9); \
	VFMUL4S(1, 9, 9); \
	VFADD4S(5, 9, 9); \
	ADD $64, R7, R8; \
	VLD1 (R8), [V2.S4, V3.S4, V4.S4, V5.S4]; \
	VFMUL4S(1, 9, 9); \
	VFADD4S(2, 9, 9); \
	VFMUL4S(1, 9, 9); \
	VFADD4S(3, 9, 9); \
	VFMUL4S(1, 9, 9); \
	VFADD4S(4, 9, 9); \
	VFMUL4S(1, 9, 9); \
	VFADD4S(5, 9, 9); \
	ADD $128, R7, R8; \
	VLD1 (R8), [V2.S4]; \
	VFMUL4S(1, 9, 9); \
	VFADD4S(2, 9, 9); \
	VFMUL4S(1, 9, 9); \
	VFMUL4S(6, 9, 9); \
	VFMUL4S(20, 8, 2); \
	VFADD4S(2, 9, 9); \
	VFMUL4S(26, 6, 2); \
	VFSUB4S(2, 9, 9); \
	VFADD4S(7, 9, 9); \
	VFADD4S(9, 1, 1); \
	VFMUL4S(19, 8, 2); \
	VFADD4S(2, 1, 1); \
	VFCMGT4S(14, 0, 4); \
	VEOR V1.B16, V0.B16, V2.B16; \
	VAND V4.B16, V2.B16, V2.B16; \
	VEOR V2.B16, V1.B16, V1.B16; \
	VFSQRT4S(1, 1)

// func sqrtSoftplusNEON(dst, sig, x, bias *float32, n int) (bad bool)
// Twin: dst[i] = SqrtSoftplus(x[i]) (+ bias[i] when bias != nil), the
// sqrtsoftplus step of scores; bad = badRow(x[:n]) (dst is then
// unspecified). With bias and sig != nil, also sig[i] = SqrtSoftplus(x[i]);
// sig is ignored without bias. Preconditions: n >= 0; dst, x (and bias,
// sig) hold n floats and do not overlap. Reads and writes nothing outside
// [0, n): the tail runs one lane at a time (FMOVS loads zero the others).
TEXT ·sqrtSoftplusNEON(SB), NOSPLIT, $0-41
	MOVD dst+0(FP), R0
	MOVD sig+8(FP), R6
	MOVD x+16(FP), R1
	MOVD bias+24(FP), R2
	MOVD n+32(FP), R3
	CBZ  R2, sp_nosig // no bias: the scores go to dst
	CBNZ R6, sp_sig

sp_nosig:
	MOVD R0, R6

sp_sig:
	EXP_CONSTS
	MOVW $0x3ED413CD, R4
	VDUP R4, V10.S4
	MOVW $0x3FB504F3, R4
	VDUP R4, V11.S4
	MOVW $0x007FFFFF, R4
	VDUP R4, V12.S4
	MOVW $0x00800000, R4
	VDUP R4, V13.S4
	MOVW $0x41A00000, R4
	VDUP R4, V14.S4
	MOVD $spn<>(SB), R7
	VEOR V31.B16, V31.B16, V31.B16

sp_loop4:
	CMP  $4, R3
	BLT  sp_tail
	VLD1.P 16(R1), [V0.S4]
	SQRTSOFTPLUS_NEON
	VST1.P [V1.S4], 16(R6)
	CBZ  R2, sp_next4
	VLD1.P 16(R2), [V2.S4]
	VFADD4S(2, 1, 1)
	VST1 [V1.S4], (R0)

sp_next4:
	ADD  $16, R0
	SUB  $4, R3
	B    sp_loop4

sp_tail:
	CBZ  R3, sp_done
	FMOVS.P 4(R1), F0
	SQRTSOFTPLUS_NEON
	FMOVS.P F1, 4(R6)
	CBZ  R2, sp_next1
	FMOVS.P 4(R2), F2
	VFADD4S(2, 1, 1)
	FMOVS F1, (R0)

sp_next1:
	ADD  $4, R0
	SUB  $1, R3
	B    sp_tail

sp_done:
	VMOV V31.D[0], R4
	VMOV V31.D[1], R5
	ORR  R5, R4, R4
	CMP  $0, R4
	CSET NE, R4
	MOVB R4, bad+40(FP)
	RET
