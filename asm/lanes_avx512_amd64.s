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
// Code: the TEXT below is the loop over blocks (and the pairs of blocks
// that share the weight phase); each phase is a macro, its register
// contract stated in its header: LANES_AVX512_LOAD (phase A,
// lanes_load_avx512_amd64.h), LANES_AVX512_SCORES and LANES_AVX512_EXPSUM
// (phase B, lanes_scores_avx512_amd64.h), LANES_AVX512_TOPK (phase C,
// lanes_topk_avx512_amd64.h), LANES_AVX512_WEIGHTS and
// LANES_AVX512_NORMALIZE (phase D, lanes_weights_avx512_amd64.h),
// LANES_AVX512_STORE, LANES_AVX512_FLUSH and the CNT_* load counters
// (lanes_store_avx512_amd64.h).
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
#include "lanes_load_avx512_amd64.h"
#include "lanes_scores_avx512_amd64.h"
#include "lanes_topk_avx512_amd64.h"
#include "lanes_weights_avx512_amd64.h"
#include "lanes_store_avx512_amd64.h"

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
	LANES_AVX512_LOAD(phaseB)   // A: rows -> xbuf, bad lanes
phaseB:
	LANES_AVX512_SCORES(topk, expsum, bsm3) // B: scores, CX = selection values
topk:
	LANES_AVX512_TOPK(phaseD)   // C: top-K values and ids in registers, load counts
phaseD:
	// The top-K into vbuf/ibuf; then the next block of the pair, or its
	// weights.
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
	LANES_AVX512_WEIGHTS(wfinal, expsum, wsm1) // D: wbuf = u_j
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
	LANES_AVX512_NORMALIZE   // wbuf = u_j / d * scale; bad lanes
	LANES_AVX512_STORE(next) // ids, w out
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

	// The softmax's exponentials and sum, a subroutine of B and D (no
	// CALL): back to bsm3 or wsm1.
expsum:
	LANES_AVX512_EXPSUM(bsm3, wsm1)

	// Every 128 blocks and at the end: the byte counters into load.
flush:
	LANES_AVX512_FLUSH(block, done)
