// Phase D of lanesAVX2 (lanes_avx2_amd64.s): the weights of the chosen
// experts (LANES_AVX2_WEIGHTS), then their normalisation and scale and
// the bad tokens' output (LANES_AVX2_NORMALIZE).
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

// LANES_AVX2_WEIGHTS(wfinal, expsum, wsm1): phase D, the unnormalised
// weights u_j of the block in set R11 into wbuf[j], j < K. Continues at
// wfinal.
// Reads: mode (argument), R12 = K, vbuf (the K slot values), ibuf (their
// ids), sbuf (the scores, for selection on scores).
// Writes wbuf[j] =
//   - selection on scores (mode bit 1 clear): sbuf[id_j] (VGATHERDPS);
//   - LogitSelect, sigmoid: Sigmoid(v_j);
//   - LogitSelect, softmax: ExpNeg(v_j - v_0), and without Normalize
//     (mode bit 2) / S, S = SoftmaxSum(x, v_0) by expsum with Y4 = v_0
//     (returns to wsm1, defined here, with Y15 = S).
// Clobbers: AX, CX, DX, Y0-Y15 (Y8-Y15: LOAD_CONSTS_AVX2).
// Twin: weights (route_generic.go).
#define LANES_AVX2_WEIGHTS(wfinal, expsum, wsm1) \
	LOAD_CONSTS_AVX2; \
	MOVQ mode+72(FP), AX; \
	TESTQ $2, AX; \
	JZ   wgather; \
	TESTQ $1, AX; \
	JNZ  wsoftmax; \
	/* logit selection, sigmoid: u_j = Sigmoid(v_j) */ \
	LEAQ VBUF(R11), CX; \
	MOVQ R12, DX; \
wsig: \
	VMOVUPS (CX), Y5; \
	SIGMOID_AVX2; \
	VMOVUPS Y0, (WBUF-VBUF)(CX); \
	ADDQ $32, CX; \
	DECQ DX; \
	JNZ  wsig; \
	JMP  wfinal; \
wgather: /* selection on scores: u_j = sbuf[id_j] */ \
	LEAQ SBUF(R11), AX; \
	LEAQ IBUF(R11), CX; \
	VMOVDQU lanes8<>+IOTA(SB), Y6; \
	MOVQ R12, DX; \
wgl: \
	VMOVDQU (CX), Y5; \
	VPSLLD $3, Y5, Y5; \
	VPADDD Y6, Y5, Y5; \
	VPCMPEQD Y7, Y7, Y7; \
	VXORPS Y0, Y0, Y0; \
	VGATHERDPS Y7, (AX)(Y5*4), Y0; \
	VMOVUPS Y0, (WBUF-IBUF)(CX); \
	ADDQ $32, CX; \
	DECQ DX; \
	JNZ  wgl; \
	JMP  wfinal; \
wsoftmax: /* logit selection, softmax: m = v_0 */ \
	VMOVUPS (VBUF+0)(R11), Y4; \
	TESTQ $4, AX; \
	JZ   expsum /* without Normalize: Y15 = S = SoftmaxSum(x, m), back at wsm1 */; \
wsm1: \
	VMOVUPS (VBUF+0)(R11), Y4; \
	LEAQ VBUF(R11), CX; \
	MOVQ R12, DX; \
wsml: \
	VMOVUPS (CX), Y0; \
	VSUBPS Y4, Y0, Y0; \
	EXPNEG_AVX2; \
	MOVQ mode+72(FP), AX; \
	TESTQ $4, AX; \
	JNZ  wsm2; \
	VDIVPS Y15, Y0, Y0; \
wsm2: \
	VMOVUPS Y0, (WBUF-VBUF)(CX); \
	ADDQ $32, CX; \
	DECQ DX; \
	JNZ  wsml

// LANES_AVX2_NORMALIZE: normalisation, scale and bad tokens of the block
// in set R11, in place in wbuf and ibuf (j < K).
// Reads: mode, scale (arguments), R12 = K, wbuf, ibuf, BADV(R11).
// Writes: with Normalize (mode bit 2) wbuf[j] = u_j / d, d = (((u_0 + u_1)
// + ...) + 1e-20); then wbuf[j] = wbuf[j] * scale; in the bad lanes
// wbuf[j] = 0 and ibuf[j] = j.
// Clobbers: AX, CX, DX, Y0, Y1, Y3-Y7.
// Twin: finishWeights (route_generic.go) and badRow's output (ids 0..K-1,
// weights 0, no load).
#define LANES_AVX2_NORMALIZE \
	/* Normalize: d = (((u_0 + u_1) + ...) + 1e-20) */ \
	MOVQ mode+72(FP), AX; \
	TESTQ $4, AX; \
	JZ   wscale; \
	LEAQ WBUF(R11), CX; \
	VMOVUPS (CX), Y5; \
	MOVQ R12, DX; \
	DECQ DX; \
	JZ   wn2; \
wn1: \
	ADDQ $32, CX; \
	VADDPS (CX), Y5, Y5; \
	DECQ DX; \
	JNZ  wn1; \
wn2: \
	VADDPS consts<>+C_EPS(SB), Y5, Y5; \
	LEAQ WBUF(R11), CX; \
	MOVQ R12, DX; \
wn3: \
	VMOVUPS (CX), Y0; \
	VDIVPS Y5, Y0, Y0; \
	VMOVUPS Y0, (CX); \
	ADDQ $32, CX; \
	DECQ DX; \
	JNZ  wn3; \
wscale: \
	/* w = u * scale; bad lanes: weight 0, id j */ \
	VBROADCASTSS scale+80(FP), Y6; \
	VMOVDQU BADV(R11), Y7; \
	VPXOR Y3, Y3, Y3; \
	VPXOR Y5, Y5, Y5; \
	VPCMPEQD Y4, Y4, Y4; \
	VPSRLD $31, Y4, Y4; \
	LEAQ WBUF(R11), CX; \
	MOVQ R12, DX; \
ws1: \
	VMOVUPS (CX), Y0; \
	VMULPS Y6, Y0, Y0; \
	VBLENDVPS Y7, Y3, Y0, Y0; \
	VMOVUPS Y0, (CX); \
	VMOVDQU (IBUF-WBUF)(CX), Y1; \
	VBLENDVPS Y7, Y5, Y1, Y1; \
	VMOVDQU Y1, (IBUF-WBUF)(CX); \
	VPADDD Y4, Y5, Y5; \
	ADDQ $32, CX; \
	DECQ DX; \
	JNZ  ws1
