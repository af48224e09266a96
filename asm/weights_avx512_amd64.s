//go:build gc && !purego

// AVX-512 weight kernels: weights8AVX512 (K <= 8) and weights32AVX512
// (9 <= K <= 32), one token each, with the load counts, and
// weightsSoftmaxNAVX512 (softmax with logit selection and normalisation, a
// block of tokens, with the load counts).
//
// Requires: AVX512F (VGATHERDPS, masks, VSCALEFPS, VRNDSCALEPS), AVX512DQ
// (VRANGEPS in the sigmoid), plus AVX and AVX2 for the 128/256-bit sums.
// No FMA, no approximate reciprocals.
// Twins: weights and finishWeights (route_generic.go), with ExpNeg and
// Sigmoid (math.go); each function below names its twin and registers.

#include "textflag.h"
#include "consts_amd64.h"
#include "exp_amd64.h"

// func weights8AVX512(w *float32, ids *int32, row *float32, load *int64, k, mode int, m, S, scale float32)
// Twin: weights (route_generic.go) for 1 <= k <= 8, then RouteGeneric's
// load[ids[j]]++ for j < k (load may be nil: no counts). As weights8AVX2:
//   u[j] = row[ids[j]]                          (mode&8: row holds the
//                                                sigmoid scores already)
//        | Sigmoid(row[ids[j]])                 (mode&1 == 0)
//        | ExpNeg(row[ids[j]] - m) (/ S if mode&2)   (mode&1 == 1)
//   mode&4 (Normalize): u[j] = u[j] / (((u[0]+u[1])+...+u[7]) + 1e-20)
//   (mode&16, NormSum: + 0; a sum of 0 gives NaN, which the caller mends),
//   left to right as Go's sum (Go starts from +0, and +0 + u[0] = u[0]
//   since u[0] >= +0; lanes k..7 are +0 and add nothing);
//   w[j] = u[j] * scale.
// Requires: AVX512F (masks, VSCALEFPS), AVX512DQ (the sigmoid), AVX, AVX2
// (VPINSRD, VINSERTI128, VEXTRACTF128 etc.).
// Registers: DI = w, SI = ids, DX = row, R8 = load, CX = k, BX = mode,
// X8 = the normalisation's epsilon (1e-20 or +0),
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
	VMOVSS consts<>+C_EPS(SB), X8 // mode&16 (NormSum): + 0 instead
	TESTQ $16, BX
	JZ    wnormeps
	VXORPS X8, X8, X8
wnormeps:
	NORM8_AVX512(X8)

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
	NORM8_AVX512(consts<>+C_EPS(SB))
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

// func weights32AVX512(w *float32, ids *int32, row *float32, load *int64, k, mode int, m, S, scale float32)
// Twin: weights (route_generic.go) for 9 <= k <= 32, then RouteGeneric's
// load[ids[j]]++ for j < k (load may be nil: no counts); the modes of
// weights8AVX512:
//   u[j] = row[ids[j]]                          (mode&8: row holds the
//                                                sigmoid scores already)
//        | Sigmoid(row[ids[j]])                 (mode&1 == 0)
//        | ExpNeg(row[ids[j]] - m) (/ S if mode&2)   (mode&1 == 1)
//   mode&4 (Normalize): u[j] = u[j] / ((((u[0]+u[1])+...)+u[k-1]) + 1e-20)
//   (mode&16: + 0, as weights8AVX512),
//   summed left to right as Go's loop (Go starts from +0, and +0 + u[0] =
//   u[0] since u[0] >= +0);
//   w[j] = u[j] * scale.
// Requires: AVX512F (VGATHERDPS, masks, VSCALEFPS, VRNDSCALEPS), AVX512DQ
// (VRANGEPS in the sigmoid).
// Registers: DI = w, SI = ids, DX = row, R8 = load, CX = k, BX = mode,
// K1/K2 = lanes 0..min(k,16)-1 / 0..k-17, Z4/Z7 = ids, Z5/Z8 = logits,
// Z0/Z9 = u (lanes 0-15 / 16-31), Z1-Z3, Z10-Z12 exponential temporaries,
// Z16-Z31 constants (LOAD_CONSTS_AVX512), X6 the sum.
// Frame: 0(SP) the 32 u for the left-to-right sum.
// Preconditions: ids[0:k] in [0, len(row)) and in [0, len(load)).

TEXT ·weights32AVX512(SB), NOSPLIT, $128-60
	MOVQ w+0(FP), DI
	MOVQ ids+8(FP), SI
	MOVQ row+16(FP), DX
	MOVQ load+24(FP), R8
	MOVQ k+32(FP), CX
	MOVQ mode+40(FP), BX
	MOVQ $1, AX
	SHLQ CX, AX
	DECQ AX
	KMOVW AX, K1
	SHRQ $16, AX
	KMOVW AX, K2
	VMOVDQU32.Z (SI), K1, Z4
	VMOVDQU32.Z 64(SI), K2, Z7
	VPXORD Z5, Z5, Z5
	VPXORD Z8, Z8, Z8
	KMOVW K1, K3
	KMOVW K2, K4
	VGATHERDPS (DX)(Z4*4), K3, Z5
	VGATHERDPS (DX)(Z7*4), K4, Z8
	// The load counts.
	TESTQ R8, R8
	JZ   wnoload
	XORQ R9, R9
wload:
	MOVLQSX (SI)(R9*4), AX
	INCQ (R8)(AX*8)
	INCQ R9
	CMPQ R9, CX
	JB   wload
wnoload:
	TESTQ $8, BX
	JZ   wscores
	VMOVAPS Z5, Z0
	VMOVAPS Z8, Z9
	JMP  wnorm

wscores:
	LOAD_CONSTS_AVX512
	TESTQ $1, BX
	JZ   wsig
	VBROADCASTSS m+48(FP), Z6
	VSUBPS Z6, Z5, Z0
	VSUBPS Z6, Z8, Z9
	EXPNEG_AVX512(Z0, Z1, Z2, Z3)
	EXPNEG_AVX512(Z9, Z10, Z11, Z12)
	TESTQ $2, BX
	JZ   wnorm
	VBROADCASTSS S+52(FP), Z6
	VDIVPS Z6, Z0, Z0
	VDIVPS Z6, Z9, Z9
	JMP  wnorm

wsig:
	SIGMOID2_AVX512(Z5, Z0, Z1, Z2, Z3, K5, Z8, Z9, Z10, Z11, Z12, K6)

wnorm:
	TESTQ $4, BX
	JZ   wscale
	VMOVUPS Z0, 0(SP)
	VMOVUPS Z9, 64(SP)
	VMOVSS 0(SP), X6
	MOVQ $1, R9
wsum:
	VADDSS (SP)(R9*4), X6, X6
	INCQ R9
	CMPQ R9, CX
	JB   wsum
	TESTQ $16, BX                // NormSum: the sum itself
	JNZ  wsumdone
	VADDSS consts<>+C_EPS(SB), X6, X6
wsumdone:
	VBROADCASTSS X6, Z6
	VDIVPS Z6, Z0, Z0
	VDIVPS Z6, Z9, Z9

wscale:
	VBROADCASTSS scale+56(FP), Z6
	VMULPS Z6, Z0, Z0
	VMULPS Z6, Z9, Z9
	VMOVUPS Z0, K1, (DI)
	VMOVUPS Z9, K2, 64(DI)
	VZEROUPPER
	RET
