//go:build gc && !purego

// func weights32AVX512(w *float32, ids *int32, row *float32, load *int64, k, mode int, m, S, scale float32)
// Twin: weights (route_generic.go) for 9 <= k <= 32, then RouteGeneric's
// load[ids[j]]++ for j < k (load may be nil: no counts); the modes of
// weights8AVX512:
//   u[j] = row[ids[j]]                          (mode&8: row holds the
//                                                sigmoid scores already)
//        | Sigmoid(row[ids[j]])                 (mode&1 == 0)
//        | ExpNeg(row[ids[j]] - m) (/ S if mode&2)   (mode&1 == 1)
//   mode&4 (Normalize): u[j] = u[j] / ((((u[0]+u[1])+...)+u[k-1]) + 1e-20),
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

#include "textflag.h"
#include "consts_amd64.h"

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
	VADDSS consts<>+C_EPS(SB), X6, X6
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
