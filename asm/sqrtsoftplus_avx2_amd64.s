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
// Register map: every constant is a memory operand (consts<>, spc<> of
// tables_sqrtsoftplus_amd64.h), so that two chains fit in the 16 ymm
// registers: chain A Y0 = x then y, f, r and s, Y1-Y3 and Y6 temporaries,
// Y4 = u then z, Y5 = c; chain B the same in Y8-Y14; Y7 = non-finite
// accumulator, Y15 its scratch; x is re-read for the threshold (xm: its
// memory operand, or the register the tail loaded it into, Y8) and Y9 is
// the tail mask.

#include "textflag.h"
#include "consts_amd64.h"
#include "exp_amd64.h"
#include "tables_sqrtsoftplus_amd64.h"

// SQRTSOFTPLUS_AVX2(xm): Y0 = SqrtSoftplus(Y0) lane by lane, exactly as
// asm.SqrtSoftplus, where xm holds the same x (memory or a register other
// than Y0-Y6). Clobbers Y1-Y6.
// The exponential is EXPNEG_AVX2 (exp_amd64.h) with memory operands;
// for x in (0, 20] its integer n is in [0, 29] and the two scale factors
// 2^(n>>1), 2^(n-n>>1) stay normal, as in the twin. The twin's branches
// are blends: y >= 1 picks Log1p's rounding error c, m > 1/sqrtHalf
// halves m (exponent - 1) and adds 1 to ex (the compare's all-ones is
// int32 -1), y > sqrt2m1 picks f = m - 1 and keeps e and c (else f = y,
// e = c = +0, the twin's zero values), and x > 20 picks v = x.
#define SQRTSOFTPLUS_AVX2(xm) \
	VMAXPS consts<>+C_LO(SB), Y0, Y0; \
	VMULPS consts<>+C_LOG2E(SB), Y0, Y1; \
	VADDPS consts<>+C_MAGIC(SB), Y1, Y1; \
	VSUBPS consts<>+C_MAGIC(SB), Y1, Y2; \
	VPSUBD consts<>+C_MAGIC(SB), Y1, Y1; \
	VMULPS consts<>+C_C1(SB), Y2, Y3; \
	VSUBPS Y3, Y0, Y0; \
	VMULPS consts<>+C_C2(SB), Y2, Y3; \
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
	VADDPS consts<>+C_ONE(SB), Y3, Y3; \
	VPSRAD $1, Y1, Y2; \
	VPSUBD Y2, Y1, Y1; \
	VPADDD consts<>+C_127(SB), Y2, Y2; \
	VPSLLD $23, Y2, Y2; \
	VPADDD consts<>+C_127(SB), Y1, Y1; \
	VPSLLD $23, Y1, Y1; \
	VMULPS Y2, Y3, Y3; \
	VMULPS Y1, Y3, Y0; \
	VADDPS consts<>+C_ONE(SB), Y0, Y4; \
	VSUBPS Y0, Y4, Y1; \
	VMOVUPS consts<>+C_ONE(SB), Y3; \
	VSUBPS Y1, Y3, Y1; \
	VSUBPS consts<>+C_ONE(SB), Y4, Y2; \
	VSUBPS Y2, Y0, Y2; \
	VCMPPS $0x0D, consts<>+C_ONE(SB), Y0, Y3; \
	VBLENDVPS Y3, Y1, Y2, Y2; \
	VDIVPS Y4, Y2, Y5; \
	VPSRLD $23, Y4, Y1; \
	VPSUBD consts<>+C_127(SB), Y1, Y1; \
	VPAND spc<>+S_MANT(SB), Y4, Y3; \
	VPOR consts<>+C_ONE(SB), Y3, Y3; \
	VCMPPS $0x1E, spc<>+S_ISQH(SB), Y3, Y2; \
	VPAND spc<>+S_EXP1(SB), Y2, Y6; \
	VPSUBD Y6, Y3, Y3; \
	VPSUBD Y2, Y1, Y1; \
	VCVTDQ2PS Y1, Y1; \
	VSUBPS consts<>+C_ONE(SB), Y3, Y3; \
	VCMPPS $0x1E, spc<>+S_SQ2M1(SB), Y0, Y2; \
	VBLENDVPS Y2, Y3, Y0, Y0; \
	VANDPS Y2, Y1, Y1; \
	VANDPS Y2, Y5, Y5; \
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
	VMULPS consts<>+C_C2(SB), Y1, Y3; \
	VADDPS Y3, Y2, Y2; \
	VMULPS spc<>+S_HALF(SB), Y4, Y3; \
	VSUBPS Y3, Y2, Y2; \
	VADDPS Y5, Y2, Y2; \
	VADDPS Y2, Y0, Y0; \
	VMULPS consts<>+C_C1(SB), Y1, Y3; \
	VADDPS Y3, Y0, Y0; \
	VMOVUPS xm, Y1; \
	VCMPPS $0x1E, spc<>+S_THR(SB), Y1, Y2; \
	VBLENDVPS Y2, Y1, Y0, Y0; \
	VSQRTPS Y0, Y0

// SQRTSOFTPLUS2_AVX2: SQRTSOFTPLUS_AVX2 on x = (SI) in chain A (result
// Y0) and x = 32(SI) in chain B (Y8), instruction by instruction
// interleaved: one chain is about 85 dependent operations; two keep more
// of the FP pipes busy. Generated from SQRTSOFTPLUS_AVX2 by renaming;
// TestKernelSqrtSoftplus covers both.
#define SQRTSOFTPLUS2_AVX2 \
	VMAXPS consts<>+C_LO(SB), Y0, Y0; \
	VMAXPS consts<>+C_LO(SB), Y8, Y8; \
	VMULPS consts<>+C_LOG2E(SB), Y0, Y1; \
	VMULPS consts<>+C_LOG2E(SB), Y8, Y9; \
	VADDPS consts<>+C_MAGIC(SB), Y1, Y1; \
	VADDPS consts<>+C_MAGIC(SB), Y9, Y9; \
	VSUBPS consts<>+C_MAGIC(SB), Y1, Y2; \
	VSUBPS consts<>+C_MAGIC(SB), Y9, Y10; \
	VPSUBD consts<>+C_MAGIC(SB), Y1, Y1; \
	VPSUBD consts<>+C_MAGIC(SB), Y9, Y9; \
	VMULPS consts<>+C_C1(SB), Y2, Y3; \
	VMULPS consts<>+C_C1(SB), Y10, Y11; \
	VSUBPS Y3, Y0, Y0; \
	VSUBPS Y11, Y8, Y8; \
	VMULPS consts<>+C_C2(SB), Y2, Y3; \
	VMULPS consts<>+C_C2(SB), Y10, Y11; \
	VSUBPS Y3, Y0, Y0; \
	VSUBPS Y11, Y8, Y8; \
	VMULPS Y0, Y0, Y2; \
	VMULPS Y8, Y8, Y10; \
	VMULPS consts<>+C_P0(SB), Y0, Y3; \
	VMULPS consts<>+C_P0(SB), Y8, Y11; \
	VADDPS consts<>+C_P1(SB), Y3, Y3; \
	VADDPS consts<>+C_P1(SB), Y11, Y11; \
	VMULPS Y0, Y3, Y3; \
	VMULPS Y8, Y11, Y11; \
	VADDPS consts<>+C_P2(SB), Y3, Y3; \
	VADDPS consts<>+C_P2(SB), Y11, Y11; \
	VMULPS Y0, Y3, Y3; \
	VMULPS Y8, Y11, Y11; \
	VADDPS consts<>+C_P3(SB), Y3, Y3; \
	VADDPS consts<>+C_P3(SB), Y11, Y11; \
	VMULPS Y0, Y3, Y3; \
	VMULPS Y8, Y11, Y11; \
	VADDPS consts<>+C_P4(SB), Y3, Y3; \
	VADDPS consts<>+C_P4(SB), Y11, Y11; \
	VMULPS Y0, Y3, Y3; \
	VMULPS Y8, Y11, Y11; \
	VADDPS consts<>+C_P5(SB), Y3, Y3; \
	VADDPS consts<>+C_P5(SB), Y11, Y11; \
	VMULPS Y2, Y3, Y3; \
	VMULPS Y10, Y11, Y11; \
	VADDPS Y0, Y3, Y3; \
	VADDPS Y8, Y11, Y11; \
	VADDPS consts<>+C_ONE(SB), Y3, Y3; \
	VADDPS consts<>+C_ONE(SB), Y11, Y11; \
	VPSRAD $1, Y1, Y2; \
	VPSRAD $1, Y9, Y10; \
	VPSUBD Y2, Y1, Y1; \
	VPSUBD Y10, Y9, Y9; \
	VPADDD consts<>+C_127(SB), Y2, Y2; \
	VPADDD consts<>+C_127(SB), Y10, Y10; \
	VPSLLD $23, Y2, Y2; \
	VPSLLD $23, Y10, Y10; \
	VPADDD consts<>+C_127(SB), Y1, Y1; \
	VPADDD consts<>+C_127(SB), Y9, Y9; \
	VPSLLD $23, Y1, Y1; \
	VPSLLD $23, Y9, Y9; \
	VMULPS Y2, Y3, Y3; \
	VMULPS Y10, Y11, Y11; \
	VMULPS Y1, Y3, Y0; \
	VMULPS Y9, Y11, Y8; \
	VADDPS consts<>+C_ONE(SB), Y0, Y4; \
	VADDPS consts<>+C_ONE(SB), Y8, Y12; \
	VSUBPS Y0, Y4, Y1; \
	VSUBPS Y8, Y12, Y9; \
	VMOVUPS consts<>+C_ONE(SB), Y3; \
	VMOVUPS consts<>+C_ONE(SB), Y11; \
	VSUBPS Y1, Y3, Y1; \
	VSUBPS Y9, Y11, Y9; \
	VSUBPS consts<>+C_ONE(SB), Y4, Y2; \
	VSUBPS consts<>+C_ONE(SB), Y12, Y10; \
	VSUBPS Y2, Y0, Y2; \
	VSUBPS Y10, Y8, Y10; \
	VCMPPS $0x0D, consts<>+C_ONE(SB), Y0, Y3; \
	VCMPPS $0x0D, consts<>+C_ONE(SB), Y8, Y11; \
	VBLENDVPS Y3, Y1, Y2, Y2; \
	VBLENDVPS Y11, Y9, Y10, Y10; \
	VDIVPS Y4, Y2, Y5; \
	VDIVPS Y12, Y10, Y13; \
	VPSRLD $23, Y4, Y1; \
	VPSRLD $23, Y12, Y9; \
	VPSUBD consts<>+C_127(SB), Y1, Y1; \
	VPSUBD consts<>+C_127(SB), Y9, Y9; \
	VPAND spc<>+S_MANT(SB), Y4, Y3; \
	VPAND spc<>+S_MANT(SB), Y12, Y11; \
	VPOR consts<>+C_ONE(SB), Y3, Y3; \
	VPOR consts<>+C_ONE(SB), Y11, Y11; \
	VCMPPS $0x1E, spc<>+S_ISQH(SB), Y3, Y2; \
	VCMPPS $0x1E, spc<>+S_ISQH(SB), Y11, Y10; \
	VPAND spc<>+S_EXP1(SB), Y2, Y6; \
	VPAND spc<>+S_EXP1(SB), Y10, Y14; \
	VPSUBD Y6, Y3, Y3; \
	VPSUBD Y14, Y11, Y11; \
	VPSUBD Y2, Y1, Y1; \
	VPSUBD Y10, Y9, Y9; \
	VCVTDQ2PS Y1, Y1; \
	VCVTDQ2PS Y9, Y9; \
	VSUBPS consts<>+C_ONE(SB), Y3, Y3; \
	VSUBPS consts<>+C_ONE(SB), Y11, Y11; \
	VCMPPS $0x1E, spc<>+S_SQ2M1(SB), Y0, Y2; \
	VCMPPS $0x1E, spc<>+S_SQ2M1(SB), Y8, Y10; \
	VBLENDVPS Y2, Y3, Y0, Y0; \
	VBLENDVPS Y10, Y11, Y8, Y8; \
	VANDPS Y2, Y1, Y1; \
	VANDPS Y10, Y9, Y9; \
	VANDPS Y2, Y5, Y5; \
	VANDPS Y10, Y13, Y13; \
	VMULPS Y0, Y0, Y4; \
	VMULPS Y8, Y8, Y12; \
	VMULPS spc<>+S_LP0(SB), Y0, Y2; \
	VMULPS spc<>+S_LP0(SB), Y8, Y10; \
	VADDPS spc<>+S_LP1(SB), Y2, Y2; \
	VADDPS spc<>+S_LP1(SB), Y10, Y10; \
	VMULPS Y0, Y2, Y2; \
	VMULPS Y8, Y10, Y10; \
	VADDPS spc<>+S_LP2(SB), Y2, Y2; \
	VADDPS spc<>+S_LP2(SB), Y10, Y10; \
	VMULPS Y0, Y2, Y2; \
	VMULPS Y8, Y10, Y10; \
	VADDPS spc<>+S_LP3(SB), Y2, Y2; \
	VADDPS spc<>+S_LP3(SB), Y10, Y10; \
	VMULPS Y0, Y2, Y2; \
	VMULPS Y8, Y10, Y10; \
	VADDPS spc<>+S_LP4(SB), Y2, Y2; \
	VADDPS spc<>+S_LP4(SB), Y10, Y10; \
	VMULPS Y0, Y2, Y2; \
	VMULPS Y8, Y10, Y10; \
	VADDPS spc<>+S_LP5(SB), Y2, Y2; \
	VADDPS spc<>+S_LP5(SB), Y10, Y10; \
	VMULPS Y0, Y2, Y2; \
	VMULPS Y8, Y10, Y10; \
	VADDPS spc<>+S_LP6(SB), Y2, Y2; \
	VADDPS spc<>+S_LP6(SB), Y10, Y10; \
	VMULPS Y0, Y2, Y2; \
	VMULPS Y8, Y10, Y10; \
	VADDPS spc<>+S_LP7(SB), Y2, Y2; \
	VADDPS spc<>+S_LP7(SB), Y10, Y10; \
	VMULPS Y0, Y2, Y2; \
	VMULPS Y8, Y10, Y10; \
	VADDPS spc<>+S_LP8(SB), Y2, Y2; \
	VADDPS spc<>+S_LP8(SB), Y10, Y10; \
	VMULPS Y0, Y2, Y2; \
	VMULPS Y8, Y10, Y10; \
	VMULPS Y4, Y2, Y2; \
	VMULPS Y12, Y10, Y10; \
	VMULPS consts<>+C_C2(SB), Y1, Y3; \
	VMULPS consts<>+C_C2(SB), Y9, Y11; \
	VADDPS Y3, Y2, Y2; \
	VADDPS Y11, Y10, Y10; \
	VMULPS spc<>+S_HALF(SB), Y4, Y3; \
	VMULPS spc<>+S_HALF(SB), Y12, Y11; \
	VSUBPS Y3, Y2, Y2; \
	VSUBPS Y11, Y10, Y10; \
	VADDPS Y5, Y2, Y2; \
	VADDPS Y13, Y10, Y10; \
	VADDPS Y2, Y0, Y0; \
	VADDPS Y10, Y8, Y8; \
	VMULPS consts<>+C_C1(SB), Y1, Y3; \
	VMULPS consts<>+C_C1(SB), Y9, Y11; \
	VADDPS Y3, Y0, Y0; \
	VADDPS Y11, Y8, Y8; \
	VMOVUPS (SI), Y1; \
	VMOVUPS 32(SI), Y9; \
	VCMPPS $0x1E, spc<>+S_THR(SB), Y1, Y2; \
	VCMPPS $0x1E, spc<>+S_THR(SB), Y9, Y10; \
	VBLENDVPS Y2, Y1, Y0, Y0; \
	VBLENDVPS Y10, Y9, Y8, Y8; \
	VSQRTPS Y0, Y0; \
	VSQRTPS Y8, Y8

// NONFIN_SP(x): Y7 |= lanes of x whose exponent is all ones (Y15 scratch).
#define NONFIN_SP(x) \
	VPAND consts<>+C_EXPM(SB), x, Y15; \
	VPCMPEQD consts<>+C_EXPM(SB), Y15, Y15; \
	VPOR Y15, Y7, Y7

// func sqrtSoftplusAVX2(dst, sig, x, bias *float32, n int) (bad bool)
// Twin: as sqrtSoftplusAVX512: dst[i] = SqrtSoftplus(x[i]) (+ bias[i]);
// with bias and sig != nil also sig[i] = SqrtSoftplus(x[i]);
// bad = badRow(x[:n]).
// Registers: DI = dst, R9 = sig (dst when nil or without bias), SI = x,
// DX = bias (may be nil), CX = n remaining.
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
	VPXOR Y7, Y7, Y7

loop2:
	CMPQ CX, $16
	JB   loop
	VMOVUPS (SI), Y0
	VMOVUPS 32(SI), Y8
	NONFIN_SP(Y0)
	NONFIN_SP(Y8)
	SQRTSOFTPLUS2_AVX2
	VMOVUPS Y0, (R9)
	VMOVUPS Y8, 32(R9)
	TESTQ DX, DX
	JZ    next2
	VADDPS (DX), Y0, Y0
	VADDPS 32(DX), Y8, Y8
	VMOVUPS Y0, (DI)
	VMOVUPS Y8, 32(DI)
	ADDQ $64, DX

next2:
	ADDQ $64, SI
	ADDQ $64, DI
	ADDQ $64, R9
	SUBQ $16, CX
	JMP  loop2

loop:
	CMPQ CX, $8
	JB   tail
	VMOVUPS (SI), Y0
	NONFIN_SP(Y0)
	SQRTSOFTPLUS_AVX2((SI))
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
	TAILMASK_AVX2(CX, AX, Y9)
	VMASKMOVPS (SI), Y9, Y8
	NONFIN_SP(Y8)
	VMOVUPS Y8, Y0
	SQRTSOFTPLUS_AVX2(Y8)
	VMASKMOVPS Y0, Y9, (R9)
	TESTQ DX, DX
	JZ    done
	VMASKMOVPS (DX), Y9, Y1
	VADDPS Y1, Y0, Y0
	VMASKMOVPS Y0, Y9, (DI)

done:
	VPTEST Y7, Y7
	SETNE  bad+40(FP)
	VZEROUPPER
	RET
