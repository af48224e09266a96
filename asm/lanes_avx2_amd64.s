//go:build gc && !purego

// AVX2 "tokens across lanes" routing kernel for routers with few experts:
// the AVX-512 kernel's algorithm (lanes_avx512_amd64.s, whose header lists
// each step and the Go twin's order of operations) with 8 tokens per ymm.
//
// func lanesAVX2(ids *int32, w *float32, load *int64, x, bias *float32, T, stride, E, K, mode int, scale float32) (first int)
//
// Requires: AVX, AVX2 (VGATHERDPS, VPERMPS/VPERMD, VPMAXUD, VPMASKMOVD),
// POPCNT. No FMA, no approximate reciprocals.
//
// Twin: RouteGeneric (route_generic.go) for Groups == 1, E <= 16, K <= 4,
// bit for bit (ids, weights, load counts, first bad token). mode: bit 0
// softmax, bit 1 LogitSelect (bias == nil), bit 2 Normalize.
//
// Differences from the AVX-512 kernel: the block's 8 rows are loaded with
// VMASKMOVPS (masks MASK0/MASK1 of the row's elements 0-7 and 8-15 that
// exist; masked-off elements are never read) and transposed 8x8 per half
// (unpck, VSHUFPS, VPERM2F128); lane masks are vectors (the valid,
// bad and good lanes of a block live in the frame at VALIDV, BADV, GOODV);
// the bad-row test is max(acc, 0xFF000000) == acc (no unsigned compare);
// inserts blend with VBLENDVPS (values: VMAXPS, then the slot above); the exponential constants (Y8-Y15,
// LOAD_CONSTS_AVX2) are loaded only around the score and weight phases,
// and the top-K phase uses all 16 registers: Y0-Y3 values, Y4-Y7 ids,
// Y8 candidate, Y9 candidate id, Y10 int 1, Y11-Y14 insert masks.
// The last block's stores are VMASKMOVPS/VPMASKMOVD, whose masked-off
// lanes never touch memory; its rows go through rowbuf (rows n..7 zero).
// GPRs: DI = ids out, SI = w out, R9 = t0, R10 = x of the block,
// R11 = the block's buffer set (SET0..SETLAST), R12 = K, R13 = first bad;
// AX BX CX DX R8 scratch (E is read from the arguments).
// Frame: four buffer sets of SETSZ bytes (blocks go in groups of four:
// phases A-C of each, then the weights of all four, whose exponential
// chains overlap, then normalisation/scale/stores of each): xbuf, selbuf, sbuf, vbuf,
// ibuf, wbuf, BADV, GOODV, VALIDV and the block's token count NSET; then,
// shared, MASK0, MASK1, rowbuf (the last block's rows, 64 bytes each) and
// CNT (4 vectors of byte load counters, flushed every 128 blocks as in the
// AVX-512 kernel).
// Code: the TEXT below is the loop over blocks (and the groups of four of
// blocks that share the weight phase); each phase is a macro, its register
// contract stated in its header: LANES_AVX2_LOAD (phase A,
// lanes_load_avx2_amd64.h), LANES_AVX2_SCORES and LANES_AVX2_EXPSUM (phase
// B, lanes_scores_avx2_amd64.h), LANES_AVX2_TOPK (phase C,
// lanes_topk_avx2_amd64.h), LANES_AVX2_WEIGHTS and LANES_AVX2_NORMALIZE
// (phase D, lanes_weights_avx2_amd64.h), LANES_AVX2_STORE, LANES_AVX2_FLUSH
// and the CNT_* load counters (lanes_store_avx2_amd64.h).
// Preconditions (checked by lanesOK): 1 <= K <= min(E, 4), E <= 16,
// E <= stride <= 1<<26, T >= 1, x holds (T-1)*stride+E floats, bias nil
// exactly when mode has bit 1.

#include "textflag.h"
#include "consts_amd64.h"
#include "exp_amd64.h"

#include "tables_lanes_avx2_amd64.h"
#include "lanes_load_avx2_amd64.h"
#include "lanes_scores_avx2_amd64.h"
#include "lanes_topk_avx2_amd64.h"
#include "lanes_weights_avx2_amd64.h"
#include "lanes_store_avx2_amd64.h"

// Four sets of per-block buffers (SET0 .. SETLAST, SETSZ bytes each,
// addressed from R11): blocks are processed in groups of four, and their
// weights are computed in one stretch of code, so that the exponential
// chains overlap.
#define SETSZ 2048
#define SET0 0
#define SET1 2048
#define SETLAST 6144
#define XBUF 0
#define SELBUF 512
#define SBUF 1024
#define VBUF 1536
#define IBUF 1664
#define WBUF 1792
#define BADV 1920
#define GOODV 1952
#define VALIDV 1984
#define NSET 2016
#define MASK0 8192
#define MASK1 8224
#define ROWBUF 8256
#define CNT 8768
#define C32 1632

TEXT ·lanesAVX2(SB), 0, $8896-96
	MOVQ ids+0(FP), DI
	MOVQ w+8(FP), SI
	MOVQ x+24(FP), R10
	MOVQ K+64(FP), R12
	MOVQ $-1, R13
	XORQ R9, R9
	// MASK0 = first min(E, 8) lanes, MASK1 = first max(E-8, 0) lanes:
	// the parts of a row that exist.
	MOVQ E+56(FP), CX
	CMPQ CX, $8
	JBE  m0
	MOVQ $8, CX
m0:
	TAILMASK_AVX2(CX, AX, Y0)
	VMOVDQU Y0, MASK0(SP)
	MOVQ E+56(FP), CX
	SUBQ $8, CX
	JAE  m1
	XORQ CX, CX
m1:
	TAILMASK_AVX2(CX, AX, Y0)
	VMOVDQU Y0, MASK1(SP)

	VPXOR Y0, Y0, Y0
	VMOVDQU Y0, (CNT+0)(SP)
	VMOVDQU Y0, (CNT+32)(SP)
	VMOVDQU Y0, (CNT+64)(SP)
	VMOVDQU Y0, (CNT+96)(SP)
	// sbuf[E..15] = +0 (SoftmaxSum's padding)
	VPXOR Y0, Y0, Y0
	MOVQ E+56(FP), AX
	SHLQ $5, AX
	LEAQ (SET0+SBUF)(SP)(AX*1), AX
	LEAQ (SET0+SBUF+512)(SP), CX
zpad:
	CMPQ AX, CX
	JAE  zpad1
	VMOVDQU Y0, (AX)
	VMOVDQU Y0, 2048(AX)
	VMOVDQU Y0, 4096(AX)
	VMOVDQU Y0, 6144(AX)
	ADDQ $32, AX
	JMP  zpad
zpad1:

block:
	MOVQ T+40(FP), CX
	SUBQ R9, CX
	JLE  flush
	LEAQ SET0(SP), R11
	MOVQ $0, (2048+NSET)(SP)
	MOVQ $0, (4096+NSET)(SP)
	MOVQ $0, (6144+NSET)(SP)

	// One block of the group: phases A-C and the load counts into set R11.
abc:
	LANES_AVX2_LOAD(phaseB)   // A: rows -> xbuf, bad lanes
phaseB:
	LANES_AVX2_SCORES(topk, expsum, bsm3) // B: scores, CX = selection values
topk:
	LANES_AVX2_TOPK(phaseD)   // C: top-K values and ids in registers, load counts
phaseD:
	// The top-K into vbuf/ibuf; then the next block of the group, or its
	// weights.
	VMOVUPS Y0, (VBUF+0)(R11)
	VMOVUPS Y1, (VBUF+32)(R11)
	VMOVUPS Y2, (VBUF+64)(R11)
	VMOVUPS Y3, (VBUF+96)(R11)
	VMOVDQU Y4, (IBUF+0)(R11)
	VMOVDQU Y5, (IBUF+32)(R11)
	VMOVDQU Y6, (IBUF+64)(R11)
	VMOVDQU Y7, (IBUF+96)(R11)
	ADDQ $8, R9
	MOVQ stride+48(FP), AX
	SHLQ $5, AX
	ADDQ AX, R10
	LEAQ SETLAST(SP), AX
	CMPQ R11, AX
	JAE  wphase
	MOVQ T+40(FP), CX
	SUBQ R9, CX
	JLE  wphase
	ADDQ $SETSZ, R11
	JMP  abc

	// Weights of the group's blocks.
wphase:
	LEAQ SET0(SP), R11
wstart:
	LANES_AVX2_WEIGHTS(wfinal, expsum, wsm1) // D: wbuf = u_j
wfinal:
	ADDQ $SETSZ, R11
	LEAQ SETLAST(SP), AX
	CMPQ R11, AX
	JA   sphase
	CMPQ NSET(R11), $0
	JNE  wstart

	// Normalisation, scale, bad rows and stores, block by block.
sphase:
	LEAQ SET0(SP), R11
sstart:
	LANES_AVX2_NORMALIZE   // wbuf = u_j / d * scale; bad lanes
	LANES_AVX2_STORE(next) // ids, w out
next:
	ADDQ $SETSZ, R11
	LEAQ SETLAST(SP), AX
	CMPQ R11, AX
	JA   nextpair
	CMPQ NSET(R11), $0
	JNE  sstart
nextpair:
	TESTQ $1023, R9
	JNZ  block
	JMP  flush

done:
	MOVQ R13, first+88(FP)
	VZEROUPPER
	RET

	// The softmax's exponentials and sum, a subroutine of B and D (no
	// CALL): back to bsm3 or wsm1.
expsum:
	LANES_AVX2_EXPSUM(bsm3, wsm1)

	// Every 128 blocks and at the end: the byte counters into load.
flush:
	LANES_AVX2_FLUSH(block, done)
