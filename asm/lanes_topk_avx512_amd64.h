// Phase C of lanesAVX512 (lanes_avx512_amd64.s): the top K <= 4 experts of
// each token, by insertion into K sorted slots, and the block's load
// counts.
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

// LANES_AVX512_TOPK(phaseD): phase C, the top K (1..4) of the E vectors at
// CX, and the block's load counts. Continues at phaseD.
// Experts are taken in increasing index order, the K slots sorted by
// Key; a candidate enters where it is strictly greater (VCMPPS GT_OQ,
// which treats -0 == +0 as Key does); since its index exceeds every held
// index, strict-greater is exactly Key order (lower index wins ties).
// Slot j's value is VMAXPS(c, v_j) (c if c > v_j, else v_j), then v_{j-1}
// where c > v_{j-1}: the compares are off the slots' dependency chains.
// Reads: CX, E (argument), R12 = K, K5 (good lanes), Z11 = int 1, Z31 =
// -Inf.
// Writes: Z0..Z(K-1) = the values of slots 0..K-1, Z4..Z(3+K) = their
// expert ids; CNT += the good lanes' choices (CNT_COUNTk,
// lanes_store_avx512_amd64.h), from the ids still in registers.
// Clobbers: CX, DX, Z8-Z10, Z13-Z15, K1-K4.
// Twin: topK (route_generic.go) for K <= 4, and RouteGeneric's load[id]++
// of each good token.
#define LANES_AVX512_TOPK(phaseD) \
	VPXORD Z10, Z10, Z10; \
	VPXORD Z4, Z4, Z4; \
	VPXORD Z5, Z5, Z5; \
	VPXORD Z6, Z6, Z6; \
	VPXORD Z7, Z7, Z7; \
	VMOVAPS Z31, Z0; \
	VMOVAPS Z31, Z1; \
	VMOVAPS Z31, Z2; \
	VMOVAPS Z31, Z3; \
	MOVQ E+56(FP), DX; \
	CMPQ R12, $2; \
	JB   top1; \
	JE   top2; \
	CMPQ R12, $3; \
	JE   top3; \
	JMP  top4; \
top1: \
	VMOVUPS (CX), Z8; \
	VCMPPS $0x1e, Z0, Z8, K4; \
	VMAXPS Z0, Z8, Z0; \
	VMOVDQA32 Z10, K4, Z4; \
	VPADDD Z11, Z10, Z10; \
	ADDQ $64, CX; \
	DECQ DX; \
	JNZ  top1; \
	/* load counts */ \
	CNT_COUNT1(cntd1); \
cntd1: \
	JMP  phaseD; \
top2: \
	VMOVUPS (CX), Z8; \
	VCMPPS $0x1e, Z1, Z8, K3; \
	VCMPPS $0x1e, Z0, Z8, K4; \
	VMAXPS Z1, Z8, Z1; \
	VMOVAPS Z0, K4, Z1; \
	VMAXPS Z0, Z8, Z0; \
	VMOVDQA32 Z10, K3, Z5; \
	VMOVDQA32 Z4, K4, Z5; \
	VMOVDQA32 Z10, K4, Z4; \
	VPADDD Z11, Z10, Z10; \
	ADDQ $64, CX; \
	DECQ DX; \
	JNZ  top2; \
	/* load counts */ \
	CNT_COUNT2(cntd2); \
cntd2: \
	JMP  phaseD; \
top3: \
	VMOVUPS (CX), Z8; \
	VCMPPS $0x1e, Z2, Z8, K2; \
	VCMPPS $0x1e, Z1, Z8, K3; \
	VCMPPS $0x1e, Z0, Z8, K4; \
	VMAXPS Z2, Z8, Z2; \
	VMOVAPS Z1, K3, Z2; \
	VMAXPS Z1, Z8, Z1; \
	VMOVAPS Z0, K4, Z1; \
	VMAXPS Z0, Z8, Z0; \
	VMOVDQA32 Z10, K2, Z6; \
	VMOVDQA32 Z5, K3, Z6; \
	VMOVDQA32 Z10, K3, Z5; \
	VMOVDQA32 Z4, K4, Z5; \
	VMOVDQA32 Z10, K4, Z4; \
	VPADDD Z11, Z10, Z10; \
	ADDQ $64, CX; \
	DECQ DX; \
	JNZ  top3; \
	/* load counts */ \
	CNT_COUNT3(cntd3); \
cntd3: \
	JMP  phaseD; \
top4: \
	VMOVUPS (CX), Z8; \
	VCMPPS $0x1e, Z3, Z8, K1; \
	VCMPPS $0x1e, Z2, Z8, K2; \
	VCMPPS $0x1e, Z1, Z8, K3; \
	VCMPPS $0x1e, Z0, Z8, K4; \
	VMAXPS Z3, Z8, Z3; \
	VMOVAPS Z2, K2, Z3; \
	VMAXPS Z2, Z8, Z2; \
	VMOVAPS Z1, K3, Z2; \
	VMAXPS Z1, Z8, Z1; \
	VMOVAPS Z0, K4, Z1; \
	VMAXPS Z0, Z8, Z0; \
	VMOVDQA32 Z10, K1, Z7; \
	VMOVDQA32 Z6, K2, Z7; \
	VMOVDQA32 Z10, K2, Z6; \
	VMOVDQA32 Z5, K3, Z6; \
	VMOVDQA32 Z10, K3, Z5; \
	VMOVDQA32 Z4, K4, Z5; \
	VMOVDQA32 Z10, K4, Z4; \
	VPADDD Z11, Z10, Z10; \
	ADDQ $64, CX; \
	DECQ DX; \
	JNZ  top4; \
	/* load counts */ \
	CNT_COUNT4(cntd4); \
cntd4: \
	JMP  phaseD
