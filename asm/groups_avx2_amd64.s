//go:build gc && !purego

// AVX2 group kernels: groupScoresAVX2 (any number of groups) and
// groupsAVX2 (groups <= 8: scores, choice and the top-K floor in one call,
// with topk8AVX2's key networks, keys_avx2_amd64.h).
//
// Requires: AVX, AVX2.
// Twin: chooseGroups (route_generic.go); each function below states its
// twin and registers.
// Preconditions: pointers valid for the stated lengths (tails use
// VMASKMOVPS, which never touches memory outside the mask).

#include "textflag.h"
#include "consts_amd64.h"

#include "tables_keys_avx2_amd64.h"
#include "tables_groups_avx2_amd64.h"
#include "keys_avx2_amd64.h"

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

// func groupsAVX2(gtop *uint64, gsc, second, sel *float32, groups, gs, topGroups, mode int) (floor float32)
// Twin: chooseGroups for groups <= 8, as groupsAVX512 (same contract and
// mode bits) with 8-lane registers:
//  1. per group, the lane-wise top two of its values (tail lanes -Inf),
//     two groups at a time into Y1/Y2 and Y4/Y5;
//  2. each pair folded at once to 4 lanes a group, two groups a register
//     (VPERM2F128), pairs of pairs to 2 lanes (VSHUFPS 0x44/0xEE), then to
//     1 (VSHUFPS 0x88/0xDD), TOP2_COMBINE at every level (the top two of
//     a multiset do not depend on the order of combination); lanes then
//     hold groups 0,2,4,6,1,3,5,7, put in order by VPERMPS; score =
//     largest + second (mode bit 0 clear) or largest, stored to gsc and
//     second;
//  3. the group keys as topk8AVX2's working keys (SKH high dwords, ^g low
//     dwords; absent groups EMPTY) sorted by SORT8 and merged into an
//     empty top by MERGE8 (descending), converted to Key (TOKEY, bit 63),
//     all 8 stored to gtop (which must have room for 8), the first
//     topGroups being the kept groups;
//  4. the floor (mode bit 1): the minimum over the kept groups of second
//     (or of the score with GroupMax); otherwise -Inf.
// Registers: SI = group start, R8 = groups left, R9 = gs, R10 = cursor, CX = left in group, Y7 = -Inf,
// Y0/Y3/Y6 loads, tail mask and temporary of step 1; Y8/Y9, Y10/Y11,
// Y12/Y13 folded pairs; Y0/Y3/Y6/Y14/Y15 fold temporaries; then Y8/Y9 =
// top, Y10/Y11 = keys, Y3-Y6/Y13 network temporaries, Y12 = the groups
// mask, Y14/Y15 scores / second bests by lane g.

// GROUPA2(a1, a2, loop, tail, done, skip): step 1 for the next group.
#define GROUPA2(a1, a2, loop, tail, done, skip) \
	VMOVDQU Y7, a1; \
	VMOVDQU Y7, a2; \
	TESTQ R8, R8; \
	JLE  skip; \
	MOVQ R9, CX; \
	MOVQ SI, R10; \
loop: \
	CMPQ CX, $8; \
	JB   tail; \
	VMOVUPS (R10), Y0; \
	TOP2_COMBINE(a1, a2, Y0, Y7, Y6); \
	ADDQ $32, R10; \
	SUBQ $8, CX; \
	JMP  loop; \
tail: \
	TESTQ CX, CX; \
	JZ   done; \
	TAILMASK_AVX2(CX, AX, Y3); \
	VMASKMOVPS (R10), Y3, Y0; \
	VBLENDVPS Y3, Y0, Y7, Y0; \
	TOP2_COMBINE(a1, a2, Y0, Y7, Y6); \
done: \
	LEAQ (SI)(R9*4), SI; \
	DECQ R8; \
skip:

// FOLD2(shuf, imm1, imm2, a1g, a2g, a1h, a2h, d1, d2): one level of step
// 2: the lanes of g and h split by shuffles into two halves merged by
// TOP2_COMBINE into (d1, d2).
#define FOLD2(shuf, imm1, imm2, a1g, a2g, a1h, a2h, d1, d2) \
	shuf $imm1, a1h, a1g, Y0; \
	shuf $imm2, a1h, a1g, Y3; \
	shuf $imm1, a2h, a2g, Y14; \
	shuf $imm2, a2h, a2g, Y15; \
	TOP2_COMBINE(Y0, Y14, Y3, Y15, Y6); \
	VMOVDQU Y0, d1; \
	VMOVDQU Y14, d2


TEXT ·groupsAVX2(SB), NOSPLIT, $0-68
	MOVQ sel+24(FP), SI
	MOVQ groups+32(FP), R8
	MOVQ gs+40(FP), R9
	VMOVDQU consts<>+C_NEGINF(SB), Y7
	GROUPA2(Y1, Y2, g0l, g0t, g0d, g0s)
	GROUPA2(Y4, Y5, g1l, g1t, g1d, g1s)
	FOLD2(VPERM2F128, 0x20, 0x31, Y1, Y2, Y4, Y5, Y8, Y9)
	GROUPA2(Y1, Y2, g2l, g2t, g2d, g2s)
	GROUPA2(Y4, Y5, g3l, g3t, g3d, g3s)
	FOLD2(VPERM2F128, 0x20, 0x31, Y1, Y2, Y4, Y5, Y10, Y11)
	FOLD2(VSHUFPS, 0x44, 0xEE, Y8, Y9, Y10, Y11, Y8, Y9)
	GROUPA2(Y1, Y2, g4l, g4t, g4d, g4s)
	GROUPA2(Y4, Y5, g5l, g5t, g5d, g5s)
	FOLD2(VPERM2F128, 0x20, 0x31, Y1, Y2, Y4, Y5, Y10, Y11)
	GROUPA2(Y1, Y2, g6l, g6t, g6d, g6s)
	GROUPA2(Y4, Y5, g7l, g7t, g7d, g7s)
	FOLD2(VPERM2F128, 0x20, 0x31, Y1, Y2, Y4, Y5, Y12, Y13)
	FOLD2(VSHUFPS, 0x44, 0xEE, Y10, Y11, Y12, Y13, Y10, Y11)
	FOLD2(VSHUFPS, 0x88, 0xDD, Y8, Y9, Y10, Y11, Y8, Y9)
	VMOVDQU groups2c<>(SB), Y0
	VPERMPS Y8, Y0, Y14
	VPERMPS Y9, Y0, Y15
	TESTQ $1, mode+56(FP)
	JNZ  g2max
	VADDPS Y15, Y14, Y14

g2max:
	// Y12 = the first `groups` lanes; scores and second bests stored.
	MOVQ groups+32(FP), AX
	SHLQ $2, AX
	LEAQ consts<>+(C_MASK+32)(SB), DX
	SUBQ AX, DX
	VMOVDQU (DX), Y12
	MOVQ gsc+8(FP), DI
	VMASKMOVPS Y14, Y12, (DI)
	MOVQ second+16(FP), DI
	VMASKMOVPS Y15, Y12, (DI)

	// Working keys: high dword SKH(score) (EMPTY's for absent groups),
	// low dword ^g (0 for absent groups).
	VMOVDQU topk8v<>+ABS(SB), Y0
	VPAND Y0, Y14, Y4
	VPSIGND Y14, Y4, Y3
	VPSHUFD $0xF5, topk8v<>+EMPTY(SB), Y4
	VBLENDVPS Y12, Y3, Y4, Y3
	VMOVDQU topk8v<>+0(SB), Y4
	VPXOR topk8v<>+ONES(SB), Y4, Y4
	VPAND Y12, Y4, Y4
	VPUNPCKLDQ Y3, Y4, Y10
	VPUNPCKHDQ Y3, Y4, Y11
	SORT8
	VMOVDQU topk8v<>+EMPTY(SB), Y8
	VMOVDQU Y8, Y9
	MERGE8

	// Keys of the kept groups to gtop.
	VMOVDQU Y8, Y10
	VMOVDQU Y9, Y11
	VPXOR Y0, Y0, Y0
	TOKEY(Y10, Y3, Y0)
	TOKEY(Y11, Y3, Y0)
	VPXOR topk8v<>+MINKEY(SB), Y10, Y10
	VPXOR topk8v<>+MINKEY(SB), Y11, Y11
	// All 8 keys, plain stores (gtop has room for 8): the top-K kernel's
	// loads of single keys are then store-forwarded.
	MOVQ gtop+0(FP), DI
	VMOVDQU Y10, (DI)
	VMOVDQU Y11, 32(DI)

	// Floor.
	VMOVSS consts<>+C_NEGINF(SB), X6
	TESTQ $2, mode+56(FP)
	JZ   g2ret
	VMOVDQU Y15, Y5
	TESTQ $1, mode+56(FP)
	JZ   g2sec
	VMOVDQU Y14, Y5
g2sec:
	VSHUFPS $0x88, Y9, Y8, Y4
	VPERMQ $0xD8, Y4, Y4
	VPXOR topk8v<>+ONES(SB), Y4, Y4
	VPERMPS Y5, Y4, Y5
	MOVQ topGroups+48(FP), AX
	SHLQ $2, AX
	LEAQ consts<>+(C_MASK+32)(SB), DX
	SUBQ AX, DX
	VMOVDQU (DX), Y3
	VMOVDQU consts<>+C_EXPM(SB), Y6
	VBLENDVPS Y3, Y5, Y6, Y6
	HMIN8_Y6

g2ret:
	VMOVSS X6, floor+64(FP)
	VZEROUPPER
	RET
