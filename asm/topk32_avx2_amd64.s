//go:build gc && !purego

// The AVX2 top-K kernel for 9 <= K <= 32: the design of
// topk8_avx2_amd64.s (signed working keys, candidates packed with a
// VPERMD lookup table, sorted eight at a time by a bitonic network) with a
// top of 16 or 32 keys kept on the stack, and the pre-pass bound of
// topk32AVX512.
//
// FSORT32 and FSORT32B (fsort32_avx2_amd64.h) and the tables are
// generated (asm/internal/gen); the key networks are topk8AVX2's
// (keys_avx2_amd64.h).
//
// func topk32AVX2(top *uint64, n, k int, vals *float32, nv, base, pre int, floor float32, ids *int32) int
//
// Requires: AVX, AVX2 (VPERMD, VPCMPGTQ, VPMOVZXBD, VPERMQ, VPSIGND) and
// POPCNT.
// Twin: topK (the final top is a set of unique keys, so any order of
// merging gives topK's result) for 9 <= k <= 32, and badRow: it returns
// -1 when a scanned value is a NaN or an infinity (top is then garbage);
// otherwise min(k, n + the number of candidates), which is topK's count
// whenever the scan sees at least k - n values. Preconditions: top[:n]
// holds keys in descending order and top[n:k] zeros (as topK leaves them);
// nv >= 1.
//
// Method. Working keys as in topk8AVX2 (signed int64: high dword H(v) =
// sign(b) * (b & 0x7FFFFFFF), low dword ^index; an empty slot is EMPTY).
// The top, 32 working keys in descending order (slots k..31 EMPTY), lives
// at TOP(SP). A value is a candidate when H(v) >= the threshold
// max(Y2, H(top[k-1]) of an earlier top), kept minus 1 in Y1; Y2 is H of
// the pre-pass bound raised to floor. The scan packs the candidates'
// keys into the pending buffer at 0(SP) (SCAN8 of topk8AVX2); every 8 are
// sorted ascending (SORT8) and merged into the top: the top's last 8
// (slots 8-15 for k <= 16, 24-31 otherwise) and the batch give their 8
// largest as a bitonic sequence, sorted descending (MERGE8 of topk8AVX2)
// and stored reversed in their place, which makes the top's first 16 or
// all 32 slots a bitonic sequence; a bitonic merge (VPCMPGTQ,
// VBLENDVPD) sorts it descending, 4 or 8 registers at a time through the
// stack. Before each merge the threshold is raised from the top before it
// (the scan need not wait for the merge). A final partial batch is padded
// with EMPTY.
//
// Pre-pass (pre != 0): the maxima of 32 disjoint subsets of vals (lane j
// of four accumulators) are sorted descending by a bitonic network
// (FSORT32: VMINPS, VMAXPS, VBLENDPS) and the k-th largest is the bound
// (k distinct elements of vals are >= it). For k > 24, 64 subsets in two
// sets of 32, each sorted: the bound is the minimum of the ceil(k/2)-th
// largest of one and the floor(k/2)-th of the other. A NaN in vals can make the
// bound meaningless; the result is -1 then anyway.
// ids (nil or not): also receives the k chosen indices as int32.
//
// Registers: DI = top, BX = n + candidates, R8 = k, SI = vals,
// CX = remaining, R9 = the table topk8t<>, R10 = chunk start, R12 = keys
// pending, R13 = TOP + 8*(k-1) + 4 (the high dword of slot k-1), AX/DX/R11
// scratch, Y0 = chunk, Y1 = threshold - 1 (H), Y2 = H(pre-pass bound /
// floor), Y7 = maximum of b & 0x7FFFFFFF (non-finite check), Y12 =
// ^(base+R10+lane), Y15 = 0x7FFFFFFF; in a merge Y8-Y11 hold keys and
// Y3-Y6, Y13 are temporaries.
// Frame: 0(SP) pending keys (16 slots), TOP = 128(SP) the top (32 slots),
// 384(SP) the sorted subset maxima (32 floats), 512(SP) the second set
// (k > 24: for 16 < k <= 24 the fewer candidates of the larger set pay
// about as much as its sort costs, BenchmarkTopK32AMD64 512/22).

#include "textflag.h"
#include "consts_amd64.h"

#define TOP 128

#include "tables_keys_avx2_amd64.h"
#include "tables_topk_avx2_amd64.h"
#include "fsort32_avx2_amd64.h"

#include "keys_avx2_amd64.h"

// CEQ(A, B): A, B = max(A, B), min(A, B), lane by lane (working keys).
// Clobbers Y5, Y6.
#define CEQ(A, B) \
	VPCMPGTQ B, A, Y5; \
	VBLENDVPD Y5, A, B, Y6; \
	VBLENDVPD Y5, B, A, B; \
	VMOVDQA Y6, A

// HC16(off): sort the bitonic 16 keys at off(SP) descending (half-cleaners
// at distance 8, 4, 2, 1). Clobbers Y3-Y6, Y8-Y11, Y13.
#define HC16(off) \
	VMOVDQU off(SP), Y8; \
	VMOVDQU off+32(SP), Y9; \
	VMOVDQU off+64(SP), Y10; \
	VMOVDQU off+96(SP), Y11; \
	CEQ(Y8, Y10); \
	CEQ(Y9, Y11); \
	CEQ(Y8, Y9); \
	CEQ(Y10, Y11); \
	CE2(VPERMQ, Y8, Y9, DIR_1100, DIR_1100, Y8, Y9); \
	CE2(VPERMQ, Y10, Y11, DIR_1100, DIR_1100, Y10, Y11); \
	CE2(VPSHUFD, Y8, Y9, DIR_1010, DIR_1010, Y8, Y9); \
	CE2(VPSHUFD, Y10, Y11, DIR_1010, DIR_1010, Y10, Y11); \
	VMOVDQU Y8, off(SP); \
	VMOVDQU Y9, off+32(SP); \
	VMOVDQU Y10, off+64(SP); \
	VMOVDQU Y11, off+96(SP)

// CEM(a, b): the compare-exchange of the 4 keys at a(SP) with those at
// b(SP) (max to a). Clobbers Y5, Y6, Y8, Y9.
#define CEM(a, b) \
	VMOVDQU a(SP), Y8; \
	VMOVDQU b(SP), Y9; \
	CEQ(Y8, Y9); \
	VMOVDQU Y8, a(SP); \
	VMOVDQU Y9, b(SP)

// MERGETOP(l32, ldone): raise the threshold from the current top, then
// merge the ascending batch Y10/Y11 into it.
#define MERGETOP(l32, ldone) \
	VPBROADCASTD 0(SP)(R13*1), Y3; \
	VPMAXSD Y2, Y3, Y1; \
	VPADDD topk8v<>+ONES(SB), Y1, Y1; \
	CMPQ R8, $16; \
	JA   l32; \
	VMOVDQU TOP+64(SP), Y8; \
	VMOVDQU TOP+96(SP), Y9; \
	MERGE8; \
	VPERMQ $0x1B, Y9, Y9; \
	VPERMQ $0x1B, Y8, Y8; \
	VMOVDQU Y9, TOP+64(SP); \
	VMOVDQU Y8, TOP+96(SP); \
	HC16(TOP); \
	JMP  ldone; \
l32: \
	VMOVDQU TOP+192(SP), Y8; \
	VMOVDQU TOP+224(SP), Y9; \
	MERGE8; \
	VPERMQ $0x1B, Y9, Y9; \
	VPERMQ $0x1B, Y8, Y8; \
	VMOVDQU Y9, TOP+192(SP); \
	VMOVDQU Y8, TOP+224(SP); \
	CEM(TOP, TOP+128); \
	CEM(TOP+32, TOP+160); \
	CEM(TOP+64, TOP+192); \
	CEM(TOP+96, TOP+224); \
	HC16(TOP); \
	HC16(TOP+128); \
ldone:

// LOADBATCH: Y10/Y11 = the 8 pending keys, loaded one qword each (each
// load lies inside one store of SCAN8, so it is store-forwarded).
#define LOADBATCH \
	VMOVQ 0(SP), X10; \
	VPINSRQ $1, 8(SP), X10, X10; \
	VMOVQ 16(SP), X4; \
	VPINSRQ $1, 24(SP), X4, X4; \
	VINSERTI128 $1, X4, Y10, Y10; \
	VMOVQ 32(SP), X11; \
	VPINSRQ $1, 40(SP), X11, X11; \
	VMOVQ 48(SP), X4; \
	VPINSRQ $1, 56(SP), X4, X4; \
	VINSERTI128 $1, X4, Y11, Y11


TEXT ·topk32AVX2(SB), NOSPLIT, $640-80
	MOVQ top+0(FP), DI
	MOVQ n+8(FP), BX
	MOVQ k+16(FP), R8
	MOVQ vals+24(FP), SI
	// The top as working keys: slots 0..n-1 from top, the rest EMPTY.
	TESTQ BX, BX
	JNZ  qloadn
	VMOVDQU topk8v<>+EMPTY(SB), Y8
	VMOVDQU Y8, TOP(SP)
	VMOVDQU Y8, TOP+32(SP)
	VMOVDQU Y8, TOP+64(SP)
	VMOVDQU Y8, TOP+96(SP)
	VMOVDQU Y8, TOP+128(SP)
	VMOVDQU Y8, TOP+160(SP)
	VMOVDQU Y8, TOP+192(SP)
	VMOVDQU Y8, TOP+224(SP)
	JMP  qconvd
qloadn:
	// skeys (Key ^ 1<<63; an empty slot is INT64_MIN), then TOWORK.
	VMOVDQU topk8v<>+MINKEY(SB), Y8
	VMOVDQU Y8, TOP(SP)
	VMOVDQU Y8, TOP+32(SP)
	VMOVDQU Y8, TOP+64(SP)
	VMOVDQU Y8, TOP+96(SP)
	VMOVDQU Y8, TOP+128(SP)
	VMOVDQU Y8, TOP+160(SP)
	VMOVDQU Y8, TOP+192(SP)
	VMOVDQU Y8, TOP+224(SP)
	XORQ R11, R11
qload:
	MOVQ (DI)(R11*8), AX
	BTCQ $63, AX
	MOVQ AX, TOP(SP)(R11*8)
	INCQ R11
	CMPQ R11, BX
	JB   qload
	VPXOR Y4, Y4, Y4
	XORQ R11, R11
qconv:
	VMOVDQU TOP(SP)(R11*8), Y8
	TOWORK(Y8, Y3, Y4)
	VMOVDQU Y8, TOP(SP)(R11*8)
	ADDQ $4, R11
	CMPQ R11, $32
	JB   qconv
qconvd:
	LEAQ (TOP-4)(R8*8), R13
	VMOVDQU topk8v<>+ABS(SB), Y15
	VPXOR Y7, Y7, Y7
	MOVQ nv+32(FP), CX
	XORQ R10, R10
	// Pre-pass (pre != 0): Y2 = a lower bound of the k-th largest. Lane
	// j of the four accumulators covers one value in each 32.
	VMOVDQU consts<>+C_NEGINF(SB), Y2
	MOVQ pre+48(FP), R12
	TESTQ R12, R12
	JZ   qprenone
	VMOVDQU Y2, Y3
	VMOVDQU Y2, Y10
	VMOVDQU Y2, Y11
	VMOVDQU Y2, Y13
	MOVQ SI, R11
	CMPQ R8, $24
	JBE  qpre4x
	VMOVDQU Y2, Y0
	VMOVDQU Y2, Y8
	VMOVDQU Y2, Y9
	VMOVDQU Y2, Y14
qpre8x:
	// k > 24: 64 subsets (two sets of four accumulators), then the rest
	// into the first set as below.
	CMPQ CX, $64
	JB   qpre4x
	VMAXPS (R11), Y3, Y3
	VMAXPS 32(R11), Y10, Y10
	VMAXPS 64(R11), Y11, Y11
	VMAXPS 96(R11), Y13, Y13
	VMAXPS 128(R11), Y0, Y0
	VMAXPS 160(R11), Y8, Y8
	VMAXPS 192(R11), Y9, Y9
	VMAXPS 224(R11), Y14, Y14
	ADDQ $256, R11
	SUBQ $64, CX
	JMP  qpre8x
qpre4x:
	CMPQ CX, $32
	JB   qpre
	VMAXPS (R11), Y3, Y3
	VMAXPS 32(R11), Y10, Y10
	VMAXPS 64(R11), Y11, Y11
	VMAXPS 96(R11), Y13, Y13
	ADDQ $128, R11
	SUBQ $32, CX
	JMP  qpre4x
qpre:
	CMPQ CX, $8
	JB   qpretail
	VMAXPS (R11), Y3, Y3
	ADDQ $32, R11
	SUBQ $8, CX
	JMP  qpre
qpretail:
	TESTQ CX, CX
	JZ   qpresort
	TAILMASK_AVX2(CX, DX, Y4)
	VMASKMOVPS (R11), Y4, Y6
	VBLENDVPS Y4, Y6, Y2, Y6
	VMAXPS Y6, Y13, Y13
qpresort:
	FSORT32
	VMOVUPS Y3, 384(SP)
	VMOVUPS Y10, 416(SP)
	VMOVUPS Y11, 448(SP)
	VMOVUPS Y13, 480(SP)
	CMPQ R8, $24
	JA   qpre64
	VBROADCASTSS 380(SP)(R8*4), Y2
	MOVQ nv+32(FP), CX
	JMP  qprenone
qpre64:
	// Two sorted sets of 32 maxima: the ceil(k/2)-th largest of the first
	// and the floor(k/2)-th of the second are each >= that many distinct
	// elements, so their minimum is >= k of them.
	FSORT32B
	VMOVUPS Y0, 512(SP)
	VMOVUPS Y8, 544(SP)
	VMOVUPS Y9, 576(SP)
	VMOVUPS Y14, 608(SP)
	MOVQ R8, AX
	INCQ AX
	SHRQ $1, AX
	VBROADCASTSS 380(SP)(AX*4), Y2
	MOVQ R8, AX
	SHRQ $1, AX
	VBROADCASTSS 508(SP)(AX*4), Y3
	VMINPS Y3, Y2, Y2
	MOVQ nv+32(FP), CX
qprenone:
	VBROADCASTSS floor+56(FP), Y3
	VMAXPS Y2, Y3, Y2
	SKH(Y2, Y3, Y2)
	VPBROADCASTD 0(SP)(R13*1), Y3
	VPMAXSD Y2, Y3, Y1
	VPADDD topk8v<>+ONES(SB), Y1, Y1
	XORQ R12, R12

	// Y12 = ^(base + lane); R9 = the compress table.
	MOVQ base+40(FP), R9
	MOVL R9, R11
	NOTL R11
	VMOVD R11, X12
	VPBROADCASTD X12, Y12
	VPSUBD topk8v<>+0(SB), Y12, Y12
	LEAQ topk8t<>(SB), R9

	CMPQ CX, $8
	JL   qtailchk

qloop:
	VMOVUPS (SI)(R10*4), Y0
	SCAN8(FULLBITS)

qappended:
	CMPQ R12, $8
	JAE  qmerge

qadvance:
	ADDQ $8, R10
	SUBQ $8, CX
	CMPQ CX, $8
	JGE  qloop

qtailchk:
	TESTQ CX, CX
	JLE  qdone
	MOVQ CX, DX
	TAILMASK_AVX2(DX, AX, Y4)
	VMASKMOVPS (SI)(R10*4), Y4, Y0
	SCAN8(TAILBITS)
	JMP  qappended

qmerge:
	LOADBATCH
	SORT8
	MERGETOP(qm32, qmdone)
	// The overflow becomes the pending batch.
	VMOVDQU 64(SP), Y3
	VMOVDQU 96(SP), Y4
	VMOVDQU Y3, 0(SP)
	VMOVDQU Y4, 32(SP)
	SUBQ $8, R12
	JMP  qadvance

qdone:
	TESTQ R12, R12
	JZ   qstore
	VMOVDQU topk8v<>+EMPTY(SB), Y3
	VMOVDQU Y3, 0(SP)(R12*8)
	VMOVDQU Y3, 32(SP)(R12*8)
	LOADBATCH
	SORT8
	MERGETOP(qf32, qfdone)

qstore:
	// top[0:k] = the keys of the working keys; ids = ^(low dwords).
	VPXOR Y4, Y4, Y4
	XORQ R11, R11
qcvt:
	VMOVDQU TOP(SP)(R11*8), Y8
	TOKEY(Y8, Y3, Y4)
	VPXOR topk8v<>+MINKEY(SB), Y8, Y8
	VMOVDQU Y8, TOP(SP)(R11*8)
	ADDQ $4, R11
	CMPQ R11, R8
	JB   qcvt
	MOVQ ids+64(FP), DX
	XORQ R11, R11
	TESTQ DX, DX
	JZ   qcopy
qids:
	MOVQ TOP(SP)(R11*8), AX
	MOVQ AX, (DI)(R11*8)
	NOTL AX
	MOVL AX, (DX)(R11*4)
	INCQ R11
	CMPQ R11, R8
	JB   qids
	JMP  qstored
qcopy:
	MOVQ TOP(SP)(R11*8), AX
	MOVQ AX, (DI)(R11*8)
	INCQ R11
	CMPQ R11, R8
	JB   qcopy
qstored:
	CMPQ BX, R8
	CMOVQGT R8, BX
	VPCMPGTD topk8v<>+MAXFIN(SB), Y7, Y7
	VPTEST Y7, Y7
	MOVQ $-1, AX
	CMOVQNE AX, BX
	MOVQ BX, ret+72(FP)
	VZEROUPPER
	RET

