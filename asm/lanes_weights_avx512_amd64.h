// Phase D of lanesAVX512 (lanes_avx512_amd64.s): the weights of the chosen
// experts (LANES_AVX512_WEIGHTS), then their normalisation and scale and
// the bad tokens' output (LANES_AVX512_NORMALIZE).
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

// LANES_AVX512_WEIGHTS(wfinal, expsum, wsm1): phase D, the unnormalised
// weights u_j of the block in set R11 into wbuf[j], j < K. Continues at
// wfinal.
// Reads: mode (argument), R12 = K, vbuf (the K slot values), ibuf (their
// ids), sbuf (the scores, for selection on scores), Z12 = lane index.
// Writes wbuf[j] =
//   - selection on scores (mode bit 1 clear): sbuf[id_j] (VGATHERDPS);
//   - LogitSelect, sigmoid: Sigmoid(v_j);
//   - LogitSelect, softmax: ExpNeg(v_j - v_0), and without Normalize
//     (mode bit 2) / S, S = SoftmaxSum(x, v_0) by expsum with Z15 = v_0
//     (returns to wsm1, defined here, with Z14 = S).
// Clobbers: AX, CX, DX, Z0-Z7 (expsum), Z14, Z15, K1, K2.
// Twin: weights (route_generic.go).
#define LANES_AVX512_WEIGHTS(wfinal, expsum, wsm1) \
	MOVQ mode+72(FP), AX; \
	TESTQ $2, AX; \
	JZ   wgather; \
	TESTQ $1, AX; \
	JNZ  wsoftmax; \
	/* logit selection, sigmoid: u_j = Sigmoid(v_j) */ \
	LEAQ VBUF(R11), CX; \
	MOVQ R12, DX; \
wsig: \
	VMOVUPS (CX), Z5; \
	SIGMOID_AVX512(Z5, Z0, Z1, Z2, Z3, K2); \
	VMOVUPS Z0, (WBUF-VBUF)(CX); \
	ADDQ $64, CX; \
	DECQ DX; \
	JNZ  wsig; \
	JMP  wfinal; \
wgather: /* selection on scores: u_j = sbuf[id_j] */ \
	LEAQ SBUF(R11), AX; \
	LEAQ IBUF(R11), CX; \
	MOVQ R12, DX; \
wgl: \
	VPSLLD $4, (CX), Z1; \
	VPADDD Z12, Z1, Z1; \
	KXNORW K1, K1, K1; \
	VGATHERDPS (AX)(Z1*4), K1, Z0; \
	VMOVUPS Z0, (WBUF-IBUF)(CX); \
	ADDQ $64, CX; \
	DECQ DX; \
	JNZ  wgl; \
	JMP  wfinal; \
wsoftmax: /* logit selection, softmax: m = v_0 */ \
	VMOVUPS (VBUF+0)(R11), Z15; \
	TESTQ $4, AX; \
	JZ   expsum /* without Normalize: S = SoftmaxSum(x, m), back at wsm1 */; \
wsm1: \
	LEAQ VBUF(R11), CX; \
	MOVQ R12, DX; \
wsml: \
	VMOVUPS (CX), Z0; \
	VSUBPS Z15, Z0, Z0; \
	EXPNEG_AVX512(Z0, Z1, Z2, Z3); \
	MOVQ mode+72(FP), AX; \
	TESTQ $4, AX; \
	JNZ  wsm2; \
	VDIVPS Z14, Z0, Z0; \
wsm2: \
	VMOVUPS Z0, (WBUF-VBUF)(CX); \
	ADDQ $64, CX; \
	DECQ DX; \
	JNZ  wsml

// LANES_AVX512_NORMALIZE: normalisation, scale and bad tokens of the
// block in set R11, in place in wbuf and ibuf (j < K).
// Reads: mode, scale (arguments), R12 = K, wbuf, ibuf, BADK(R11), Z11 =
// int 1.
// Writes: with Normalize (mode bit 2) wbuf[j] = u_j / d, d = (((u_0 + u_1)
// + ...) + 1e-20); then wbuf[j] = wbuf[j] * scale; in the bad lanes (K6 =
// BADK(R11)) wbuf[j] = 0 and ibuf[j] = j.
// Clobbers: AX, CX, DX, Z0, Z1, Z14, Z15, K6; Z13 (restored to
// 0xFF000000).
// Twin: finishWeights (route_generic.go) and badRow's output (ids 0..K-1,
// weights 0, no load).
#define LANES_AVX512_NORMALIZE \
	/* Normalize: d = (((u_0 + u_1) + ...) + 1e-20) */ \
	MOVQ mode+72(FP), AX; \
	TESTQ $4, AX; \
	JZ   wscale; \
	LEAQ WBUF(R11), CX; \
	VMOVUPS (CX), Z14; \
	MOVQ R12, DX; \
	DECQ DX; \
	JZ   wn2; \
wn1: \
	ADDQ $64, CX; \
	VADDPS (CX), Z14, Z14; \
	DECQ DX; \
	JNZ  wn1; \
wn2: \
	VBROADCASTSS consts<>+C_EPS(SB), Z0; \
	VADDPS Z0, Z14, Z14; \
	LEAQ WBUF(R11), CX; \
	MOVQ R12, DX; \
wn3: \
	VMOVUPS (CX), Z0; \
	VDIVPS Z14, Z0, Z0; \
	VMOVUPS Z0, (CX); \
	ADDQ $64, CX; \
	DECQ DX; \
	JNZ  wn3; \
wscale: \
	/* w = u * scale; bad lanes: weight 0, id j */ \
	KMOVW BADK(R11), K6; \
	VBROADCASTSS scale+80(FP), Z15; \
	VPXORD Z14, Z14, Z14; \
	VPXORD Z13, Z13, Z13 /* id j (restored below) */; \
	LEAQ WBUF(R11), CX; \
	MOVQ R12, DX; \
ws1: \
	VMOVUPS (CX), Z0; \
	VMULPS Z15, Z0, Z0; \
	VMOVAPS Z14, K6, Z0; \
	VMOVUPS Z0, (CX); \
	VMOVDQU32 (IBUF-WBUF)(CX), Z1; \
	VMOVDQA32 Z13, K6, Z1; \
	VMOVDQU32 Z1, (IBUF-WBUF)(CX); \
	VPADDD Z11, Z13, Z13; \
	ADDQ $64, CX; \
	DECQ DX; \
	JNZ  ws1; \
	MOVL $0xFF000000, AX; \
	VPBROADCASTD AX, Z13
