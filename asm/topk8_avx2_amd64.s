//go:build gc && !purego

// The AVX2 top-K kernel for K <= 8: candidates packed with a VPERMD
// lookup table, merged eight at a time by a sorting network (the design of
// topk8_avx512_amd64.s with 256-bit registers and signed compares).
//
// func topk8AVX2(top *uint64, n, k int, vals *float32, nv, base, lanes int, floor float32, glist *uint64, ng int) int
//
// Requires: AVX, AVX2 (VPERMD, VPCMPGTQ, VPMOVZXBD, VPERMQ) and POPCNT.
// Twin: topK (the final top is a set of unique keys, so any order of
// merging gives topK's result) for 1 <= k <= 8, and badRow: it returns -1
// when a scanned value is a NaN or an infinity (top is then garbage);
// otherwise min(k, n + the number of candidates), which is topK's count
// whenever the scan sees at least k - n values. Preconditions: top[:k] is
// valid memory, top[:n] holds keys in descending order and top[n:k] zeros
// (as topK leaves them).
//
// Method. Keys are handled as signed int64 working keys, so that
// VPCMPGTQ orders them as Key's unsigned order: the high dword is H(v) =
// sign(b) * (b & 0x7FFFFFFF) (VPSIGND; b = the float bits), whose signed
// order is the float order of finite values with -0 = +0 = 0; the low
// dword is ^index. H is OrderBits(v) ^ 0x80000000 (= Key's high dword
// with the top bit flipped) for v >= +0 and that + 1 for v < 0 (where it
// is -1 - (b & 0x7FFFFFFF)), so TOWORK/TOKEY convert the top on entry and
// exit (besides flipping bit 63). An empty slot is EMPTY = INT64_MIN +
// 1<<32 (Key 0), below every working key of a finite value. The top lives
// in Y8 (slots 0-3) and Y9 (slots 4-7) in descending order (slots k..7
// are spare). A value is a candidate when H(v) >= the threshold
// max(Y2, H(top[k-1]) once k keys are known), kept minus 1 in Y1 for
// VPCMPGTD; Y2 is H of the pre-pass bound raised to floor: every value
// below the threshold is below k keys already held or known to exist, so
// it cannot be in the final top. Each 8-value chunk (branch-free): H of
// the lanes, VPCMPGTD, VMOVMSKPS; the lanes' H and ^index dwords are
// compressed by two VPERMD with the indices of table topk8t<> (8 bytes
// per mask, widened by VPMOVZXBD), interleaved into qword keys by
// VPUNPCKLDQ/VPUNPCKHDQ (the table orders the lanes so that the POPCNT
// candidates come first in the 8 stored keys), and written blindly, 64
// bytes, at the pending count of a stack buffer. Every 8 pending keys are
// loaded one qword at a time (each load lies inside one store, so it is
// store-forwarded; a 32-byte load spanning two stores waits for them to
// reach the cache), sorted ascending by a bitonic network (distance 1, 2,
// 1 with per-lane directions, then 4 between the two registers, 2, 1:
// VPCMPGTQ, VPXOR with the direction, VBLENDVPD) and merged into the top:
// max(top, sorted) lane by lane is the 8 largest of the 16 as a bitonic
// sequence, which three half-cleaners (distance 4, 2, 1) sort descending.
// Between the sort and the merge of each full batch the threshold is
// raised to max(bound, H(top[k-1]), H(batch[8-k])) (VPERMD of those high
// dwords, VPMAXSD): both are k-th largest keys of subsets of the final
// set, and the scan need not wait for the merge (the merged top's own
// k-th key is used at the next batch; for k = 8 the batch's (8-k)-th key
// is its minimum, whose high dword a VPMINSD reduction finds before the
// sort ends). A final partial batch is padded with EMPTY. Non-finite
// check: the maximum of b & 0x7FFFFFFF over all scanned values (Y7) is
// > 0x7F7FFFFF.
//
// Pre-pass (lanes = 1, 2, 4 or 8 >= k): the minimum of the maxima of
// `lanes` disjoint subsets of vals (lane j mod 8, four accumulators), a
// lower bound of the k-th largest; lanes = 0 or nv <= 8 (one chunk, one
// batch): none. Group walk: with glist != nil, vals is the whole
// selection row and nv the group size; the kernel walks the ng kept
// groups glist[0:ng] (group keys: index = ^low 32 bits), each at
// vals + g*nv with base + g*nv (RouteGeneric's loop over s.GTop in one
// call; lanes must be 0). With glist == nil it scans vals[0:nv] once.
// n = 0 does not read top; k = 8 loads and stores it with plain moves,
// other k with VMASKMOVPD.
//
// Registers: DI = top, BX = n + candidates, R8 = k, SI = vals (group
// start), CX = remaining, R9 = base, then the table topk8t<>, R10 = chunk
// start, R12 = keys pending, AX = candidate mask, DX their count,
// Y0 = chunk, Y1 = threshold - 1 (H), Y2 = H(pre-pass bound / floor),
// Y7 = maximum of b & 0x7FFFFFFF (non-finite check), Y8/Y9 = top,
// Y10/Y11 = batch, Y12 = ^(base+R10+lane) (dwords), Y14 = 2*((k-1)&3)+1
// (dwords: slot k-1's high dword), Y15 = 0x7FFFFFFF, Y3-Y6/Y13 scan and
// network temporaries (Y3/Y10/Y11/Y13 the pre-pass accumulators).
// Frame: 0(SP) pending keys (16 slots: 7 pending + 8 appended, blind
// 64-byte writes), 192(SP) 2*((8-k)&3)+1 (dwords: the batch's (8-k)-th
// high dword), 224(SP) group cursor, 232(SP) groups left.

#include "textflag.h"
#include "consts_amd64.h"
#include "topk_amd64.h"

#include "tables_keys_avx2_amd64.h"
#include "tables_topk_avx2_amd64.h"

#include "keys_avx2_amd64.h"

// TOPMASKS(Ylo, Yhi): the VMASKMOVPD masks of top[0:min(k,4)] and
// top[4:k] (qwords). Clobbers AX, DX.
#define TOPMASKS(Ylo, Yhi) \
	MOVQ R8, AX; \
	MOVQ $4, DX; \
	CMPQ AX, DX; \
	CMOVQHI DX, AX; \
	SHLQ $3, AX; \
	LEAQ consts<>+(C_MASK+32)(SB), DX; \
	SUBQ AX, DX; \
	VMOVDQU (DX), Ylo; \
	MOVQ R8, AX; \
	SUBQ $4, AX; \
	XORL DX, DX; \
	CMPQ AX, DX; \
	CMOVQLT DX, AX; \
	SHLQ $3, AX; \
	LEAQ consts<>+(C_MASK+32)(SB), DX; \
	SUBQ AX, DX; \
	VMOVDQU (DX), Yhi

// KTHR(lhi, ldone): Y1 = max(Y2, the high dword of top[k-1]) - 1 (the
// threshold in the H domain: lanes with H > Y1 are candidates); only
// when k keys are known. Y14 = 2*((k-1)&3)+1 picks the dword.
#define KTHR(lhi, ldone) \
	CMPQ R8, $4; \
	JA   lhi; \
	VPERMD Y8, Y14, Y1; \
	JMP  ldone; \
lhi: \
	VPERMD Y9, Y14, Y1; \
ldone: \
	VPMAXSD Y2, Y1, Y1; \
	VPADDD topk8v<>+ONES(SB), Y1, Y1

// KTHRB(lhi, ldone): between SORT8 and MERGE8 of a full batch, Y1 =
// max(Y2, H(top[k-1]), H(batch[8-k])) - 1: k keys of the batch are >=
// its (8-k)-th, k keys of the top >= its (k-1)-th (EMPTY's high dword
// while that slot is empty), so both bound the final k-th largest. This
// is at most the threshold of the merged top, and the scan need not wait
// for the merge. 192(SP) = 2*((8-k)&3)+1 picks the batch's dword (Y11 for k <= 4,
// Y10 for k > 4). Clobbers Y3, Y4.
#define KTHRB(lhi, ldone) \
	VMOVDQU 192(SP), Y4; \
	CMPQ R8, $4; \
	JA   lhi; \
	VPERMD Y8, Y14, Y1; \
	VPERMD Y11, Y4, Y3; \
	JMP  ldone; \
lhi: \
	VPERMD Y9, Y14, Y1; \
	VPERMD Y10, Y4, Y3; \
ldone: \
	VPMAXSD Y3, Y1, Y1; \
	VPMAXSD Y2, Y1, Y1; \
	VPADDD topk8v<>+ONES(SB), Y1, Y1

// KTHR8B: KTHRB for k = 8 without waiting for the sort: the batch's
// (8-k)-th key is its minimum, whose high dword is the minimum of the
// high dwords (VPMINSD reduction; the low dwords are ignored).
// Clobbers Y3, Y4.
#define KTHR8B \
	VPMINSD Y11, Y10, Y3; \
	VPERMQ $0x4E, Y3, Y4; \
	VPMINSD Y4, Y3, Y3; \
	VPSHUFD $0x4E, Y3, Y4; \
	VPMINSD Y4, Y3, Y3; \
	VPSHUFD $0xF5, Y3, Y3; \
	VPERMD Y9, Y14, Y1; \
	VPMAXSD Y3, Y1, Y1; \
	VPMAXSD Y2, Y1, Y1; \
	VPADDD topk8v<>+ONES(SB), Y1, Y1

// LOADBATCH: Y10/Y11 = the 8 keys at the given qword addresses, loaded
// one qword each (each load lies inside the youngest 32-byte store of
// the append that wrote it, so it is store-forwarded).
#define LOADBATCH(a0, a1, a2, a3, a4, a5, a6, a7) \
	VMOVQ a0, X10; \
	VPINSRQ $1, a1, X10, X10; \
	VMOVQ a2, X4; \
	VPINSRQ $1, a3, X4, X4; \
	VINSERTI128 $1, X4, Y10, Y10; \
	VMOVQ a4, X11; \
	VPINSRQ $1, a5, X11, X11; \
	VMOVQ a6, X4; \
	VPINSRQ $1, a7, X4, X4; \
	VINSERTI128 $1, X4, Y11, Y11

TEXT ·topk8AVX2(SB), NOSPLIT, $240-88
	MOVQ top+0(FP), DI
	MOVQ n+8(FP), BX
	MOVQ k+16(FP), R8
	MOVQ vals+24(FP), SI
	MOVQ base+40(FP), R9
	// The top as working keys; n = 0: all slots empty.
	VMOVDQU topk8v<>+EMPTY(SB), Y8
	VMOVDQU Y8, Y9
	TESTQ BX, BX
	JZ   qloaded
	CMPQ R8, $8
	JNE  qloadk
	VMOVDQU (DI), Y8
	VMOVDQU 32(DI), Y9
	JMP  qconv
qloadk:
	TOPMASKS(Y3, Y4)
	VMASKMOVPD (DI), Y3, Y8
	VMASKMOVPD 32(DI), Y4, Y9
qconv:
	VPXOR topk8v<>+MINKEY(SB), Y8, Y8
	VPXOR topk8v<>+MINKEY(SB), Y9, Y9
	VPXOR Y4, Y4, Y4
	TOWORK(Y8, Y3, Y4)
	TOWORK(Y9, Y3, Y4)
qloaded:
	LEAQ -1(R8), AX
	ANDQ $3, AX
	LEAQ 1(AX)(AX*1), AX
	VMOVD AX, X14
	VPBROADCASTD X14, Y14
	MOVQ $8, AX
	SUBQ R8, AX
	ANDQ $3, AX
	LEAQ 1(AX)(AX*1), AX
	VMOVD AX, X3
	VPBROADCASTD X3, Y3
	VMOVDQU Y3, 192(SP)
	VMOVDQU topk8v<>+ABS(SB), Y15
	VPXOR Y7, Y7, Y7
	MOVQ nv+32(FP), CX
	XORQ R10, R10
	// Pre-pass (lanes > 0): Y2 = a lower bound of the k-th largest. Lane
	// j of the four accumulators covers the values at j mod 8.
	VMOVDQU consts<>+C_NEGINF(SB), Y2
	MOVQ lanes+48(FP), R12
	TESTQ R12, R12
	JZ   qprenone
	CMPQ CX, $8
	JLE  qprenone     // one chunk: every value goes into one batch anyway
	VMOVDQU Y2, Y3
	VMOVDQU Y2, Y10
	VMOVDQU Y2, Y11
	VMOVDQU Y2, Y13
	MOVQ SI, R11
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
	JZ   qprefold
	TAILMASK_AVX2(CX, DX, Y4)
	VMASKMOVPS (R11), Y4, Y6
	VBLENDVPS Y4, Y6, Y2, Y6
	VMAXPS Y6, Y3, Y3
qprefold:
	VMAXPS Y10, Y3, Y3
	VMAXPS Y13, Y11, Y11
	VMAXPS Y11, Y3, Y3
	PREPASS_LANES(Y3, Y6, X3, X6, R12, qpre8, qpre4, qpre2, qpredone)
	VBROADCASTSS X3, Y2
	MOVQ nv+32(FP), CX
qprenone:
	VBROADCASTSS floor+56(FP), Y3
	VMAXPS Y2, Y3, Y2
	SKH(Y2, Y3, Y2)
	VPADDD topk8v<>+ONES(SB), Y2, Y1
	XORQ R12, R12
	CMPQ BX, R8
	JB   qthrdone
	KTHR(qthr0hi, qthr0done)

qthrdone:
	MOVQ glist+64(FP), R11
	MOVQ R11, 224(SP)
	MOVQ ng+72(FP), R11
	MOVQ R11, 232(SP)

qgroup:
	MOVQ 224(SP), R11
	TESTQ R11, R11
	JZ   qstart
	MOVQ (R11), AX
	NOTL AX
	ADDQ $8, R11
	MOVQ R11, 224(SP)
	MOVQ nv+32(FP), CX
	MOVQ AX, R11
	IMULQ CX, R11
	MOVQ vals+24(FP), SI
	LEAQ (SI)(R11*4), SI
	MOVQ base+40(FP), R9
	ADDQ R11, R9
	XORQ R10, R10

qstart:
	// Y12 = ^(base + lane); R9 = the compress table.
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
	LOADBATCH(0(SP), 8(SP), 16(SP), 24(SP), 32(SP), 40(SP), 48(SP), 56(SP))
	CMPQ R8, $8
	JNE  qmergek
	KTHR8B
	SORT8
	MERGE8
	JMP  qmerged
qmergek:
	SORT8
	KTHRB(qthr1hi, qthr1done)
	MERGE8
qmerged:
	// The overflow becomes the pending batch (off the threshold's path).
	VMOVDQU 64(SP), Y3
	VMOVDQU 96(SP), Y4
	VMOVDQU Y3, 0(SP)
	VMOVDQU Y4, 32(SP)
	SUBQ $8, R12
	JMP  qadvance

qdone:
	MOVQ 224(SP), R11
	TESTQ R11, R11
	JZ   qfinish
	DECQ 232(SP)
	JNZ  qgroup

qfinish:
	TESTQ R12, R12
	JZ   qstore
	VMOVDQU topk8v<>+EMPTY(SB), Y3
	VMOVDQU Y3, 0(SP)(R12*8)
	VMOVDQU Y3, 32(SP)(R12*8)
	LOADBATCH(0(SP), 8(SP), 16(SP), 24(SP), 32(SP), 40(SP), 48(SP), 56(SP))
	SORT8
	MERGE8

qstore:
	VPXOR Y4, Y4, Y4
	TOKEY(Y8, Y3, Y4)
	TOKEY(Y9, Y3, Y4)
	VPXOR topk8v<>+MINKEY(SB), Y8, Y8
	VPXOR topk8v<>+MINKEY(SB), Y9, Y9
	CMPQ R8, $8
	JNE  qstorek
	VMOVDQU Y8, (DI)
	VMOVDQU Y9, 32(DI)
	JMP  qstored
qstorek:
	TOPMASKS(Y3, Y4)
	VMASKMOVPD Y8, Y3, (DI)
	VMASKMOVPD Y9, Y4, 32(DI)
qstored:
	CMPQ BX, R8
	CMOVQGT R8, BX
	VPCMPGTD topk8v<>+MAXFIN(SB), Y7, Y7
	VPTEST Y7, Y7
	MOVQ $-1, AX
	CMOVQNE AX, BX
	MOVQ BX, ret+80(FP)
	VZEROUPPER
	RET
