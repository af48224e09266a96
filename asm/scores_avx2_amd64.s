//go:build gc && !purego

// AVX2 score kernels of moegate's routing pipeline: the sigmoid, the
// softmax maximum, exponentials and sum, the division and bias, each with
// the non-finite check.
//
// Requires: AVX, AVX2 (no FMA: every product is rounded before its sum, as
// in the Go twins).
// Twins (the specification, in math.go and route_generic.go): Sigmoid,
// ExpNeg, SoftmaxSum, the softmax max/division/bias steps of scores,
// badRow. Each function below names its twin and its own registers. The
// group kernels are in groups_avx2_amd64.s, the weights in
// weights_avx2_amd64.s, the top-K kernels in topk8_avx2_amd64.s and
// topk32_avx2_amd64.s.
//
// Shared register map (score kernels): Y8 = -104, Y9 = log2e,
// Y10 = 1.5*2^23, Y11 = C1, Y12 = C2, Y13 = 1.0, Y14 = int32 127,
// Y15 = 0x7F800000; Y0-Y3 exp temporaries, Y5 = x, Y6 scratch,
// Y7 = non-finite accumulator, Y4 = tail mask.
// Preconditions: pointers valid for n float32 (tails use VMASKMOVPS, which
// never touches memory outside the mask). MXCSR is Go's default.

#include "textflag.h"
#include "consts_amd64.h"
#include "exp_amd64.h"

// func sigmoidAVX2(dst, sig, x, bias *float32, n int) (bad bool)
// Twin: dst[i] = Sigmoid(x[i]) (+ bias[i] when bias != nil); bad = badRow(x[:n]).
// With bias and sig != nil, also sig[i] = Sigmoid(x[i]) (the weights reuse
// it); sig is ignored without bias (dst holds the sigmoid then).
// Registers: DI = dst, R9 = sig (dst when nil: the sigmoid is stored there
// first, then overwritten by the sum), SI = x, DX = bias (may be nil),
// CX = n remaining.
TEXT ·sigmoidAVX2(SB), NOSPLIT, $0-41
	MOVQ dst+0(FP), DI
	MOVQ sig+8(FP), R9
	MOVQ x+16(FP), SI
	MOVQ bias+24(FP), DX
	MOVQ n+32(FP), CX
	TESTQ R9, R9
	CMOVQEQ DI, R9
	LOAD_CONSTS_AVX2
	LOAD_CONSTS2_AVX2
	VPXOR Y7, Y7, Y7
	TESTQ DX, DX
	JZ    nobias2

loopb2:
	CMPQ CX, $16
	JB   loopb1
	VMOVUPS (SI), Y5
	VMOVUPS 32(SI), Y8
	NONFIN_AVX2(Y5, Y7)
	NONFIN_AVX2(Y8, Y7)
	SIGMOID2_AVX2(Y5, Y0, Y1, Y2, Y3, Y8, Y9, Y10, Y11, Y12)
	VMOVUPS Y0, (R9)
	VMOVUPS Y9, 32(R9)
	VADDPS (DX), Y0, Y0
	VADDPS 32(DX), Y9, Y9
	VMOVUPS Y0, (DI)
	VMOVUPS Y9, 32(DI)
	ADDQ $64, SI
	ADDQ $64, DI
	ADDQ $64, DX
	ADDQ $64, R9
	SUBQ $16, CX
	JMP  loopb2

loopb1:
	LOAD_CONSTS_AVX2

loopb:
	CMPQ CX, $8
	JB   tailb
	VMOVUPS (SI), Y5
	NONFIN_AVX2(Y5, Y7)
	SIGMOID_AVX2
	VMOVUPS Y0, (R9)
	VADDPS (DX), Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	ADDQ $32, DX
	ADDQ $32, R9
	SUBQ $8, CX
	JMP  loopb

tailb:
	TESTQ CX, CX
	JZ    done
	TAILMASK_AVX2(CX, AX, Y4)
	VMASKMOVPS (SI), Y4, Y5
	NONFIN_AVX2(Y5, Y7)
	SIGMOID_AVX2
	VMASKMOVPS Y0, Y4, (R9)
	VMASKMOVPS (DX), Y4, Y1
	VADDPS Y1, Y0, Y0
	VMASKMOVPS Y0, Y4, (DI)
	JMP done

nobias2:
	CMPQ CX, $16
	JB   nobias1
	VMOVUPS (SI), Y5
	VMOVUPS 32(SI), Y8
	NONFIN_AVX2(Y5, Y7)
	NONFIN_AVX2(Y8, Y7)
	SIGMOID2_AVX2(Y5, Y0, Y1, Y2, Y3, Y8, Y9, Y10, Y11, Y12)
	VMOVUPS Y0, (DI)
	VMOVUPS Y9, 32(DI)
	ADDQ $64, SI
	ADDQ $64, DI
	SUBQ $16, CX
	JMP  nobias2

nobias1:
	LOAD_CONSTS_AVX2

nobias:
	CMPQ CX, $8
	JB   tailn
	VMOVUPS (SI), Y5
	NONFIN_AVX2(Y5, Y7)
	SIGMOID_AVX2
	VMOVUPS Y0, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	SUBQ $8, CX
	JMP  nobias

tailn:
	TESTQ CX, CX
	JZ    done
	TAILMASK_AVX2(CX, AX, Y4)
	VMASKMOVPS (SI), Y4, Y5
	NONFIN_AVX2(Y5, Y7)
	SIGMOID_AVX2
	VMASKMOVPS Y0, Y4, (DI)

done:
	VPTEST Y7, Y7
	SETNE  bad+40(FP)
	VZEROUPPER
	RET

// func maxAVX2(x *float32, n int) (m float32, bad bool)
// Twin: the maximum loop of scores (m, for finite rows) and badRow.
// n >= 1. Registers: SI = x, CX = n remaining, Y6 = running max,
// Y7 = non-finite accumulator, Y4 = tail mask, Y15 = exponent mask.
TEXT ·maxAVX2(SB), NOSPLIT, $0-21
	MOVQ x+0(FP), SI
	MOVQ n+8(FP), CX
	VMOVDQU consts<>+C_EXPM(SB), Y15
	VMOVDQU consts<>+C_NEGINF(SB), Y5
	VMOVDQU Y5, Y0
	VPXOR Y7, Y7, Y7

mloop:
	CMPQ CX, $8
	JB   mtail
	VMOVUPS (SI), Y1
	VPAND Y15, Y1, Y2
	VPCMPEQD Y15, Y2, Y2
	VPOR Y2, Y7, Y7
	VMAXPS Y0, Y1, Y0
	ADDQ $32, SI
	SUBQ $8, CX
	JMP  mloop

mtail:
	TESTQ CX, CX
	JZ    mred
	TAILMASK_AVX2(CX, AX, Y4)
	VMASKMOVPS (SI), Y4, Y1
	VPAND Y15, Y1, Y2
	VPCMPEQD Y15, Y2, Y2
	VPOR Y2, Y7, Y7
	VBLENDVPS Y4, Y1, Y5, Y1
	VMAXPS Y0, Y1, Y0

mred:
	VEXTRACTF128 $1, Y0, X1
	VMAXPS X1, X0, X0
	VPERMILPS $0x4E, X0, X1
	VMAXPS X1, X0, X0
	VPERMILPS $0xB1, X0, X1
	VMAXPS X1, X0, X0
	VMOVSS X0, m+16(FP)
	VPTEST Y7, Y7
	SETNE  bad+20(FP)
	VZEROUPPER
	RET

// func expSumAVX2(dst, x *float32, n int, m float32) (sum float32)
// Twin: SoftmaxSum(x[:n], m, dst[:n]): dst[i] = ExpNeg(x[i]-m), summed in
// 16 striped lanes (Y4 = lanes 0-7, Y5 = lanes 8-15), padded with +0, and
// reduced j+8, j+4, j+2, 0+1. dst may alias x. x[i]-m <= 0 (m is the max).
// Registers: DI = dst, SI = x, CX = n remaining, Y6 = m, Y7 = tail mask.
TEXT ·expSumAVX2(SB), NOSPLIT, $0-36
	MOVQ dst+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ n+16(FP), CX
	VBROADCASTSS m+24(FP), Y6
	LOAD_CONSTS_AVX2
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5

sloop:
	CMPQ CX, $16
	JB   stail
	VMOVUPS (SI), Y0
	VSUBPS Y6, Y0, Y0
	EXPNEG_AVX2
	VMOVUPS Y0, (DI)
	VADDPS Y0, Y4, Y4
	VMOVUPS 32(SI), Y0
	VSUBPS Y6, Y0, Y0
	EXPNEG_AVX2
	VMOVUPS Y0, 32(DI)
	VADDPS Y0, Y5, Y5
	ADDQ $64, SI
	ADDQ $64, DI
	SUBQ $16, CX
	JMP  sloop

stail:
	CMPQ CX, $8
	JB   stail2
	VMOVUPS (SI), Y0
	VSUBPS Y6, Y0, Y0
	EXPNEG_AVX2
	VMOVUPS Y0, (DI)
	VADDPS Y0, Y4, Y4
	ADDQ $32, SI
	ADDQ $32, DI
	SUBQ $8, CX
	TESTQ CX, CX
	JZ    sred
	TAILMASK_AVX2(CX, AX, Y7)
	VMASKMOVPS (SI), Y7, Y0
	VSUBPS Y6, Y0, Y0
	EXPNEG_AVX2
	VANDPS Y7, Y0, Y0
	VMASKMOVPS Y0, Y7, (DI)
	VADDPS Y0, Y5, Y5
	JMP sred

stail2:
	TESTQ CX, CX
	JZ    sred
	TAILMASK_AVX2(CX, AX, Y7)
	VMASKMOVPS (SI), Y7, Y0
	VSUBPS Y6, Y0, Y0
	EXPNEG_AVX2
	VANDPS Y7, Y0, Y0
	VMASKMOVPS Y0, Y7, (DI)
	VADDPS Y0, Y4, Y4

sred:
	VADDPS Y5, Y4, Y4
	VEXTRACTF128 $1, Y4, X0
	VADDPS X0, X4, X4
	VMOVHLPS X4, X4, X0
	VADDPS X0, X4, X4
	VMOVSHDUP X4, X0
	VADDSS X0, X4, X4
	VMOVSS X4, sum+32(FP)
	VZEROUPPER
	RET

// func divBiasAVX2(dst, bias *float32, n int, S float32)
// Twin: the softmax step of scores: dst[i] = dst[i]/S (+ bias[i] when
// bias != nil). Registers: DI = dst, DX = bias, CX = n remaining, Y6 = S.
TEXT ·divBiasAVX2(SB), NOSPLIT, $0-28
	MOVQ dst+0(FP), DI
	MOVQ bias+8(FP), DX
	MOVQ n+16(FP), CX
	VBROADCASTSS S+24(FP), Y6
	TESTQ DX, DX
	JZ    dnob

dloop:
	CMPQ CX, $8
	JB   dtail
	VMOVUPS (DI), Y0
	VDIVPS Y6, Y0, Y0
	VADDPS (DX), Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ $32, DI
	ADDQ $32, DX
	SUBQ $8, CX
	JMP  dloop

dtail:
	TESTQ CX, CX
	JZ    ddone
	TAILMASK_AVX2(CX, AX, Y4)
	VMASKMOVPS (DI), Y4, Y0
	VDIVPS Y6, Y0, Y0
	VMASKMOVPS (DX), Y4, Y1
	VADDPS Y1, Y0, Y0
	VMASKMOVPS Y0, Y4, (DI)
	JMP ddone

dnob:
	CMPQ CX, $8
	JB   dtailn
	VMOVUPS (DI), Y0
	VDIVPS Y6, Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ $32, DI
	SUBQ $8, CX
	JMP  dnob

dtailn:
	TESTQ CX, CX
	JZ    ddone
	TAILMASK_AVX2(CX, AX, Y4)
	VMASKMOVPS (DI), Y4, Y0
	VDIVPS Y6, Y0, Y0
	VMASKMOVPS Y0, Y4, (DI)

ddone:
	VZEROUPPER
	RET
