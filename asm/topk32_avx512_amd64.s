//go:build gc && !purego

// The AVX-512 top-K kernel for 9 <= K <= 32: the design of
// topk8_avx512_amd64.s (candidates packed with VPCOMPRESSD, sorted eight
// at a time by a bitonic network) with a top of 16 or 32 keys in two or
// four registers, and a pre-pass that estimates the K-th largest value.
//
// func topk32AVX512(top *uint64, n, k int, vals *float32, nv, base, pre int, floor float32, ids *int32) int
//
// Requires: AVX512F (VPCOMPRESSD, VPEXPANDQ, VPCOMPRESSQ, VPMINUQ/VPMAXUQ,
// VPERMI2D, VPERMQ, VPERMPS, VSHUFF32X4, VSHUFI64X2, VPTERNLOGD, VPMOVQD,
// opmasks), POPCNT and BMI2 (SHLX/SHRX).
// Twin: topK (the final top is a set of unique keys, so any order of
// merging gives topK's result) for 9 <= k <= 32, and badRow: it returns -1
// when a scanned value is a NaN or an infinity (top is then garbage);
// otherwise min(k, n + the number of candidates), which is topK's count
// whenever the scan sees at least k - n values. Preconditions: top[:n]
// holds keys in descending order and top[n:k] zeros (as topK leaves them);
// nv >= 1.
//
// Method. The top lives in Z10 (slots 0-7), Z9 (8-15) and, for k > 16,
// Z26 (16-23), Z27 (24-31) as unsigned keys Key(v, i) in descending order
// (slots k..31 are spare; empty slots are 0, below every key). A value is
// a candidate when it is >= the threshold Z1 = max(Z2, keyValue(top[k-1])
// of an earlier top), where Z2 is the pre-pass bound raised to floor:
// every value below Z1 is below k keys already held or known to exist, so
// it cannot be in the final top. Each 16-value chunk's candidates become
// keys (order bits << 32 | ^index, -0 folded to +0 as Key does), packed
// with VPCOMPRESSD and appended (VPEXPANDQ) to a pending batch, with no
// per-chunk branch (topk8AVX512). Every 8 keys are sorted ascending by a
// bitonic network and merged into the top: the top's last eight and the
// batch give their 8 largest as a bitonic sequence (VPMAXUQ), sorted
// descending by 3 half-cleaners and reversed; the top's first 8 (k <= 16)
// or 24 keys followed by them are a bitonic sequence of 16 or 32, which a
// bitonic merge sorts descending. Before each merge the threshold is
// raised to keyValue(top[k-1]) of the top before it (an empty slot gives
// a NaN, which VMAXPS's operand order ignores), so the scan need not wait
// for the merge. A final partial batch is padded with zero keys.
//
// Pre-pass (pre != 0): the maxima of 32 (k <= 16) or 64 (k > 16)
// disjoint subsets of vals (lane j of two or four accumulators, one
// element each per 32- or 64-value step; the rest in the first two by 16
// and the tail in the second; empty subsets -Inf) are sorted by bitonic
// networks of VMINPS/VMAXPS, and the k-th largest of them is the bound: k
// distinct elements of vals are >= it, so the k-th largest key of vals
// (and of the top merged with vals) has a value >= it. A NaN in vals can make the
// bound meaningless; the result is -1 then anyway.
// ids (nil or not): also receives the k chosen indices (KeyIndex of each
// key) as int32.
//
// Registers: DI = top, BX = n + candidates, R8 = k, SI = vals,
// CX = remaining, R9 = base, R10 = chunk start, R12 = keys pending in Z20,
// Z0 = chunk, Z1 = threshold, Z2 = pre-pass bound / floor, Z3-Z7
// temporaries, Z8 = max of exponent fields (non-finite check), Z9/Z10/
// Z26/Z27 = top, Z11 = batch, Z12/Z13 and Z23-Z25/Z30/Z31 network
// temporaries, Z14 = 2*((k-1)&15)+1 (dwords: the high dword of slot k-1
// in its pair of registers), Z15 = 0..15 (dwords), Z16 = 0x80000000,
// Z17 = 0, Z18 = ^index of the chunk's lanes, Z19/Z21 = VPERMI2D
// key-pairing indices, Z20 = pending keys, Z22 = 16 (dwords), Z28 = 7..0
// (qwords, reversal), Z29 = 0x7F800000, K5/K6/K7 = 0xF0/0xCC/0xAA, K1 tail
// mask, K2 candidates, K3 scratch; AX, DX, R11, R13 scratch.

#include "textflag.h"
#include "consts_amd64.h"

#include "tables_topk32_avx512_amd64.h"
#include "keys_avx512_amd64.h"

// MERGE16: merge the ascending Z11 into the top Z10, Z9 (k <= 16).
#define MERGE16 \
	VPMAXUQ Z11, Z9, Z9; \
	HC8D(Z9, Z12, Z13); \
	VPERMQ Z9, Z28, Z9; \
	CE(Z10, Z9, Z12); \
	HC8D(Z10, Z12, Z13); \
	HC8D(Z9, Z23, Z24)

// MERGE32: merge the ascending Z11 into the top Z10, Z9, Z26, Z27.
#define MERGE32 \
	VPMAXUQ Z11, Z27, Z27; \
	HC8D(Z27, Z12, Z13); \
	VPERMQ Z27, Z28, Z27; \
	CE(Z10, Z26, Z12); \
	CE(Z9, Z27, Z13); \
	CE(Z10, Z9, Z12); \
	CE(Z26, Z27, Z13); \
	HC8D(Z10, Z12, Z13); \
	HC8D(Z9, Z23, Z24); \
	HC8D(Z26, Z25, Z30); \
	HC8D(Z27, Z31, Z11)

// RAISE2(A, B): Z1 = max(Z1, keyValue(top[k-1])), slot k-1 being in the
// register pair A (low 8 slots), B (high 8). Clobbers Z12, Z13.
#define RAISE2(A, B) \
	VMOVDQA32 Z14, Z12; \
	VPERMI2D B, A, Z12; \
	KEYVALUE_MAX

// MERGE(l32, ldone): raise the threshold from the current top, then
// merge the sorted batch Z11 into it.
#define MERGE(l32, ldone) \
	CMPQ R8, $16; \
	JA   l32; \
	RAISE2(Z10, Z9); \
	MERGE16; \
	JMP  ldone; \
l32: \
	RAISE2(Z26, Z27); \
	MERGE32; \
ldone:

// APPEND(Zn, cnt, l2, l32, ldone): append the cnt (0..8) keys in the low
// lanes of Zn to the pending batch Z20 (R12 keys, the rest zero); when it
// fills, sort it, merge it into the top and keep the overflow as the new
// pending batch. Clobbers Z11-Z13, Z23-Z25, Z30, Z31, K3, DX, R11, R13.
#define APPEND(Zn, cnt, l2, l32, ldone) \
	BATCH_ADD(Zn, cnt, l2); \
	SORT8(topk32c); \
	MERGE(l32, ldone); \
	BATCH_KEEP(Zn); \
l2:

// FSTAGE(SHUF, R, T1, T2, moff): one stage of the float sort on R: the
// partner lanes by SHUF into T1; R = min, lanes of the mask at
// topk32c<>+moff take max. Clobbers T1, T2, K4.
#define FSTAGE(SHUF, R, T1, T2, moff) \
	SHUF; \
	KMOVW topk32c<>+moff(SB), K4; \
	VMINPS T1, R, T2; \
	VMAXPS T1, R, K4, T2; \
	VMOVAPS T2, R

#define FD1(R, T1) VPERMILPS $0xB1, R, T1
#define FD2(R, T1) VPERMILPS $0x4E, R, T1
#define FD4(R, T1) VSHUFF32X4 $0xB1, R, R, T1
#define FD8(R, T1) VSHUFF32X4 $0x4E, R, R, T1

// FSORT16(R, T1, T2): sort the 16 floats of R descending (no NaN).
#define FSORT16(R, T1, T2) \
	FSTAGE(FD1(R, T1), R, T1, T2, 332); \
	FSTAGE(FD2(R, T1), R, T1, T2, 334); \
	FSTAGE(FD1(R, T1), R, T1, T2, 336); \
	FSTAGE(FD4(R, T1), R, T1, T2, 338); \
	FSTAGE(FD2(R, T1), R, T1, T2, 340); \
	FSTAGE(FD1(R, T1), R, T1, T2, 342); \
	FHC16(R, T1, T2)

// FHC16(R, T1, T2): sort the bitonic 16 floats of R descending.
#define FHC16(R, T1, T2) \
	FSTAGE(FD8(R, T1), R, T1, T2, 344); \
	FSTAGE(FD4(R, T1), R, T1, T2, 346); \
	FSTAGE(FD2(R, T1), R, T1, T2, 348); \
	FSTAGE(FD1(R, T1), R, T1, T2, 350)

TEXT ·topk32AVX512(SB), NOSPLIT, $0-80
	MOVQ top+0(FP), DI
	MOVQ n+8(FP), BX
	MOVQ k+16(FP), R8
	MOVQ vals+24(FP), SI
	MOVQ base+40(FP), R9
	VBROADCASTSS consts<>+C_EXPM(SB), Z29
	VBROADCASTSS consts<>+C_SIGN(SB), Z16
	VMOVDQU32 topk32c<>+0(SB), Z15
	VPXORD Z8, Z8, Z8
	XORQ R10, R10
	XORQ R12, R12
	VPXORQ Z20, Z20, Z20
	VPXORD Z17, Z17, Z17
	VMOVDQU32 topk32c<>+72(SB), Z19
	VMOVDQU32 topk32c<>+136(SB), Z21
	VPBROADCASTD topk32c<>+200(SB), Z22
	VMOVDQU64 topk32c<>+204(SB), Z28
	MOVL $0xF0, AX
	KMOVW AX, K5
	MOVL $0xCC, AX
	KMOVW AX, K6
	MOVL $0xAA, AX
	KMOVW AX, K7
	// The top: slots 0..n-1 (the rest zero; n = 0: no load, which
	// would wait for the caller's clearing stores).
	VPXORQ Z10, Z10, Z10
	VPXORQ Z9, Z9, Z9
	VPXORQ Z26, Z26, Z26
	VPXORQ Z27, Z27, Z27
	TESTQ BX, BX
	JZ   ktopdone
	MOVQ BX, CX
	MOVQ $1, DX
	SHLQ CX, DX
	DECQ DX
	KMOVW DX, K3
	VMOVDQU64.Z (DI), K3, Z10
	SHRQ $8, DX
	KMOVW DX, K3
	VMOVDQU64.Z 64(DI), K3, Z9
	SHRQ $8, DX
	KMOVW DX, K3
	VMOVDQU64.Z 128(DI), K3, Z26
	SHRQ $8, DX
	KMOVW DX, K3
	VMOVDQU64.Z 192(DI), K3, Z27
ktopdone:
	LEAQ -1(R8), AX
	ANDQ $15, AX
	LEAQ 1(AX)(AX*1), DX
	VPBROADCASTD DX, Z14
	MOVQ nv+32(FP), CX
	// Pre-pass (pre != 0): Z2 = a lower bound of the k-th largest.
	VBROADCASTSS consts<>+C_NEGINF(SB), Z2
	MOVQ pre+48(FP), R11
	TESTQ R11, R11
	JZ   kprenone
	VMOVAPS Z2, Z3
	VMOVAPS Z2, Z4
	VMOVAPS Z2, Z5
	VMOVAPS Z2, Z6
	MOVQ SI, R13
	CMPQ R8, $16
	JBE  kpre32
kpre64:
	// k > 16: 64 subsets (Z3-Z6), then the rest into Z3/Z4 as below.
	CMPQ CX, $64
	JB   kpre32
	VMAXPS (R13), Z3, Z3
	VMAXPS 64(R13), Z4, Z4
	VMAXPS 128(R13), Z5, Z5
	VMAXPS 192(R13), Z6, Z6
	ADDQ $256, R13
	SUBQ $64, CX
	JMP  kpre64
kpre32:
	CMPQ CX, $32
	JB   kpre16
	VMAXPS (R13), Z3, Z3
	VMAXPS 64(R13), Z4, Z4
	ADDQ $128, R13
	SUBQ $32, CX
	JMP  kpre32
kpre16:
	CMPQ CX, $16
	JB   kpretail
	VMAXPS (R13), Z3, Z3
	ADDQ $64, R13
	SUBQ $16, CX
kpretail:
	TESTQ CX, CX
	JZ   kpresort
	TAILK_AVX512(DX, K1)
	VMOVAPS Z2, Z7
	VMOVUPS (R13), K1, Z7
	VMAXPS Z7, Z4, Z4
kpresort:
	VMOVDQU32 topk32c<>+268(SB), Z0
	CMPQ R8, $16
	JA   kpre64sort
	FSORT16(Z3, Z5, Z6)
	FSORT16(Z4, Z7, Z11)
	VPERMPS Z4, Z0, Z4
	// Z3 = the 16 largest (bitonic), sorted: the k-th is lane k-1.
	VMAXPS Z4, Z3, Z3
	FHC16(Z3, Z5, Z6)
	JMP  kprepick
kpre64sort:
	// The 64 maxima: each register sorted, merged in pairs into two
	// sorted runs of 32 (Z3 Z4, Z5 Z6), whose 32 largest are the bitonic
	// sequence max(Z3 Z4, reverse(Z5 Z6)), sorted by a bitonic merge;
	// the k-th (k > 16) is lane k-17 of the second half.
	FSORT16(Z3, Z7, Z11)
	FSORT16(Z4, Z12, Z13)
	FSORT16(Z5, Z23, Z24)
	FSORT16(Z6, Z25, Z30)
	VPERMPS Z4, Z0, Z4
	VPERMPS Z6, Z0, Z6
	VMAXPS Z4, Z3, Z7
	VMINPS Z4, Z3, Z4
	VMAXPS Z6, Z5, Z11
	VMINPS Z6, Z5, Z6
	FHC16(Z7, Z12, Z13)
	FHC16(Z4, Z23, Z24)
	FHC16(Z11, Z25, Z30)
	FHC16(Z6, Z31, Z3)
	// (Z7 Z4) and (Z11 Z6): sorted runs of 32.
	VPERMPS Z6, Z0, Z6
	VPERMPS Z11, Z0, Z11
	VMAXPS Z6, Z7, Z7
	VMAXPS Z11, Z4, Z4
	VMINPS Z4, Z7, Z3
	FHC16(Z3, Z12, Z13)
kprepick:
	VPBROADCASTD AX, Z5
	VPERMPS Z3, Z5, Z2
	MOVQ nv+32(FP), CX
kprenone:
	VBROADCASTSS floor+56(FP), Z3
	VMAXPS Z3, Z2, Z2
	VMOVAPS Z2, Z1
	CMPQ R8, $16
	JA   kthr32
	RAISE2(Z10, Z9)
	JMP  kthrdone
kthr32:
	RAISE2(Z26, Z27)

kthrdone:
	MOVL R9, R11
	NOTL R11
	VPBROADCASTD R11, Z18
	VPSUBD Z15, Z18, Z18

kloop:
	TESTQ CX, CX
	JLE   kdone
	CMPQ  CX, $16
	JB    ktail
	VMOVUPS (SI)(R10*4), Z0
	VPANDD Z29, Z0, Z6
	VPMAXUD Z6, Z8, Z8
	VCMPPS $0x0D, Z1, Z0, K2
	JMP   kcands
ktail:
	TAILK_AVX512(DX, K1)
	VMOVUPS.Z (SI)(R10*4), K1, Z0
	VPANDD Z29, Z0, Z6
	VPMAXUD Z6, Z8, Z8
	VCMPPS $0x0D, Z1, Z0, K1, K2

kcands:
	// Keys of the candidate lanes: order bits of x + 0 (which turns -0
	// into +0, as Key folds them, and keeps every other value) and ^index
	// (Z18), paired into qwords by VPERMI2D.
	VADDPS Z17, Z0, Z3
	VPSRAD $31, Z3, Z4
	VPTERNLOGD $0x1E, Z16, Z4, Z3
	VPCOMPRESSD.Z Z3, K2, Z3
	VPCOMPRESSD.Z Z18, K2, Z4
	KMOVW K2, AX
	POPCNTL AX, AX
	ADDQ AX, BX
	VMOVDQA32 Z19, Z5
	VPERMI2D Z3, Z4, Z5
	CMPL AX, $8
	JBE  klast
	APPEND(Z5, $8, kapp1, kapp1m32, kapp1mdone)
	SUBL $8, AX
	VMOVDQA32 Z21, Z5
	VPERMI2D Z3, Z4, Z5
klast:
	APPEND(Z5, AX, kapp2, kapp2m32, kapp2mdone)

	VPSUBD Z22, Z18, Z18
	ADDQ $16, R10
	SUBQ $16, CX
	JMP  kloop

kdone:
	TESTQ R12, R12
	JZ   kstore
	VMOVDQA64 Z20, Z11
	SORT8(topk32c)
	MERGE(kfin32, kfindone)

kstore:
	MOVQ R8, CX
	MOVQ $1, DX
	SHLQ CX, DX
	DECQ DX
	KMOVW DX, K3
	VMOVDQU64 Z10, K3, (DI)
	SHRQ $8, DX
	KMOVW DX, K3
	VMOVDQU64 Z9, K3, 64(DI)
	SHRQ $8, DX
	KMOVW DX, K3
	VMOVDQU64 Z26, K3, 128(DI)
	SHRQ $8, DX
	KMOVW DX, K3
	VMOVDQU64 Z27, K3, 192(DI)
	// ids: ^(low dwords) of the k keys.
	MOVQ ids+64(FP), R11
	TESTQ R11, R11
	JZ   knoids
	MOVQ $1, DX
	SHLQ CX, DX
	DECQ DX
	KMOVW DX, K3
	VPMOVQD Z10, Y12
	VPMOVQD Z9, Y13
	VINSERTI64X4 $1, Y13, Z12, Z12
	VPTERNLOGD $0x0F, Z12, Z12, Z12
	VMOVDQU32 Z12, K3, (R11)
	SHRQ $16, DX
	KMOVW DX, K3
	VPMOVQD Z26, Y12
	VPMOVQD Z27, Y13
	VINSERTI64X4 $1, Y13, Z12, Z12
	VPTERNLOGD $0x0F, Z12, Z12, Z12
	VMOVDQU32 Z12, K3, 64(R11)
knoids:
	CMPQ BX, R8
	CMOVQGT R8, BX
	VPCMPEQD Z29, Z8, K2
	KORTESTW K2, K2
	MOVQ $-1, AX
	CMOVQNE AX, BX
	MOVQ BX, ret+72(FP)
	VZEROUPPER
	RET
