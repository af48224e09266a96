//go:build gc && !purego

// AVX-512 score kernels of moegate's routing pipeline: the sigmoid, the
// softmax maximum, exponentials and sum, the division and bias, each with
// the non-finite check.
//
// Requires: AVX512F (zmm arithmetic, VSCALEFPS, VRNDSCALEPS, opmasks,
// VEXTRACTF64X4, VPTESTMD, KORW/KMOVW), AVX512DQ (VRANGEPS and VFPCLASSPS
// in the sigmoid), plus AVX and AVX2 for the VEX-encoded 128/256-bit
// reductions. No FMA, no approximate reciprocals.
// Twins: as scores_avx2_amd64.s (Sigmoid, ExpNeg, SoftmaxSum, the softmax
// steps of scores, badRow); each function names its twin and its own
// registers. The group kernels are in groups_avx512_amd64.s and
// topk8_avx512_amd64.s (groups <= 8), the weights in weights_avx512_amd64.s,
// the top-K in topk8_avx512_amd64.s and topk32_avx512_amd64.s.
//
// Shared register map: Z16-Z31 constants (see LOAD_CONSTS_AVX512),
// Z0-Z3 exp temporaries, Z5 = x, Z6 scratch, K1 = tail mask,
// K4 = non-finite accumulator, K2/K3 scratch masks.
// Preconditions: pointers valid for n float32; tails use masked loads and
// stores, which never touch memory outside the mask.

#include "textflag.h"
#include "consts_amd64.h"
#include "exp_amd64.h"

// func sigmoidAVX512(dst, sig, x, bias *float32, n int) (bad bool)
// Twin: dst[i] = Sigmoid(x[i]) (+ bias[i] when bias != nil); bad = badRow(x[:n]).
// With bias and sig != nil, also sig[i] = Sigmoid(x[i]) (the weights reuse
// it); sig is ignored without bias (dst holds the sigmoid then).
// Registers: DI = dst, R9 = sig (dst when nil: the sigmoid is stored there
// first, then overwritten by the sum), SI = x, DX = bias (may be nil),
// CX = n remaining.
TEXT ·sigmoidAVX512(SB), NOSPLIT, $0-41
	MOVQ dst+0(FP), DI
	MOVQ sig+8(FP), R9
	MOVQ x+16(FP), SI
	MOVQ bias+24(FP), DX
	MOVQ n+32(FP), CX
	TESTQ R9, R9
	CMOVQEQ DI, R9
	LOAD_CONSTS_AVX512
	KXORW K4, K4, K4
	TESTQ DX, DX
	JZ    nobias2

loopb2:
	CMPQ CX, $32
	JB   loopb
	VMOVUPS (SI), Z5
	VMOVUPS 64(SI), Z7
	NONFIN_DQ(Z5, K3, K4)
	NONFIN_DQ(Z7, K3, K4)
	SIGMOID2_AVX512(Z5, Z0, Z1, Z2, Z3, K2, Z7, Z4, Z8, Z9, Z10, K5)
	VMOVUPS Z0, (R9)
	VMOVUPS Z4, 64(R9)
	VADDPS (DX), Z0, Z0
	VADDPS 64(DX), Z4, Z4
	VMOVUPS Z0, (DI)
	VMOVUPS Z4, 64(DI)
	ADDQ $128, SI
	ADDQ $128, DI
	ADDQ $128, DX
	ADDQ $128, R9
	SUBQ $32, CX
	JMP  loopb2

loopb:
	CMPQ CX, $16
	JB   tailb
	VMOVUPS (SI), Z5
	NONFIN_DQ(Z5, K3, K4)
	SIGMOID_AVX512(Z5, Z0, Z1, Z2, Z3, K2)
	VMOVUPS Z0, (R9)
	VADDPS (DX), Z0, Z0
	VMOVUPS Z0, (DI)
	ADDQ $64, SI
	ADDQ $64, DI
	ADDQ $64, DX
	ADDQ $64, R9
	SUBQ $16, CX
	JMP  loopb

tailb:
	TESTQ CX, CX
	JZ    done
	TAILK_AVX512(AX, K1)
	VMOVUPS.Z (SI), K1, Z5
	NONFIN_DQ(Z5, K3, K4)
	SIGMOID_AVX512(Z5, Z0, Z1, Z2, Z3, K2)
	VMOVUPS Z0, K1, (R9)
	VMOVUPS.Z (DX), K1, Z1
	VADDPS Z1, Z0, Z0
	VMOVUPS Z0, K1, (DI)
	JMP done

nobias2:
	CMPQ CX, $32
	JB   nobias
	VMOVUPS (SI), Z5
	VMOVUPS 64(SI), Z7
	NONFIN_DQ(Z5, K3, K4)
	NONFIN_DQ(Z7, K3, K4)
	SIGMOID2_AVX512(Z5, Z0, Z1, Z2, Z3, K2, Z7, Z4, Z8, Z9, Z10, K5)
	VMOVUPS Z0, (DI)
	VMOVUPS Z4, 64(DI)
	ADDQ $128, SI
	ADDQ $128, DI
	SUBQ $32, CX
	JMP  nobias2

nobias:
	CMPQ CX, $16
	JB   tailn
	VMOVUPS (SI), Z5
	NONFIN_DQ(Z5, K3, K4)
	SIGMOID_AVX512(Z5, Z0, Z1, Z2, Z3, K2)
	VMOVUPS Z0, (DI)
	ADDQ $64, SI
	ADDQ $64, DI
	SUBQ $16, CX
	JMP  nobias

tailn:
	TESTQ CX, CX
	JZ    done
	TAILK_AVX512(AX, K1)
	VMOVUPS.Z (SI), K1, Z5
	NONFIN_DQ(Z5, K3, K4)
	SIGMOID_AVX512(Z5, Z0, Z1, Z2, Z3, K2)
	VMOVUPS Z0, K1, (DI)

done:
	KORTESTW K4, K4
	SETNE    bad+40(FP)
	VZEROUPPER
	RET

// func maxAVX512(x *float32, n int) (m float32, bad bool)
// Twin: the maximum loop of scores (m, for finite rows) and badRow. n >= 1.
// Registers: SI = x, CX = n remaining, Z0 = running max, K4 = non-finite.
TEXT ·maxAVX512(SB), NOSPLIT, $0-21
	MOVQ x+0(FP), SI
	MOVQ n+8(FP), CX
	VBROADCASTSS consts<>+C_EXPM(SB), Z29
	VBROADCASTSS consts<>+C_NEGINF(SB), Z31
	VMOVAPS Z31, Z0
	KXORW K4, K4, K4

mloop:
	CMPQ CX, $16
	JB   mtail
	VMOVUPS (SI), Z1
	NONFIN_AVX512(Z1, Z6, K3, K4)
	VMAXPS Z0, Z1, Z0
	ADDQ $64, SI
	SUBQ $16, CX
	JMP  mloop

mtail:
	TESTQ CX, CX
	JZ    mred
	TAILK_AVX512(AX, K1)
	VMOVUPS.Z (SI), K1, Z2
	NONFIN_AVX512(Z2, Z6, K3, K4)
	VMOVAPS Z31, Z1
	VMOVAPS Z2, K1, Z1
	VMAXPS Z0, Z1, Z0

mred:
	VEXTRACTF64X4 $1, Z0, Y1
	VMAXPS Y1, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VMAXPS X1, X0, X0
	VPERMILPS $0x4E, X0, X1
	VMAXPS X1, X0, X0
	VPERMILPS $0xB1, X0, X1
	VMAXPS X1, X0, X0
	VMOVSS X0, m+16(FP)
	KORTESTW K4, K4
	SETNE    bad+20(FP)
	VZEROUPPER
	RET

// func expSumAVX512(dst, x *float32, n int, m float32) (sum float32)
// Twin: SoftmaxSum(x[:n], m, dst[:n]): one zmm accumulator is exactly the
// 16 striped lanes; tails add through the mask (padding with +0 adds
// nothing); then j+8, j+4, j+2, 0+1. dst may alias x.
// Registers: DI = dst, SI = x, CX = n remaining, Z6 = m, Z4 = lanes.
TEXT ·expSumAVX512(SB), NOSPLIT, $0-36
	MOVQ dst+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ n+16(FP), CX
	LOAD_CONSTS_AVX512
	VBROADCASTSS m+24(FP), Z6
	VPXORD Z4, Z4, Z4

sloop:
	CMPQ CX, $16
	JB   stail
	VMOVUPS (SI), Z0
	VSUBPS Z6, Z0, Z0
	EXPNEG_AVX512(Z0, Z1, Z2, Z3)
	VMOVUPS Z0, (DI)
	VADDPS Z0, Z4, Z4
	ADDQ $64, SI
	ADDQ $64, DI
	SUBQ $16, CX
	JMP  sloop

stail:
	TESTQ CX, CX
	JZ    sred
	TAILK_AVX512(AX, K1)
	VMOVUPS.Z (SI), K1, Z0
	VSUBPS Z6, Z0, Z0
	EXPNEG_AVX512(Z0, Z1, Z2, Z3)
	VMOVUPS Z0, K1, (DI)
	VADDPS Z0, Z4, K1, Z4

sred:
	VEXTRACTF64X4 $1, Z4, Y0
	VADDPS Y0, Y4, Y4
	VEXTRACTF128 $1, Y4, X0
	VADDPS X0, X4, X4
	VMOVHLPS X4, X4, X0
	VADDPS X0, X4, X4
	VMOVSHDUP X4, X0
	VADDSS X0, X4, X4
	VMOVSS X4, sum+32(FP)
	VZEROUPPER
	RET

// func divBiasAVX512(dst, bias *float32, n int, S float32)
// Twin: the softmax step of scores: dst[i] = dst[i]/S (+ bias[i]).
// Registers: DI = dst, DX = bias (may be nil), CX = n remaining, Z6 = S.
TEXT ·divBiasAVX512(SB), NOSPLIT, $0-28
	MOVQ dst+0(FP), DI
	MOVQ bias+8(FP), DX
	MOVQ n+16(FP), CX
	VBROADCASTSS S+24(FP), Z6
	TESTQ DX, DX
	JZ    dnob

dloop:
	CMPQ CX, $16
	JB   dtail
	VMOVUPS (DI), Z0
	VDIVPS Z6, Z0, Z0
	VADDPS (DX), Z0, Z0
	VMOVUPS Z0, (DI)
	ADDQ $64, DI
	ADDQ $64, DX
	SUBQ $16, CX
	JMP  dloop

dtail:
	TESTQ CX, CX
	JZ    ddone
	TAILK_AVX512(AX, K1)
	VMOVUPS.Z (DI), K1, Z0
	VDIVPS Z6, Z0, Z0
	VMOVUPS.Z (DX), K1, Z1
	VADDPS Z1, Z0, Z0
	VMOVUPS Z0, K1, (DI)
	JMP ddone

dnob:
	CMPQ CX, $16
	JB   dtailn
	VMOVUPS (DI), Z0
	VDIVPS Z6, Z0, Z0
	VMOVUPS Z0, (DI)
	ADDQ $64, DI
	SUBQ $16, CX
	JMP  dnob

dtailn:
	TESTQ CX, CX
	JZ    ddone
	TAILK_AVX512(AX, K1)
	VMOVUPS.Z (DI), K1, Z0
	VDIVPS Z6, Z0, Z0
	VMOVUPS Z0, K1, (DI)

ddone:
	VZEROUPPER
	RET
