//go:build gc && !purego

// AVX-512 group score kernel (groupScoresAVX512, any number of groups);
// the kernel for groups <= 8 (groupsAVX512) is in topk8_avx512_amd64.s.
//
// Requires: AVX512F (opmasks, VEXTRACTF64X4), plus AVX and AVX2 for the
// 256-bit tree.
// Twin: the score loop of chooseGroups (route_generic.go); the function
// below states its registers.
// Preconditions: pointers valid for the stated lengths; tails use masked
// loads, which never touch memory outside the mask.

#include "textflag.h"
#include "consts_amd64.h"

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
