// Phase C of lanesAVX2 (lanes_avx2_amd64.s): the top K <= 4 experts of
// each token, by insertion into K sorted slots, and the block's load
// counts.
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

// LANES_AVX2_TOPK(phaseD): phase C, the top K (1..4) of the E vectors at
// CX, and the block's load counts. Continues at phaseD.
// The method of LANES_AVX512_TOPK (lanes_topk_avx512_amd64.h: experts in
// increasing index order, a candidate enters where it is strictly greater,
// VCMPPS GT_OQ), with the inserts as VBLENDVPS (values: VMAXPS, then the
// slot above) under the compare masks Y11-Y14.
// Reads: CX, E (argument), R12 = K, GOODV(R11).
// Writes: Y0..Y(K-1) = the values of slots 0..K-1, Y4..Y(3+K) = their
// expert ids; CNT += the good lanes' choices (CNT_COUNTk,
// lanes_store_avx2_amd64.h), from the ids still in registers.
// Clobbers: CX, DX, Y8-Y15 (Y8 candidate, Y9 candidate id, Y10 int 1).
// Twin: topK (route_generic.go) for K <= 4, and RouteGeneric's load[id]++
// of each good token.
#define LANES_AVX2_TOPK(phaseD) \
	VPXOR Y9, Y9, Y9; \
	VPCMPEQD Y10, Y10, Y10; \
	VPSRLD $31, Y10, Y10; \
	VPXOR Y4, Y4, Y4; \
	VPXOR Y5, Y5, Y5; \
	VPXOR Y6, Y6, Y6; \
	VPXOR Y7, Y7, Y7; \
	VBROADCASTSS consts<>+C_NEGINF(SB), Y0; \
	VMOVAPS Y0, Y1; \
	VMOVAPS Y0, Y2; \
	VMOVAPS Y0, Y3; \
	MOVQ E+56(FP), DX; \
	CMPQ R12, $2; \
	JB   top1; \
	JE   top2; \
	CMPQ R12, $3; \
	JE   top3; \
	JMP  top4; \
top1: \
	VMOVUPS (CX), Y8; \
	VCMPPS $0x1e, Y0, Y8, Y14; \
	VMAXPS Y0, Y8, Y0; \
	VBLENDVPS Y14, Y9, Y4, Y4; \
	VPADDD Y10, Y9, Y9; \
	ADDQ $32, CX; \
	DECQ DX; \
	JNZ  top1; \
	/* load counts */ \
	CNT_COUNT1(cntd1); \
cntd1: \
	JMP  phaseD; \
top2: \
	VMOVUPS (CX), Y8; \
	VCMPPS $0x1e, Y1, Y8, Y13; \
	VCMPPS $0x1e, Y0, Y8, Y14; \
	VMAXPS Y1, Y8, Y1; \
	VBLENDVPS Y14, Y0, Y1, Y1; \
	VMAXPS Y0, Y8, Y0; \
	VBLENDVPS Y13, Y9, Y5, Y5; \
	VBLENDVPS Y14, Y4, Y5, Y5; \
	VBLENDVPS Y14, Y9, Y4, Y4; \
	VPADDD Y10, Y9, Y9; \
	ADDQ $32, CX; \
	DECQ DX; \
	JNZ  top2; \
	/* load counts */ \
	CNT_COUNT2(cntd2); \
cntd2: \
	JMP  phaseD; \
top3: \
	VMOVUPS (CX), Y8; \
	VCMPPS $0x1e, Y2, Y8, Y12; \
	VCMPPS $0x1e, Y1, Y8, Y13; \
	VCMPPS $0x1e, Y0, Y8, Y14; \
	VMAXPS Y2, Y8, Y2; \
	VBLENDVPS Y13, Y1, Y2, Y2; \
	VMAXPS Y1, Y8, Y1; \
	VBLENDVPS Y14, Y0, Y1, Y1; \
	VMAXPS Y0, Y8, Y0; \
	VBLENDVPS Y12, Y9, Y6, Y6; \
	VBLENDVPS Y13, Y5, Y6, Y6; \
	VBLENDVPS Y13, Y9, Y5, Y5; \
	VBLENDVPS Y14, Y4, Y5, Y5; \
	VBLENDVPS Y14, Y9, Y4, Y4; \
	VPADDD Y10, Y9, Y9; \
	ADDQ $32, CX; \
	DECQ DX; \
	JNZ  top3; \
	/* load counts */ \
	CNT_COUNT3(cntd3); \
cntd3: \
	JMP  phaseD; \
top4: \
	VMOVUPS (CX), Y8; \
	VCMPPS $0x1e, Y3, Y8, Y11; \
	VCMPPS $0x1e, Y2, Y8, Y12; \
	VCMPPS $0x1e, Y1, Y8, Y13; \
	VCMPPS $0x1e, Y0, Y8, Y14; \
	VMAXPS Y3, Y8, Y3; \
	VBLENDVPS Y12, Y2, Y3, Y3; \
	VMAXPS Y2, Y8, Y2; \
	VBLENDVPS Y13, Y1, Y2, Y2; \
	VMAXPS Y1, Y8, Y1; \
	VBLENDVPS Y14, Y0, Y1, Y1; \
	VMAXPS Y0, Y8, Y0; \
	VBLENDVPS Y11, Y9, Y7, Y7; \
	VBLENDVPS Y12, Y6, Y7, Y7; \
	VBLENDVPS Y12, Y9, Y6, Y6; \
	VBLENDVPS Y13, Y5, Y6, Y6; \
	VBLENDVPS Y13, Y9, Y5, Y5; \
	VBLENDVPS Y14, Y4, Y5, Y5; \
	VBLENDVPS Y14, Y9, Y4, Y4; \
	VPADDD Y10, Y9, Y9; \
	ADDQ $32, CX; \
	DECQ DX; \
	JNZ  top4; \
	/* load counts */ \
	CNT_COUNT4(cntd4); \
cntd4: \
	JMP  phaseD
