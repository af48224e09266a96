//go:build gc && !purego

// Group scores for arm64 NEON (Advanced SIMD).
//
// Requires: ASIMD (cpu.ARM64.HasASIMD).
// Twin: the group-score loop of chooseGroups in route_generic.go.
// Registers never touched: R18, R26-R29.

#include "textflag.h"
#include "neon_arm64.h"

// func groupScoresNEON(gsc, second, sel *float32, groups, gs int, gmax bool)
//
// For g < groups, with grp = sel[g*gs : g*gs+gs]:
// gsc[g] = max(grp) when gmax, else the sum of the two largest entries of
// grp counted with multiplicity (a1 + a2 of the twin's scan), and then,
// when second != nil, second[g] = the second largest (the twin's second;
// not written with gmax).
// The contract of groupScoresAVX2.
// The values equal the twin's; where the twin's result is a zero, its sign
// may differ, which no Key (and so no group choice) can see.
// Preconditions: groups >= 1; gs >= 1, and gs >= 2 unless gmax; no NaN in
// sel; sel holds groups*gs floats, gsc holds groups.
//
// Registers: R0 gsc, R8 second (0: none), R1 sel, R2 groups left, R4 gs/4, R5 gs%4, R6 counter,
// R7 gmax; V31 = -Inf in each lane; V1, V2 lane-wise largest and second
// largest (V1 alone for gmax), V0, V3-V6 scratch; F10, F11 (lane 0 of V10,
// V11) the scalar largest and second largest.
TEXT ·groupScoresNEON(SB), NOSPLIT, $0-41
	MOVD gsc+0(FP), R0
	MOVD second+8(FP), R8
	MOVD sel+16(FP), R1
	MOVD groups+24(FP), R2
	MOVD gs+32(FP), R3
	MOVBU gmax+40(FP), R7
	LSR  $2, R3, R4
	AND  $3, R3, R5
	MOVW $0xFF800000, R9
	VDUP R9, V31.S4

grp_loop:
	CBZ  R2, grp_done
	VMOV V31.B16, V1.B16
	VMOV V31.B16, V2.B16
	MOVD R4, R6
	CBNZ R7, gmax_vec

t2_vec:
	CBZ  R6, t2_merge
	VLD1.P 16(R1), [V0.S4]
	VFMIN4S(0, 1, 3)         // the loser against the lane's largest
	VFMAX4S(0, 1, 1)
	VFMAX4S(3, 2, 2)
	SUB  $1, R6
	B    t2_vec

t2_merge:
	// Merge lane pairs (l, l+2), then (0, 1): largest = max of the
	// largests; second = max(min of the largests, max of the seconds).
	VEXT $8, V1.B16, V1.B16, V3.B16
	VEXT $8, V2.B16, V2.B16, V4.B16
	VFMIN4S(3, 1, 5)
	VFMAX4S(3, 1, 1)
	VFMAX4S(4, 2, 2)
	VFMAX4S(5, 2, 2)
	VEXT $4, V1.B16, V1.B16, V3.B16
	VEXT $4, V2.B16, V2.B16, V4.B16
	VFMIN4S(3, 1, 5)
	VFMAX4S(3, 1, 1)
	VFMAX4S(4, 2, 2)
	VFMAX4S(5, 2, 2)
	FMOVS F1, F10
	FMOVS F2, F11
	MOVD R5, R6

t2_tail:
	CBZ  R6, t2_sum
	FMOVS.P 4(R1), F0
	FMINS F0, F10, F3
	FMAXS F0, F10, F10
	FMAXS F3, F11, F11
	SUB  $1, R6
	B    t2_tail

t2_sum:
	CBZ  R8, t2_add
	FMOVS.P F11, 4(R8)

t2_add:
	FADDS F11, F10, F10
	FMOVS.P F10, 4(R0)
	SUB  $1, R2
	B    grp_loop

gmax_vec:
	CBZ  R6, gmax_merge
	VLD1.P 16(R1), [V0.S4]
	VFMAX4S(0, 1, 1)
	SUB  $1, R6
	B    gmax_vec

gmax_merge:
	VFMAXV4S(1, 10)
	MOVD R5, R6

gmax_tail:
	CBZ  R6, gmax_store
	FMOVS.P 4(R1), F0
	FMAXS F0, F10, F10
	SUB  $1, R6
	B    gmax_tail

gmax_store:
	FMOVS.P F10, 4(R0)
	SUB  $1, R2
	B    grp_loop

grp_done:
	RET
