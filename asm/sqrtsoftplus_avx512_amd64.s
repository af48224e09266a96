//go:build gc && !purego

// AVX-512 kernel of DeepSeek-V4's score: sqrtsoftplus.
//
// Requires: AVX512F (zmm arithmetic, VSCALEFPS, VRNDSCALEPS, opmasks,
// embedded broadcasts), AVX512DQ (VFPCLASSPS). No FMA, no approximate
// reciprocals or square roots: VDIVPS and VSQRTPS are correctly rounded,
// as Go's float32 division and float32(math.Sqrt(float64(v))) (the square
// root of a float32 rounded once to float32 is the correctly rounded
// float32 square root: float64 has more than 2*24+2 bits).
// Twin: SqrtSoftplus (math.go: ExpNeg, Log1p, sqrt) and the sqrtsoftplus
// step of scores (route_generic.go), badRow.
//
// Register map: Z16-Z31 the exponential's constants (LOAD_CONSTS_AVX512;
// Z26 = expP5 = 0.5 exactly, Z27 = 1.0 whose bits are 0x3F800000); spc<>
// (tables_sqrtsoftplus_amd64.h) broadcast from memory. Z5 = x, Z0 = y then
// f then r then s, Z1-Z3 temporaries, Z4 = u, Z6 = c, Z7 = e, Z8 = z, K1
// tail mask, K2/K3 scratch masks, K4 non-finite accumulator.

#include "textflag.h"
#include "consts_amd64.h"
#include "exp_amd64.h"
#include "tables_sqrtsoftplus_amd64.h"

// SQRTSOFTPLUS_AVX512: Z0 = SqrtSoftplus(Z5) lane by lane, exactly as
// asm.SqrtSoftplus; Z5 kept. Clobbers Z1-Z4, Z6-Z8, K2, K3.
//
// Every lane runs every step and the twin's branches become masks:
//   y = ExpNeg(x)                         (also for x > 20: discarded)
//   u = 1 + y; c = y >= 1 ? 1 - (u - y) : y - (u - 1)
//   ex = (bits(u) >> 23) - 127; m = bits(u) & 0x7FFFFF | bits(1.0)
//   m > 1/sqrtHalf: m = bits(m) - 2^23, ex = ex + 1
//   y > sqrt2m1 (K2): f = m - 1, e = float32(ex), c = c / u
//   otherwise:        f = y, e = +0, c = +0   (zero-masking gives +0,
//                     the twin's zero values)
//   then the polynomial and the sums in the twin's order, and
//   v = x > 20 ? x : r; s = sqrt(v).
// Lanes with NaN or infinite x compute garbage without faults (MXCSR
// masks every exception); the row is bad and the caller discards it.
#define SQRTSOFTPLUS_AVX512 \
	VMAXPS Z16, Z5, Z0; \
	EXPNEG_AVX512_CLAMPED(Z0, Z1, Z2, Z3); \
	VADDPS Z27, Z0, Z4; \
	VSUBPS Z0, Z4, Z1; \
	VSUBPS Z1, Z27, Z1; \
	VSUBPS Z27, Z4, Z2; \
	VSUBPS Z2, Z0, Z2; \
	VCMPPS $0x0D, Z27, Z0, K3; \
	VMOVAPS Z1, K3, Z2; \
	VCMPPS.BCST $0x1E, spc<>+S_SQ2M1(SB), Z0, K2; \
	VDIVPS.Z Z4, Z2, K2, Z6; \
	VPSRLD $23, Z4, Z1; \
	VPSUBD Z28, Z1, Z1; \
	VPANDD.BCST spc<>+S_MANT(SB), Z4, Z3; \
	VPORD Z27, Z3, Z3; \
	VCMPPS.BCST $0x1E, spc<>+S_ISQH(SB), Z3, K3; \
	VPSUBD.BCST spc<>+S_EXP1(SB), Z3, K3, Z3; \
	VPADDD.BCST spc<>+S_INT1(SB), Z1, K3, Z1; \
	VCVTDQ2PS.Z Z1, K2, Z7; \
	VSUBPS Z27, Z3, K2, Z0; \
	VMULPS Z0, Z0, Z8; \
	VMULPS.BCST spc<>+S_LP0(SB), Z0, Z1; \
	VADDPS.BCST spc<>+S_LP1(SB), Z1, Z1; \
	VMULPS Z0, Z1, Z1; \
	VADDPS.BCST spc<>+S_LP2(SB), Z1, Z1; \
	VMULPS Z0, Z1, Z1; \
	VADDPS.BCST spc<>+S_LP3(SB), Z1, Z1; \
	VMULPS Z0, Z1, Z1; \
	VADDPS.BCST spc<>+S_LP4(SB), Z1, Z1; \
	VMULPS Z0, Z1, Z1; \
	VADDPS.BCST spc<>+S_LP5(SB), Z1, Z1; \
	VMULPS Z0, Z1, Z1; \
	VADDPS.BCST spc<>+S_LP6(SB), Z1, Z1; \
	VMULPS Z0, Z1, Z1; \
	VADDPS.BCST spc<>+S_LP7(SB), Z1, Z1; \
	VMULPS Z0, Z1, Z1; \
	VADDPS.BCST spc<>+S_LP8(SB), Z1, Z1; \
	VMULPS Z0, Z1, Z1; \
	VMULPS Z8, Z1, Z1; \
	VMULPS Z20, Z7, Z2; \
	VADDPS Z2, Z1, Z1; \
	VMULPS Z26, Z8, Z2; \
	VSUBPS Z2, Z1, Z1; \
	VADDPS Z6, Z1, Z1; \
	VADDPS Z1, Z0, Z0; \
	VMULPS Z19, Z7, Z2; \
	VADDPS Z2, Z0, Z0; \
	VCMPPS.BCST $0x1E, spc<>+S_THR(SB), Z5, K3; \
	VMOVAPS Z5, K3, Z0; \
	VSQRTPS Z0, Z0

// SQRTSOFTPLUS2_AVX512: SQRTSOFTPLUS_AVX512 on two independent vectors,
// instruction by instruction interleaved (the exponential, Log1p, the
// division and the square root are one chain of about 75 dependent
// operations; two chains in flight keep more of the FP pipes busy), with
// EXPNEG_AVX512_CLAMPED written out. Z0 = SqrtSoftplus(Z5) with Z1-Z4,
// Z6-Z8, K2, K3 as SQRTSOFTPLUS_AVX512; Z10 = SqrtSoftplus(Z9) with
// Z11-Z14, Z15, Z29, Z30 (LOAD_CONSTS_AVX512's 0x7F800000 and sign bit,
// which these kernels do not use), K5, K6. Generated from
// SQRTSOFTPLUS_AVX512 by renaming; TestKernelSqrtSoftplus covers both.
#define SQRTSOFTPLUS2_AVX512 \
	VMAXPS Z16, Z5, Z0; \
	VMAXPS Z16, Z9, Z10; \
	VMULPS Z17, Z0, Z1; \
	VMULPS Z17, Z10, Z11; \
	VRNDSCALEPS $8, Z1, Z2; \
	VRNDSCALEPS $8, Z11, Z12; \
	VMULPS Z19, Z2, Z3; \
	VMULPS Z19, Z12, Z13; \
	VSUBPS Z3, Z0, Z0; \
	VSUBPS Z13, Z10, Z10; \
	VMULPS Z20, Z2, Z3; \
	VMULPS Z20, Z12, Z13; \
	VSUBPS Z3, Z0, Z0; \
	VSUBPS Z13, Z10, Z10; \
	VMULPS Z0, Z0, Z1; \
	VMULPS Z10, Z10, Z11; \
	VMULPS Z21, Z0, Z3; \
	VMULPS Z21, Z10, Z13; \
	VADDPS Z22, Z3, Z3; \
	VADDPS Z22, Z13, Z13; \
	VMULPS Z0, Z3, Z3; \
	VMULPS Z10, Z13, Z13; \
	VADDPS Z23, Z3, Z3; \
	VADDPS Z23, Z13, Z13; \
	VMULPS Z0, Z3, Z3; \
	VMULPS Z10, Z13, Z13; \
	VADDPS Z24, Z3, Z3; \
	VADDPS Z24, Z13, Z13; \
	VMULPS Z0, Z3, Z3; \
	VMULPS Z10, Z13, Z13; \
	VADDPS Z25, Z3, Z3; \
	VADDPS Z25, Z13, Z13; \
	VMULPS Z0, Z3, Z3; \
	VMULPS Z10, Z13, Z13; \
	VADDPS Z26, Z3, Z3; \
	VADDPS Z26, Z13, Z13; \
	VMULPS Z1, Z3, Z3; \
	VMULPS Z11, Z13, Z13; \
	VADDPS Z0, Z3, Z3; \
	VADDPS Z10, Z13, Z13; \
	VADDPS Z27, Z3, Z3; \
	VADDPS Z27, Z13, Z13; \
	VSCALEFPS Z2, Z3, Z0; \
	VSCALEFPS Z12, Z13, Z10; \
	VADDPS Z27, Z0, Z4; \
	VADDPS Z27, Z10, Z14; \
	VSUBPS Z0, Z4, Z1; \
	VSUBPS Z10, Z14, Z11; \
	VSUBPS Z1, Z27, Z1; \
	VSUBPS Z11, Z27, Z11; \
	VSUBPS Z27, Z4, Z2; \
	VSUBPS Z27, Z14, Z12; \
	VSUBPS Z2, Z0, Z2; \
	VSUBPS Z12, Z10, Z12; \
	VCMPPS $0x0D, Z27, Z0, K3; \
	VCMPPS $0x0D, Z27, Z10, K6; \
	VMOVAPS Z1, K3, Z2; \
	VMOVAPS Z11, K6, Z12; \
	VCMPPS.BCST $0x1E, spc<>+S_SQ2M1(SB), Z0, K2; \
	VCMPPS.BCST $0x1E, spc<>+S_SQ2M1(SB), Z10, K5; \
	VDIVPS.Z Z4, Z2, K2, Z6; \
	VDIVPS.Z Z14, Z12, K5, Z15; \
	VPSRLD $23, Z4, Z1; \
	VPSRLD $23, Z14, Z11; \
	VPSUBD Z28, Z1, Z1; \
	VPSUBD Z28, Z11, Z11; \
	VPANDD.BCST spc<>+S_MANT(SB), Z4, Z3; \
	VPANDD.BCST spc<>+S_MANT(SB), Z14, Z13; \
	VPORD Z27, Z3, Z3; \
	VPORD Z27, Z13, Z13; \
	VCMPPS.BCST $0x1E, spc<>+S_ISQH(SB), Z3, K3; \
	VCMPPS.BCST $0x1E, spc<>+S_ISQH(SB), Z13, K6; \
	VPSUBD.BCST spc<>+S_EXP1(SB), Z3, K3, Z3; \
	VPSUBD.BCST spc<>+S_EXP1(SB), Z13, K6, Z13; \
	VPADDD.BCST spc<>+S_INT1(SB), Z1, K3, Z1; \
	VPADDD.BCST spc<>+S_INT1(SB), Z11, K6, Z11; \
	VCVTDQ2PS.Z Z1, K2, Z7; \
	VCVTDQ2PS.Z Z11, K5, Z29; \
	VSUBPS Z27, Z3, K2, Z0; \
	VSUBPS Z27, Z13, K5, Z10; \
	VMULPS Z0, Z0, Z8; \
	VMULPS Z10, Z10, Z30; \
	VMULPS.BCST spc<>+S_LP0(SB), Z0, Z1; \
	VMULPS.BCST spc<>+S_LP0(SB), Z10, Z11; \
	VADDPS.BCST spc<>+S_LP1(SB), Z1, Z1; \
	VADDPS.BCST spc<>+S_LP1(SB), Z11, Z11; \
	VMULPS Z0, Z1, Z1; \
	VMULPS Z10, Z11, Z11; \
	VADDPS.BCST spc<>+S_LP2(SB), Z1, Z1; \
	VADDPS.BCST spc<>+S_LP2(SB), Z11, Z11; \
	VMULPS Z0, Z1, Z1; \
	VMULPS Z10, Z11, Z11; \
	VADDPS.BCST spc<>+S_LP3(SB), Z1, Z1; \
	VADDPS.BCST spc<>+S_LP3(SB), Z11, Z11; \
	VMULPS Z0, Z1, Z1; \
	VMULPS Z10, Z11, Z11; \
	VADDPS.BCST spc<>+S_LP4(SB), Z1, Z1; \
	VADDPS.BCST spc<>+S_LP4(SB), Z11, Z11; \
	VMULPS Z0, Z1, Z1; \
	VMULPS Z10, Z11, Z11; \
	VADDPS.BCST spc<>+S_LP5(SB), Z1, Z1; \
	VADDPS.BCST spc<>+S_LP5(SB), Z11, Z11; \
	VMULPS Z0, Z1, Z1; \
	VMULPS Z10, Z11, Z11; \
	VADDPS.BCST spc<>+S_LP6(SB), Z1, Z1; \
	VADDPS.BCST spc<>+S_LP6(SB), Z11, Z11; \
	VMULPS Z0, Z1, Z1; \
	VMULPS Z10, Z11, Z11; \
	VADDPS.BCST spc<>+S_LP7(SB), Z1, Z1; \
	VADDPS.BCST spc<>+S_LP7(SB), Z11, Z11; \
	VMULPS Z0, Z1, Z1; \
	VMULPS Z10, Z11, Z11; \
	VADDPS.BCST spc<>+S_LP8(SB), Z1, Z1; \
	VADDPS.BCST spc<>+S_LP8(SB), Z11, Z11; \
	VMULPS Z0, Z1, Z1; \
	VMULPS Z10, Z11, Z11; \
	VMULPS Z8, Z1, Z1; \
	VMULPS Z30, Z11, Z11; \
	VMULPS Z20, Z7, Z2; \
	VMULPS Z20, Z29, Z12; \
	VADDPS Z2, Z1, Z1; \
	VADDPS Z12, Z11, Z11; \
	VMULPS Z26, Z8, Z2; \
	VMULPS Z26, Z30, Z12; \
	VSUBPS Z2, Z1, Z1; \
	VSUBPS Z12, Z11, Z11; \
	VADDPS Z6, Z1, Z1; \
	VADDPS Z15, Z11, Z11; \
	VADDPS Z1, Z0, Z0; \
	VADDPS Z11, Z10, Z10; \
	VMULPS Z19, Z7, Z2; \
	VMULPS Z19, Z29, Z12; \
	VADDPS Z2, Z0, Z0; \
	VADDPS Z12, Z10, Z10; \
	VCMPPS.BCST $0x1E, spc<>+S_THR(SB), Z5, K3; \
	VCMPPS.BCST $0x1E, spc<>+S_THR(SB), Z9, K6; \
	VMOVAPS Z5, K3, Z0; \
	VMOVAPS Z9, K6, Z10; \
	VSQRTPS Z0, Z0; \
	VSQRTPS Z10, Z10

// func sqrtSoftplusAVX512(dst, sig, x, bias *float32, n int) (bad bool)
// Twin: dst[i] = SqrtSoftplus(x[i]) (+ bias[i] when bias != nil), the
// sqrtsoftplus step of scores; bad = badRow(x[:n]). With bias and
// sig != nil, also sig[i] = SqrtSoftplus(x[i]) (the weights gather it);
// sig is ignored without bias (dst holds the scores then).
// Registers: DI = dst, R9 = sig (dst when nil: the score is stored there
// first, then overwritten by the sum), SI = x, DX = bias (may be nil),
// CX = n remaining.
TEXT ·sqrtSoftplusAVX512(SB), NOSPLIT, $0-41
	MOVQ dst+0(FP), DI
	MOVQ sig+8(FP), R9
	MOVQ x+16(FP), SI
	MOVQ bias+24(FP), DX
	MOVQ n+32(FP), CX
	TESTQ R9, R9
	CMOVQEQ DI, R9
	TESTQ DX, DX
	CMOVQEQ DI, R9 // no bias: the scores go to dst
	LOAD_CONSTS_AVX512
	KXORW K4, K4, K4

loop2:
	CMPQ CX, $32
	JB   loop
	VMOVUPS (SI), Z5
	VMOVUPS 64(SI), Z9
	NONFIN_DQ(Z5, K3, K4)
	NONFIN_DQ(Z9, K3, K4)
	SQRTSOFTPLUS2_AVX512
	VMOVUPS Z0, (R9)
	VMOVUPS Z10, 64(R9)
	TESTQ DX, DX
	JZ    next2
	VADDPS (DX), Z0, Z0
	VADDPS 64(DX), Z10, Z10
	VMOVUPS Z0, (DI)
	VMOVUPS Z10, 64(DI)
	ADDQ $128, DX

next2:
	ADDQ $128, SI
	ADDQ $128, DI
	ADDQ $128, R9
	SUBQ $32, CX
	JMP  loop2

loop:
	CMPQ CX, $16
	JB   tail
	VMOVUPS (SI), Z5
	NONFIN_DQ(Z5, K3, K4)
	SQRTSOFTPLUS_AVX512
	VMOVUPS Z0, (R9)
	TESTQ DX, DX
	JZ    next
	VADDPS (DX), Z0, Z0
	VMOVUPS Z0, (DI)
	ADDQ $64, DX

next:
	ADDQ $64, SI
	ADDQ $64, DI
	ADDQ $64, R9
	SUBQ $16, CX
	JMP  loop

tail:
	TESTQ CX, CX
	JZ    done
	TAILK_AVX512(AX, K1)
	VMOVUPS.Z (SI), K1, Z5
	NONFIN_DQ(Z5, K3, K4)
	SQRTSOFTPLUS_AVX512
	VMOVUPS Z0, K1, (R9)
	TESTQ DX, DX
	JZ    done
	VMOVUPS.Z (DX), K1, Z1
	VADDPS Z1, Z0, Z0
	VMOVUPS Z0, K1, (DI)

done:
	KORTESTW K4, K4
	SETNE    bad+40(FP)
	VZEROUPPER
	RET
