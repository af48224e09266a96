// The exponential and the sigmoid of moegate's amd64 kernels, lane by lane
// exactly as asm.ExpNeg and asm.Sigmoid (math.go): AVX2 (ymm) and AVX-512
// (zmm) forms, one or two interleaved chains. The constants are those of
// consts<>: include consts_amd64.h first.

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

// LOAD_CONSTS2_AVX2: the registers SIGMOID2_AVX2 takes: Y4 = 1.5*2^23,
// Y13 = 1.0, Y14 = int32 127.
#define LOAD_CONSTS2_AVX2 \
	VMOVDQU consts<>+C_MAGIC(SB), Y4; \
	VMOVDQU consts<>+C_ONE(SB), Y13; \
	VMOVDQU consts<>+C_127(SB), Y14

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
