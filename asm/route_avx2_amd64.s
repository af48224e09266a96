//go:build gc && !purego

// AVX2 kernels of moegate's routing pipeline.
//
// Requires: AVX, AVX2 (no FMA: every product is rounded before its sum, as
// in the Go twins).
// Twins (the specification, in math.go and route_generic.go): Sigmoid,
// ExpNeg, SoftmaxSum, the softmax max/division/bias steps of scores,
// badRow, the group scores of chooseGroups, weights. Each function below
// names its twin and its own registers. The top-K kernels are in
// topk8_avx2_amd64.s and topk32_avx2_amd64.s.
//
// Shared register map (score kernels): Y8 = -104, Y9 = log2e,
// Y10 = 1.5*2^23, Y11 = C1, Y12 = C2, Y13 = 1.0, Y14 = int32 127,
// Y15 = 0x7F800000; Y0-Y3 exp temporaries, Y5 = x, Y6 scratch,
// Y7 = non-finite accumulator, Y4 = tail mask.
// Preconditions: pointers valid for n float32 (tails use VMASKMOVPS, which
// never touches memory outside the mask). MXCSR is Go's default.

#include "textflag.h"
#include "consts_amd64.h"

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

// func groupScoresAVX2(gsc, second, sel *float32, groups, gs int, gmax bool)
// Twin: the score loop of chooseGroups: gsc[g] = max of group g's gs
// selection scores (gmax), or the sum of its two largest (largest first,
// counted with multiplicity); second[g] = the second largest when second
// != nil. The values are order statistics, so the
// per-lane top-2 merged by a tree equals the Go loop's (sel holds no NaN;
// on the summed path no -0 either). Registers: DI = gsc, SI = group start,
// R8 = groups left, R9 = gs, R10 = cursor, CX = left in group,
// R11 = second (or 0), Y1/Y2 = per-lane largest/second, Y7 = -Inf, Y3 = tail mask.
TEXT ·groupScoresAVX2(SB), NOSPLIT, $0-41
	MOVQ gsc+0(FP), DI
	MOVQ second+8(FP), R11
	MOVQ sel+16(FP), SI
	MOVQ groups+24(FP), R8
	MOVQ gs+32(FP), R9
	VMOVDQU consts<>+C_NEGINF(SB), Y7

gloop:
	VMOVDQU Y7, Y1
	VMOVDQU Y7, Y2
	MOVQ R9, CX
	MOVQ SI, R10

gvloop:
	CMPQ CX, $8
	JB   gvtail
	VMOVUPS (R10), Y0
	TOP2_COMBINE(Y1, Y2, Y0, Y7, Y6)
	ADDQ $32, R10
	SUBQ $8, CX
	JMP  gvloop

gvtail:
	TESTQ CX, CX
	JZ    gvred
	TAILMASK_AVX2(CX, AX, Y3)
	VMASKMOVPS (R10), Y3, Y0
	VBLENDVPS Y3, Y0, Y7, Y0
	TOP2_COMBINE(Y1, Y2, Y0, Y7, Y6)

gvred:
	GROUP_REDUCE_YMM
	TESTQ R11, R11
	JZ    gnosec
	VMOVSS X2, (R11)
	ADDQ $4, R11

gnosec:
	CMPB gmax+40(FP), $0
	JNE  gstore
	VADDSS X2, X1, X1

gstore:
	VMOVSS X1, (DI)
	ADDQ $4, DI
	LEAQ (SI)(R9*4), SI
	DECQ R8
	JNZ  gloop
	VZEROUPPER
	RET

// func weights8AVX2(w *float32, ids *int32, row *float32, k, mode int, m, S, scale float32)
// Twin: weights (route_generic.go) for 1 <= k <= 8, one vector:
//   u[j] = row[ids[j]]                          (mode&8: row holds the
//                                                sigmoid scores already)
//        | Sigmoid(row[ids[j]])                 (mode&1 == 0)
//        | ExpNeg(row[ids[j]] - m) (/ S if mode&2)   (mode&1 == 1)
//   mode&4 (Normalize): u[j] = u[j] / ((((0+u[0])+u[1])+...+u[k-1]) + 1e-20),
//   the sum left to right as in Go (padding lanes are +0 and add nothing);
//   w[j] = u[j] * scale.
// Requires: AVX, AVX2. Used by the AVX2 implementation.
// Registers: DI = w, SI = ids, DX = row, CX = k, BX = mode, Y4 = first-k
// mask, Y5 = gathered logits (GATHER8_AVX), Y0 = u, Y8-Y15 exp constants,
// Y6/Y7 temps.
TEXT ·weights8AVX2(SB), NOSPLIT, $0-52
	MOVQ w+0(FP), DI
	MOVQ ids+8(FP), SI
	MOVQ row+16(FP), DX
	MOVQ k+24(FP), CX
	MOVQ mode+32(FP), BX
	LOAD_CONSTS_AVX2
	GATHER8_AVX(wgathered)
	TAILMASK_AVX2(CX, AX, Y4)
	TESTQ $8, BX
	JZ    wscores
	VMOVAPS Y5, Y0
	JMP   wnorm

wscores:
	TESTQ $1, BX
	JZ    wsig
	VBROADCASTSS m+40(FP), Y6
	VSUBPS Y6, Y5, Y0
	EXPNEG_AVX2
	TESTQ $2, BX
	JZ    wnorm
	VBROADCASTSS S+44(FP), Y6
	VDIVPS Y6, Y0, Y0
	JMP   wnorm

wsig:
	SIGMOID_AVX2

wnorm:
	VANDPS Y4, Y0, Y0
	TESTQ $4, BX
	JZ    wscale
	NORM8_AVX2

wscale:
	VBROADCASTSS scale+48(FP), Y6
	VMULPS Y6, Y0, Y0
	CMPQ k+24(FP), $8
	JNE  wmasked
	VMOVUPS Y0, (DI)
	VZEROUPPER
	RET

wmasked:
	VMASKMOVPS Y0, Y4, (DI)
	VZEROUPPER
	RET

// func weightsSoftmaxNAVX2(w *float32, ids *int32, x *float32, stride int, load *int64, T, k int, bad uint64, scale float32)
// Twin: weights (route_generic.go) for softmax with logit selection and
// Normalize (S cancels, m = row[ids[0]]), 1 <= k <= 8, then
// load[ids[j]]++, for the T <= 64 tokens of a block whose bit in bad is
// clear (token t's logits at x + t*stride, its ids and weights at t*k);
// exactly weights8AVX2's mode 1|4 per token, in one call per block so the
// tokens' exponential chains overlap (see weightsSoftmaxNAVX512).
// Requires: AVX, AVX2.
// Registers: R9 = t, R10 = T, R11 = w, R12 = ids, R13 = row, BX = bad,
// DI = stride*4; per token: SI = ids, DX = row, R8 = load, CX = k (as
// GATHER8_LOAD_AVX wants them), Y4 = first-k mask, Y5 = logits, Y0 = u,
// Y1-Y3 exp temporaries, Y8-Y15 exp constants, Y6/Y7 temporaries.
// Preconditions: ids of good tokens in [0, stride) and in [0, len(load));
// load non-nil.
TEXT ·weightsSoftmaxNAVX2(SB), NOSPLIT, $0-68
	MOVQ w+0(FP), R11
	MOVQ ids+8(FP), R12
	MOVQ x+16(FP), R13
	MOVQ stride+24(FP), DI
	SHLQ $2, DI
	MOVQ load+32(FP), R8
	MOVQ T+40(FP), R10
	MOVQ bad+56(FP), BX
	LOAD_CONSTS_AVX2
	MOVQ k+48(FP), CX
	TAILMASK_AVX2(CX, AX, Y4)
	MOVQ k+48(FP), CX
	XORQ R9, R9

wsloop:
	CMPQ R9, R10
	JAE  wsdone
	BTQ  R9, BX
	JC   wsnext
	MOVQ R12, SI
	MOVQ R13, DX
	GATHER8_LOAD_AVX(wsgathered)
	VBROADCASTSS X5, Y6
	VSUBPS Y6, Y5, Y0
	EXPNEG_AVX2
	VANDPS Y4, Y0, Y0
	NORM8_AVX2
	VBROADCASTSS scale+64(FP), Y6
	VMULPS Y6, Y0, Y0
	CMPQ CX, $8
	JNE  wsmasked
	VMOVUPS Y0, (R11)
	JMP  wsnext
wsmasked:
	VMASKMOVPS Y0, Y4, (R11)

wsnext:
	LEAQ (R11)(CX*4), R11
	LEAQ (R12)(CX*4), R12
	ADDQ DI, R13
	INCQ R9
	JMP  wsloop

wsdone:
	VZEROUPPER
	RET
