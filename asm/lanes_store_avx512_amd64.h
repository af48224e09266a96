// The output of lanesAVX512 (lanes_avx512_amd64.s): the stores of ids and
// weights (LANES_AVX512_STORE) and the load counts: taken per block into
// byte counters (CNT_COUNTk, used by LANES_AVX512_TOPK) and added to load
// (LANES_AVX512_FLUSH).
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

// Load counts of one block (phase C, K = 1..4): byte field e%4 of CNT
// vector e/4 counts, per lane, the good tokens (K5) that chose e; the ids
// (Z4..Z7) become shift counts 8*id (Z8, Z9, Z10, Z13), lowered by 32 for
// each further CNT vector, as far as E needs (flushed to load every 128
// blocks). CNT_SUMk sums the K shifted ones into Z15 (Z14 scratch).
#define CNT_SUM1 \
	VPSLLVD.Z Z8, Z11, K5, Z15
#define CNT_NEXT1 \
	VPSUBD.BCST lanes16<>+C32(SB), Z8, Z8
#define CNT_SUM2 \
	VPSLLVD.Z Z8, Z11, K5, Z15; \
	VPSLLVD.Z Z9, Z11, K5, Z14; \
	VPADDD Z14, Z15, Z15
#define CNT_NEXT2 \
	VPSUBD.BCST lanes16<>+C32(SB), Z8, Z8; \
	VPSUBD.BCST lanes16<>+C32(SB), Z9, Z9
#define CNT_SUM3 \
	VPSLLVD.Z Z8, Z11, K5, Z15; \
	VPSLLVD.Z Z9, Z11, K5, Z14; \
	VPADDD Z14, Z15, Z15; \
	VPSLLVD.Z Z10, Z11, K5, Z14; \
	VPADDD Z14, Z15, Z15
#define CNT_NEXT3 \
	VPSUBD.BCST lanes16<>+C32(SB), Z8, Z8; \
	VPSUBD.BCST lanes16<>+C32(SB), Z9, Z9; \
	VPSUBD.BCST lanes16<>+C32(SB), Z10, Z10
#define CNT_SUM4 \
	VPSLLVD.Z Z8, Z11, K5, Z15; \
	VPSLLVD.Z Z9, Z11, K5, Z14; \
	VPADDD Z14, Z15, Z15; \
	VPSLLVD.Z Z10, Z11, K5, Z14; \
	VPADDD Z14, Z15, Z15; \
	VPSLLVD.Z Z13, Z11, K5, Z14; \
	VPADDD Z14, Z15, Z15
#define CNT_NEXT4 \
	VPSUBD.BCST lanes16<>+C32(SB), Z8, Z8; \
	VPSUBD.BCST lanes16<>+C32(SB), Z9, Z9; \
	VPSUBD.BCST lanes16<>+C32(SB), Z10, Z10; \
	VPSUBD.BCST lanes16<>+C32(SB), Z13, Z13
#define CNT_ADD(off) \
	VPADDD (CNT+off)(SP), Z15, Z15; \
	VMOVDQU32 Z15, (CNT+off)(SP)
// CNT_STEP: the next CNT vector, if E reaches it.
#define CNT_STEP(NEXT, SUM, off, lim, done) \
	CMPQ E+56(FP), $lim; \
	JBE  done; \
	NEXT; \
	SUM; \
	CNT_ADD(off)
#define CNT_COUNT1(done) \
	VPSLLD $3, Z4, Z8; \
	CNT_SUM1; \
	CNT_ADD(0); \
	CNT_STEP(CNT_NEXT1, CNT_SUM1, 64, 4, done); \
	CNT_STEP(CNT_NEXT1, CNT_SUM1, 128, 8, done); \
	CNT_STEP(CNT_NEXT1, CNT_SUM1, 192, 12, done)
#define CNT_COUNT2(done) \
	VPSLLD $3, Z4, Z8; \
	VPSLLD $3, Z5, Z9; \
	CNT_SUM2; \
	CNT_ADD(0); \
	CNT_STEP(CNT_NEXT2, CNT_SUM2, 64, 4, done); \
	CNT_STEP(CNT_NEXT2, CNT_SUM2, 128, 8, done); \
	CNT_STEP(CNT_NEXT2, CNT_SUM2, 192, 12, done)
#define CNT_COUNT3(done) \
	VPSLLD $3, Z4, Z8; \
	VPSLLD $3, Z5, Z9; \
	VPSLLD $3, Z6, Z10; \
	CNT_SUM3; \
	CNT_ADD(0); \
	CNT_STEP(CNT_NEXT3, CNT_SUM3, 64, 4, done); \
	CNT_STEP(CNT_NEXT3, CNT_SUM3, 128, 8, done); \
	CNT_STEP(CNT_NEXT3, CNT_SUM3, 192, 12, done)
#define CNT_COUNT4(done) \
	VPSLLD $3, Z4, Z8; \
	VPSLLD $3, Z5, Z9; \
	VPSLLD $3, Z6, Z10; \
	VPSLLD $3, Z7, Z13; \
	CNT_SUM4; \
	CNT_ADD(0); \
	CNT_STEP(CNT_NEXT4, CNT_SUM4, 64, 4, done); \
	CNT_STEP(CNT_NEXT4, CNT_SUM4, 128, 8, done); \
	CNT_STEP(CNT_NEXT4, CNT_SUM4, 192, 12, done)

// LANES_AVX512_STORE(next): the block's ids and weights to memory,
// row-major (token t's K entries at t*K): output vector o (o < K) holds
// entries 16o..16o+15, merged from wbuf[j]/ibuf[j] by VPERMPS/VPERMD under
// the merge masks of lanes16<>; the last vector of the last block is
// stored masked (nothing past the n*K entries is written). Continues at
// next.
// Reads: NSET(R11), R12 = K, wbuf, ibuf; DI, SI.
// Writes: ids[0:n*K] at DI, w[0:n*K] at SI; DI, SI advanced past them
// (but for a partial last vector, after which the kernel ends).
// Clobbers: AX, BX, CX, DX, R8, Z0-Z2, K1.
// Twin: RouteGeneric's output layout (ids[t*K+j], w[t*K+j]).
#define LANES_AVX512_STORE(next) \
	/* Stores: output vector o (o < K) of the block holds tokens' entries */ \
	/* 16o..16o+15, merged from wbuf[j]/ibuf[j] by the tables. */ \
	MOVQ NSET(R11), CX; \
	IMULQ R12, CX /* entries left to store: n*K */; \
	LEAQ -1(R12), AX; \
	IMULQ R12, AX; \
	SHRQ $1, AX /* offK = K(K-1)/2 */; \
	MOVQ AX, DX; \
	SHLQ $6, AX; \
	LEAQ lanes16<>(SB), BX; \
	ADDQ BX, AX /* AX = index vector of o */; \
	SHLQ $4, DX; \
	LEAQ (BX)(DX*1), DX; \
	ADDQ $MASKS, DX /* DX = masks of (o, 0) */; \
sto: \
	VMOVDQU32 (AX), Z2; \
	LEAQ WBUF(R11), BX; \
	MOVQ R12, R8; \
stj: \
	KMOVW (DX), K1; \
	VPERMPS (BX), Z2, K1, Z0; \
	VPERMD (IBUF-WBUF)(BX), Z2, K1, Z1; \
	ADDQ $4, DX; \
	ADDQ $64, BX; \
	DECQ R8; \
	JNZ  stj; \
	MOVQ $4, R8; \
	SUBQ R12, R8; \
	LEAQ (DX)(R8*4), DX /* next o's masks */; \
	CMPQ CX, $16; \
	JB   stpart; \
	VMOVUPS Z0, (SI); \
	VMOVDQU32 Z1, (DI); \
	ADDQ $64, SI; \
	ADDQ $64, DI; \
	ADDQ $64, AX; \
	SUBQ $16, CX; \
	JNZ  sto; \
	JMP  next; \
stpart: \
	MOVL $1, BX; \
	SHLL CX, BX; \
	DECL BX; \
	KMOVW BX, K1; \
	VMOVUPS Z0, K1, (SI); \
	VMOVDQU32 Z1, K1, (DI)

// LANES_AVX512_FLUSH(block, done): load[e] += the sum over lanes of byte
// field e%4 of CNT vector e/4, for e < E; CNT = 0. Continues at block
// when tokens are left (T > R9), else at done. Run every 128 blocks (no
// byte field exceeds 128) and at the end.
// Reads: load, E, T (arguments), R9, CNT.
// Clobbers: AX, CX, DX, R8, Z0-Z2.
// Twin: RouteGeneric's load counts.
#define LANES_AVX512_FLUSH(block, done) \
	MOVQ load+16(FP), AX; \
	XORQ DX, DX; \
	MOVL $0xFF, CX; \
	VPBROADCASTD CX, Z2; \
fl: \
	CMPQ DX, E+56(FP); \
	JAE  flz; \
	MOVQ DX, CX; \
	ANDQ $3, CX; \
	SHLQ $3, CX; \
	MOVQ DX, R8; \
	SHRQ $2, R8; \
	SHLQ $6, R8; \
	VMOVQ CX, X1; \
	LEAQ CNT(SP), CX; \
	VMOVDQU32 (CX)(R8*1), Z0; \
	VPSRLD X1, Z0, Z0; \
	VPANDD Z2, Z0, Z0; \
	VEXTRACTI64X4 $1, Z0, Y1; \
	VPADDD Y1, Y0, Y0; \
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
	VPXORD Z0, Z0, Z0; \
	VMOVDQU32 Z0, (CNT+0)(SP); \
	VMOVDQU32 Z0, (CNT+64)(SP); \
	VMOVDQU32 Z0, (CNT+128)(SP); \
	VMOVDQU32 Z0, (CNT+192)(SP); \
	MOVQ T+40(FP), CX; \
	SUBQ R9, CX; \
	JG   block; \
	JMP  done
