// Phase B of lanesAVX512 (lanes_avx512_amd64.s): the scores (sigmoid or
// softmax, plus bias) the top-K selects on, and the softmax's exponentials
// and sum (LANES_AVX512_EXPSUM).
//
// Included only by lanes_avx512_amd64.s: the macros use its frame layout
// (XBUF, SELBUF, SBUF, VBUF, IBUF, WBUF, BADK, NSET of the buffer set at R11;
// ROWBUF, CNT), its table lanes16<> and its register map: DI = ids out,
// SI = w out, R9 = t0 (the block's first token), R10 = x of the block,
// R11 = the block's buffer set, R12 = K, R13 = first bad token (-1: none);
// Z16-Z31 = LOAD_CONSTS_AVX512 (exp_amd64.h), Z11 = int 1, Z12 = lane
// index 0..15, Z13 = 0xFF000000 in every lane (set by LANES_AVX512_LOAD).
// Reads: what the stage takes; writes: what it leaves for the next stages;
// clobbers: what it overwrites besides. Vectors are one per expert or per
// slot, one token per lane (16 tokens).

// LANES_AVX512_SCORES(topk, expsum, bsm3): phase B, the scores of the
// block in set R11 and the values top-K selects on. Continues at topk
// (which must follow) with CX = the E selection vectors.
// Reads: mode, bias, E (arguments), xbuf of R11.
// Writes, by mode:
//   - sigmoid (bit 0 clear): sbuf[e] = Sigmoid(x_e), selbuf[e] = sbuf[e] +
//     bias[e]; CX = selbuf;
//   - softmax (bit 0): Z15 = m by the reference's strict-greater scan
//     (VMAXPS returns its second operand on ties), then expsum (returns
//     to bsm3, defined here): sbuf[e] = ExpNeg(x_e - m), Z14 = S; then
//     sbuf[e] = sbuf[e] / S, selbuf[e] = sbuf[e] + bias[e]; CX = selbuf;
//   - LogitSelect (bit 1): CX = xbuf (scores are computed from the chosen
//     logits by LANES_AVX512_WEIGHTS).
// Clobbers: AX, DX, Z0-Z7 (expsum), Z14, Z15, K2.
// Twin: the sigmoid and softmax steps of scores (route_generic.go) with
// the bias, Sigmoid and SoftmaxSum (math.go).
#define LANES_AVX512_SCORES(topk, expsum, bsm3) \
	MOVQ mode+72(FP), AX; \
	TESTQ $2, AX; \
	JNZ  logitsel; \
	TESTQ $1, AX; \
	JNZ  bsoftmax; \
	/* sigmoid + bias */ \
	MOVQ bias+32(FP), AX; \
	LEAQ XBUF(R11), CX; \
	MOVQ E+56(FP), DX; \
bsig: \
	VMOVUPS (CX), Z5; \
	SIGMOID_AVX512(Z5, Z0, Z1, Z2, Z3, K2); \
	VMOVUPS Z0, (SBUF-XBUF)(CX); \
	VBROADCASTSS (AX), Z1; \
	VADDPS Z1, Z0, Z0; \
	VMOVUPS Z0, (SELBUF-XBUF)(CX); \
	ADDQ $4, AX; \
	ADDQ $64, CX; \
	DECQ DX; \
	JNZ  bsig; \
	LEAQ SELBUF(R11), CX; \
	JMP  topk; \
bsoftmax: \
	/* m: m = x_0; m = x_e > m ? x_e : m */ \
	LEAQ XBUF(R11), CX; \
	VMOVUPS (CX), Z15; \
	MOVQ E+56(FP), DX; \
	DECQ DX; \
	JZ   bsm2; \
bsm1: \
	ADDQ $64, CX; \
	VMOVUPS (CX), Z0; \
	VMAXPS Z15, Z0, Z15; \
	DECQ DX; \
	JNZ  bsm1; \
bsm2: \
	JMP expsum; \
bsm3: /* back from expsum: Z14 = S */ \
	MOVQ bias+32(FP), AX; \
	LEAQ SBUF(R11), CX; \
	MOVQ E+56(FP), DX; \
bsm4: \
	VMOVUPS (CX), Z0; \
	VDIVPS Z14, Z0, Z0; \
	VMOVUPS Z0, (CX); \
	VBROADCASTSS (AX), Z1; \
	VADDPS Z1, Z0, Z0; \
	VMOVUPS Z0, (SELBUF-SBUF)(CX); \
	ADDQ $4, AX; \
	ADDQ $64, CX; \
	DECQ DX; \
	JNZ  bsm4; \
	LEAQ SELBUF(R11), CX; \
	JMP  topk; \
logitsel: \
	LEAQ XBUF(R11), CX

// LANES_AVX512_EXPSUM(bsm3, wsm1): the softmax exponentials and their
// sum, shared by LANES_AVX512_SCORES and LANES_AVX512_WEIGHTS as a
// subroutine without CALL: returns to wsm1 when mode has bit 1
// (LogitSelect), else to bsm3.
// Reads: mode, E (arguments), xbuf of R11, Z15 = m.
// Writes: sbuf[e] = ExpNeg(x_e - m) for e < E; Z14 = S, SoftmaxSum's
// 16-lane tree over sbuf[0..15] (sbuf[E..15] hold +0).
// Clobbers: AX, CX, DX, Z0-Z7.
// Twin: SoftmaxSum (math.go).
#define LANES_AVX512_EXPSUM(bsm3, wsm1) \
	LEAQ XBUF(R11), CX; \
	MOVQ E+56(FP), DX; \
es1: \
	VMOVUPS (CX), Z0; \
	VSUBPS Z15, Z0, Z0; \
	EXPNEG_AVX512(Z0, Z1, Z2, Z3); \
	VMOVUPS Z0, (SBUF-XBUF)(CX); \
	ADDQ $64, CX; \
	DECQ DX; \
	JNZ  es1; \
	LEAQ SBUF(R11), CX; \
	VMOVUPS 0(CX), Z0; \
	VMOVUPS 64(CX), Z1; \
	VMOVUPS 128(CX), Z2; \
	VMOVUPS 192(CX), Z3; \
	VMOVUPS 256(CX), Z4; \
	VMOVUPS 320(CX), Z5; \
	VMOVUPS 384(CX), Z6; \
	VMOVUPS 448(CX), Z7; \
	VADDPS 512(CX), Z0, Z0; \
	VADDPS 576(CX), Z1, Z1; \
	VADDPS 640(CX), Z2, Z2; \
	VADDPS 704(CX), Z3, Z3; \
	VADDPS 768(CX), Z4, Z4; \
	VADDPS 832(CX), Z5, Z5; \
	VADDPS 896(CX), Z6, Z6; \
	VADDPS 960(CX), Z7, Z7; \
	VADDPS Z4, Z0, Z0; \
	VADDPS Z5, Z1, Z1; \
	VADDPS Z6, Z2, Z2; \
	VADDPS Z7, Z3, Z3; \
	VADDPS Z2, Z0, Z0; \
	VADDPS Z3, Z1, Z1; \
	VADDPS Z1, Z0, Z14; \
	MOVQ mode+72(FP), AX; \
	TESTQ $2, AX; \
	JNZ  wsm1; \
	JMP  bsm3
