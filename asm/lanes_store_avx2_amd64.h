// The output of lanesAVX2 (lanes_avx2_amd64.s): the stores of ids and
// weights (LANES_AVX2_STORE) and the load counts: taken per block into
// byte counters (CNT_COUNTk, used by LANES_AVX2_TOPK) and added to load
// (LANES_AVX2_FLUSH).
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

// Load counts of one block (phase C, K = 1..4): byte field e%4 of CNT
// vector e/4 counts, per lane, the good tokens (GOODV) that chose e; the
// ids (Y4..Y7) become shift counts 8*id (Y11..Y14), lowered by 32 for each
// further CNT vector, as far as E needs (flushed to load every 128 blocks).
// CNT_SUMk sums the K shifted ones into Y15 (Y8 scratch).
#define CNT_SUM1 \
	VPSLLVD Y11, Y10, Y15; \
	VPAND GOODV(R11), Y15, Y15
#define CNT_NEXT1 \
	VPSUBD lanes8<>+C32(SB), Y11, Y11
#define CNT_SUM2 \
	VPSLLVD Y11, Y10, Y15; \
	VPSLLVD Y12, Y10, Y8; \
	VPADDD Y8, Y15, Y15; \
	VPAND GOODV(R11), Y15, Y15
#define CNT_NEXT2 \
	VPSUBD lanes8<>+C32(SB), Y11, Y11; \
	VPSUBD lanes8<>+C32(SB), Y12, Y12
#define CNT_SUM3 \
	VPSLLVD Y11, Y10, Y15; \
	VPSLLVD Y12, Y10, Y8; \
	VPADDD Y8, Y15, Y15; \
	VPSLLVD Y13, Y10, Y8; \
	VPADDD Y8, Y15, Y15; \
	VPAND GOODV(R11), Y15, Y15
#define CNT_NEXT3 \
	VPSUBD lanes8<>+C32(SB), Y11, Y11; \
	VPSUBD lanes8<>+C32(SB), Y12, Y12; \
	VPSUBD lanes8<>+C32(SB), Y13, Y13
#define CNT_SUM4 \
	VPSLLVD Y11, Y10, Y15; \
	VPSLLVD Y12, Y10, Y8; \
	VPADDD Y8, Y15, Y15; \
	VPSLLVD Y13, Y10, Y8; \
	VPADDD Y8, Y15, Y15; \
	VPSLLVD Y14, Y10, Y8; \
	VPADDD Y8, Y15, Y15; \
	VPAND GOODV(R11), Y15, Y15
#define CNT_NEXT4 \
	VPSUBD lanes8<>+C32(SB), Y11, Y11; \
	VPSUBD lanes8<>+C32(SB), Y12, Y12; \
	VPSUBD lanes8<>+C32(SB), Y13, Y13; \
	VPSUBD lanes8<>+C32(SB), Y14, Y14
#define CNT_ADD(off) \
	VPADDD (CNT+off)(SP), Y15, Y15; \
	VMOVDQU Y15, (CNT+off)(SP)
// CNT_STEP: the next CNT vector, if E reaches it.
#define CNT_STEP(NEXT, SUM, off, lim, done) \
	CMPQ E+56(FP), $lim; \
	JBE  done; \
	NEXT; \
	SUM; \
	CNT_ADD(off)
#define CNT_COUNT1(done) \
	VPSLLD $3, Y4, Y11; \
	CNT_SUM1; \
	CNT_ADD(0); \
	CNT_STEP(CNT_NEXT1, CNT_SUM1, 32, 4, done); \
	CNT_STEP(CNT_NEXT1, CNT_SUM1, 64, 8, done); \
	CNT_STEP(CNT_NEXT1, CNT_SUM1, 96, 12, done)
#define CNT_COUNT2(done) \
	VPSLLD $3, Y4, Y11; \
	VPSLLD $3, Y5, Y12; \
	CNT_SUM2; \
	CNT_ADD(0); \
	CNT_STEP(CNT_NEXT2, CNT_SUM2, 32, 4, done); \
	CNT_STEP(CNT_NEXT2, CNT_SUM2, 64, 8, done); \
	CNT_STEP(CNT_NEXT2, CNT_SUM2, 96, 12, done)
#define CNT_COUNT3(done) \
	VPSLLD $3, Y4, Y11; \
	VPSLLD $3, Y5, Y12; \
	VPSLLD $3, Y6, Y13; \
	CNT_SUM3; \
	CNT_ADD(0); \
	CNT_STEP(CNT_NEXT3, CNT_SUM3, 32, 4, done); \
	CNT_STEP(CNT_NEXT3, CNT_SUM3, 64, 8, done); \
	CNT_STEP(CNT_NEXT3, CNT_SUM3, 96, 12, done)
#define CNT_COUNT4(done) \
	VPSLLD $3, Y4, Y11; \
	VPSLLD $3, Y5, Y12; \
	VPSLLD $3, Y6, Y13; \
	VPSLLD $3, Y7, Y14; \
	CNT_SUM4; \
	CNT_ADD(0); \
	CNT_STEP(CNT_NEXT4, CNT_SUM4, 32, 4, done); \
	CNT_STEP(CNT_NEXT4, CNT_SUM4, 64, 8, done); \
	CNT_STEP(CNT_NEXT4, CNT_SUM4, 96, 12, done)

// LANES_AVX2_STORE(next): the block's ids and weights to memory,
// row-major (token t's K entries at t*K): output vector o (o < K) holds
// entries 8o..8o+7, blended from VPERMPS/VPERMD permutations of
// wbuf[j]/ibuf[j] under the masks of lanes8<>; the last vector of the last
// block is stored with VMASKMOVPS/VPMASKMOVD (nothing past the n*K
// entries is written). Continues at next.
// Reads: NSET(R11), R12 = K, wbuf, ibuf; DI, SI.
// Writes: ids[0:n*K] at DI, w[0:n*K] at SI; DI, SI advanced past them
// (but for a partial last vector, after which the kernel ends).
// Clobbers: AX, BX, CX, DX, R8, Y0-Y3, Y5.
// Twin: RouteGeneric's output layout (ids[t*K+j], w[t*K+j]).
#define LANES_AVX2_STORE(next) \
	/* Stores: output vector o (o < K) of the block holds the entries */ \
	/* 8o..8o+7, blended from permutations of wbuf[j]/ibuf[j] (tables). */ \
	MOVQ NSET(R11), CX; \
	IMULQ R12, CX /* entries left to store: n*K */; \
	LEAQ -1(R12), AX; \
	IMULQ R12, AX; \
	SHRQ $1, AX /* offK = K(K-1)/2 */; \
	MOVQ AX, DX; \
	SHLQ $5, AX; \
	LEAQ lanes8<>(SB), BX; \
	ADDQ BX, AX /* AX = index vector of o */; \
	SHLQ $7, DX; \
	LEAQ (BX)(DX*1), DX; \
	ADDQ $MASKS, DX /* DX = mask of (o, 0) */; \
sto: \
	VMOVDQU (AX), Y2; \
	LEAQ WBUF(R11), BX; \
	MOVQ R12, R8; \
stj: \
	VMOVDQU (DX), Y5; \
	VPERMPS (BX), Y2, Y3; \
	VBLENDVPS Y5, Y3, Y0, Y0; \
	VPERMD (IBUF-WBUF)(BX), Y2, Y3; \
	VBLENDVPS Y5, Y3, Y1, Y1; \
	ADDQ $32, DX; \
	ADDQ $32, BX; \
	DECQ R8; \
	JNZ  stj; \
	MOVQ $4, R8; \
	SUBQ R12, R8; \
	SHLQ $5, R8; \
	ADDQ R8, DX /* next o's masks */; \
	CMPQ CX, $8; \
	JB   stpart; \
	VMOVUPS Y0, (SI); \
	VMOVDQU Y1, (DI); \
	ADDQ $32, SI; \
	ADDQ $32, DI; \
	ADDQ $32, AX; \
	SUBQ $8, CX; \
	JNZ  sto; \
	JMP  next; \
stpart: \
	TAILMASK_AVX2(CX, BX, Y5); \
	VMASKMOVPS Y0, Y5, (SI); \
	VPMASKMOVD Y1, Y5, (DI)

// LANES_AVX2_FLUSH(block, done): load[e] += the sum over lanes of byte
// field e%4 of CNT vector e/4, for e < E; CNT = 0. Continues at block when
// tokens are left (T > R9), else at done. Run every 128 blocks (no byte
// field exceeds 128) and at the end.
// Reads: load, E, T (arguments), R9, CNT.
// Clobbers: AX, CX, DX, R8, Y0-Y2.
// Twin: RouteGeneric's load counts.
#define LANES_AVX2_FLUSH(block, done) \
	MOVQ load+16(FP), AX; \
	XORQ DX, DX; \
	MOVL $0xFF, CX; \
	VMOVQ CX, X2; \
	VPBROADCASTD X2, Y2; \
fl: \
	CMPQ DX, E+56(FP); \
	JAE  flz; \
	MOVQ DX, CX; \
	ANDQ $3, CX; \
	SHLQ $3, CX; \
	MOVQ DX, R8; \
	SHRQ $2, R8; \
	SHLQ $5, R8; \
	VMOVQ CX, X1; \
	LEAQ CNT(SP), CX; \
	VMOVDQU (CX)(R8*1), Y0; \
	VPSRLD X1, Y0, Y0; \
	VPAND Y2, Y0, Y0; \
	VEXTRACTI128 $1, Y0, X1; \
	VPADDD X1, X0, X0; \
	VPSHUFD $0x4E, X0, X1; \
	VPADDD X1, X0, X0; \
	VPSHUFD $0xB1, X0, X1; \
	VPADDD X1, X0, X0; \
	VMOVD X0, CX; \
	ADDQ CX, (AX)(DX*8); \
	INCQ DX; \
	JMP  fl; \
flz: \
	VPXOR Y0, Y0, Y0; \
	VMOVDQU Y0, (CNT+0)(SP); \
	VMOVDQU Y0, (CNT+32)(SP); \
	VMOVDQU Y0, (CNT+64)(SP); \
	VMOVDQU Y0, (CNT+96)(SP); \
	MOVQ T+40(FP), CX; \
	SUBQ R9, CX; \
	JG   block; \
	JMP  done
