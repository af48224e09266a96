//go:build gc && !purego

// Weights and load counts of one token for arm64 NEON (Advanced SIMD).
//
// Requires: ASIMD (cpu.ARM64.HasASIMD).
// Twin: weights in route_generic.go, with the load loop of RouteGeneric.
// Registers never touched: R18, R26-R29.

#include "textflag.h"
#include "neon_arm64.h"
#include "exp_arm64.h"

// Mode bits of weightsNEON (tested with TBZ/TBNZ on R6), those of
// weights8AVX2:
// bit 0: softmax, u = ExpNeg(x - m); else u = Sigmoid(x)
// bit 1: u = u / S
// bit 2: u = u / ((u[0]+...+u[k-1]) + 1e-20), summed left to right
// bit 3: u = row[id]: row holds the scores already (no bit 0 or 1)
// bit 4: with bit 2, the divisor is the sum itself (NormSum; a sum of 0
//        gives NaN, which the caller mends)

// func weightsNEON(w *float32, ids *int32, row *float32, load *int64, k, mode int, m, S, scale float32)
//
// For j < k: load[ids[j]]++; w[j] = the weight of expert ids[j] as weights
// computes it from row: row[id] (mode bit 3), Sigmoid(row[id]), or
// ExpNeg(row[id]-m) (then / S with mode bit 1), then the normalisation with
// mode bit 2, then * scale. The contract of weights8AVX512, for every k.
// Preconditions: k >= 1; ids[0:k] are valid indices into row and load
// (load is not nil); w holds k entries and overlaps nothing else; with
// softmax, m is finite and >= row[id] for every chosen id.
//
// Registers: R0 ids, R1 w, R3 k, R4 row, R5 load, R6 mode (bits above),
// R7-R13 scratch; V12 = m, V13 = S, V14 = scale, V15 = the normalising
// divisor; V0-V7 and V31 one lane set; V16-V30 constants of exp_arm64.h.
// Frame: 16 bytes, the tail block of w.
TEXT ·weightsNEON(SB), NOSPLIT, $16-60
	EXP_CONSTS               // first: it clobbers R4
	MOVD w+0(FP), R1
	MOVD ids+8(FP), R0
	MOVD row+16(FP), R4
	MOVD load+24(FP), R5
	MOVD k+32(FP), R3
	MOVD mode+40(FP), R6
	FMOVS m+48(FP), F12
	VDUP V12.S[0], V12.S4
	FMOVS S+52(FP), F13
	VDUP V13.S[0], V13.S4
	FMOVS scale+56(FP), F14
	VDUP V14.S[0], V14.S4

	// Gather: loads, and the chosen logits (or scores) into w.
	MOVD R3, R7
	MOVD R0, R8
	MOVD R1, R9

w_gather:
	MOVWU.P 4(R8), R10
	MOVD (R5)(R10<<3), R11
	ADD  $1, R11
	MOVD R11, (R5)(R10<<3)
	ADD  R10<<2, R4, R11
	FMOVS (R11), F0
	FMOVS.P F0, 4(R9)
	SUBS $1, R7
	BNE  w_gather
	TBNZ $3, R6, w_norm

	// Scores in place, 4 at a time; the tail through the frame.
	MOVD R1, R9
	MOVD R3, R7

w_score:
	CBZ  R7, w_norm
	CMP  $4, R7
	BGE  w_score_full
	// 1..3 left: copy to the zero-padded frame, score it there.
	MOVD $tail-16(SP), R10
	VEOR V0.B16, V0.B16, V0.B16
	VST1 [V0.S4], (R10)
	MOVD R7, R11
	MOVD R9, R12

w_tail_in:
	MOVWU.P 4(R12), R13
	MOVW.P R13, 4(R10)
	SUBS $1, R11
	BNE  w_tail_in
	MOVD $tail-16(SP), R10
	VLD1 (R10), [V0.S4]
	B    w_score_block

w_score_full:
	VLD1 (R9), [V0.S4]

w_score_block:
	TBNZ $0, R6, w_softmax
	SIGMOID(0, 1, 2, 3, 4, 5, 6, 7, V0, V1, V2, V3, V4, V5, V6, V31)
	B    w_scored

w_softmax:
	VFSUB4S(12, 0, 0)
	EXPNEG(0, 7, 2, 3, 4, 5, V2, V5)
	TBZ  $1, R6, w_scored
	VFDIV4S(13, 7, 7)

w_scored:
	CMP  $4, R7
	BLT  w_tail_out
	VST1.P [V7.S4], 16(R9)
	SUB  $4, R7
	B    w_score

w_tail_out:
	MOVD $tail-16(SP), R10
	VST1 [V7.S4], (R10)

w_tail_copy:
	MOVWU.P 4(R10), R13
	MOVW.P R13, 4(R9)
	SUBS $1, R7
	BNE  w_tail_copy

w_norm:
	// Normalise: d = (((0 + u0) + u1) + ...) + 1e-20, left to right.
	TBZ  $2, R6, w_scale
	FMOVS ZR, F15
	MOVD R1, R9
	MOVD R3, R7

w_sum:
	FMOVS.P 4(R9), F0
	FADDS F0, F15, F15
	SUBS $1, R7
	BNE  w_sum
	TBNZ $4, R6, w_sumonly
	MOVW $0x1E3CE508, R10    // float32(1e-20)
	FMOVS R10, F0
	FADDS F0, F15, F15

w_sumonly:
	VDUP V15.S[0], V15.S4

w_scale:
	// w = (normalised) w * scale: 4 at a time, scalar tail (same roundings).
	MOVD R1, R9
	MOVD R3, R7

w_scale4:
	CMP  $4, R7
	BLT  w_scale1
	VLD1 (R9), [V0.S4]
	TBZ  $2, R6, w_mul4
	VFDIV4S(15, 0, 0)

w_mul4:
	VFMUL4S(14, 0, 0)
	VST1.P [V0.S4], 16(R9)
	SUB  $4, R7
	B    w_scale4

w_scale1:
	CBZ  R7, w_done
	FMOVS (R9), F0
	TBZ  $2, R6, w_mul1
	FDIVS F15, F0, F0

w_mul1:
	FMULS F14, F0, F0
	FMOVS.P F0, 4(R9)
	SUB  $1, R7
	B    w_scale1

w_done:
	RET
