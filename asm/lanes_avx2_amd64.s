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
// Preconditions (checked by lanesOK): 1 <= K <= min(E, 4), E <= 16,
// E <= stride <= 1<<26, T >= 1, x holds (T-1)*stride+E floats, bias nil
// exactly when mode has bit 1.

#include "textflag.h"
#include "consts_amd64.h"
#include "exp_amd64.h"

#include "tables_lanes_avx2_amd64.h"

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
	MOVQ T+40(FP), CX
	SUBQ R9, CX
	CMPQ CX, $8
	JBE  setv
	MOVQ $8, CX
setv:
	MOVQ CX, NSET(R11)
	TAILMASK_AVX2(CX, AX, Y13)
	VMOVDQU Y13, VALIDV(R11)

	// Phase A: the block's rows (masked loads of the parts that exist; the
	// last block (n < 8) first copies its n rows to rowbuf, rows n..7
	// zero, so that no row past the last token is read) transposed 8x8 per
	// half (elements 0-7, then 8-15 when E > 8) into xbuf; Y15 collects
	// the shifted bits for the bad-row test.
	MOVQ stride+48(FP), BX
	SHLQ $2, BX
	MOVQ R10, AX
	MOVQ T+40(FP), CX
	SUBQ R9, CX
	CMPQ CX, $8
	JAE  rows
	LEAQ ROWBUF(SP), DX
	VMOVDQU MASK0(SP), Y14
	VMOVDQU MASK1(SP), Y15
	VPXOR Y1, Y1, Y1
rowcp:
	VMASKMOVPS (AX), Y14, Y0
	VMOVUPS Y0, (DX)
	VMASKMOVPS 32(AX), Y15, Y0
	VMOVUPS Y0, 32(DX)
	ADDQ BX, AX
	ADDQ $64, DX
	DECQ CX
	JNZ  rowcp
	LEAQ (ROWBUF+512)(SP), CX
rowz:
	CMPQ DX, CX
	JAE  rowsbuf
	VMOVUPS Y1, (DX)
	VMOVUPS Y1, 32(DX)
	ADDQ $64, DX
	JMP  rowz
rowsbuf:
	LEAQ ROWBUF(SP), AX
	MOVQ $64, BX
rows:
	LEAQ (BX)(BX*2), CX
	LEAQ (AX)(BX*4), DX
	VPXOR Y15, Y15, Y15
	// rows whose half is complete (E >= 8): plain loads
	CMPQ E+56(FP), $8
	JB   hm0
	VMOVUPS (AX), Y0
	VMOVUPS (AX)(BX*1), Y1
	VMOVUPS (AX)(BX*2), Y2
	VMOVUPS (AX)(CX*1), Y3
	VMOVUPS (DX), Y4
	VMOVUPS (DX)(BX*1), Y5
	VMOVUPS (DX)(BX*2), Y6
	VMOVUPS (DX)(CX*1), Y7
	JMP  ht0
hm0:
	VMOVDQU MASK0(SP), Y8
	VMASKMOVPS (AX), Y8, Y0
	VMASKMOVPS (AX)(BX*1), Y8, Y1
	VMASKMOVPS (AX)(BX*2), Y8, Y2
	VMASKMOVPS (AX)(CX*1), Y8, Y3
	VMASKMOVPS (DX), Y8, Y4
	VMASKMOVPS (DX)(BX*1), Y8, Y5
	VMASKMOVPS (DX)(BX*2), Y8, Y6
	VMASKMOVPS (DX)(CX*1), Y8, Y7
ht0:
	VUNPCKLPS Y1, Y0, Y8
	VUNPCKHPS Y1, Y0, Y9
	VUNPCKLPS Y3, Y2, Y10
	VUNPCKHPS Y3, Y2, Y11
	VUNPCKLPS Y5, Y4, Y12
	VUNPCKHPS Y5, Y4, Y13
	VUNPCKLPS Y7, Y6, Y14
	VUNPCKHPS Y7, Y6, Y6
	VSHUFPS $0x44, Y10, Y8, Y0
	VSHUFPS $0xEE, Y10, Y8, Y1
	VSHUFPS $0x44, Y11, Y9, Y2
	VSHUFPS $0xEE, Y11, Y9, Y3
	VSHUFPS $0x44, Y14, Y12, Y4
	VSHUFPS $0xEE, Y14, Y12, Y5
	VSHUFPS $0x44, Y6, Y13, Y7
	VSHUFPS $0xEE, Y6, Y13, Y8
	VPERM2F128 $0x20, Y4, Y0, Y9
	VMOVUPS Y9, (XBUF+0)(R11)
	VPSLLD $1, Y9, Y10
	VPMAXUD Y10, Y15, Y15
	VPERM2F128 $0x31, Y4, Y0, Y9
	VMOVUPS Y9, (XBUF+128)(R11)
	VPSLLD $1, Y9, Y10
	VPMAXUD Y10, Y15, Y15
	VPERM2F128 $0x20, Y5, Y1, Y9
	VMOVUPS Y9, (XBUF+32)(R11)
	VPSLLD $1, Y9, Y10
	VPMAXUD Y10, Y15, Y15
	VPERM2F128 $0x31, Y5, Y1, Y9
	VMOVUPS Y9, (XBUF+160)(R11)
	VPSLLD $1, Y9, Y10
	VPMAXUD Y10, Y15, Y15
	VPERM2F128 $0x20, Y7, Y2, Y9
	VMOVUPS Y9, (XBUF+64)(R11)
	VPSLLD $1, Y9, Y10
	VPMAXUD Y10, Y15, Y15
	VPERM2F128 $0x31, Y7, Y2, Y9
	VMOVUPS Y9, (XBUF+192)(R11)
	VPSLLD $1, Y9, Y10
	VPMAXUD Y10, Y15, Y15
	VPERM2F128 $0x20, Y8, Y3, Y9
	VMOVUPS Y9, (XBUF+96)(R11)
	VPSLLD $1, Y9, Y10
	VPMAXUD Y10, Y15, Y15
	VPERM2F128 $0x31, Y8, Y3, Y9
	VMOVUPS Y9, (XBUF+224)(R11)
	VPSLLD $1, Y9, Y10
	VPMAXUD Y10, Y15, Y15
	CMPQ E+56(FP), $8
	JBE  cols8
	// rows whose half is complete (E >= 16): plain loads
	CMPQ E+56(FP), $16
	JB   hm1
	VMOVUPS 32(AX), Y0
	VMOVUPS 32(AX)(BX*1), Y1
	VMOVUPS 32(AX)(BX*2), Y2
	VMOVUPS 32(AX)(CX*1), Y3
	VMOVUPS 32(DX), Y4
	VMOVUPS 32(DX)(BX*1), Y5
	VMOVUPS 32(DX)(BX*2), Y6
	VMOVUPS 32(DX)(CX*1), Y7
	JMP  ht1
hm1:
	VMOVDQU MASK1(SP), Y8
	VMASKMOVPS 32(AX), Y8, Y0
	VMASKMOVPS 32(AX)(BX*1), Y8, Y1
	VMASKMOVPS 32(AX)(BX*2), Y8, Y2
	VMASKMOVPS 32(AX)(CX*1), Y8, Y3
	VMASKMOVPS 32(DX), Y8, Y4
	VMASKMOVPS 32(DX)(BX*1), Y8, Y5
	VMASKMOVPS 32(DX)(BX*2), Y8, Y6
	VMASKMOVPS 32(DX)(CX*1), Y8, Y7
ht1:
	VUNPCKLPS Y1, Y0, Y8
	VUNPCKHPS Y1, Y0, Y9
	VUNPCKLPS Y3, Y2, Y10
	VUNPCKHPS Y3, Y2, Y11
	VUNPCKLPS Y5, Y4, Y12
	VUNPCKHPS Y5, Y4, Y13
	VUNPCKLPS Y7, Y6, Y14
	VUNPCKHPS Y7, Y6, Y6
	VSHUFPS $0x44, Y10, Y8, Y0
	VSHUFPS $0xEE, Y10, Y8, Y1
	VSHUFPS $0x44, Y11, Y9, Y2
	VSHUFPS $0xEE, Y11, Y9, Y3
	VSHUFPS $0x44, Y14, Y12, Y4
	VSHUFPS $0xEE, Y14, Y12, Y5
	VSHUFPS $0x44, Y6, Y13, Y7
	VSHUFPS $0xEE, Y6, Y13, Y8
	VPERM2F128 $0x20, Y4, Y0, Y9
	VMOVUPS Y9, (XBUF+256)(R11)
	VPSLLD $1, Y9, Y10
	VPMAXUD Y10, Y15, Y15
	VPERM2F128 $0x31, Y4, Y0, Y9
	VMOVUPS Y9, (XBUF+384)(R11)
	VPSLLD $1, Y9, Y10
	VPMAXUD Y10, Y15, Y15
	VPERM2F128 $0x20, Y5, Y1, Y9
	VMOVUPS Y9, (XBUF+288)(R11)
	VPSLLD $1, Y9, Y10
	VPMAXUD Y10, Y15, Y15
	VPERM2F128 $0x31, Y5, Y1, Y9
	VMOVUPS Y9, (XBUF+416)(R11)
	VPSLLD $1, Y9, Y10
	VPMAXUD Y10, Y15, Y15
	VPERM2F128 $0x20, Y7, Y2, Y9
	VMOVUPS Y9, (XBUF+320)(R11)
	VPSLLD $1, Y9, Y10
	VPMAXUD Y10, Y15, Y15
	VPERM2F128 $0x31, Y7, Y2, Y9
	VMOVUPS Y9, (XBUF+448)(R11)
	VPSLLD $1, Y9, Y10
	VPMAXUD Y10, Y15, Y15
	VPERM2F128 $0x20, Y8, Y3, Y9
	VMOVUPS Y9, (XBUF+352)(R11)
	VPSLLD $1, Y9, Y10
	VPMAXUD Y10, Y15, Y15
	VPERM2F128 $0x31, Y8, Y3, Y9
	VMOVUPS Y9, (XBUF+480)(R11)
	VPSLLD $1, Y9, Y10
	VPMAXUD Y10, Y15, Y15
cols8:
	VMOVDQU VALIDV(R11), Y13
	VMOVDQA Y15, Y12
	MOVL $0xFF000000, AX
	VMOVQ AX, X1
	VPBROADCASTD X1, Y1
	VPMAXUD Y1, Y12, Y2
	VPCMPEQD Y2, Y12, Y2  // bad: acc >= 0xFF000000 (tail lanes: acc = 0)
	VMOVDQU Y2, BADV(R11)
	VPANDN Y13, Y2, Y3    // good = valid &^ bad
	VMOVDQU Y3, GOODV(R11)
	VMOVMSKPS Y2, AX
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
	LOAD_CONSTS_AVX2
	TESTQ $1, AX
	JNZ  bsoftmax

	// sigmoid + bias
	MOVQ bias+32(FP), AX
	LEAQ XBUF(R11), CX
	MOVQ E+56(FP), DX
bsig:
	VMOVUPS (CX), Y5
	SIGMOID_AVX2
	VMOVUPS Y0, (SBUF-XBUF)(CX)
	VBROADCASTSS (AX), Y1
	VADDPS Y1, Y0, Y0
	VMOVUPS Y0, (SELBUF-XBUF)(CX)
	ADDQ $4, AX
	ADDQ $32, CX
	DECQ DX
	JNZ  bsig
	LEAQ SELBUF(R11), CX
	JMP  topk

bsoftmax:
	// m: m = x_0; m = x_e > m ? x_e : m
	LEAQ XBUF(R11), CX
	VMOVUPS (CX), Y4
	MOVQ E+56(FP), DX
	DECQ DX
	JZ   bsm2
bsm1:
	ADDQ $32, CX
	VMOVUPS (CX), Y0
	VMAXPS Y4, Y0, Y4
	DECQ DX
	JNZ  bsm1
bsm2:
	JMP expsum

bsm3: // back from expsum: Y15 = S
	MOVQ bias+32(FP), AX
	LEAQ SBUF(R11), CX
	MOVQ E+56(FP), DX
bsm4:
	VMOVUPS (CX), Y0
	VDIVPS Y15, Y0, Y0
	VMOVUPS Y0, (CX)
	VBROADCASTSS (AX), Y1
	VADDPS Y1, Y0, Y0
	VMOVUPS Y0, (SELBUF-SBUF)(CX)
	ADDQ $4, AX
	ADDQ $32, CX
	DECQ DX
	JNZ  bsm4
	LEAQ SELBUF(R11), CX
	JMP  topk

logitsel:
	LEAQ XBUF(R11), CX

	// Phase C: top-K of the vectors at CX (E of them).
topk:
	VPXOR Y9, Y9, Y9
	VPCMPEQD Y10, Y10, Y10
	VPSRLD $31, Y10, Y10
	VPXOR Y4, Y4, Y4
	VPXOR Y5, Y5, Y5
	VPXOR Y6, Y6, Y6
	VPXOR Y7, Y7, Y7
	VBROADCASTSS consts<>+C_NEGINF(SB), Y0
	VMOVAPS Y0, Y1
	VMOVAPS Y0, Y2
	VMOVAPS Y0, Y3
	MOVQ E+56(FP), DX
	CMPQ R12, $2
	JB   top1
	JE   top2
	CMPQ R12, $3
	JE   top3
	JMP  top4

top1:
	VMOVUPS (CX), Y8
	VCMPPS $0x1e, Y0, Y8, Y14
	VMAXPS Y0, Y8, Y0
	VBLENDVPS Y14, Y9, Y4, Y4
	VPADDD Y10, Y9, Y9
	ADDQ $32, CX
	DECQ DX
	JNZ  top1
	// load counts
	CNT_COUNT1(cntd1)
cntd1:
	JMP  phaseD

top2:
	VMOVUPS (CX), Y8
	VCMPPS $0x1e, Y1, Y8, Y13
	VCMPPS $0x1e, Y0, Y8, Y14
	VMAXPS Y1, Y8, Y1
	VBLENDVPS Y14, Y0, Y1, Y1
	VMAXPS Y0, Y8, Y0
	VBLENDVPS Y13, Y9, Y5, Y5
	VBLENDVPS Y14, Y4, Y5, Y5
	VBLENDVPS Y14, Y9, Y4, Y4
	VPADDD Y10, Y9, Y9
	ADDQ $32, CX
	DECQ DX
	JNZ  top2
	// load counts
	CNT_COUNT2(cntd2)
cntd2:
	JMP  phaseD

top3:
	VMOVUPS (CX), Y8
	VCMPPS $0x1e, Y2, Y8, Y12
	VCMPPS $0x1e, Y1, Y8, Y13
	VCMPPS $0x1e, Y0, Y8, Y14
	VMAXPS Y2, Y8, Y2
	VBLENDVPS Y13, Y1, Y2, Y2
	VMAXPS Y1, Y8, Y1
	VBLENDVPS Y14, Y0, Y1, Y1
	VMAXPS Y0, Y8, Y0
	VBLENDVPS Y12, Y9, Y6, Y6
	VBLENDVPS Y13, Y5, Y6, Y6
	VBLENDVPS Y13, Y9, Y5, Y5
	VBLENDVPS Y14, Y4, Y5, Y5
	VBLENDVPS Y14, Y9, Y4, Y4
	VPADDD Y10, Y9, Y9
	ADDQ $32, CX
	DECQ DX
	JNZ  top3
	// load counts
	CNT_COUNT3(cntd3)
cntd3:
	JMP  phaseD

top4:
	VMOVUPS (CX), Y8
	VCMPPS $0x1e, Y3, Y8, Y11
	VCMPPS $0x1e, Y2, Y8, Y12
	VCMPPS $0x1e, Y1, Y8, Y13
	VCMPPS $0x1e, Y0, Y8, Y14
	VMAXPS Y3, Y8, Y3
	VBLENDVPS Y12, Y2, Y3, Y3
	VMAXPS Y2, Y8, Y2
	VBLENDVPS Y13, Y1, Y2, Y2
	VMAXPS Y1, Y8, Y1
	VBLENDVPS Y14, Y0, Y1, Y1
	VMAXPS Y0, Y8, Y0
	VBLENDVPS Y11, Y9, Y7, Y7
	VBLENDVPS Y12, Y6, Y7, Y7
	VBLENDVPS Y12, Y9, Y6, Y6
	VBLENDVPS Y13, Y5, Y6, Y6
	VBLENDVPS Y13, Y9, Y5, Y5
	VBLENDVPS Y14, Y4, Y5, Y5
	VBLENDVPS Y14, Y9, Y4, Y4
	VPADDD Y10, Y9, Y9
	ADDQ $32, CX
	DECQ DX
	JNZ  top4
	// load counts
	CNT_COUNT4(cntd4)
cntd4:
	JMP  phaseD

	// Phase D: weights into wbuf.
phaseD:
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

	LOAD_CONSTS_AVX2
	MOVQ mode+72(FP), AX
	TESTQ $2, AX
	JZ   wgather
	TESTQ $1, AX
	JNZ  wsoftmax

	// logit selection, sigmoid: u_j = Sigmoid(v_j)
	LEAQ VBUF(R11), CX
	MOVQ R12, DX
wsig:
	VMOVUPS (CX), Y5
	SIGMOID_AVX2
	VMOVUPS Y0, (WBUF-VBUF)(CX)
	ADDQ $32, CX
	DECQ DX
	JNZ  wsig
	JMP  wfinal

wgather: // selection on scores: u_j = sbuf[id_j]
	LEAQ SBUF(R11), AX
	LEAQ IBUF(R11), CX
	VMOVDQU lanes8<>+IOTA(SB), Y6
	MOVQ R12, DX
wgl:
	VMOVDQU (CX), Y5
	VPSLLD $3, Y5, Y5
	VPADDD Y6, Y5, Y5
	VPCMPEQD Y7, Y7, Y7
	VXORPS Y0, Y0, Y0
	VGATHERDPS Y7, (AX)(Y5*4), Y0
	VMOVUPS Y0, (WBUF-IBUF)(CX)
	ADDQ $32, CX
	DECQ DX
	JNZ  wgl
	JMP  wfinal

wsoftmax: // logit selection, softmax: m = v_0
	VMOVUPS (VBUF+0)(R11), Y4
	TESTQ $4, AX
	JZ   expsum  // without Normalize: Y15 = S = SoftmaxSum(x, m), back at wsm1
wsm1:
	VMOVUPS (VBUF+0)(R11), Y4
	LEAQ VBUF(R11), CX
	MOVQ R12, DX
wsml:
	VMOVUPS (CX), Y0
	VSUBPS Y4, Y0, Y0
	EXPNEG_AVX2
	MOVQ mode+72(FP), AX
	TESTQ $4, AX
	JNZ  wsm2
	VDIVPS Y15, Y0, Y0
wsm2:
	VMOVUPS Y0, (WBUF-VBUF)(CX)
	ADDQ $32, CX
	DECQ DX
	JNZ  wsml

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
	// Normalize: d = (((u_0 + u_1) + ...) + 1e-20)
	MOVQ mode+72(FP), AX
	TESTQ $4, AX
	JZ   wscale
	LEAQ WBUF(R11), CX
	VMOVUPS (CX), Y5
	MOVQ R12, DX
	DECQ DX
	JZ   wn2
wn1:
	ADDQ $32, CX
	VADDPS (CX), Y5, Y5
	DECQ DX
	JNZ  wn1
wn2:
	VADDPS consts<>+C_EPS(SB), Y5, Y5
	LEAQ WBUF(R11), CX
	MOVQ R12, DX
wn3:
	VMOVUPS (CX), Y0
	VDIVPS Y5, Y0, Y0
	VMOVUPS Y0, (CX)
	ADDQ $32, CX
	DECQ DX
	JNZ  wn3

wscale:
	// w = u * scale; bad lanes: weight 0, id j
	VBROADCASTSS scale+80(FP), Y6
	VMOVDQU BADV(R11), Y7
	VPXOR Y3, Y3, Y3
	VPXOR Y5, Y5, Y5
	VPCMPEQD Y4, Y4, Y4
	VPSRLD $31, Y4, Y4
	LEAQ WBUF(R11), CX
	MOVQ R12, DX
ws1:
	VMOVUPS (CX), Y0
	VMULPS Y6, Y0, Y0
	VBLENDVPS Y7, Y3, Y0, Y0
	VMOVUPS Y0, (CX)
	VMOVDQU (IBUF-WBUF)(CX), Y1
	VBLENDVPS Y7, Y5, Y1, Y1
	VMOVDQU Y1, (IBUF-WBUF)(CX)
	VPADDD Y4, Y5, Y5
	ADDQ $32, CX
	DECQ DX
	JNZ  ws1

	// Stores: output vector o (o < K) of the block holds the entries
	// 8o..8o+7, blended from permutations of wbuf[j]/ibuf[j] (tables).
	MOVQ NSET(R11), CX
	IMULQ R12, CX               // entries left to store: n*K
	LEAQ -1(R12), AX
	IMULQ R12, AX
	SHRQ $1, AX                 // offK = K(K-1)/2
	MOVQ AX, DX
	SHLQ $5, AX
	LEAQ lanes8<>(SB), BX
	ADDQ BX, AX                 // AX = index vector of o
	SHLQ $7, DX
	LEAQ (BX)(DX*1), DX
	ADDQ $MASKS, DX             // DX = mask of (o, 0)
sto:
	VMOVDQU (AX), Y2
	LEAQ WBUF(R11), BX
	MOVQ R12, R8
stj:
	VMOVDQU (DX), Y5
	VPERMPS (BX), Y2, Y3
	VBLENDVPS Y5, Y3, Y0, Y0
	VPERMD (IBUF-WBUF)(BX), Y2, Y3
	VBLENDVPS Y5, Y3, Y1, Y1
	ADDQ $32, DX
	ADDQ $32, BX
	DECQ R8
	JNZ  stj
	MOVQ $4, R8
	SUBQ R12, R8
	SHLQ $5, R8
	ADDQ R8, DX                  // next o's masks
	CMPQ CX, $8
	JB   stpart
	VMOVUPS Y0, (SI)
	VMOVDQU Y1, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	ADDQ $32, AX
	SUBQ $8, CX
	JNZ  sto
	JMP  next

stpart:
	TAILMASK_AVX2(CX, BX, Y5)
	VMASKMOVPS Y0, Y5, (SI)
	VPMASKMOVD Y1, Y5, (DI)

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

	// expsum: sbuf[e] = ExpNeg(xbuf[e] - Y4) for e < E, Y15 = SoftmaxSum's
	// tree over sbuf[0..15]; needs LOAD_CONSTS_AVX2; clobbers Y0-Y7;
	// returns to bsm3 (bias) or wsm1 (logits).
expsum:
	LEAQ XBUF(R11), CX
	MOVQ E+56(FP), DX
es1:
	VMOVUPS (CX), Y0
	VSUBPS Y4, Y0, Y0
	EXPNEG_AVX2
	VMOVUPS Y0, (SBUF-XBUF)(CX)
	ADDQ $32, CX
	DECQ DX
	JNZ  es1
	LEAQ SBUF(R11), CX
	VMOVUPS 0(CX), Y0
	VMOVUPS 32(CX), Y1
	VMOVUPS 64(CX), Y2
	VMOVUPS 96(CX), Y3
	VMOVUPS 128(CX), Y4
	VMOVUPS 160(CX), Y5
	VMOVUPS 192(CX), Y6
	VMOVUPS 224(CX), Y7
	VADDPS 256(CX), Y0, Y0
	VADDPS 288(CX), Y1, Y1
	VADDPS 320(CX), Y2, Y2
	VADDPS 352(CX), Y3, Y3
	VADDPS 384(CX), Y4, Y4
	VADDPS 416(CX), Y5, Y5
	VADDPS 448(CX), Y6, Y6
	VADDPS 480(CX), Y7, Y7
	VADDPS Y4, Y0, Y0
	VADDPS Y5, Y1, Y1
	VADDPS Y6, Y2, Y2
	VADDPS Y7, Y3, Y3
	VADDPS Y2, Y0, Y0
	VADDPS Y3, Y1, Y1
	VADDPS Y1, Y0, Y15
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
	VMOVQ CX, X2
	VPBROADCASTD X2, Y2
fl:
	CMPQ DX, E+56(FP)
	JAE  flz
	MOVQ DX, CX
	ANDQ $3, CX
	SHLQ $3, CX
	MOVQ DX, R8
	SHRQ $2, R8
	SHLQ $5, R8
	VMOVQ CX, X1
	LEAQ CNT(SP), CX
	VMOVDQU (CX)(R8*1), Y0
	VPSRLD X1, Y0, Y0
	VPAND Y2, Y0, Y0
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
	VPXOR Y0, Y0, Y0
	VMOVDQU Y0, (CNT+0)(SP)
	VMOVDQU Y0, (CNT+32)(SP)
	VMOVDQU Y0, (CNT+64)(SP)
	VMOVDQU Y0, (CNT+96)(SP)
	MOVQ T+40(FP), CX
	SUBQ R9, CX
	JG   block
	JMP  done
