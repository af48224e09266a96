//go:build gc && !purego

// AVX2 group score kernel (groupScoresAVX2, any number of groups); the
// kernel for groups <= 8 (groupsAVX2) shares topk8AVX2's networks and is
// in topk8_avx2_amd64.s.
//
// Requires: AVX, AVX2.
// Twin: the score loop of chooseGroups (route_generic.go); the function
// below states its registers.
// Preconditions: pointers valid for the stated lengths (tails use
// VMASKMOVPS, which never touches memory outside the mask).

#include "textflag.h"
#include "consts_amd64.h"

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
