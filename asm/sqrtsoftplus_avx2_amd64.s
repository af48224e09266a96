//go:build gc && !purego

// AVX2 kernel of DeepSeek-V4's score: sqrtsoftplus.
//
// Requires: AVX, AVX2 (VEX-encoded, no FMA: every product is rounded
// before its sum, as in the Go twins). VDIVPS and VSQRTPS are correctly
// rounded, as Go's float32 division and float32(math.Sqrt(float64(v))).
// Twin: SqrtSoftplus (math.go: ExpNeg, Log1p, sqrt) and the sqrtsoftplus
// step of scores (route_generic.go), badRow; the same steps as
// SQRTSOFTPLUS_AVX512 (sqrtsoftplus_avx512_amd64.s), with blends for its
// masks.
//
// Register map: Y11 = C1, Y12 = C2, Y13 = 1.0 (bits 0x3F800000),
// Y14 = int32 127, Y15 = 0x7F800000 (LOAD_CONSTS_AVX2; the other
// constants are memory operands from consts<> and spc<>); Y5 = x,
// Y0 = y then f then r then s, Y1-Y3 and Y8 temporaries, Y4 = u then z,
// Y6 = c (also NONFIN_AVX2's scratch), Y7 = non-finite accumulator,
// Y10 = tail mask.

#include "textflag.h"
#include "consts_amd64.h"
#include "sqrtsoftplus_amd64.h"

// SQRTSOFTPLUS_AVX2: Y0 = SqrtSoftplus(Y5) lane by lane, exactly as
// asm.SqrtSoftplus; Y5 kept. Clobbers Y1-Y4, Y6, Y8.
// The exponential is EXPNEG_AVX2 (consts_amd64.h) with -104, log2e and
// 1.5*2^23 as memory operands; for x in (0, 20] its integer n is in
// [0, 29] and the two scale factors 2^(n>>1), 2^(n-n>>1) stay normal, as
// in the twin. The twin's branches are blends: y >= 1 picks Log1p's
// rounding error c, m > 1/sqrtHalf halves m (exponent - 1) and adds 1 to
// ex (the compare's all-ones is int32 -1), y > sqrt2m1 picks f = m - 1
// and keeps e and c (else f = y, e = c = +0, the twin's zero values), and
// x > 20 picks v = x.
#define SQRTSOFTPLUS_AVX2 \
	VMAXPS consts<>+C_LO(SB), Y5, Y0; \
	VMULPS consts<>+C_LOG2E(SB), Y0, Y1; \
	VADDPS consts<>+C_MAGIC(SB), Y1, Y1; \
	VSUBPS consts<>+C_MAGIC(SB), Y1, Y2; \
	VPSUBD consts<>+C_MAGIC(SB), Y1, Y1; \
	VMULPS Y11, Y2, Y3; \
	VSUBPS Y3, Y0, Y0; \
	VMULPS Y12, Y2, Y3; \
	VSUBPS Y3, Y0, Y0; \
	VMULPS Y0, Y0, Y2; \
	VMULPS consts<>+C_P0(SB), Y0, Y3; \
	VADDPS consts<>+C_P1(SB), Y3, Y3; \
	VMULPS Y0, Y3, Y3; \
	VADDPS consts<>+C_P2(SB), Y3, Y3; \
	VMULPS Y0, Y3, Y3; \
	VADDPS consts<>+C_P3(SB), Y3, Y3; \
	VMULPS Y0, Y3, Y3; \
	VADDPS consts<>+C_P4(SB), Y3, Y3; \
	VMULPS Y0, Y3, Y3; \
	VADDPS consts<>+C_P5(SB), Y3, Y3; \
	VMULPS Y2, Y3, Y3; \
	VADDPS Y0, Y3, Y3; \
	VADDPS Y13, Y3, Y3; \
	VPSRAD $1, Y1, Y2; \
	VPSUBD Y2, Y1, Y1; \
	VPADDD Y14, Y2, Y2; \
	VPSLLD $23, Y2, Y2; \
	VPADDD Y14, Y1, Y1; \
	VPSLLD $23, Y1, Y1; \
	VMULPS Y2, Y3, Y3; \
	VMULPS Y1, Y3, Y0; \
	VADDPS Y13, Y0, Y4; \
	VSUBPS Y0, Y4, Y1; \
	VSUBPS Y1, Y13, Y1; \
	VSUBPS Y13, Y4, Y2; \
	VSUBPS Y2, Y0, Y2; \
	VCMPPS $0x0D, Y13, Y0, Y3; \
	VBLENDVPS Y3, Y1, Y2, Y2; \
	VDIVPS Y4, Y2, Y6; \
	VPSRLD $23, Y4, Y1; \
	VPSUBD Y14, Y1, Y1; \
	VPAND spc<>+S_MANT(SB), Y4, Y3; \
	VPOR Y13, Y3, Y3; \
	VCMPPS $0x1E, spc<>+S_ISQH(SB), Y3, Y2; \
	VPAND spc<>+S_EXP1(SB), Y2, Y8; \
	VPSUBD Y8, Y3, Y3; \
	VPSUBD Y2, Y1, Y1; \
	VCVTDQ2PS Y1, Y1; \
	VSUBPS Y13, Y3, Y3; \
	VCMPPS $0x1E, spc<>+S_SQ2M1(SB), Y0, Y2; \
	VBLENDVPS Y2, Y3, Y0, Y0; \
	VANDPS Y2, Y1, Y1; \
	VANDPS Y2, Y6, Y6; \
	VMULPS Y0, Y0, Y4; \
	VMULPS spc<>+S_LP0(SB), Y0, Y2; \
	VADDPS spc<>+S_LP1(SB), Y2, Y2; \
	VMULPS Y0, Y2, Y2; \
	VADDPS spc<>+S_LP2(SB), Y2, Y2; \
	VMULPS Y0, Y2, Y2; \
	VADDPS spc<>+S_LP3(SB), Y2, Y2; \
	VMULPS Y0, Y2, Y2; \
	VADDPS spc<>+S_LP4(SB), Y2, Y2; \
	VMULPS Y0, Y2, Y2; \
	VADDPS spc<>+S_LP5(SB), Y2, Y2; \
	VMULPS Y0, Y2, Y2; \
	VADDPS spc<>+S_LP6(SB), Y2, Y2; \
	VMULPS Y0, Y2, Y2; \
	VADDPS spc<>+S_LP7(SB), Y2, Y2; \
	VMULPS Y0, Y2, Y2; \
	VADDPS spc<>+S_LP8(SB), Y2, Y2; \
	VMULPS Y0, Y2, Y2; \
	VMULPS Y4, Y2, Y2; \
	VMULPS Y12, Y1, Y3; \
	VADDPS Y3, Y2, Y2; \
	VMULPS spc<>+S_HALF(SB), Y4, Y3; \
	VSUBPS Y3, Y2, Y2; \
	VADDPS Y6, Y2, Y2; \
	VADDPS Y2, Y0, Y0; \
	VMULPS Y11, Y1, Y3; \
	VADDPS Y3, Y0, Y0; \
	VCMPPS $0x1E, spc<>+S_THR(SB), Y5, Y2; \
	VBLENDVPS Y2, Y5, Y0, Y0; \
	VSQRTPS Y0, Y0

// func sqrtSoftplusAVX2(dst, sig, x, bias *float32, n int) (bad bool)
// Twin: as sqrtSoftplusAVX512: dst[i] = SqrtSoftplus(x[i]) (+ bias[i]);
// with bias and sig != nil also sig[i] = SqrtSoftplus(x[i]);
// bad = badRow(x[:n]).
// Registers: DI = dst, R9 = sig (dst when nil), SI = x, DX = bias (may
// be nil), CX = n remaining.
TEXT ·sqrtSoftplusAVX2(SB), NOSPLIT, $0-41
	MOVQ dst+0(FP), DI
	MOVQ sig+8(FP), R9
	MOVQ x+16(FP), SI
	MOVQ bias+24(FP), DX
	MOVQ n+32(FP), CX
	TESTQ R9, R9
	CMOVQEQ DI, R9
	TESTQ DX, DX
	CMOVQEQ DI, R9 // no bias: the scores go to dst
	LOAD_CONSTS_AVX2
	VPXOR Y7, Y7, Y7

loop:
	CMPQ CX, $8
	JB   tail
	VMOVUPS (SI), Y5
	NONFIN_AVX2(Y5, Y7)
	SQRTSOFTPLUS_AVX2
	VMOVUPS Y0, (R9)
	TESTQ DX, DX
	JZ    next
	VADDPS (DX), Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ $32, DX

next:
	ADDQ $32, SI
	ADDQ $32, DI
	ADDQ $32, R9
	SUBQ $8, CX
	JMP  loop

tail:
	TESTQ CX, CX
	JZ    done
	TAILMASK_AVX2(CX, AX, Y10)
	VMASKMOVPS (SI), Y10, Y5
	NONFIN_AVX2(Y5, Y7)
	SQRTSOFTPLUS_AVX2
	VMASKMOVPS Y0, Y10, (R9)
	TESTQ DX, DX
	JZ    done
	VMASKMOVPS (DX), Y10, Y1
	VADDPS Y1, Y0, Y0
	VMASKMOVPS Y0, Y10, (DI)

done:
	VPTEST Y7, Y7
	SETNE  bad+40(FP)
	VZEROUPPER
	RET
