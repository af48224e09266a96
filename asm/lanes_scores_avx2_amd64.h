// Phase B of lanesAVX2 (lanes_avx2_amd64.s): the scores (sigmoid or
// softmax, plus bias) the top-K selects on, and the softmax's exponentials
// and sum (LANES_AVX2_EXPSUM).
//
// Included only by lanes_avx2_amd64.s: the macros use its frame layout
// (XBUF, SELBUF, SBUF, VBUF, IBUF, WBUF, BADV, GOODV, VALIDV, NSET of the
// buffer set at R11; MASK0, MASK1, ROWBUF, CNT), its table lanes8<> and its
// register map: DI = ids out, SI = w out, R9 = t0 (the block's first
// token), R10 = x of the block, R11 = the block's buffer set, R12 = K,
// R13 = first bad token (-1: none). No vector register holds a value
// across stages but the ones named: the exponential's constants (Y8-Y15,
// LOAD_CONSTS_AVX2, exp_amd64.h) are loaded by the stages that use them.
// Reads: what the stage takes; writes: what it leaves for the next stages;
// clobbers: what it overwrites besides. Vectors are one per expert or per
// slot, one token per lane (8 tokens); lane masks are vectors (all-ones
// lanes).

// LANES_AVX2_SCORES(topk, expsum, bsm3): phase B, the scores of the block
// in set R11 and the values top-K selects on. Continues at topk (which
// must follow) with CX = the E selection vectors.
// Reads: mode, bias, E (arguments), xbuf of R11.
// Writes, by mode:
//   - sigmoid (bit 0 clear): sbuf[e] = Sigmoid(x_e), selbuf[e] = sbuf[e] +
//     bias[e]; CX = selbuf;
//   - softmax (bit 0): Y4 = m by the reference's strict-greater scan
//     (VMAXPS returns its second operand on ties), then expsum (returns
//     to bsm3, defined here): sbuf[e] = ExpNeg(x_e - m), Y15 = S; then
//     sbuf[e] = sbuf[e] / S, selbuf[e] = sbuf[e] + bias[e]; CX = selbuf;
//   - LogitSelect (bit 1): CX = xbuf (scores are computed from the chosen
//     logits by LANES_AVX2_WEIGHTS).
// Clobbers: AX, DX, Y0-Y15 (Y8-Y15: LOAD_CONSTS_AVX2, but for
// LogitSelect).
// Twin: the sigmoid and softmax steps of scores (route_generic.go) with
// the bias, Sigmoid and SoftmaxSum (math.go).
#define LANES_AVX2_SCORES(topk, expsum, bsm3) \
	MOVQ mode+72(FP), AX; \
	TESTQ $2, AX; \
	JNZ  logitsel; \
	LOAD_CONSTS_AVX2; \
	TESTQ $1, AX; \
	JNZ  bsoftmax; \
	/* sigmoid + bias */ \
	MOVQ bias+32(FP), AX; \
	LEAQ XBUF(R11), CX; \
	MOVQ E+56(FP), DX; \
bsig: \
	VMOVUPS (CX), Y5; \
	SIGMOID_AVX2; \
	VMOVUPS Y0, (SBUF-XBUF)(CX); \
	VBROADCASTSS (AX), Y1; \
	VADDPS Y1, Y0, Y0; \
	VMOVUPS Y0, (SELBUF-XBUF)(CX); \
	ADDQ $4, AX; \
	ADDQ $32, CX; \
	DECQ DX; \
	JNZ  bsig; \
	LEAQ SELBUF(R11), CX; \
	JMP  topk; \
bsoftmax: \
	/* m: m = x_0; m = x_e > m ? x_e : m */ \
	LEAQ XBUF(R11), CX; \
	VMOVUPS (CX), Y4; \
	MOVQ E+56(FP), DX; \
	DECQ DX; \
	JZ   bsm2; \
bsm1: \
	ADDQ $32, CX; \
	VMOVUPS (CX), Y0; \
	VMAXPS Y4, Y0, Y4; \
	DECQ DX; \
	JNZ  bsm1; \
bsm2: \
	JMP expsum; \
bsm3: /* back from expsum: Y15 = S */ \
	MOVQ bias+32(FP), AX; \
	LEAQ SBUF(R11), CX; \
	MOVQ E+56(FP), DX; \
bsm4: \
	VMOVUPS (CX), Y0; \
	VDIVPS Y15, Y0, Y0; \
	VMOVUPS Y0, (CX); \
	VBROADCASTSS (AX), Y1; \
	VADDPS Y1, Y0, Y0; \
	VMOVUPS Y0, (SELBUF-SBUF)(CX); \
	ADDQ $4, AX; \
	ADDQ $32, CX; \
	DECQ DX; \
	JNZ  bsm4; \
	LEAQ SELBUF(R11), CX; \
	JMP  topk; \
logitsel: \
	LEAQ XBUF(R11), CX

// LANES_AVX2_EXPSUM(bsm3, wsm1): the softmax exponentials and their sum,
// shared by LANES_AVX2_SCORES and LANES_AVX2_WEIGHTS as a subroutine
// without CALL: returns to wsm1 when mode has bit 1 (LogitSelect), else
// to bsm3.
// Reads: mode, E (arguments), xbuf of R11, Y4 = m, Y8-Y14
// (LOAD_CONSTS_AVX2).
// Writes: sbuf[e] = ExpNeg(x_e - m) for e < E; Y15 = S, SoftmaxSum's
// 16-lane tree over sbuf[0..15] (sbuf[E..15] hold +0).
// Clobbers: AX, CX, DX, Y0-Y7.
// Twin: SoftmaxSum (math.go).
#define LANES_AVX2_EXPSUM(bsm3, wsm1) \
	LEAQ XBUF(R11), CX; \
	MOVQ E+56(FP), DX; \
es1: \
	VMOVUPS (CX), Y0; \
	VSUBPS Y4, Y0, Y0; \
	EXPNEG_AVX2; \
	VMOVUPS Y0, (SBUF-XBUF)(CX); \
	ADDQ $32, CX; \
	DECQ DX; \
	JNZ  es1; \
	LEAQ SBUF(R11), CX; \
	VMOVUPS 0(CX), Y0; \
	VMOVUPS 32(CX), Y1; \
	VMOVUPS 64(CX), Y2; \
	VMOVUPS 96(CX), Y3; \
	VMOVUPS 128(CX), Y4; \
	VMOVUPS 160(CX), Y5; \
	VMOVUPS 192(CX), Y6; \
	VMOVUPS 224(CX), Y7; \
	VADDPS 256(CX), Y0, Y0; \
	VADDPS 288(CX), Y1, Y1; \
	VADDPS 320(CX), Y2, Y2; \
	VADDPS 352(CX), Y3, Y3; \
	VADDPS 384(CX), Y4, Y4; \
	VADDPS 416(CX), Y5, Y5; \
	VADDPS 448(CX), Y6, Y6; \
	VADDPS 480(CX), Y7, Y7; \
	VADDPS Y4, Y0, Y0; \
	VADDPS Y5, Y1, Y1; \
	VADDPS Y6, Y2, Y2; \
	VADDPS Y7, Y3, Y3; \
	VADDPS Y2, Y0, Y0; \
	VADDPS Y3, Y1, Y1; \
	VADDPS Y1, Y0, Y15; \
	MOVQ mode+72(FP), AX; \
	TESTQ $2, AX; \
	JNZ  wsm1; \
	JMP  bsm3
