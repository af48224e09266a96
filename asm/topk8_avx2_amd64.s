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

#include "tables_topk8_avx2_amd64.h"

// CE2(SHUF, A, B, dirA, dirB, dstA, dstB): one compare-exchange stage
// within each of the registers A and B (results in dstA, dstB): the partner lane is SHUF $0x4E (VPSHUFD:
// distance 1, VPERMQ: distance 2); a lane takes its partner when
// (lane > partner) XOR dir, dir all-ones where the lane keeps the max.
// Equal keys (only INT64_MIN padding) may go either way. Clobbers Y4-Y6, Y13.
#define CE2(SHUF, A, B, dirA, dirB, dstA, dstB) \
	SHUF $0x4E, A, Y4; \
	SHUF $0x4E, B, Y6; \
	VPCMPGTQ Y4, A, Y5; \
	VPCMPGTQ Y6, B, Y13; \
	VPXOR topk8v<>+dirA(SB), Y5, Y5; \
	VPXOR topk8v<>+dirB(SB), Y13, Y13; \
	VBLENDVPD Y5, Y4, A, dstA; \
	VBLENDVPD Y13, Y6, B, dstB

// SORT8: sort the 8 keys of Y10/Y11 ascending (Y10 = keys 0-3, Y11 =
// keys 4-7). Clobbers Y3-Y6, Y13.
#define SORT8 \
	CE2(VPSHUFD, Y10, Y11, DIR_0110, DIR_0110, Y10, Y11); \
	CE2(VPERMQ, Y10, Y11, DIR_0011, DIR_1100, Y10, Y11); \
	CE2(VPSHUFD, Y10, Y11, DIR_0101, DIR_1010, Y10, Y11); \
	VPCMPGTQ Y11, Y10, Y5; \
	VBLENDVPD Y5, Y11, Y10, Y3; \
	VBLENDVPD Y5, Y10, Y11, Y11; \
	CE2(VPERMQ, Y3, Y11, DIR_0011, DIR_0011, Y3, Y11); \
	CE2(VPSHUFD, Y3, Y11, DIR_0101, DIR_0101, Y10, Y11)

// MERGE8: merge the ascending Y10/Y11 into the top Y8/Y9 (descending).
// Clobbers Y3-Y6, Y13.
#define MERGE8 \
	VPCMPGTQ Y8, Y10, Y5; \
	VPCMPGTQ Y9, Y11, Y13; \
	VBLENDVPD Y5, Y10, Y8, Y8; \
	VBLENDVPD Y13, Y11, Y9, Y9; \
	VPCMPGTQ Y8, Y9, Y5; \
	VBLENDVPD Y5, Y9, Y8, Y3; \
	VBLENDVPD Y5, Y8, Y9, Y9; \
	CE2(VPERMQ, Y3, Y9, DIR_1100, DIR_1100, Y3, Y9); \
	CE2(VPSHUFD, Y3, Y9, DIR_1010, DIR_1010, Y8, Y9)

// SKH(x, m, dst): dst = the high dwords of the working keys of the lanes
// of x: H(b) = sign(b) * (b & 0x7FFFFFFF) (VPSIGND; b = the float bits,
// m = b & 0x7FFFFFFF is left for the non-finite check). H is the float
// order of finite values as signed int32, -0 and +0 both 0; it is
// HI(b) = OrderBits ^ 0x80000000 for b >= +0 and HI(b) + 1 for negative
// b (HI(b) = -1 - m there); TOWORK and TOKEY convert whole keys.
#define SKH(x, m, dst) \
	VPAND Y15, x, m; \
	VPSIGND x, m, dst

// TOWORK(R, t, z) / TOKEY: convert the skeys of R (Key ^ 1<<63) to
// working keys (high dword H instead of HI: + 1<<32 when HI < 0) and
// back. An empty slot, skey INT64_MIN, is the working key EMPTY =
// INT64_MIN + 1<<32, below the working key of every finite value (H >=
// -0x7F7FFFFF). z must be zero. Clobbers t.
#define TOWORK(R, t, z) \
	VPCMPGTQ R, z, t; \
	VPAND topk8v<>+ONEHI(SB), t, t; \
	VPADDQ t, R, R
#define TOKEY(R, t, z) \
	VPCMPGTQ R, z, t; \
	VPAND topk8v<>+ONEHI(SB), t, t; \
	VPSUBQ t, R, R

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

// SCAN8(MASK): the candidates of the chunk Y0 (MASK: their lane bits into
// AX): keys with high dwords HI, low dwords ^index, compressed by the
// table (R9) and appended at R12; counted in BX and R12. Also the
// non-finite check. Clobbers Y3-Y6, AX, DX.
#define SCAN8(MASK) \
	SKH(Y0, Y4, Y3); \
	VPMAXUD Y4, Y7, Y7; \
	VPCMPGTD Y1, Y3, Y6; \
	MASK; \
	POPCNTL AX, DX; \
	VPMOVZXBD (R9)(AX*8), Y5; \
	VPERMD Y3, Y5, Y3; \
	VPERMD Y12, Y5, Y4; \
	VPUNPCKLDQ Y3, Y4, Y6; \
	VPUNPCKHDQ Y3, Y4, Y3; \
	VMOVDQU Y6, 0(SP)(R12*8); \
	VMOVDQU Y3, 32(SP)(R12*8); \
	VPSUBD topk8v<>+32(SB), Y12, Y12; \
	ADDQ DX, BX; \
	ADDQ DX, R12

// FULLBITS: the candidate bits of a full chunk.
#define FULLBITS VMOVMSKPS Y6, AX

// TAILBITS: the candidate bits of the last CX (< 8) lanes.
#define TAILBITS \
	VMOVMSKPS Y6, AX; \
	MOVL $1, DX; \
	SHLL CX, DX; \
	DECL DX; \
	ANDL DX, AX

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


// func groupsAVX2(gtop *uint64, gsc, second, sel *float32, groups, gs, topGroups, mode int) (floor float32)
// Twin: chooseGroups for groups <= 8, as groupsAVX512 (same contract and
// mode bits) with 8-lane registers:
//  1. per group, the lane-wise top two of its values (tail lanes -Inf),
//     two groups at a time into Y1/Y2 and Y4/Y5;
//  2. each pair folded at once to 4 lanes a group, two groups a register
//     (VPERM2F128), pairs of pairs to 2 lanes (VSHUFPS 0x44/0xEE), then to
//     1 (VSHUFPS 0x88/0xDD), TOP2_COMBINE at every level (the top two of
//     a multiset do not depend on the order of combination); lanes then
//     hold groups 0,2,4,6,1,3,5,7, put in order by VPERMPS; score =
//     largest + second (mode bit 0 clear) or largest, stored to gsc and
//     second;
//  3. the group keys as topk8AVX2's working keys (SKH high dwords, ^g low
//     dwords; absent groups EMPTY) sorted by SORT8 and merged into an
//     empty top by MERGE8 (descending), converted to Key (TOKEY, bit 63),
//     all 8 stored to gtop (which must have room for 8), the first
//     topGroups being the kept groups;
//  4. the floor (mode bit 1): the minimum over the kept groups of second
//     (or of the score with GroupMax); otherwise -Inf.
// Registers: SI = group start, R8 = groups left, R9 = gs, R10 = cursor, CX = left in group, Y7 = -Inf,
// Y0/Y3/Y6 loads, tail mask and temporary of step 1; Y8/Y9, Y10/Y11,
// Y12/Y13 folded pairs; Y0/Y3/Y6/Y14/Y15 fold temporaries; then Y8/Y9 =
// top, Y10/Y11 = keys, Y3-Y6/Y13 network temporaries, Y12 = the groups
// mask, Y14/Y15 scores / second bests by lane g.

// GROUPA2(a1, a2, loop, tail, done, skip): step 1 for the next group.
#define GROUPA2(a1, a2, loop, tail, done, skip) \
	VMOVDQU Y7, a1; \
	VMOVDQU Y7, a2; \
	TESTQ R8, R8; \
	JLE  skip; \
	MOVQ R9, CX; \
	MOVQ SI, R10; \
loop: \
	CMPQ CX, $8; \
	JB   tail; \
	VMOVUPS (R10), Y0; \
	TOP2_COMBINE(a1, a2, Y0, Y7, Y6); \
	ADDQ $32, R10; \
	SUBQ $8, CX; \
	JMP  loop; \
tail: \
	TESTQ CX, CX; \
	JZ   done; \
	TAILMASK_AVX2(CX, AX, Y3); \
	VMASKMOVPS (R10), Y3, Y0; \
	VBLENDVPS Y3, Y0, Y7, Y0; \
	TOP2_COMBINE(a1, a2, Y0, Y7, Y6); \
done: \
	LEAQ (SI)(R9*4), SI; \
	DECQ R8; \
skip:

// FOLD2(shuf, imm1, imm2, a1g, a2g, a1h, a2h, d1, d2): one level of step
// 2: the lanes of g and h split by shuffles into two halves merged by
// TOP2_COMBINE into (d1, d2).
#define FOLD2(shuf, imm1, imm2, a1g, a2g, a1h, a2h, d1, d2) \
	shuf $imm1, a1h, a1g, Y0; \
	shuf $imm2, a1h, a1g, Y3; \
	shuf $imm1, a2h, a2g, Y14; \
	shuf $imm2, a2h, a2g, Y15; \
	TOP2_COMBINE(Y0, Y14, Y3, Y15, Y6); \
	VMOVDQU Y0, d1; \
	VMOVDQU Y14, d2


TEXT ·groupsAVX2(SB), NOSPLIT, $0-68
	MOVQ sel+24(FP), SI
	MOVQ groups+32(FP), R8
	MOVQ gs+40(FP), R9
	VMOVDQU consts<>+C_NEGINF(SB), Y7
	GROUPA2(Y1, Y2, g0l, g0t, g0d, g0s)
	GROUPA2(Y4, Y5, g1l, g1t, g1d, g1s)
	FOLD2(VPERM2F128, 0x20, 0x31, Y1, Y2, Y4, Y5, Y8, Y9)
	GROUPA2(Y1, Y2, g2l, g2t, g2d, g2s)
	GROUPA2(Y4, Y5, g3l, g3t, g3d, g3s)
	FOLD2(VPERM2F128, 0x20, 0x31, Y1, Y2, Y4, Y5, Y10, Y11)
	FOLD2(VSHUFPS, 0x44, 0xEE, Y8, Y9, Y10, Y11, Y8, Y9)
	GROUPA2(Y1, Y2, g4l, g4t, g4d, g4s)
	GROUPA2(Y4, Y5, g5l, g5t, g5d, g5s)
	FOLD2(VPERM2F128, 0x20, 0x31, Y1, Y2, Y4, Y5, Y10, Y11)
	GROUPA2(Y1, Y2, g6l, g6t, g6d, g6s)
	GROUPA2(Y4, Y5, g7l, g7t, g7d, g7s)
	FOLD2(VPERM2F128, 0x20, 0x31, Y1, Y2, Y4, Y5, Y12, Y13)
	FOLD2(VSHUFPS, 0x44, 0xEE, Y10, Y11, Y12, Y13, Y10, Y11)
	FOLD2(VSHUFPS, 0x88, 0xDD, Y8, Y9, Y10, Y11, Y8, Y9)
	VMOVDQU groups2c<>(SB), Y0
	VPERMPS Y8, Y0, Y14
	VPERMPS Y9, Y0, Y15
	TESTQ $1, mode+56(FP)
	JNZ  g2max
	VADDPS Y15, Y14, Y14

g2max:
	// Y12 = the first `groups` lanes; scores and second bests stored.
	MOVQ groups+32(FP), AX
	SHLQ $2, AX
	LEAQ consts<>+(C_MASK+32)(SB), DX
	SUBQ AX, DX
	VMOVDQU (DX), Y12
	MOVQ gsc+8(FP), DI
	VMASKMOVPS Y14, Y12, (DI)
	MOVQ second+16(FP), DI
	VMASKMOVPS Y15, Y12, (DI)

	// Working keys: high dword SKH(score) (EMPTY's for absent groups),
	// low dword ^g (0 for absent groups).
	VMOVDQU topk8v<>+ABS(SB), Y0
	VPAND Y0, Y14, Y4
	VPSIGND Y14, Y4, Y3
	VPSHUFD $0xF5, topk8v<>+EMPTY(SB), Y4
	VBLENDVPS Y12, Y3, Y4, Y3
	VMOVDQU topk8v<>+0(SB), Y4
	VPXOR topk8v<>+ONES(SB), Y4, Y4
	VPAND Y12, Y4, Y4
	VPUNPCKLDQ Y3, Y4, Y10
	VPUNPCKHDQ Y3, Y4, Y11
	SORT8
	VMOVDQU topk8v<>+EMPTY(SB), Y8
	VMOVDQU Y8, Y9
	MERGE8

	// Keys of the kept groups to gtop.
	VMOVDQU Y8, Y10
	VMOVDQU Y9, Y11
	VPXOR Y0, Y0, Y0
	TOKEY(Y10, Y3, Y0)
	TOKEY(Y11, Y3, Y0)
	VPXOR topk8v<>+MINKEY(SB), Y10, Y10
	VPXOR topk8v<>+MINKEY(SB), Y11, Y11
	// All 8 keys, plain stores (gtop has room for 8): the top-K kernel's
	// loads of single keys are then store-forwarded.
	MOVQ gtop+0(FP), DI
	VMOVDQU Y10, (DI)
	VMOVDQU Y11, 32(DI)

	// Floor.
	VMOVSS consts<>+C_NEGINF(SB), X6
	TESTQ $2, mode+56(FP)
	JZ   g2ret
	VMOVDQU Y15, Y5
	TESTQ $1, mode+56(FP)
	JZ   g2sec
	VMOVDQU Y14, Y5
g2sec:
	VSHUFPS $0x88, Y9, Y8, Y4
	VPERMQ $0xD8, Y4, Y4
	VPXOR topk8v<>+ONES(SB), Y4, Y4
	VPERMPS Y5, Y4, Y5
	MOVQ topGroups+48(FP), AX
	SHLQ $2, AX
	LEAQ consts<>+(C_MASK+32)(SB), DX
	SUBQ AX, DX
	VMOVDQU (DX), Y3
	VMOVDQU consts<>+C_EXPM(SB), Y6
	VBLENDVPS Y3, Y5, Y6, Y6
	HMIN8_Y6

g2ret:
	VMOVSS X6, floor+64(FP)
	VZEROUPPER
	RET
