//go:build gc && !purego

// AVX-512 kernels of moegate's routing pipeline.
//
// Requires: AVX512F (zmm arithmetic, VSCALEFPS, VRNDSCALEPS, opmasks,
// VEXTRACTF64X4, VPTESTMD, KORW/KMOVW), AVX512DQ (VRANGEPS and VFPCLASSPS
// in the sigmoid), plus AVX and AVX2 for the VEX-encoded 128/256-bit
// reductions and the weights' gather. No FMA, no approximate reciprocals.
// Twins: as route_avx2_amd64.s (Sigmoid, ExpNeg, SoftmaxSum, the softmax
// steps of scores, badRow, the group scores of chooseGroups); each
// function names its twin and its own registers. weights8AVX512 is the
// K <= 8 weights kernel (weights8AVX2's twin, plus the load counts); the
// K <= 8 top-K and the groups <= 8 kernels are in topk8_avx512_amd64.s,
// the 9 <= K <= 32 top-K in topk32_avx512_amd64.s.
//
// Shared register map: Z16-Z31 constants (see LOAD_CONSTS_AVX512),
// Z0-Z3 exp temporaries, Z5 = x, Z6 scratch, K1 = tail mask,
// K4 = non-finite accumulator, K2/K3 scratch masks.
// Preconditions: pointers valid for n float32; tails use masked loads and
// stores, which never touch memory outside the mask.

#include "textflag.h"
#include "consts_amd64.h"

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

// func groupScoresAVX512(gsc, second, sel *float32, groups, gs int, gmax bool)
// Twin: the score loop of chooseGroups (see groupScoresAVX2): 16 lanes of
// per-lane top-2, folded to 8 lanes, then the shared 8-lane tree.
// Registers: DI = gsc, SI = group start, R8 = groups left, R9 = gs,
// R10 = cursor, CX = left in group, R11 = second (or 0), Z1/Z2 = per-lane largest/second,
// Z7 = -Inf, K1 = tail mask.
TEXT ·groupScoresAVX512(SB), NOSPLIT, $0-41
	MOVQ gsc+0(FP), DI
	MOVQ second+8(FP), R11
	MOVQ sel+16(FP), SI
	MOVQ groups+24(FP), R8
	MOVQ gs+32(FP), R9
	VBROADCASTSS consts<>+C_NEGINF(SB), Z7

gloop:
	VMOVAPS Z7, Z1
	VMOVAPS Z7, Z2
	MOVQ R9, CX
	MOVQ SI, R10

gvloop:
	CMPQ CX, $16
	JB   gvtail
	VMOVUPS (R10), Z0
	TOP2_COMBINE(Z1, Z2, Z0, Z7, Z6)
	ADDQ $64, R10
	SUBQ $16, CX
	JMP  gvloop

gvtail:
	TESTQ CX, CX
	JZ    gvred
	TAILK_AVX512(AX, K1)
	VMOVAPS Z7, Z0
	VMOVUPS (R10), K1, Z0
	TOP2_COMBINE(Z1, Z2, Z0, Z7, Z6)

gvred:
	VEXTRACTF64X4 $1, Z1, Y4
	VEXTRACTF64X4 $1, Z2, Y5
	TOP2_COMBINE(Y1, Y2, Y4, Y5, Y6)
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

// func weights8AVX512(w *float32, ids *int32, row *float32, load *int64, k, mode int, m, S, scale float32)
// Twin: weights (route_generic.go) for 1 <= k <= 8, then RouteGeneric's
// load[ids[j]]++ for j < k (load may be nil: no counts). As weights8AVX2:
//   u[j] = row[ids[j]]                          (mode&8: row holds the
//                                                sigmoid scores already)
//        | Sigmoid(row[ids[j]])                 (mode&1 == 0)
//        | ExpNeg(row[ids[j]] - m) (/ S if mode&2)   (mode&1 == 1)
//   mode&4 (Normalize): u[j] = u[j] / (((u[0]+u[1])+...+u[7]) + 1e-20),
//   left to right as Go's sum (Go starts from +0, and +0 + u[0] = u[0]
//   since u[0] >= +0; lanes k..7 are +0 and add nothing);
//   w[j] = u[j] * scale.
// Requires: AVX512F (masks, VSCALEFPS), AVX512DQ (the sigmoid), AVX, AVX2
// (VPINSRD, VINSERTI128, VEXTRACTF128 etc.).
// Registers: DI = w, SI = ids, DX = row, R8 = load, CX = k, BX = mode,
// K1 = first-k lanes, K3 sigmoid scratch, Z5 = logits (GATHER8_LOAD_AVX
// counts the load while it gathers; GATHER8_AVX when load is nil),
// Z0 = u, Z1-Z3 exp temporaries, Z16-Z31 constants, Z6/X2-X7 temps; the
// normalisation and the scale run on the low 8 lanes in ymm (VEX).
// Preconditions: ids[0:k] in [0, len(row)) and in [0, len(load)).
TEXT ·weights8AVX512(SB), NOSPLIT, $0-60
	MOVQ w+0(FP), DI
	MOVQ ids+8(FP), SI
	MOVQ row+16(FP), DX
	MOVQ load+24(FP), R8
	MOVQ k+32(FP), CX
	MOVQ mode+40(FP), BX
	MOVL $1, AX
	SHLL CX, AX
	DECL AX
	KMOVW AX, K1
	TESTQ R8, R8
	JZ    wnoload
	GATHER8_LOAD_AVX(wgatheredl)
	JMP   wgot
wnoload:
	GATHER8_AVX(wgathered)
wgot:
	TESTQ $8, BX
	JZ    wscores
	VMOVAPS Z5, Z0
	JMP   wnorm

wscores:
	LOAD_CONSTS_AVX512
	TESTQ $1, BX
	JZ    wsig
	VBROADCASTSS m+48(FP), Z6
	VSUBPS Z6, Z5, Z0
	EXPNEG_AVX512(Z0, Z1, Z2, Z3)
	TESTQ $2, BX
	JZ    wnorm
	VBROADCASTSS S+52(FP), Z6
	VDIVPS Z6, Z0, Z0
	JMP   wnorm

wsig:
	SIGMOID_AVX512(Z5, Z0, Z1, Z2, Z3, K3)

wnorm:
	VMOVAPS.Z Z0, K1, Z0
	TESTQ $4, BX
	JZ    wscale
	NORM8_AVX512

wscale:
	// 8 lanes: the VEX forms (a ymm division is cheaper than a zmm one).
	VBROADCASTSS scale+56(FP), Y6
	VMULPS Y6, Y0, Y0
	VMOVUPS Z0, K1, (DI)
	VZEROUPPER
	RET

// func weightsSoftmaxNAVX512(w *float32, ids *int32, x *float32, stride int, load *int64, T, k int, bad uint64, scale float32)
// Twin: weights (route_generic.go) for softmax with logit selection and
// Normalize (S cancels, m = row[ids[0]]), 1 <= k <= 8, then
// load[ids[j]]++, for the T <= 64 tokens of a block whose bit in bad is
// clear (token t's logits at x + t*stride, its ids and weights at t*k);
// exactly weights8AVX512's mode 1|4 per token. One call per block: the
// exponential's chain of one token overlaps the next token's (a call per
// token leaves each chain exposed behind the top-K of the next).
// Registers: R9 = t, R10 = T, R11 = w, R12 = ids, R13 = row, BX = bad,
// DI = stride*4; per token as weights8AVX512: SI = ids, DX = row, R8 =
// load, CX = k, DI = w, K1 = first-k lanes, Z5 = logits, Z0 = u, Z1-Z3
// exp temporaries, Z6/X2-X7 temporaries, Z16-Z31 constants.
// Preconditions: ids of good tokens in [0, stride) and in [0, len(load));
// load non-nil.
TEXT ·weightsSoftmaxNAVX512(SB), NOSPLIT, $0-68
	MOVQ w+0(FP), R11
	MOVQ ids+8(FP), R12
	MOVQ x+16(FP), R13
	MOVQ stride+24(FP), DI
	SHLQ $2, DI
	MOVQ load+32(FP), R8
	MOVQ T+40(FP), R10
	MOVQ k+48(FP), CX
	MOVQ bad+56(FP), BX
	MOVL $1, AX
	SHLL CX, AX
	DECL AX
	KMOVW AX, K1
	LOAD_CONSTS_AVX512
	VBROADCASTSS scale+64(FP), Y15
	XORQ R9, R9

wsloop:
	CMPQ R9, R10
	JAE  wsdone
	BTQ  R9, BX
	JC   wsnext
	MOVQ R12, SI
	MOVQ R13, DX
	GATHER8_LOAD_AVX(wsgathered)
	VBROADCASTSS X5, Z6
	VSUBPS Z6, Z5, Z0
	EXPNEG_AVX512(Z0, Z1, Z2, Z3)
	VMOVAPS.Z Z0, K1, Z0
	NORM8_AVX512
	VMULPS Y15, Y0, Y0
	VMOVUPS Z0, K1, (R11)

wsnext:
	LEAQ (R11)(CX*4), R11
	LEAQ (R12)(CX*4), R12
	ADDQ DI, R13
	INCQ R9
	JMP  wsloop

wsdone:
	VZEROUPPER
	RET
