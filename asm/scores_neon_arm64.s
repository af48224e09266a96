//go:build gc && !purego

// Per-token score kernels for arm64 NEON (Advanced SIMD).
//
// Requires: ASIMD (cpu.ARM64.HasASIMD). Nothing else: no FMA, no FP16, no SVE.
// Twins: Sigmoid, ExpNeg, SoftmaxSum and the score loop of RouteGeneric
// (scores and badRow in route_generic.go). Every result is bit-identical.
// Registers never touched: R18, R26-R29. V16-V30 hold the constants of
// exp_arm64.h in every kernel that uses EXPNEG.

#include "textflag.h"
#include "neon_arm64.h"
#include "exp_arm64.h"

// func sigmoidNEON(dst, sig, x, bias *float32, n int) (bad bool)
//
// dst[i] = Sigmoid(x[i]) (+ bias[i] when bias != nil) for i < n; with a
// bias and sig != nil also sig[i] = Sigmoid(x[i]) (the weights gather it).
// bad reports whether any x[i] is an infinity or a NaN (dst and sig are
// then unspecified). The contract of sigmoidAVX2.
// Preconditions: n >= 0; dst, x (and bias, sig) hold n floats; dst is x (in
// place) or does not overlap x; dst does not overlap bias; sig overlaps
// nothing. Reads and writes nothing outside [0, n).
//
// Registers: R0 dst, R1 x, R2 bias (0: none), R3 remaining count, R11 sig
// (0: none), R4-R10 scratch; V0-V7 lane set A, V8-V15 lane set B (x, a, y,
// n, r, z, t, out), V31 non-finite accumulator; V16-V30 constants.
// Frame: 64 bytes, the zero-padded tail of x (32) and bias (32; then the
// tail's sigmoid for sig).
TEXT ·sigmoidNEON(SB), NOSPLIT, $64-41
	MOVD dst+0(FP), R0
	MOVD sig+8(FP), R11
	MOVD x+16(FP), R1
	MOVD bias+24(FP), R2
	MOVD n+32(FP), R3
	EXP_CONSTS
	VEOR V31.B16, V31.B16, V31.B16

sig_loop8:
	CMP  $8, R3
	BLT  sig_tail
	VLD1.P 16(R1), [V0.S4]
	VLD1.P 16(R1), [V8.S4]
	SIGMOID(0, 1, 2, 3, 4, 5, 6, 7, V0, V1, V2, V3, V4, V5, V6, V31)
	SIGMOID(8, 9, 10, 11, 12, 13, 14, 15, V8, V9, V10, V11, V12, V13, V14, V31)
	CBZ  R2, sig_store8
	CBZ  R11, sig_bias8
	VST1.P [V7.S4], 16(R11)
	VST1.P [V15.S4], 16(R11)

sig_bias8:
	VLD1.P 16(R2), [V1.S4]
	VLD1.P 16(R2), [V9.S4]
	VFADD4S(1, 7, 7)
	VFADD4S(9, 15, 15)

sig_store8:
	VST1.P [V7.S4], 16(R0)
	VST1.P [V15.S4], 16(R0)
	SUB  $8, R3
	B    sig_loop8

sig_tail:
	CBZ  R3, sig_done
	// 1 <= R3 <= 7: copy x (and bias) into zeroed buffers, run one round.
	MOVD $buf-64(SP), R5
	VEOR V0.B16, V0.B16, V0.B16
	VST1 [V0.S4], (R5)
	ADD  $16, R5, R6
	VST1 [V0.S4], (R6)
	ADD  $32, R5, R6
	VST1 [V0.S4], (R6)
	ADD  $48, R5, R6
	VST1 [V0.S4], (R6)
	MOVD R3, R7
	MOVD R5, R8
	MOVD R2, R9

sig_copyin:
	MOVWU.P 4(R1), R10
	MOVW R10, (R8)
	CBZ  R9, sig_copyin_next
	MOVWU.P 4(R9), R10
	MOVW R10, 32(R8)

sig_copyin_next:
	ADD  $4, R8
	SUBS $1, R7
	BNE  sig_copyin

	VLD1 (R5), [V0.S4]
	ADD  $16, R5, R6
	VLD1 (R6), [V8.S4]
	SIGMOID(0, 1, 2, 3, 4, 5, 6, 7, V0, V1, V2, V3, V4, V5, V6, V31)
	SIGMOID(8, 9, 10, 11, 12, 13, 14, 15, V8, V9, V10, V11, V12, V13, V14, V31)
	CBZ  R2, sig_tail_store
	ADD  $32, R5, R6
	VLD1 (R6), [V1.S4]
	ADD  $48, R5, R6
	VLD1 (R6), [V9.S4]
	CBZ  R11, sig_tail_bias
	// sig: the tail's sigmoid through the (consumed) bias half of the frame.
	ADD  $32, R5, R8
	VST1 [V7.S4], (R8)
	ADD  $48, R5, R6
	VST1 [V15.S4], (R6)
	MOVD R3, R7

sig_copysig:
	MOVWU.P 4(R8), R10
	MOVW.P R10, 4(R11)
	SUBS $1, R7
	BNE  sig_copysig

sig_tail_bias:
	VFADD4S(1, 7, 7)
	VFADD4S(9, 15, 15)

sig_tail_store:
	VST1 [V7.S4], (R5)
	ADD  $16, R5, R6
	VST1 [V15.S4], (R6)

sig_copyout:
	MOVWU.P 4(R5), R10
	MOVW.P R10, 4(R0)
	SUBS $1, R3
	BNE  sig_copyout

sig_done:
	VMOV V31.D[0], R4
	VMOV V31.D[1], R5
	ORR  R5, R4, R4
	CMP  $0, R4
	CSET NE, R4
	MOVB R4, bad+40(FP)
	RET

// func maxNEON(x *float32, n int) (m float32, bad bool)
//
// m = the largest x[i] (as the twin's scan: for a row without NaN the same
// value; of -0 and +0 either may come back, which changes no ExpNeg(x-m));
// bad reports whether any x[i] is an infinity or a NaN (m is then
// unspecified). Twin: badRow and the max loop of scores.
// Preconditions: n >= 1; x holds n floats. Reads nothing outside [0, n).
//
// Registers: R0 x, R1 remaining count, R4 scratch; V0, V1 loaded lanes,
// V2, V3 running maxima, V4, V5 scratch, V30 exponent mask, V31 non-finite
// accumulator.
TEXT ·maxNEON(SB), NOSPLIT, $0-21
	MOVD x+0(FP), R0
	MOVD n+8(FP), R1
	MOVW $0x7F800000, R4
	VDUP R4, V30.S4
	VEOR V31.B16, V31.B16, V31.B16
	VLD1R (R0), [V2.S4]
	VMOV V2.B16, V3.B16

max_loop8:
	CMP  $8, R1
	BLT  max_loop4
	VLD1.P 32(R0), [V0.S4, V1.S4]
	VFMAX4S(0, 2, 2)
	VFMAX4S(1, 3, 3)
	VAND V30.B16, V0.B16, V4.B16
	VAND V30.B16, V1.B16, V5.B16
	VCMEQ V30.S4, V4.S4, V4.S4
	VCMEQ V30.S4, V5.S4, V5.S4
	VORR V4.B16, V31.B16, V31.B16
	VORR V5.B16, V31.B16, V31.B16
	SUB  $8, R1
	B    max_loop8

max_loop4:
	CMP  $4, R1
	BLT  max_tail
	VLD1.P 16(R0), [V0.S4]
	VFMAX4S(0, 2, 2)
	VAND V30.B16, V0.B16, V4.B16
	VCMEQ V30.S4, V4.S4, V4.S4
	VORR V4.B16, V31.B16, V31.B16
	SUB  $4, R1

max_tail:
	CBZ  R1, max_done
	VLD1R.P 4(R0), [V0.S4]
	VFMAX4S(0, 2, 2)
	VAND V30.B16, V0.B16, V4.B16
	VCMEQ V30.S4, V4.S4, V4.S4
	VORR V4.B16, V31.B16, V31.B16
	SUBS $1, R1
	BNE  max_tail

max_done:
	VFMAX4S(3, 2, 2)
	VFMAXV4S(2, 2)
	FMOVS F2, m+16(FP)
	VMOV V31.D[0], R4
	VMOV V31.D[1], R5
	ORR  R5, R4, R4
	CMP  $0, R4
	CSET NE, R4
	MOVB R4, bad+20(FP)
	RET

// EXPACC: one 4-lane block of SoftmaxSum: load 4 floats from (R1), e =
// ExpNeg(x - m), store e to (R0) advancing R0 by R6, add e to accumulator acc.
#define EXPACC(x, y, n, r, z, t, VX, VY, VN, VT, acc) \
	VLD1.P 16(R1), [VX.S4]; \
	VFSUB4S(15, x, x); \
	EXPNEG(x, y, n, r, z, t, VN, VT); \
	VST1.P [VY.S4], (R0)(R6); \
	VFADD4S(y, acc, acc)

// EXPSUM16: 16 floats, lanes i%16 into accumulators V8 (0-3), V9 (4-7),
// V10 (8-11), V11 (12-15).
#define EXPSUM16 \
	EXPACC(0, 1, 2, 3, 4, 5, V0, V1, V2, V5, 8); \
	EXPACC(6, 7, 12, 13, 14, 31, V6, V7, V12, V31, 9); \
	EXPACC(0, 1, 2, 3, 4, 5, V0, V1, V2, V5, 10); \
	EXPACC(6, 7, 12, 13, 14, 31, V6, V7, V12, V31, 11)

// func expSumNEON(dst, x *float32, n int, m float32) (s float32)
//
// s = SoftmaxSum(x[:n], m, dst[:n]): e[i] = ExpNeg(x[i]-m), written to dst[i]
// when dst != nil, summed in 16 striped lanes and reduced as the twin's tree.
// Preconditions: n >= 0; x holds n finite floats; m finite and >= every
// x[i]; dst nil, or x (in place), or n floats not overlapping x. Reads and
// writes nothing outside [0, n).
//
// Registers: R0 dst (or the frame's sink), R1 x, R2 remaining, R3 dst or 0,
// R6 dst step (16, or 0 into the sink), R4, R5, R7-R10 scratch; V15 = m,
// V8-V11 lane accumulators, V0-V5 and V6, V7, V12-V14, V31 the two lane sets;
// V16-V30 constants.
// Frame: 128 bytes: the -Inf padded tail of x (64) and the tail of e (64).
TEXT ·expSumNEON(SB), NOSPLIT, $128-36
	MOVD dst+0(FP), R3
	MOVD x+8(FP), R1
	MOVD n+16(FP), R2
	FMOVS m+24(FP), F15
	VDUP V15.S[0], V15.S4
	EXP_CONSTS
	VEOR V8.B16, V8.B16, V8.B16
	VEOR V9.B16, V9.B16, V9.B16
	VEOR V10.B16, V10.B16, V10.B16
	VEOR V11.B16, V11.B16, V11.B16
	MOVD R3, R0
	MOVD $16, R6
	CBNZ R3, exp_loop16
	MOVD $ebuf-64(SP), R0
	MOVD $0, R6

exp_loop16:
	CMP  $16, R2
	BLT  exp_tail
	EXPSUM16
	SUB  $16, R2
	B    exp_loop16

exp_tail:
	CBZ  R2, exp_reduce
	CBZ  R3, exp_tail_x
	MOVD R0, R3 // where the tail of e goes

exp_tail_x:
	// 1 <= R2 <= 15: x tail into a buffer padded with -Inf, whose ExpNeg
	// (clamped at -104) is exactly +0, so padding adds nothing.
	MOVD $xbuf-128(SP), R5
	MOVW $0xFF800000, R4
	VDUP R4, V0.S4
	VST1 [V0.S4], (R5)
	ADD  $16, R5, R7
	VST1 [V0.S4], (R7)
	ADD  $32, R5, R7
	VST1 [V0.S4], (R7)
	ADD  $48, R5, R7
	VST1 [V0.S4], (R7)
	MOVD R2, R7
	MOVD R5, R8

exp_copyin:
	MOVWU.P 4(R1), R10
	MOVW.P R10, 4(R8)
	SUBS $1, R7
	BNE  exp_copyin
	MOVD R5, R1
	MOVD $ebuf-64(SP), R0
	MOVD $16, R6
	EXPSUM16
	CBZ  R3, exp_reduce
	MOVD $ebuf-64(SP), R5

exp_copyout:
	MOVWU.P 4(R5), R10
	MOVW.P R10, 4(R3)
	SUBS $1, R2
	BNE  exp_copyout

exp_reduce:
	// lane j += j+8; j += j+4; j += j+2; lane 0 + lane 1.
	VFADD4S(10, 8, 8)
	VFADD4S(11, 9, 9)
	VFADD4S(9, 8, 8)
	VEXT $8, V8.B16, V8.B16, V0.B16
	VFADD4S(0, 8, 8)
	VEXT $4, V8.B16, V8.B16, V0.B16
	VFADD4S(0, 8, 8)
	FMOVS F8, s+32(FP)
	RET

// func divBiasNEON(dst, bias *float32, n int, s float32)
//
// dst[i] = dst[i] / s, then + bias[i] when bias != nil, for i < n.
// Twin: the division and bias loops of scores in route_generic.go.
// Preconditions: n >= 0; dst (and bias) hold n floats.
//
// Registers: R0 dst, R1 bias (0: none), R2 remaining; V15 = s, V0, V1 lanes.
TEXT ·divBiasNEON(SB), NOSPLIT, $0-28
	MOVD dst+0(FP), R0
	MOVD bias+8(FP), R1
	MOVD n+16(FP), R2
	FMOVS s+24(FP), F15
	VDUP V15.S[0], V15.S4

div_loop4:
	CMP  $4, R2
	BLT  div_tail
	VLD1 (R0), [V0.S4]
	VFDIV4S(15, 0, 0)
	CBZ  R1, div_store4
	VLD1.P 16(R1), [V1.S4]
	VFADD4S(1, 0, 0)

div_store4:
	VST1.P [V0.S4], 16(R0)
	SUB  $4, R2
	B    div_loop4

div_tail:
	CBZ  R2, div_done
	FMOVS (R0), F0
	FDIVS F15, F0, F0
	CBZ  R1, div_store1
	FMOVS.P 4(R1), F1
	FADDS F1, F0, F0

div_store1:
	FMOVS.P F0, 4(R0)
	SUBS $1, R2
	BNE  div_tail

div_done:
	RET
