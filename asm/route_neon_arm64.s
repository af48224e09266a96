//go:build gc && !purego

// The per-token loop of a chunk for arm64 NEON: one assembly call routes
// every token of a bounded chunk by calling the kernels of
// scores_neon_arm64.s, groups_neon_arm64.s, topk_neon_arm64.s and
// weights_neon_arm64.s directly (ABI0 to ABI0: no Go frames, no ABI
// wrappers between the stages of a token).
//
// Requires: ASIMD (cpu.ARM64.HasASIMD).
// Twin: RouteGeneric (route_generic.go); routeNEON in impl_arm64.go is the
// same loop in Go and serves K or TopGroups above 32.
// Registers never touched: R18, R26-R29. Every value that lives across a
// call is kept in the frame (callees may clobber any other register).

#include "textflag.h"
#include "funcdata.h"
#include "go_asm.h"

// Offsets in chunkNEON (impl_arm64.go): chunkNEON_<field> from go_asm.h,
// which the Go toolchain writes for this package.

// chunkNEON.mode bits.
#define MODE_SOFTMAX 0
#define MODE_LOGITSEL 1
#define MODE_GMAX 2
#define MODE_NORM 3

// Frame: outgoing arguments at 8(RSP)..80(RSP); locals from 88(RSP).
#define L_T 88     // token index
#define L_BAD 96   // first bad token, or -1
#define L_ROW 104  // this token's logits
#define L_OID 112  // this token's ids
#define L_OW 120   // this token's weights
#define L_C 128    // *chunkNEON
#define L_M 136    // float32: softmax maximum
#define L_S 140    // float32: softmax sum
#define L_N 144    // keys held in top
#define L_GI 152   // kept-group loop index
#define L_TSEL 160 // selection values: sel, or the row itself

// func routeChunkNEON(c *chunkNEON) (firstBad int)
//
// Routes c.T tokens as RouteGeneric does: ids, weights and loads of every
// good token, the safe row for a bad one; returns the first bad token or -1.
// Preconditions: those of RouteGeneric for the plan c describes, with
// 1 <= K <= 32 and TopGroups <= 32; c.sel holds E floats, c.top K keys,
// c.gsc Groups floats, c.gtop TopGroups keys; c.load holds E counts.
// Registers: R19 c, R20 t, R21 mode (reloaded after each call); R0-R4
// argument staging.
TEXT ·routeChunkNEON(SB), NOSPLIT, $192-16
	NO_LOCAL_POINTERS
	MOVD c+0(FP), R19
	MOVD R19, L_C(RSP)
	MOVD ZR, L_T(RSP)
	MOVD $-1, R0
	MOVD R0, L_BAD(RSP)
	MOVW ZR, L_M(RSP)        // unused by sigmoid weights, but defined
	MOVW ZR, L_S(RSP)

tok_loop:
	MOVD L_C(RSP), R19
	MOVD L_T(RSP), R20
	MOVD chunkNEON_T(R19), R0
	CMP  R0, R20
	BGE  chunk_done
	MOVD chunkNEON_stride(R19), R0
	MUL  R20, R0, R0
	MOVD chunkNEON_x(R19), R1
	ADD  R0<<2, R1, R1
	MOVD R1, L_ROW(RSP)
	MOVD chunkNEON_K(R19), R0
	MUL  R20, R0, R0
	MOVD chunkNEON_ids(R19), R1
	ADD  R0<<2, R1, R1
	MOVD R1, L_OID(RSP)
	MOVD chunkNEON_w(R19), R1
	ADD  R0<<2, R1, R1
	MOVD R1, L_OW(RSP)
	MOVD chunkNEON_mode(R19), R21
	TBNZ $MODE_LOGITSEL, R21, sc_logit
	TBNZ $MODE_SOFTMAX, R21, sc_softmax

	// Sigmoid: bad = sigmoidNEON(sel, row, bias, E).
	MOVD chunkNEON_sel(R19), R0
	MOVD R0, 8(RSP)
	MOVD R0, L_TSEL(RSP)
	MOVD L_ROW(RSP), R0
	MOVD R0, 16(RSP)
	MOVD chunkNEON_bias(R19), R0
	MOVD R0, 24(RSP)
	MOVD chunkNEON_E(R19), R0
	MOVD R0, 32(RSP)
	CALL ·sigmoidNEON(SB)
	MOVBU 40(RSP), R0
	CBNZ R0, tok_bad
	B    select

sc_logit:
	// Selection on the logits: only the non-finite check.
	MOVD L_ROW(RSP), R0
	MOVD R0, 8(RSP)
	MOVD R0, L_TSEL(RSP)
	MOVD chunkNEON_E(R19), R0
	MOVD R0, 16(RSP)
	CALL ·maxBadNEON(SB)
	MOVBU 28(RSP), R0
	CBNZ R0, tok_bad
	B    select

sc_softmax:
	// m, bad = maxBadNEON(row, E)
	MOVD L_ROW(RSP), R0
	MOVD R0, 8(RSP)
	MOVD chunkNEON_E(R19), R0
	MOVD R0, 16(RSP)
	CALL ·maxBadNEON(SB)
	MOVBU 28(RSP), R0
	CBNZ R0, tok_bad
	FMOVS 24(RSP), F0
	FMOVS F0, L_M(RSP)

	// S = expSumNEON(sel, row, E, m)
	MOVD L_C(RSP), R19
	MOVD chunkNEON_sel(R19), R0
	MOVD R0, 8(RSP)
	MOVD R0, L_TSEL(RSP)
	MOVD L_ROW(RSP), R0
	MOVD R0, 16(RSP)
	MOVD chunkNEON_E(R19), R0
	MOVD R0, 24(RSP)
	FMOVS L_M(RSP), F0
	FMOVS F0, 32(RSP)
	CALL ·expSumNEON(SB)
	FMOVS 40(RSP), F0
	FMOVS F0, L_S(RSP)

	// divBiasNEON(sel, bias, E, S)
	MOVD L_C(RSP), R19
	MOVD chunkNEON_sel(R19), R0
	MOVD R0, 8(RSP)
	MOVD chunkNEON_bias(R19), R0
	MOVD R0, 16(RSP)
	MOVD chunkNEON_E(R19), R0
	MOVD R0, 24(RSP)
	FMOVS L_S(RSP), F0
	FMOVS F0, 32(RSP)
	CALL ·divBiasNEON(SB)
	B    select

tok_bad:
	// The safe row: ids 0..K-1, weights 0; remember the first bad token.
	MOVD L_C(RSP), R19
	MOVD chunkNEON_K(R19), R2
	MOVD L_OID(RSP), R0
	MOVD L_OW(RSP), R1
	MOVD ZR, R3

bad_fill:
	MOVW.P R3, 4(R0)
	MOVW.P ZR, 4(R1)
	ADD  $1, R3
	CMP  R2, R3
	BLT  bad_fill
	MOVD L_BAD(RSP), R0
	TBZ  $63, R0, next_tok
	MOVD L_T(RSP), R0
	MOVD R0, L_BAD(RSP)
	B    next_tok

select:
	MOVD L_C(RSP), R19
	MOVD chunkNEON_G(R19), R0
	CMP  $1, R0
	BLE  sel_flat

	// groupScoresNEON(gsc, tsel, G, gs, gmax)
	MOVD chunkNEON_gsc(R19), R1
	MOVD R1, 8(RSP)
	MOVD L_TSEL(RSP), R1
	MOVD R1, 16(RSP)
	MOVD R0, 24(RSP)
	MOVD chunkNEON_gs(R19), R1
	MOVD R1, 32(RSP)
	MOVD chunkNEON_mode(R19), R1
	UBFX $MODE_GMAX, R1, $1, R1
	MOVB R1, 40(RSP)
	CALL ·groupScoresNEON(SB)

	// topKNEON(gtop, TG, 0, gsc, G, 0): the kept groups.
	MOVD L_C(RSP), R19
	MOVD chunkNEON_gtop(R19), R0
	MOVD R0, 8(RSP)
	MOVD chunkNEON_TG(R19), R0
	MOVD R0, 16(RSP)
	MOVD ZR, 24(RSP)
	MOVD chunkNEON_gsc(R19), R0
	MOVD R0, 32(RSP)
	MOVD chunkNEON_G(R19), R0
	MOVD R0, 40(RSP)
	MOVD ZR, 48(RSP)
	CALL ·topKNEON(SB)
	MOVD ZR, L_N(RSP)
	MOVD ZR, L_GI(RSP)

grp_loop:
	// n = topKNEON(top, K, n, tsel+g*gs, gs, g*gs) for each kept group g,
	// in the order of the kept groups' keys (as RouteGeneric).
	MOVD L_C(RSP), R19
	MOVD L_GI(RSP), R0
	MOVD chunkNEON_TG(R19), R1
	CMP  R1, R0
	BGE  weights
	MOVD chunkNEON_gtop(R19), R1
	MOVD (R1)(R0<<3), R2
	MVNW R2, R2              // g = KeyIndex(gtop[i])
	MOVD chunkNEON_gs(R19), R3
	MUL  R3, R2, R4          // base = g*gs
	MOVD chunkNEON_top(R19), R0
	MOVD R0, 8(RSP)
	MOVD chunkNEON_K(R19), R0
	MOVD R0, 16(RSP)
	MOVD L_N(RSP), R0
	MOVD R0, 24(RSP)
	MOVD L_TSEL(RSP), R0
	ADD  R4<<2, R0, R0
	MOVD R0, 32(RSP)
	MOVD R3, 40(RSP)
	MOVD R4, 48(RSP)
	CALL ·topKNEON(SB)
	MOVD 56(RSP), R0
	MOVD R0, L_N(RSP)
	MOVD L_GI(RSP), R0
	ADD  $1, R0
	MOVD R0, L_GI(RSP)
	B    grp_loop

sel_flat:
	// topKNEON(top, K, 0, tsel, E, 0)
	MOVD chunkNEON_top(R19), R0
	MOVD R0, 8(RSP)
	MOVD chunkNEON_K(R19), R0
	MOVD R0, 16(RSP)
	MOVD ZR, 24(RSP)
	MOVD L_TSEL(RSP), R0
	MOVD R0, 32(RSP)
	MOVD chunkNEON_E(R19), R0
	MOVD R0, 40(RSP)
	MOVD ZR, 48(RSP)
	CALL ·topKNEON(SB)

weights:
	// Softmax selected on logits: m = row[KeyIndex(top[0])], the maximum;
	// without normalisation the weights need S = SoftmaxSum(row, m).
	MOVD L_C(RSP), R19
	MOVD chunkNEON_mode(R19), R21
	AND  $3, R21, R0
	CMP  $3, R0
	BNE  w_call
	MOVD chunkNEON_top(R19), R0
	MOVD (R0), R0
	MVNW R0, R0
	MOVD L_ROW(RSP), R1
	ADD  R0<<2, R1, R1
	FMOVS (R1), F0
	FMOVS F0, L_M(RSP)
	TBNZ $MODE_NORM, R21, w_call
	MOVD ZR, 8(RSP)
	MOVD L_ROW(RSP), R0
	MOVD R0, 16(RSP)
	MOVD chunkNEON_E(R19), R0
	MOVD R0, 24(RSP)
	FMOVS L_M(RSP), F0
	FMOVS F0, 32(RSP)
	CALL ·expSumNEON(SB)
	FMOVS 40(RSP), F0
	FMOVS F0, L_S(RSP)

w_call:
	// weightsNEONAsm(oid, ow, top, K, row, load, wmode, m, S, scale)
	MOVD L_C(RSP), R19
	MOVD L_OID(RSP), R0
	MOVD R0, 8(RSP)
	MOVD L_OW(RSP), R0
	MOVD R0, 16(RSP)
	MOVD chunkNEON_top(R19), R0
	MOVD R0, 24(RSP)
	MOVD chunkNEON_K(R19), R0
	MOVD R0, 32(RSP)
	MOVD L_ROW(RSP), R0
	MOVD R0, 40(RSP)
	MOVD chunkNEON_load(R19), R0
	MOVD R0, 48(RSP)
	MOVD chunkNEON_wmode(R19), R0
	MOVD R0, 56(RSP)
	FMOVS L_M(RSP), F0
	FMOVS F0, 64(RSP)
	FMOVS L_S(RSP), F0
	FMOVS F0, 68(RSP)
	FMOVS chunkNEON_scale(R19), F0
	FMOVS F0, 72(RSP)
	CALL ·weightsNEONAsm(SB)

next_tok:
	MOVD L_T(RSP), R0
	ADD  $1, R0
	MOVD R0, L_T(RSP)
	B    tok_loop

chunk_done:
	MOVD L_BAD(RSP), R0
	MOVD R0, firstBad+8(FP)
	RET
