//go:build gc && !purego

// AVX2 weight kernels: weights8AVX2 (K <= 8, one token) and
// weightsSoftmaxNAVX2 (softmax with logit selection and normalisation, a
// block of tokens, with the load counts).
//
// Requires: AVX, AVX2 (no FMA: every product is rounded before its sum, as
// in the Go twins).
// Twins: weights and finishWeights (route_generic.go), with ExpNeg and
// Sigmoid (math.go); each function below names its twin and registers.

#include "textflag.h"
#include "consts_amd64.h"
#include "exp_amd64.h"

// func weights8AVX2(w *float32, ids *int32, row *float32, load *int64, k, mode int, m, S, scale float32)
// Twin: weights (route_generic.go) for 1 <= k <= 8, one vector, then
// RouteGeneric's load[ids[j]]++ for j < k (load may be nil: no counts):
//   u[j] = row[ids[j]]                          (mode&8: row holds the
//                                                sigmoid scores already)
//        | Sigmoid(row[ids[j]])                 (mode&1 == 0)
//        | ExpNeg(row[ids[j]] - m) (/ S if mode&2)   (mode&1 == 1)
//   mode&4 (Normalize): u[j] = u[j] / ((((0+u[0])+u[1])+...+u[k-1]) + 1e-20)
//   (mode&16, NormSum: + 0; a sum of 0 gives NaN, which the caller mends),
//   the sum left to right as in Go (padding lanes are +0 and add nothing);
//   w[j] = u[j] * scale.
// Requires: AVX, AVX2. Used by the AVX2 implementation.
// Registers: DI = w, SI = ids, DX = row, R8 = load, CX = k, BX = mode,
// X3 = the normalisation's epsilon (1e-20 or +0),
// Y4 = first-k mask, Y5 = gathered logits (GATHER8_LOAD_AVX counts the
// load while it gathers; GATHER8_AVX when load is nil), Y0 = u, Y8-Y15 exp
// constants, Y6/Y7 temps.
// Preconditions: ids[0:k] in [0, len(row)) and in [0, len(load)).
TEXT ·weights8AVX2(SB), NOSPLIT, $0-60
	MOVQ w+0(FP), DI
	MOVQ ids+8(FP), SI
	MOVQ row+16(FP), DX
	MOVQ load+24(FP), R8
	MOVQ k+32(FP), CX
	MOVQ mode+40(FP), BX
	LOAD_CONSTS_AVX2
	TESTQ R8, R8
	JZ    wnoload
	GATHER8_LOAD_AVX(wgatheredl)
	JMP   wgot
wnoload:
	GATHER8_AVX(wgathered)
wgot:
	TAILMASK_AVX2(CX, AX, Y4)
	TESTQ $8, BX
	JZ    wscores
	VMOVAPS Y5, Y0
	JMP   wnorm

wscores:
	TESTQ $1, BX
	JZ    wsig
	VBROADCASTSS m+48(FP), Y6
	VSUBPS Y6, Y5, Y0
	EXPNEG_AVX2
	TESTQ $2, BX
	JZ    wnorm
	VBROADCASTSS S+52(FP), Y6
	VDIVPS Y6, Y0, Y0
	JMP   wnorm

wsig:
	SIGMOID_AVX2

wnorm:
	VANDPS Y4, Y0, Y0
	TESTQ $4, BX
	JZ    wscale
	VMOVSS consts<>+C_EPS(SB), X3 // mode&16 (NormSum): + 0 instead
	TESTQ $16, BX
	JZ    wnormeps
	VXORPS X3, X3, X3
wnormeps:
	NORM8_AVX2(X3)

wscale:
	VBROADCASTSS scale+56(FP), Y6
	VMULPS Y6, Y0, Y0
	CMPQ k+32(FP), $8
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
	NORM8_AVX2(consts<>+C_EPS(SB))
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
