//go:build gc && !purego

// AVX-512 "tokens across lanes" routing kernel for routers with few experts.
//
// func lanesAVX512(ids *int32, w *float32, load *int64, x, bias *float32, T, stride, E, K, mode int, scale float32) (first int)
//
// Requires: AVX512F (zmm arithmetic, VSCALEFPS, VGATHERDPS, VPERMPS/VPERMD,
// opmasks), POPCNT. No FMA, no approximate reciprocals.
//
// Twin: RouteGeneric (route_generic.go) for Groups == 1, E <= 16, K <= 4,
// over all T tokens of one call, bit for bit: ids, weights, load counts and
// the returned index of the first bad token (-1 if none). mode: bit 0
// softmax (else sigmoid), bit 1 LogitSelect (bias == nil), bit 2 Normalize.
//
// Layout: 16 tokens per block, one token per lane. The block's rows (E
// floats each, masked loads: nothing past a row's E floats or past the
// last token is read) are loaded into Z0-Z15 and transposed (unpck ps/pd,
// VSHUFF32X4) into xbuf[e], expert e's logits of the 16 tokens; every step
// then works on vertical vectors, one per expert, and each lane follows the
// Go reference's order of operations exactly:
//   - bad row: any |x| bits >= 0x7F800000 (shifted left: >= 0xFF000000)
//   - sigmoid + bias: sbuf[e] = Sigmoid(x_e), selbuf[e] = sbuf[e] + b[e]
//   - softmax + bias: m by the reference's strict-greater scan (VMAXPS
//     returns its second operand on ties), e_i = ExpNeg(x_i - m) into sbuf,
//     S by SoftmaxSum's tree (sbuf[E..15] hold +0), sbuf[e] = e_e / S,
//     selbuf[e] = sbuf[e] + b[e]
//   - top-K: experts in increasing index order, K slots sorted by Key;
//     a candidate enters where it is strictly greater (VCMPPS GT_OQ, which
//     treats -0 == +0 as Key does); since its index exceeds every held
//     index, strict-greater is exactly Key order (lower index wins ties).
//     Slot j's value is VMAXPS(c, v_j) (c if c > v_j, else v_j), then v_{j-1}
//     where c > v_{j-1}: the compares are off the slots' dependency chains.
//     The load counts are taken right after each K's loop, from the ids
//     still in registers.
//   - weights: logit selection: Sigmoid(v_j), or ExpNeg(v_j - v_0) (and
//     / SoftmaxSum(x, v_0) without Normalize); bias: sbuf[id_j] (gathered);
//     Normalize: / (((u_0 + u_1) + ...) + 1e-20); * scale
//   - bad lanes: ids 0..K-1, weights 0, no load
//   - stores: row-major t*K+j by VPERMPS/VPERMD merges (tables lanes16<>),
//     masked on the last block
//   - load counts: each good lane adds 1 << 8*(id%4) to CNT vector id/4
//     (VPSLLVD, zero for the other vectors); every 128 blocks (no byte
//     field exceeds 128) and at the end, load[e] += the sum over lanes of
//     byte field e%4 of CNT vector e/4, and CNT is cleared
//
// Registers: DI = ids out, SI = w out, R9 = t0 (first token of the block),
// R10 = x of the block, R11 = the block's buffer set (SET0/SET1), R12 = K,
// R13 = first bad; AX BX CX DX R8 scratch (E is read from the arguments). Z16-Z31 = LOAD_CONSTS_AVX512 (Z28-Z31 are the transposition's
// temporaries in phase A, Z30/Z31 restored after it); Z11 = int 1,
// Z12 = lane index, Z13 = 0xFF000000 (set after phase A); top-K: Z0-Z3 values, Z4-Z7 ids,
// Z8 candidate, Z10 candidate id. K7 = block's lanes, K6 = bad lanes,
// K5 = good lanes, K1-K4 scratch.
// Frame: two buffer sets of SETSZ bytes (blocks go in pairs: phases A-C
// of both, then the weights of both, whose exponential chains overlap,
// then normalisation/scale/stores of each): xbuf, selbuf, sbuf, vbuf,
// ibuf, wbuf, the bad-lane mask BADK (K6 is reloaded from it) and the
// block's token count NSET; then, shared, rowbuf (the last block's rows)
// and CNT (4 vectors of byte load counters).
// Preconditions (checked by lanesOK): 1 <= K <= min(E, 4), E <= 16,
// E <= stride <= 1<<26, T >= 1, x holds (T-1)*stride+E floats, bias nil
// exactly when mode has bit 1.

#include "textflag.h"
#include "consts_amd64.h"
#include "exp_amd64.h"


#include "tables_lanes_avx512_amd64.h"

// Two sets of per-block buffers (SET0, SET1, SETSZ bytes each, addressed
// from R11): blocks are processed in pairs, and the weights of both blocks
// are computed in one stretch of code, so that their exponential chains
// overlap.
#define SETSZ 4096
#define SET0 0
#define SET1 4096
#define XBUF 0
#define SELBUF 1024
#define SBUF 2048
#define VBUF 3072
#define IBUF 3328
#define WBUF 3584
#define BADK 3840
#define NSET 3848
#define ROWBUF 8192
#define CNT 9216
#define C32 864

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

TEXT ·lanesAVX512(SB), 0, $9472-96
	MOVQ ids+0(FP), DI
	MOVQ w+8(FP), SI
	MOVQ x+24(FP), R10
	MOVQ K+64(FP), R12
	MOVQ $-1, R13
	XORQ R9, R9
	LOAD_CONSTS_AVX512
	MOVL $1, AX
	VPBROADCASTD AX, Z11
	MOVL $0xFF000000, AX
	VPBROADCASTD AX, Z13
	VMOVDQU32 lanes16<>+IOTA(SB), Z12

	VPXORD Z0, Z0, Z0
	VMOVDQU32 Z0, (CNT+0)(SP)
	VMOVDQU32 Z0, (CNT+64)(SP)
	VMOVDQU32 Z0, (CNT+128)(SP)
	VMOVDQU32 Z0, (CNT+192)(SP)
	// sbuf[E..15] = +0 (SoftmaxSum's padding)
	VPXORD Z0, Z0, Z0
	MOVQ E+56(FP), AX
	SHLQ $6, AX
	LEAQ (SET0+SBUF)(SP)(AX*1), AX
	LEAQ (SET0+SBUF+1024)(SP), CX
zpad:
	CMPQ AX, CX
	JAE  block
	VMOVUPS Z0, (AX)
	VMOVUPS Z0, SETSZ(AX)
	ADDQ $64, AX
	JMP  zpad

block:
	MOVQ T+40(FP), CX
	SUBQ R9, CX
	JLE  flush
	LEAQ SET0(SP), R11
	MOVQ $0, (SET1+NSET)(SP)

	// One block of the pair: phases A-C and the load counts into set R11.
abc:
	MOVQ T+40(FP), CX
	SUBQ R9, CX
	MOVL $0xFFFF, AX
	CMPQ CX, $16
	JAE  setk
	MOVQ CX, NSET(R11)
	MOVL $1, AX
	SHLL CX, AX
	DECL AX
	JMP  setk1
setk:
	MOVQ $16, NSET(R11)
setk1:
	KMOVW AX, K7

	// Phase A: rows t of the block (E floats each, masked loads) into
	// Z0-Z15, transposed to columns (expert e's logits of the 16 tokens)
	// into xbuf, checked for non-finite values. The last block (n < 16)
	// first copies its n rows to rowbuf (rows n..15 zero), so that no row
	// past the last token is read.
	MOVQ stride+48(FP), BX
	SHLQ $2, BX
	MOVQ R10, AX
	MOVQ E+56(FP), CX
	MOVL $1, DX
	SHLL CX, DX
	DECL DX
	KMOVW DX, K1       // K1 = first E lanes
	MOVQ T+40(FP), CX
	SUBQ R9, CX
	CMPQ CX, $16
	JAE  rows
	LEAQ ROWBUF(SP), DX
	VPXORD Z1, Z1, Z1
rowcp:
	VMOVUPS.Z (AX), K1, Z0
	VMOVUPS Z0, (DX)
	ADDQ BX, AX
	ADDQ $64, DX
	DECQ CX
	JNZ  rowcp
	LEAQ (ROWBUF+1024)(SP), CX
rowz:
	CMPQ DX, CX
	JAE  rowsbuf
	VMOVUPS Z1, (DX)
	ADDQ $64, DX
	JMP  rowz
rowsbuf:
	LEAQ ROWBUF(SP), AX
	MOVQ $64, BX
rows:
	LEAQ (BX)(BX*2), CX
	VMOVUPS.Z (AX), K1, Z0
	VMOVUPS.Z (AX)(BX*1), K1, Z1
	VMOVUPS.Z (AX)(BX*2), K1, Z2
	VMOVUPS.Z (AX)(CX*1), K1, Z3
	LEAQ (AX)(BX*4), AX
	VMOVUPS.Z (AX), K1, Z4
	VMOVUPS.Z (AX)(BX*1), K1, Z5
	VMOVUPS.Z (AX)(BX*2), K1, Z6
	VMOVUPS.Z (AX)(CX*1), K1, Z7
	LEAQ (AX)(BX*4), AX
	VMOVUPS.Z (AX), K1, Z8
	VMOVUPS.Z (AX)(BX*1), K1, Z9
	VMOVUPS.Z (AX)(BX*2), K1, Z10
	VMOVUPS.Z (AX)(CX*1), K1, Z11
	LEAQ (AX)(BX*4), AX
	VMOVUPS.Z (AX), K1, Z12
	VMOVUPS.Z (AX)(BX*1), K1, Z13
	VMOVUPS.Z (AX)(BX*2), K1, Z14
	VMOVUPS.Z (AX)(CX*1), K1, Z15
	// stage 1: Z2p = unpcklps(row 2p, row 2p+1), Z2p+1 = unpckhps
	VUNPCKHPS Z1, Z0, Z28
	VUNPCKLPS Z1, Z0, Z0
	VMOVAPS Z28, Z1
	VUNPCKHPS Z3, Z2, Z28
	VUNPCKLPS Z3, Z2, Z2
	VMOVAPS Z28, Z3
	VUNPCKHPS Z5, Z4, Z28
	VUNPCKLPS Z5, Z4, Z4
	VMOVAPS Z28, Z5
	VUNPCKHPS Z7, Z6, Z28
	VUNPCKLPS Z7, Z6, Z6
	VMOVAPS Z28, Z7
	VUNPCKHPS Z9, Z8, Z28
	VUNPCKLPS Z9, Z8, Z8
	VMOVAPS Z28, Z9
	VUNPCKHPS Z11, Z10, Z28
	VUNPCKLPS Z11, Z10, Z10
	VMOVAPS Z28, Z11
	VUNPCKHPS Z13, Z12, Z28
	VUNPCKLPS Z13, Z12, Z12
	VMOVAPS Z28, Z13
	VUNPCKHPS Z15, Z14, Z28
	VUNPCKLPS Z15, Z14, Z14
	VMOVAPS Z28, Z15
	// stage 2: Z4g+k = rows 4g..4g+3 of element 4L+k in 128-bit lane L
	VUNPCKHPD Z2, Z0, Z28
	VUNPCKLPD Z2, Z0, Z0
	VUNPCKHPD Z3, Z1, Z29
	VUNPCKLPD Z3, Z1, Z2
	VMOVAPD Z28, Z1
	VMOVAPD Z29, Z3
	VUNPCKHPD Z6, Z4, Z28
	VUNPCKLPD Z6, Z4, Z4
	VUNPCKHPD Z7, Z5, Z29
	VUNPCKLPD Z7, Z5, Z6
	VMOVAPD Z28, Z5
	VMOVAPD Z29, Z7
	VUNPCKHPD Z10, Z8, Z28
	VUNPCKLPD Z10, Z8, Z8
	VUNPCKHPD Z11, Z9, Z29
	VUNPCKLPD Z11, Z9, Z10
	VMOVAPD Z28, Z9
	VMOVAPD Z29, Z11
	VUNPCKHPD Z14, Z12, Z28
	VUNPCKLPD Z14, Z12, Z12
	VUNPCKHPD Z15, Z13, Z29
	VUNPCKLPD Z15, Z13, Z14
	VMOVAPD Z28, Z13
	VMOVAPD Z29, Z15
	// stages 3-4: column 4L+k takes lane L of Zk, Z4+k, Z8+k, Z12+k; acc
	// (Z31 until restored) collects the shifted bits for the bad-row test
	VPXORD Z31, Z31, Z31
	VSHUFF32X4 $0x44, Z4, Z0, Z28
	VSHUFF32X4 $0x44, Z12, Z8, Z29
	VSHUFF32X4 $0x88, Z29, Z28, Z30
	VMOVUPS Z30, (XBUF+0)(R11)
	VPSLLD $1, Z30, Z30
	VPMAXUD Z30, Z31, Z31
	VSHUFF32X4 $0xDD, Z29, Z28, Z30
	VMOVUPS Z30, (XBUF+256)(R11)
	VPSLLD $1, Z30, Z30
	VPMAXUD Z30, Z31, Z31
	VSHUFF32X4 $0x44, Z5, Z1, Z28
	VSHUFF32X4 $0x44, Z13, Z9, Z29
	VSHUFF32X4 $0x88, Z29, Z28, Z30
	VMOVUPS Z30, (XBUF+64)(R11)
	VPSLLD $1, Z30, Z30
	VPMAXUD Z30, Z31, Z31
	VSHUFF32X4 $0xDD, Z29, Z28, Z30
	VMOVUPS Z30, (XBUF+320)(R11)
	VPSLLD $1, Z30, Z30
	VPMAXUD Z30, Z31, Z31
	VSHUFF32X4 $0x44, Z6, Z2, Z28
	VSHUFF32X4 $0x44, Z14, Z10, Z29
	VSHUFF32X4 $0x88, Z29, Z28, Z30
	VMOVUPS Z30, (XBUF+128)(R11)
	VPSLLD $1, Z30, Z30
	VPMAXUD Z30, Z31, Z31
	VSHUFF32X4 $0xDD, Z29, Z28, Z30
	VMOVUPS Z30, (XBUF+384)(R11)
	VPSLLD $1, Z30, Z30
	VPMAXUD Z30, Z31, Z31
	VSHUFF32X4 $0x44, Z7, Z3, Z28
	VSHUFF32X4 $0x44, Z15, Z11, Z29
	VSHUFF32X4 $0x88, Z29, Z28, Z30
	VMOVUPS Z30, (XBUF+192)(R11)
	VPSLLD $1, Z30, Z30
	VPMAXUD Z30, Z31, Z31
	VSHUFF32X4 $0xDD, Z29, Z28, Z30
	VMOVUPS Z30, (XBUF+448)(R11)
	VPSLLD $1, Z30, Z30
	VPMAXUD Z30, Z31, Z31
	CMPQ E+56(FP), $8
	JBE  cols8
	VSHUFF32X4 $0xEE, Z4, Z0, Z28
	VSHUFF32X4 $0xEE, Z12, Z8, Z29
	VSHUFF32X4 $0x88, Z29, Z28, Z30
	VMOVUPS Z30, (XBUF+512)(R11)
	VPSLLD $1, Z30, Z30
	VPMAXUD Z30, Z31, Z31
	VSHUFF32X4 $0xDD, Z29, Z28, Z30
	VMOVUPS Z30, (XBUF+768)(R11)
	VPSLLD $1, Z30, Z30
	VPMAXUD Z30, Z31, Z31
	VSHUFF32X4 $0xEE, Z5, Z1, Z28
	VSHUFF32X4 $0xEE, Z13, Z9, Z29
	VSHUFF32X4 $0x88, Z29, Z28, Z30
	VMOVUPS Z30, (XBUF+576)(R11)
	VPSLLD $1, Z30, Z30
	VPMAXUD Z30, Z31, Z31
	VSHUFF32X4 $0xDD, Z29, Z28, Z30
	VMOVUPS Z30, (XBUF+832)(R11)
	VPSLLD $1, Z30, Z30
	VPMAXUD Z30, Z31, Z31
	VSHUFF32X4 $0xEE, Z6, Z2, Z28
	VSHUFF32X4 $0xEE, Z14, Z10, Z29
	VSHUFF32X4 $0x88, Z29, Z28, Z30
	VMOVUPS Z30, (XBUF+640)(R11)
	VPSLLD $1, Z30, Z30
	VPMAXUD Z30, Z31, Z31
	VSHUFF32X4 $0xDD, Z29, Z28, Z30
	VMOVUPS Z30, (XBUF+896)(R11)
	VPSLLD $1, Z30, Z30
	VPMAXUD Z30, Z31, Z31
	VSHUFF32X4 $0xEE, Z7, Z3, Z28
	VSHUFF32X4 $0xEE, Z15, Z11, Z29
	VSHUFF32X4 $0x88, Z29, Z28, Z30
	VMOVUPS Z30, (XBUF+704)(R11)
	VPSLLD $1, Z30, Z30
	VPMAXUD Z30, Z31, Z31
	VSHUFF32X4 $0xDD, Z29, Z28, Z30
	VMOVUPS Z30, (XBUF+960)(R11)
	VPSLLD $1, Z30, Z30
	VPMAXUD Z30, Z31, Z31
cols8:
	VMOVAPS Z31, Z14
	VBROADCASTSS consts<>+C_SIGN(SB), Z30
	VBROADCASTSS consts<>+C_NEGINF(SB), Z31
	VPTERNLOGD $0xff, Z11, Z11, Z11
	VPSRLD $31, Z11, Z11
	VMOVDQU32 lanes16<>+IOTA(SB), Z12
	MOVL $0xFF000000, AX
	VPBROADCASTD AX, Z13

	VPCMPUD $5, Z13, Z14, K7, K6 // K6 = block lanes with acc >= 0xFF000000
	KANDNW K7, K6, K5            // K5 = K7 &^ K6
	KMOVW K6, BADK(R11)
	KMOVW K6, AX
	TESTL AX, AX
	JZ    phaseB
	TESTQ R13, R13
	JNS   phaseB
	BSFL  AX, AX
	LEAQ  (R9)(AX*1), R13

phaseB:
	MOVQ mode+72(FP), AX
	TESTQ $2, AX
	JNZ  logitsel
	TESTQ $1, AX
	JNZ  bsoftmax

	// sigmoid + bias
	MOVQ bias+32(FP), AX
	LEAQ XBUF(R11), CX
	MOVQ E+56(FP), DX
bsig:
	VMOVUPS (CX), Z5
	SIGMOID_AVX512(Z5, Z0, Z1, Z2, Z3, K2)
	VMOVUPS Z0, (SBUF-XBUF)(CX)
	VBROADCASTSS (AX), Z1
	VADDPS Z1, Z0, Z0
	VMOVUPS Z0, (SELBUF-XBUF)(CX)
	ADDQ $4, AX
	ADDQ $64, CX
	DECQ DX
	JNZ  bsig
	LEAQ SELBUF(R11), CX
	JMP  topk

bsoftmax:
	// m: m = x_0; m = x_e > m ? x_e : m
	LEAQ XBUF(R11), CX
	VMOVUPS (CX), Z15
	MOVQ E+56(FP), DX
	DECQ DX
	JZ   bsm2
bsm1:
	ADDQ $64, CX
	VMOVUPS (CX), Z0
	VMAXPS Z15, Z0, Z15
	DECQ DX
	JNZ  bsm1
bsm2:
	JMP expsum

bsm3: // back from expsum: Z14 = S
	MOVQ bias+32(FP), AX
	LEAQ SBUF(R11), CX
	MOVQ E+56(FP), DX
bsm4:
	VMOVUPS (CX), Z0
	VDIVPS Z14, Z0, Z0
	VMOVUPS Z0, (CX)
	VBROADCASTSS (AX), Z1
	VADDPS Z1, Z0, Z0
	VMOVUPS Z0, (SELBUF-SBUF)(CX)
	ADDQ $4, AX
	ADDQ $64, CX
	DECQ DX
	JNZ  bsm4
	LEAQ SELBUF(R11), CX
	JMP  topk

logitsel:
	LEAQ XBUF(R11), CX

	// Phase C: top-K of the vectors at CX (E of them).
topk:
	VPXORD Z10, Z10, Z10
	VPXORD Z4, Z4, Z4
	VPXORD Z5, Z5, Z5
	VPXORD Z6, Z6, Z6
	VPXORD Z7, Z7, Z7
	VMOVAPS Z31, Z0
	VMOVAPS Z31, Z1
	VMOVAPS Z31, Z2
	VMOVAPS Z31, Z3
	MOVQ E+56(FP), DX
	CMPQ R12, $2
	JB   top1
	JE   top2
	CMPQ R12, $3
	JE   top3
	JMP  top4

top1:
	VMOVUPS (CX), Z8
	VCMPPS $0x1e, Z0, Z8, K4
	VMAXPS Z0, Z8, Z0
	VMOVDQA32 Z10, K4, Z4
	VPADDD Z11, Z10, Z10
	ADDQ $64, CX
	DECQ DX
	JNZ  top1
	// load counts
	CNT_COUNT1(cntd1)
cntd1:
	JMP  phaseD

top2:
	VMOVUPS (CX), Z8
	VCMPPS $0x1e, Z1, Z8, K3
	VCMPPS $0x1e, Z0, Z8, K4
	VMAXPS Z1, Z8, Z1
	VMOVAPS Z0, K4, Z1
	VMAXPS Z0, Z8, Z0
	VMOVDQA32 Z10, K3, Z5
	VMOVDQA32 Z4, K4, Z5
	VMOVDQA32 Z10, K4, Z4
	VPADDD Z11, Z10, Z10
	ADDQ $64, CX
	DECQ DX
	JNZ  top2
	// load counts
	CNT_COUNT2(cntd2)
cntd2:
	JMP  phaseD

top3:
	VMOVUPS (CX), Z8
	VCMPPS $0x1e, Z2, Z8, K2
	VCMPPS $0x1e, Z1, Z8, K3
	VCMPPS $0x1e, Z0, Z8, K4
	VMAXPS Z2, Z8, Z2
	VMOVAPS Z1, K3, Z2
	VMAXPS Z1, Z8, Z1
	VMOVAPS Z0, K4, Z1
	VMAXPS Z0, Z8, Z0
	VMOVDQA32 Z10, K2, Z6
	VMOVDQA32 Z5, K3, Z6
	VMOVDQA32 Z10, K3, Z5
	VMOVDQA32 Z4, K4, Z5
	VMOVDQA32 Z10, K4, Z4
	VPADDD Z11, Z10, Z10
	ADDQ $64, CX
	DECQ DX
	JNZ  top3
	// load counts
	CNT_COUNT3(cntd3)
cntd3:
	JMP  phaseD

top4:
	VMOVUPS (CX), Z8
	VCMPPS $0x1e, Z3, Z8, K1
	VCMPPS $0x1e, Z2, Z8, K2
	VCMPPS $0x1e, Z1, Z8, K3
	VCMPPS $0x1e, Z0, Z8, K4
	VMAXPS Z3, Z8, Z3
	VMOVAPS Z2, K2, Z3
	VMAXPS Z2, Z8, Z2
	VMOVAPS Z1, K3, Z2
	VMAXPS Z1, Z8, Z1
	VMOVAPS Z0, K4, Z1
	VMAXPS Z0, Z8, Z0
	VMOVDQA32 Z10, K1, Z7
	VMOVDQA32 Z6, K2, Z7
	VMOVDQA32 Z10, K2, Z6
	VMOVDQA32 Z5, K3, Z6
	VMOVDQA32 Z10, K3, Z5
	VMOVDQA32 Z4, K4, Z5
	VMOVDQA32 Z10, K4, Z4
	VPADDD Z11, Z10, Z10
	ADDQ $64, CX
	DECQ DX
	JNZ  top4
	// load counts
	CNT_COUNT4(cntd4)
cntd4:
	JMP  phaseD

	// Phase D: weights into wbuf.
phaseD:
	VMOVUPS Z0, (VBUF+0)(R11)
	VMOVUPS Z1, (VBUF+64)(R11)
	VMOVUPS Z2, (VBUF+128)(R11)
	VMOVUPS Z3, (VBUF+192)(R11)
	VMOVDQU32 Z4, (IBUF+0)(R11)
	VMOVDQU32 Z5, (IBUF+64)(R11)
	VMOVDQU32 Z6, (IBUF+128)(R11)
	VMOVDQU32 Z7, (IBUF+192)(R11)
	ADDQ $16, R9
	MOVQ stride+48(FP), AX
	SHLQ $6, AX
	ADDQ AX, R10
	LEAQ SET0(SP), AX
	CMPQ R11, AX
	JNE  wphase
	MOVQ T+40(FP), CX
	SUBQ R9, CX
	JLE  wphase
	LEAQ SET1(SP), R11
	JMP  abc

	// Weights of both blocks of the pair.
wphase:
	LEAQ SET0(SP), R11
wstart:

	MOVQ mode+72(FP), AX
	TESTQ $2, AX
	JZ   wgather
	TESTQ $1, AX
	JNZ  wsoftmax

	// logit selection, sigmoid: u_j = Sigmoid(v_j)
	LEAQ VBUF(R11), CX
	MOVQ R12, DX
wsig:
	VMOVUPS (CX), Z5
	SIGMOID_AVX512(Z5, Z0, Z1, Z2, Z3, K2)
	VMOVUPS Z0, (WBUF-VBUF)(CX)
	ADDQ $64, CX
	DECQ DX
	JNZ  wsig
	JMP  wfinal

wgather: // selection on scores: u_j = sbuf[id_j]
	LEAQ SBUF(R11), AX
	LEAQ IBUF(R11), CX
	MOVQ R12, DX
wgl:
	VPSLLD $4, (CX), Z1
	VPADDD Z12, Z1, Z1
	KXNORW K1, K1, K1
	VGATHERDPS (AX)(Z1*4), K1, Z0
	VMOVUPS Z0, (WBUF-IBUF)(CX)
	ADDQ $64, CX
	DECQ DX
	JNZ  wgl
	JMP  wfinal

wsoftmax: // logit selection, softmax: m = v_0
	VMOVUPS (VBUF+0)(R11), Z15
	TESTQ $4, AX
	JZ   expsum  // without Normalize: S = SoftmaxSum(x, m), back at wsm1
wsm1:
	LEAQ VBUF(R11), CX
	MOVQ R12, DX
wsml:
	VMOVUPS (CX), Z0
	VSUBPS Z15, Z0, Z0
	EXPNEG_AVX512(Z0, Z1, Z2, Z3)
	MOVQ mode+72(FP), AX
	TESTQ $4, AX
	JNZ  wsm2
	VDIVPS Z14, Z0, Z0
wsm2:
	VMOVUPS Z0, (WBUF-VBUF)(CX)
	ADDQ $64, CX
	DECQ DX
	JNZ  wsml

wfinal:
	ADDQ $SETSZ, R11
	LEAQ SET1(SP), AX
	CMPQ R11, AX
	JA   sphase
	CMPQ NSET(R11), $0
	JNE  wstart

	// Normalisation, scale, bad rows and stores, block by block.
sphase:
	LEAQ SET0(SP), R11
sstart:
	// Normalize: d = (((u_0 + u_1) + ...) + 1e-20)
	MOVQ mode+72(FP), AX
	TESTQ $4, AX
	JZ   wscale
	LEAQ WBUF(R11), CX
	VMOVUPS (CX), Z14
	MOVQ R12, DX
	DECQ DX
	JZ   wn2
wn1:
	ADDQ $64, CX
	VADDPS (CX), Z14, Z14
	DECQ DX
	JNZ  wn1
wn2:
	VBROADCASTSS consts<>+C_EPS(SB), Z0
	VADDPS Z0, Z14, Z14
	LEAQ WBUF(R11), CX
	MOVQ R12, DX
wn3:
	VMOVUPS (CX), Z0
	VDIVPS Z14, Z0, Z0
	VMOVUPS Z0, (CX)
	ADDQ $64, CX
	DECQ DX
	JNZ  wn3

wscale:
	// w = u * scale; bad lanes: weight 0, id j
	KMOVW BADK(R11), K6
	VBROADCASTSS scale+80(FP), Z15
	VPXORD Z14, Z14, Z14
	VPXORD Z13, Z13, Z13 // id j (restored below)
	LEAQ WBUF(R11), CX
	MOVQ R12, DX
ws1:
	VMOVUPS (CX), Z0
	VMULPS Z15, Z0, Z0
	VMOVAPS Z14, K6, Z0
	VMOVUPS Z0, (CX)
	VMOVDQU32 (IBUF-WBUF)(CX), Z1
	VMOVDQA32 Z13, K6, Z1
	VMOVDQU32 Z1, (IBUF-WBUF)(CX)
	VPADDD Z11, Z13, Z13
	ADDQ $64, CX
	DECQ DX
	JNZ  ws1
	MOVL $0xFF000000, AX
	VPBROADCASTD AX, Z13

	// Stores: output vector o (o < K) of the block holds tokens' entries
	// 16o..16o+15, merged from wbuf[j]/ibuf[j] by the tables.
	MOVQ NSET(R11), CX
	IMULQ R12, CX               // entries left to store: n*K
	LEAQ -1(R12), AX
	IMULQ R12, AX
	SHRQ $1, AX                 // offK = K(K-1)/2
	MOVQ AX, DX
	SHLQ $6, AX
	LEAQ lanes16<>(SB), BX
	ADDQ BX, AX                 // AX = index vector of o
	SHLQ $4, DX
	LEAQ (BX)(DX*1), DX
	ADDQ $MASKS, DX             // DX = masks of (o, 0)
sto:
	VMOVDQU32 (AX), Z2
	LEAQ WBUF(R11), BX
	MOVQ R12, R8
stj:
	KMOVW (DX), K1
	VPERMPS (BX), Z2, K1, Z0
	VPERMD (IBUF-WBUF)(BX), Z2, K1, Z1
	ADDQ $4, DX
	ADDQ $64, BX
	DECQ R8
	JNZ  stj
	MOVQ $4, R8
	SUBQ R12, R8
	LEAQ (DX)(R8*4), DX          // next o's masks
	CMPQ CX, $16
	JB   stpart
	VMOVUPS Z0, (SI)
	VMOVDQU32 Z1, (DI)
	ADDQ $64, SI
	ADDQ $64, DI
	ADDQ $64, AX
	SUBQ $16, CX
	JNZ  sto
	JMP  next

stpart:
	MOVL $1, BX
	SHLL CX, BX
	DECL BX
	KMOVW BX, K1
	VMOVUPS Z0, K1, (SI)
	VMOVDQU32 Z1, K1, (DI)

next:
	ADDQ $SETSZ, R11
	LEAQ SET1(SP), AX
	CMPQ R11, AX
	JA   nextpair
	CMPQ NSET(R11), $0
	JNE  sstart
nextpair:
	TESTQ $2047, R9
	JNZ  block
	JMP  flush

done:
	MOVQ R13, first+88(FP)
	VZEROUPPER
	RET

	// expsum: sbuf[e] = ExpNeg(xbuf[e] - Z15) for e < E, Z14 = SoftmaxSum's
	// tree over sbuf[0..15]; returns to bsm3 (bias) or wsm1 (logits).
expsum:
	LEAQ XBUF(R11), CX
	MOVQ E+56(FP), DX
es1:
	VMOVUPS (CX), Z0
	VSUBPS Z15, Z0, Z0
	EXPNEG_AVX512(Z0, Z1, Z2, Z3)
	VMOVUPS Z0, (SBUF-XBUF)(CX)
	ADDQ $64, CX
	DECQ DX
	JNZ  es1
	LEAQ SBUF(R11), CX
	VMOVUPS 0(CX), Z0
	VMOVUPS 64(CX), Z1
	VMOVUPS 128(CX), Z2
	VMOVUPS 192(CX), Z3
	VMOVUPS 256(CX), Z4
	VMOVUPS 320(CX), Z5
	VMOVUPS 384(CX), Z6
	VMOVUPS 448(CX), Z7
	VADDPS 512(CX), Z0, Z0
	VADDPS 576(CX), Z1, Z1
	VADDPS 640(CX), Z2, Z2
	VADDPS 704(CX), Z3, Z3
	VADDPS 768(CX), Z4, Z4
	VADDPS 832(CX), Z5, Z5
	VADDPS 896(CX), Z6, Z6
	VADDPS 960(CX), Z7, Z7
	VADDPS Z4, Z0, Z0
	VADDPS Z5, Z1, Z1
	VADDPS Z6, Z2, Z2
	VADDPS Z7, Z3, Z3
	VADDPS Z2, Z0, Z0
	VADDPS Z3, Z1, Z1
	VADDPS Z1, Z0, Z14
	MOVQ mode+72(FP), AX
	TESTQ $2, AX
	JNZ  wsm1
	JMP  bsm3

	// flush: load[e] += the sum over lanes of byte field e%4 of CNT
	// vector e/4; CNT = 0. Then the next block, or done.
flush:
	MOVQ load+16(FP), AX
	XORQ DX, DX
	MOVL $0xFF, CX
	VPBROADCASTD CX, Z2
fl:
	CMPQ DX, E+56(FP)
	JAE  flz
	MOVQ DX, CX
	ANDQ $3, CX
	SHLQ $3, CX
	MOVQ DX, R8
	SHRQ $2, R8
	SHLQ $6, R8
	VMOVQ CX, X1
	LEAQ CNT(SP), CX
	VMOVDQU32 (CX)(R8*1), Z0
	VPSRLD X1, Z0, Z0
	VPANDD Z2, Z0, Z0
	VEXTRACTI64X4 $1, Z0, Y1
	VPADDD Y1, Y0, Y0
	VEXTRACTI128 $1, Y0, X1
	VPADDD X1, X0, X0
	VPSHUFD $0x4E, X0, X1
	VPADDD X1, X0, X0
	VPSHUFD $0xB1, X0, X1
	VPADDD X1, X0, X0
	VMOVD X0, CX
	ADDQ CX, (AX)(DX*8)
	INCQ DX
	JMP  fl
flz:
	VPXORD Z0, Z0, Z0
	VMOVDQU32 Z0, (CNT+0)(SP)
	VMOVDQU32 Z0, (CNT+64)(SP)
	VMOVDQU32 Z0, (CNT+128)(SP)
	VMOVDQU32 Z0, (CNT+192)(SP)
	MOVQ T+40(FP), CX
	SUBQ R9, CX
	JG   block
	JMP  done
