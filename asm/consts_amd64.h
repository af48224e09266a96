// Constants and macros shared by moegate's amd64 kernels (included by each
// .s file, so every file gets its own copy of the file-local table).
// The table consts<> and its C_* offsets are generated (go generate).

#include "tables_consts_amd64.h"

// ---- AVX2 ----

// LOAD_CONSTS_AVX2 loads the register-resident constants of the AVX2
// exponential: Y8 = -104, Y9 = log2e, Y10 = 1.5*2^23, Y11 = C1, Y12 = C2,
// Y13 = 1.0, Y14 = int32 127, Y15 = exponent mask 0x7F800000.
#define LOAD_CONSTS_AVX2 \
	VMOVDQU consts<>+C_LO(SB), Y8; \
	VMOVDQU consts<>+C_LOG2E(SB), Y9; \
	VMOVDQU consts<>+C_MAGIC(SB), Y10; \
	VMOVDQU consts<>+C_C1(SB), Y11; \
	VMOVDQU consts<>+C_C2(SB), Y12; \
	VMOVDQU consts<>+C_ONE(SB), Y13; \
	VMOVDQU consts<>+C_127(SB), Y14; \
	VMOVDQU consts<>+C_EXPM(SB), Y15

// EXPNEG_AVX2: Y0 = ExpNeg(Y0), lane by lane, exactly as asm.ExpNeg.
// Clobbers Y1, Y2, Y3. Needs LOAD_CONSTS_AVX2.
#define EXPNEG_AVX2 \
	VMAXPS Y8, Y0, Y0; \
	VMULPS Y9, Y0, Y1; \
	VADDPS Y10, Y1, Y1; \
	VSUBPS Y10, Y1, Y2; \
	VPSUBD Y10, Y1, Y1; \
	VMULPS Y11, Y2, Y3; \
	VSUBPS Y3, Y0, Y0; \
	VMULPS Y12, Y2, Y3; \
	VSUBPS Y3, Y0, Y0; \
	VMULPS Y0, Y0, Y2; \
	VMULPS consts<>+C_P0(SB), Y0, Y3; \
	VADDPS consts<>+C_P1(SB), Y3, Y3; \
	VMULPS Y0, Y3, Y3; \
	VADDPS consts<>+C_P2(SB), Y3, Y3; \
	VMULPS Y0, Y3, Y3; \
	VADDPS consts<>+C_P3(SB), Y3, Y3; \
	VMULPS Y0, Y3, Y3; \
	VADDPS consts<>+C_P4(SB), Y3, Y3; \
	VMULPS Y0, Y3, Y3; \
	VADDPS consts<>+C_P5(SB), Y3, Y3; \
	VMULPS Y2, Y3, Y3; \
	VADDPS Y0, Y3, Y3; \
	VADDPS Y13, Y3, Y3; \
	VPSRAD $1, Y1, Y2; \
	VPSUBD Y2, Y1, Y1; \
	VPADDD Y14, Y2, Y2; \
	VPSLLD $23, Y2, Y2; \
	VPADDD Y14, Y1, Y1; \
	VPSLLD $23, Y1, Y1; \
	VMULPS Y2, Y3, Y3; \
	VMULPS Y1, Y3, Y0

// GATHER8_AVX(done): Y5 = {row[ids[0]], ..., row[ids[k-1]], 0, ...} for
// SI = ids (int32), DX = row, CX = k (1..8); clobbers AX, X6; done is a
// label name for the macro's use. Scalar loads only: ids were just
// written by scalar stores, and a vector load of them (VMASKMOVPS,
// VGATHERDPS indices) would miss store forwarding and wait for those
// stores to retire, serialising the caller's tokens. Reads ids[0:k] only.
// GATHER8_LOAD_AVX(done) also increments the int64 load[ids[j]] (R8 = load).
#define G8_LANE(off, lane, X) \
	MOVLQSX off(SI), AX; \
	VPINSRD $lane, (DX)(AX*4), X, X
#define G8_LANE_LOAD(off, lane, X) \
	MOVLQSX off(SI), AX; \
	INCQ (R8)(AX*8); \
	VPINSRD $lane, (DX)(AX*4), X, X
#define G8_BODY(done, LANE) \
	VPXOR X5, X5, X5; \
	VPXOR X6, X6, X6; \
	LANE(0, 0, X5); \
	CMPQ CX, $2; \
	JB   done; \
	LANE(4, 1, X5); \
	CMPQ CX, $3; \
	JB   done; \
	LANE(8, 2, X5); \
	CMPQ CX, $4; \
	JB   done; \
	LANE(12, 3, X5); \
	CMPQ CX, $5; \
	JB   done; \
	LANE(16, 0, X6); \
	CMPQ CX, $6; \
	JB   done; \
	LANE(20, 1, X6); \
	CMPQ CX, $7; \
	JB   done; \
	LANE(24, 2, X6); \
	CMPQ CX, $8; \
	JB   done; \
	LANE(28, 3, X6); \
done: \
	VINSERTI128 $1, X6, Y5, Y5
#define GATHER8_AVX(done) G8_BODY(done, G8_LANE)
#define GATHER8_LOAD_AVX(done) G8_BODY(done, G8_LANE_LOAD)

// SIGMOID_AVX2: Y0 = Sigmoid(Y5) exactly as asm.Sigmoid; Y5 is kept.
// Clobbers Y1, Y2, Y3.
#define SIGMOID_AVX2 \
	VORPS consts<>+C_SIGN(SB), Y5, Y0; \
	EXPNEG_AVX2; \
	VADDPS Y13, Y0, Y1; \
	VBLENDVPS Y5, Y0, Y13, Y0; \
	VDIVPS Y1, Y0, Y0

// SIGMOID2_AVX2(xa, sa, t1a, t2a, t3a, xb, sb, t1b, t2b, t3b): sa =
// Sigmoid(xa), sb = Sigmoid(xb), exactly SIGMOID_AVX2's operations on two
// independent vectors, instruction by instruction interleaved: one chain
// is latency-bound (about 30 dependent operations), two keep twice as many
// in flight. Constants from memory, except Y4 = 1.5*2^23, Y13 = 1.0,
// Y14 = int32 127 (LOAD_CONSTS2_AVX2); xa, xb kept.
#define SIGMOID2_AVX2(xa, sa, t1a, t2a, t3a, xb, sb, t1b, t2b, t3b) \
	VORPS consts<>+C_SIGN(SB), xa, sa; \
	VORPS consts<>+C_SIGN(SB), xb, sb; \
	VMAXPS consts<>+C_LO(SB), sa, sa; \
	VMAXPS consts<>+C_LO(SB), sb, sb; \
	VMULPS consts<>+C_LOG2E(SB), sa, t1a; \
	VMULPS consts<>+C_LOG2E(SB), sb, t1b; \
	VADDPS Y4, t1a, t1a; \
	VADDPS Y4, t1b, t1b; \
	VSUBPS Y4, t1a, t2a; \
	VSUBPS Y4, t1b, t2b; \
	VPSUBD Y4, t1a, t1a; \
	VPSUBD Y4, t1b, t1b; \
	VMULPS consts<>+C_C1(SB), t2a, t3a; \
	VMULPS consts<>+C_C1(SB), t2b, t3b; \
	VSUBPS t3a, sa, sa; \
	VSUBPS t3b, sb, sb; \
	VMULPS consts<>+C_C2(SB), t2a, t3a; \
	VMULPS consts<>+C_C2(SB), t2b, t3b; \
	VSUBPS t3a, sa, sa; \
	VSUBPS t3b, sb, sb; \
	VMULPS sa, sa, t2a; \
	VMULPS sb, sb, t2b; \
	VMULPS consts<>+C_P0(SB), sa, t3a; \
	VMULPS consts<>+C_P0(SB), sb, t3b; \
	VADDPS consts<>+C_P1(SB), t3a, t3a; \
	VADDPS consts<>+C_P1(SB), t3b, t3b; \
	VMULPS sa, t3a, t3a; \
	VMULPS sb, t3b, t3b; \
	VADDPS consts<>+C_P2(SB), t3a, t3a; \
	VADDPS consts<>+C_P2(SB), t3b, t3b; \
	VMULPS sa, t3a, t3a; \
	VMULPS sb, t3b, t3b; \
	VADDPS consts<>+C_P3(SB), t3a, t3a; \
	VADDPS consts<>+C_P3(SB), t3b, t3b; \
	VMULPS sa, t3a, t3a; \
	VMULPS sb, t3b, t3b; \
	VADDPS consts<>+C_P4(SB), t3a, t3a; \
	VADDPS consts<>+C_P4(SB), t3b, t3b; \
	VMULPS sa, t3a, t3a; \
	VMULPS sb, t3b, t3b; \
	VADDPS consts<>+C_P5(SB), t3a, t3a; \
	VADDPS consts<>+C_P5(SB), t3b, t3b; \
	VMULPS t2a, t3a, t3a; \
	VMULPS t2b, t3b, t3b; \
	VADDPS sa, t3a, t3a; \
	VADDPS sb, t3b, t3b; \
	VADDPS Y13, t3a, t3a; \
	VADDPS Y13, t3b, t3b; \
	VPSRAD $1, t1a, t2a; \
	VPSRAD $1, t1b, t2b; \
	VPSUBD t2a, t1a, t1a; \
	VPSUBD t2b, t1b, t1b; \
	VPADDD Y14, t2a, t2a; \
	VPADDD Y14, t2b, t2b; \
	VPSLLD $23, t2a, t2a; \
	VPSLLD $23, t2b, t2b; \
	VPADDD Y14, t1a, t1a; \
	VPADDD Y14, t1b, t1b; \
	VPSLLD $23, t1a, t1a; \
	VPSLLD $23, t1b, t1b; \
	VMULPS t2a, t3a, t3a; \
	VMULPS t2b, t3b, t3b; \
	VMULPS t1a, t3a, sa; \
	VMULPS t1b, t3b, sb; \
	VADDPS Y13, sa, t1a; \
	VADDPS Y13, sb, t1b; \
	VBLENDVPS xa, sa, Y13, sa; \
	VBLENDVPS xb, sb, Y13, sb; \
	VDIVPS t1a, sa, sa; \
	VDIVPS t1b, sb, sb

#define LOAD_CONSTS2_AVX2 \
	VMOVDQU consts<>+C_MAGIC(SB), Y4; \
	VMOVDQU consts<>+C_ONE(SB), Y13; \
	VMOVDQU consts<>+C_127(SB), Y14

// NONFIN_AVX2: acc |= lanes of Yx whose exponent is all ones. Clobbers Y6.
#define NONFIN_AVX2(Yx, acc) \
	VPAND Y15, Yx, Y6; \
	VPCMPEQD Y15, Y6, Y6; \
	VPOR Y6, acc, acc

// TAILMASK_AVX2 loads into Ym the mask of the first r lanes (0 < r < 8,
// r in register Rr, which is clobbered) using scratch register Rt.
#define TAILMASK_AVX2(Rr, Rt, Ym) \
	LEAQ consts<>+(C_MASK+32)(SB), Rt; \
	SHLQ $2, Rr; \
	SUBQ Rr, Rt; \
	VMOVDQU (Rt), Ym

// HMIN8_Y6: lane 0 of X6 = the minimum of the 8 lanes of Y6 (no NaN).
// Clobbers X5.
#define HMIN8_Y6 \
	VEXTRACTF128 $1, Y6, X5; \
	VMINPS X5, X6, X6; \
	VPERMILPS $0x4E, X6, X5; \
	VMINPS X5, X6, X6; \
	VPERMILPS $0xB1, X6, X5; \
	VMINPS X5, X6, X6

// NORM8_AVX512: Y0 = Y0 / (((u0+u1)+u2)+...+u7 + 1e-20), the eight lanes
// of Y0 summed left to right as asm.weights sums them (Go starts from +0,
// and +0 + u0 = u0 since u0 >= +0; padding lanes are +0 and add nothing).
// The lanes are extracted in parallel, then added in order. Clobbers
// X1-X7.
#define NORM8_AVX512 \
	VEXTRACTF128 $1, Y0, X1; \
	VMOVSHDUP X0, X2; \
	VMOVHLPS X0, X0, X3; \
	VPERMILPS $0xFF, X0, X4; \
	VMOVSHDUP X1, X5; \
	VMOVHLPS X1, X1, X6; \
	VPERMILPS $0xFF, X1, X7; \
	VADDSS X2, X0, X2; \
	VADDSS X3, X2, X2; \
	VADDSS X4, X2, X2; \
	VADDSS X1, X2, X2; \
	VADDSS X5, X2, X2; \
	VADDSS X6, X2, X2; \
	VADDSS X7, X2, X2; \
	VADDSS consts<>+C_EPS(SB), X2, X2; \
	VBROADCASTSS X2, Y2; \
	VDIVPS Y2, Y0, Y0

// NORM8_AVX2: NORM8_AVX512 with three scratch registers (X1, X6, X7),
// for the AVX2 kernels, whose Y2-Y5 are taken; the sum starts from +0.
#define NORM8_AVX2 \
	VXORPS X6, X6, X6; \
	VADDSS X0, X6, X6; \
	VMOVSHDUP X0, X7; \
	VADDSS X7, X6, X6; \
	VMOVHLPS X0, X0, X7; \
	VADDSS X7, X6, X6; \
	VPERMILPS $0xFF, X0, X7; \
	VADDSS X7, X6, X6; \
	VEXTRACTF128 $1, Y0, X1; \
	VADDSS X1, X6, X6; \
	VMOVSHDUP X1, X7; \
	VADDSS X7, X6, X6; \
	VMOVHLPS X1, X1, X7; \
	VADDSS X7, X6, X6; \
	VPERMILPS $0xFF, X1, X7; \
	VADDSS X7, X6, X6; \
	VADDSS consts<>+C_EPS(SB), X6, X6; \
	VBROADCASTSS X6, Y6; \
	VDIVPS Y6, Y0, Y0

// ---- AVX-512 ----

// LOAD_CONSTS_AVX512: Z16 = -104, Z17 = log2e, Z18 = 1.5*2^23 (unused by
// EXPNEG_AVX512), Z19 = C1,
// Z20 = C2, Z21..Z26 = P0..P5, Z27 = 1.0, Z28 = int32 127,
// Z29 = 0x7F800000, Z30 = sign bit, Z31 = -Inf.
#define LOAD_CONSTS_AVX512 \
	VBROADCASTSS consts<>+C_LO(SB), Z16; \
	VBROADCASTSS consts<>+C_LOG2E(SB), Z17; \
	VBROADCASTSS consts<>+C_MAGIC(SB), Z18; \
	VBROADCASTSS consts<>+C_C1(SB), Z19; \
	VBROADCASTSS consts<>+C_C2(SB), Z20; \
	VBROADCASTSS consts<>+C_P0(SB), Z21; \
	VBROADCASTSS consts<>+C_P1(SB), Z22; \
	VBROADCASTSS consts<>+C_P2(SB), Z23; \
	VBROADCASTSS consts<>+C_P3(SB), Z24; \
	VBROADCASTSS consts<>+C_P4(SB), Z25; \
	VBROADCASTSS consts<>+C_P5(SB), Z26; \
	VBROADCASTSS consts<>+C_ONE(SB), Z27; \
	VBROADCASTSS consts<>+C_127(SB), Z28; \
	VBROADCASTSS consts<>+C_EXPM(SB), Z29; \
	VBROADCASTSS consts<>+C_SIGN(SB), Z30; \
	VBROADCASTSS consts<>+C_NEGINF(SB), Z31

// EXPNEG_AVX512(x, t1, t2, t3): x = ExpNeg(x) lane by lane, exactly as
// asm.ExpNeg. Clobbers t1, t2, t3 (22 instructions).
//
// n: the spec's t = float32(x*log2e) + 1.5*2^23 lies in [2^23, 2^24), where
// the float32 are the integers, and 1.5*2^23 is even, so t - 1.5*2^23 is
// x*log2e rounded to an integer, ties to even: one VRNDSCALEPS (imm 8:
// nearest-even, no precision exception). It differs from the spec's n
// only by giving -0 instead of +0 for x*log2e in [-0.5, -0]; then
// n*C1 = -0 and n*C2 = +0 instead of +0 and -0, and r = (x - n*C1) - n*C2
// is the same (x when x != 0, +0 when x = +-0), and 2^-0 = 2^+0.
//
// Scaling: the spec's (y * 2^(n>>1)) * 2^(n - n>>1) is one correctly
// rounded product y*2^n: n is in [-150, 0], so n>>1 >= -75, y is in
// [0.7, 1.5], and y*2^(n>>1) >= 2^-76 is a normal float32: the first
// product is exact. VSCALEFPS computes y*2^floor(n) with one rounding,
// subnormal results included (Go runs with MXCSR.FTZ = DAZ = 0).
// TestExpNegSweep (MOEGATE_LONG=1: every float32) holds both to the spec.
#define EXPNEG_AVX512(x, t1, t2, t3) \
	VMAXPS Z16, x, x; \
	EXPNEG_AVX512_CLAMPED(x, t1, t2, t3)

// EXPNEG_AVX512_CLAMPED: EXPNEG_AVX512 for x already >= -104.
#define EXPNEG_AVX512_CLAMPED(x, t1, t2, t3) \
	VMULPS Z17, x, t1; \
	VRNDSCALEPS $8, t1, t2; \
	VMULPS Z19, t2, t3; \
	VSUBPS t3, x, x; \
	VMULPS Z20, t2, t3; \
	VSUBPS t3, x, x; \
	VMULPS x, x, t1; \
	VMULPS Z21, x, t3; \
	VADDPS Z22, t3, t3; \
	VMULPS x, t3, t3; \
	VADDPS Z23, t3, t3; \
	VMULPS x, t3, t3; \
	VADDPS Z24, t3, t3; \
	VMULPS x, t3, t3; \
	VADDPS Z25, t3, t3; \
	VMULPS x, t3, t3; \
	VADDPS Z26, t3, t3; \
	VMULPS t1, t3, t3; \
	VADDPS x, t3, t3; \
	VADDPS Z27, t3, t3; \
	VSCALEFPS t2, t3, x

// SIGMOID_AVX512(x, s, t1, t2, t3, k): s = Sigmoid(x) exactly as
// asm.Sigmoid; x kept. Clobbers t1, t2, t3 and mask register k
// (25 instructions; AVX512DQ for VRANGEPS).
// The spec's max(-|x|, -104) is one VRANGEPS: imm 0x0E = the operand of
// smaller magnitude (|x| against |-104|), sign bit set; it is exact and
// gives -0 for x = +-0, as the spec's x | sign bit. The numerator
// (x < 0 ? e : 1) is e with 1 merged into the lanes whose sign bit is
// clear.
#define SIGMOID_AVX512(x, s, t1, t2, t3, k) \
	VRANGEPS $0x0E, Z16, x, s; \
	EXPNEG_AVX512_CLAMPED(s, t1, t2, t3); \
	VADDPS Z27, s, t1; \
	VPTESTNMD Z30, x, k; \
	VMOVAPS Z27, k, s; \
	VDIVPS t1, s, s

// SIGMOID2_AVX512: SIGMOID_AVX512 on two independent vectors, instruction
// by instruction interleaved (the exponential is a chain of ~25 dependent
// operations; two chains in flight keep more of the FP pipes busy).
#define SIGMOID2_AVX512(xa, sa, t1a, t2a, t3a, ka, xb, sb, t1b, t2b, t3b, kb) \
	VRANGEPS $0x0E, Z16, xa, sa; \
	VRANGEPS $0x0E, Z16, xb, sb; \
	VMULPS Z17, sa, t1a; \
	VMULPS Z17, sb, t1b; \
	VRNDSCALEPS $8, t1a, t2a; \
	VRNDSCALEPS $8, t1b, t2b; \
	VMULPS Z19, t2a, t3a; \
	VMULPS Z19, t2b, t3b; \
	VSUBPS t3a, sa, sa; \
	VSUBPS t3b, sb, sb; \
	VMULPS Z20, t2a, t3a; \
	VMULPS Z20, t2b, t3b; \
	VSUBPS t3a, sa, sa; \
	VSUBPS t3b, sb, sb; \
	VMULPS sa, sa, t1a; \
	VMULPS sb, sb, t1b; \
	VMULPS Z21, sa, t3a; \
	VMULPS Z21, sb, t3b; \
	VADDPS Z22, t3a, t3a; \
	VADDPS Z22, t3b, t3b; \
	VMULPS sa, t3a, t3a; \
	VMULPS sb, t3b, t3b; \
	VADDPS Z23, t3a, t3a; \
	VADDPS Z23, t3b, t3b; \
	VMULPS sa, t3a, t3a; \
	VMULPS sb, t3b, t3b; \
	VADDPS Z24, t3a, t3a; \
	VADDPS Z24, t3b, t3b; \
	VMULPS sa, t3a, t3a; \
	VMULPS sb, t3b, t3b; \
	VADDPS Z25, t3a, t3a; \
	VADDPS Z25, t3b, t3b; \
	VMULPS sa, t3a, t3a; \
	VMULPS sb, t3b, t3b; \
	VADDPS Z26, t3a, t3a; \
	VADDPS Z26, t3b, t3b; \
	VMULPS t1a, t3a, t3a; \
	VMULPS t1b, t3b, t3b; \
	VADDPS sa, t3a, t3a; \
	VADDPS sb, t3b, t3b; \
	VADDPS Z27, t3a, t3a; \
	VADDPS Z27, t3b, t3b; \
	VSCALEFPS t2a, t3a, sa; \
	VSCALEFPS t2b, t3b, sb; \
	VADDPS Z27, sa, t1a; \
	VADDPS Z27, sb, t1b; \
	VPTESTNMD Z30, xa, ka; \
	VPTESTNMD Z30, xb, kb; \
	VMOVAPS Z27, ka, sa; \
	VMOVAPS Z27, kb, sb; \
	VDIVPS t1a, sa, sa; \
	VDIVPS t1b, sb, sb

// NONFIN_AVX512(x, t, kt, kacc): kacc |= lanes of x whose exponent is all ones.
#define NONFIN_AVX512(x, t, kt, kacc) \
	VPANDD Z29, x, t; \
	VPCMPEQD Z29, t, kt; \
	KORW kt, kacc, kacc

// NONFIN_DQ(x, kt, kacc): NONFIN_AVX512 in two instructions (AVX512DQ):
// VFPCLASSPS class bits 0x99 = QNaN | +Inf | -Inf | SNaN, the lanes
// whose exponent is all ones.
#define NONFIN_DQ(x, kt, kacc) \
	VFPCLASSPSZ $0x99, x, kt; \
	KORW kt, kacc, kacc

// TAILK_AVX512(Rr, Rt, k): k = mask of the first Rr lanes (0 < Rr < 16);
// clobbers Rt. Rr must be CX (shift count).
#define TAILK_AVX512(Rt, k) \
	MOVL $1, Rt; \
	SHLL CX, Rt; \
	DECL Rt; \
	KMOVW Rt, k

// TOP2_COMBINE(a1, a2, b1, b2, t): (a1, a2) = the two largest of the
// multiset {a1, a2, b1, b2}, lane by lane, given a1 >= a2 and b1 >= b2
// (no NaN): a2 = max(min(a1, b1), max(a2, b2)); a1 = max(a1, b1).
#define TOP2_COMBINE(a1, a2, b1, b2, t) \
	VMINPS b1, a1, t; \
	VMAXPS b2, a2, a2; \
	VMAXPS t, a2, a2; \
	VMAXPS b1, a1, a1

// GROUP_REDUCE_YMM: reduce the per-lane top-2 (Y1, Y2) to lane 0 of X1
// (largest) and X2 (second); clobbers Y4, Y5, Y6.
#define GROUP_REDUCE_YMM \
	VEXTRACTF128 $1, Y1, X4; \
	VEXTRACTF128 $1, Y2, X5; \
	TOP2_COMBINE(X1, X2, X4, X5, X6); \
	VPERMILPS $0x4E, X1, X4; \
	VPERMILPS $0x4E, X2, X5; \
	TOP2_COMBINE(X1, X2, X4, X5, X6); \
	VPERMILPS $0xB1, X1, X4; \
	VPERMILPS $0xB1, X2, X5; \
	TOP2_COMBINE(X1, X2, X4, X5, X6)
