//go:build gc && !purego

// The AVX-512 top-K kernel for K <= 8: candidates collected with
// compress, merged eight at a time by a sorting network.
//
// func topk8AVX512(top *uint64, n, k int, vals *float32, nv, base, lanes int, floor float32, glist *uint64, ng int, ids *int32) int
//
// Requires: AVX512F (VPCOMPRESSD, VPEXPANDQ, VPMINUQ/VPMAXUQ, VSHUFI64X2,
// VPERMI2D, VPTERNLOGD, VPERMQ, opmasks), POPCNT and BMI2 (SHLX/SHRX).
// Twin: topK (the final top is a set of unique keys, so any order of
// merging gives topK's result) for 1 <= k <= 8, and badRow: it returns -1
// when a scanned value is a NaN or an infinity (top is then garbage);
// otherwise min(k, n + the number of candidates), which is topK's count
// whenever the scan sees at least k - n values.
//
// Method. The top lives in Z10 as 8 unsigned keys Key(v, i) in descending
// order (slots k..7 are spare; empty slots are 0, below every key). A value
// is a candidate when it is >= the threshold Z1 = max(Z2, keyValue(top[k-1])
// once k keys are known), where Z2 is the pre-pass bound raised to floor:
// every value below Z1 is below k keys already held or known to exist, so
// it cannot be in the final top. Each 16-value chunk's candidates become
// keys (order bits << 32 | ^index, -0 folded to +0 as Key does), packed
// with VPCOMPRESSD and appended (VPEXPANDQ) to a pending batch; every 8 keys
// are sorted ascending by a bitonic network (6 stages of shuffle, VPMINUQ,
// masked VPMAXUQ) and merged into the top: max(top, sorted) is the 8
// largest of the 16 as a bitonic sequence, which 3 half-cleaners sort
// descending. Between a batch's sort and its merge the threshold is raised
// to max(threshold, keyValue(top[k-1]), keyValue(batch[8-k])): k keys of
// the top (once it holds k) and k keys of the batch are at least these, so
// both bound the final k-th largest, and the scan need not wait for the
// merge (the merged top's own k-th key raises it at the next batch; the
// design of topk8AVX2).
// A final partial batch is padded with zero keys. The scan has no
// per-chunk branch: whether a chunk holds candidates is unpredictable, and
// the mispredictions cost more than appending an empty set.
//
// Pre-pass (lanes = 1, 2, 4 or 8 >= k): the minimum of the maxima of
// `lanes` disjoint subsets of vals, a lower bound of the k-th largest;
// lanes = 0: none. Group walk: with glist != nil, vals is the whole
// selection row and nv the group size; the kernel walks the ng kept groups
// glist[0:ng] (group keys: index = ^low 32 bits), each at vals + g*nv with
// base + g*nv (RouteGeneric's loop over s.GTop in one call; lanes must be 0).
// ids (nil, or only with k = 8): also receives the 8 chosen indices
// (KeyIndex of each key) as int32, so the caller need not convert them.
//
// Registers: DI = top, BX = n + candidates, R8 = k, SI = vals (group start),
// CX = remaining, R9 = base, R10 = chunk start, R12 = keys pending in Z20,
// Z0 = chunk, Z1 = threshold, Z2 = pre-pass bound / floor, Z8 = max of
// exponent fields (non-finite check), Z10 = top, Z11 = batch, Z12/Z13
// network temporaries, Z14 = k-1 in every qword, Z15 = 0..15 (dwords),
// Z16 = 0x80000000, Z17 = 0, Z18 = ^index of the chunk's lanes, Z19/Z21 =
// VPERMI2D key-pairing indices, Z20 = pending keys, Z22 = 16 (dwords),
// Z29 = 0x7F800000, K5/K6/K7 = 0xF0/0xCC/0xAA (network masks shared by the
// last sort stages and the descending merge), K1 tail mask, K2 candidates,
// K3 scratch; AX, DX, R11, R13 scratch; Z23/Z24 = 2(k-1)+1 / 2(8-k)+1
// (dwords: the high dword of top slot k-1 / of ascending batch slot 8-k).
// Frame: 0(SP) group cursor, 8(SP) groups left.
// The key network and batch macros (SORT8, HC8D, BATCH_ADD, ...) are in
// keys_avx512_amd64.h, shared with topk32_avx512_amd64.s.

#include "textflag.h"
#include "consts_amd64.h"
#include "topk_amd64.h"

#include "tables_topk8_avx512_amd64.h"
#include "keys_avx512_amd64.h"

// KTHR8: Z1 = max(Z2, keyValue(top[k-1])); only when k keys are known.
// Clobbers Z13, R11, R13.
#define KTHR8 \
	VPERMQ Z10, Z14, Z13; \
	VMOVQ X13, R11; \
	SHRQ $32, R11; \
	MOVL R11, R13; \
	SARL $31, R13; \
	NOTL R13; \
	ORL  $0x80000000, R13; \
	XORL R11, R13; \
	VPBROADCASTD R13, Z1; \
	VMAXPS Z2, Z1, Z1

// MERGE8S: merge the ascending Z11 into the top Z10 (descending): the 8
// largest of the 16 as a bitonic sequence, sorted. Clobbers Z12, Z13.
#define MERGE8S \
	VPMAXUQ Z11, Z10, Z10; \
	HC8D(Z10, Z12, Z13)

// MERGE8: sort the 8 keys of Z11 ascending and merge them into the top Z10
// (descending). Clobbers Z11-Z13, K3.
#define MERGE8 \
	SORT8(topk8c); \
	MERGE8S

// RAISE(src, idx): Z1 = max(Z1, keyValue of the qword of src whose high
// dword idx names, in every dword). Clobbers Z12, Z13.
#define RAISE(src, idx) \
	VPERMD src, idx, Z12; \
	KEYVALUE_MAX

// APPEND8(Zn, cnt, l1, l2): append the cnt (1..8) keys in the low lanes of
// Zn to the pending batch Z20 (R12 keys, the rest zero); when it fills,
// sort it, raise the threshold (RAISE: the top's and the batch's k-th
// keys), merge it into the top and keep the overflow as the new pending
// batch. Clobbers Z11-Z13, K3, DX, R11, R13.
#define APPEND8(Zn, cnt, l1, l2) \
	BATCH_ADD(Zn, cnt, l2); \
	SORT8(topk8c); \
	RAISE(Z10, Z23); \
	RAISE(Z11, Z24); \
	MERGE8S; \
	BATCH_KEEP(Zn); \
l1: \
l2:

TEXT ·topk8AVX512(SB), NOSPLIT, $16-96
	MOVQ top+0(FP), DI
	MOVQ n+8(FP), BX
	MOVQ k+16(FP), R8
	MOVQ vals+24(FP), SI
	MOVQ base+40(FP), R9
	VBROADCASTSS consts<>+C_EXPM(SB), Z29
	VBROADCASTSS consts<>+C_SIGN(SB), Z16
	VMOVDQU32 topk8c<>+0(SB), Z15
	VPXORD Z8, Z8, Z8
	XORQ R10, R10
	XORQ R12, R12
	VPXORQ Z20, Z20, Z20
	VPXORD Z17, Z17, Z17
	VMOVDQU32 topk8c<>+72(SB), Z19
	VMOVDQU32 topk8c<>+136(SB), Z21
	VPBROADCASTD topk8c<>+200(SB), Z22
	MOVL $0xF0, AX
	KMOVW AX, K5
	MOVL $0xCC, AX
	KMOVW AX, K6
	MOVL $0xAA, AX
	KMOVW AX, K7
	MOVQ R8, CX
	MOVL $1, DX
	SHLL CX, DX
	DECL DX
	KMOVW DX, K3
	VMOVDQU64.Z (DI), K3, Z10
	LEAQ -1(R8), AX
	VPBROADCASTQ AX, Z14
	LEAQ -1(R8)(R8*1), AX
	VPBROADCASTD AX, Z23
	MOVL $17, AX
	SUBL R8, AX
	SUBL R8, AX
	VPBROADCASTD AX, Z24
	MOVQ nv+32(FP), CX
	// Pre-pass (lanes > 0): Z2 = a lower bound of the k-th largest.
	VBROADCASTSS consts<>+C_NEGINF(SB), Z2
	MOVQ lanes+48(FP), R11
	TESTQ R11, R11
	JZ   kprenone
	VMOVAPS Z2, Z3
	MOVQ SI, R13
kpre:
	CMPQ CX, $16
	JB   kpretail
	VMAXPS (R13), Z3, Z3
	ADDQ $64, R13
	SUBQ $16, CX
	JMP  kpre
kpretail:
	TESTQ CX, CX
	JZ   kprefold
	TAILK_AVX512(DX, K1)
	VMOVAPS Z2, Z4
	VMOVUPS (R13), K1, Z4
	VMAXPS Z4, Z3, Z3
kprefold:
	VEXTRACTF64X4 $1, Z3, Y4
	VMAXPS Y4, Y3, Y3
	PREPASS_LANES(Y3, Y4, X3, X4, R11, kpre8, kpre4, kpre2, kpredone)
	VBROADCASTSS X3, Z2
	MOVQ nv+32(FP), CX
kprenone:
	VBROADCASTSS floor+56(FP), Z3
	VMAXPS Z3, Z2, Z2
	VMOVAPS Z2, Z1
	CMPQ BX, R8
	JB   kthrdone
	KTHR8

kthrdone:
	MOVL R9, R11
	NOTL R11
	VPBROADCASTD R11, Z18
	VPSUBD Z15, Z18, Z18
	MOVQ glist+64(FP), R11
	MOVQ R11, 0(SP)
	MOVQ ng+72(FP), R11
	MOVQ R11, 8(SP)

kgroup:
	MOVQ 0(SP), R11
	TESTQ R11, R11
	JZ   kloop
	MOVQ (R11), R13
	NOTL R13
	ADDQ $8, R11
	MOVQ R11, 0(SP)
	MOVQ nv+32(FP), CX
	MOVQ R13, R11
	IMULQ CX, R11
	MOVQ vals+24(FP), SI
	LEAQ (SI)(R11*4), SI
	MOVQ base+40(FP), R9
	ADDQ R11, R9
	XORQ R10, R10
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
	APPEND8(Z5, $8, kapp1, kapp1done)
	SUBL $8, AX
	VMOVDQA32 Z21, Z5
	VPERMI2D Z3, Z4, Z5
klast:
	APPEND8(Z5, AX, kapp2, kapp2done)

kadvance:
	VPSUBD Z22, Z18, Z18
	ADDQ $16, R10
	SUBQ $16, CX
	JMP  kloop

kdone:
	MOVQ 0(SP), R11
	TESTQ R11, R11
	JZ   kfinish
	DECQ 8(SP)
	JNZ  kgroup

kfinish:
	TESTQ R12, R12
	JZ   kstore
	VMOVDQA64 Z20, Z11
	MERGE8

kstore:
	MOVQ R8, CX
	MOVL $1, DX
	SHLL CX, DX
	DECL DX
	KMOVW DX, K3
	VMOVDQU64 Z10, K3, (DI)
	// ids (k = 8 only): ^(low dwords), one plain 32-byte store, from which
	// the caller's loads of single ids are forwarded.
	MOVQ ids+80(FP), R11
	TESTQ R11, R11
	JZ   knoids
	VPMOVQD Z10, Y12
	VPTERNLOGD $0x0F, Z12, Z12, Z12
	VMOVDQU Y12, (R11)
knoids:
	CMPQ BX, R8
	CMOVQGT R8, BX
	VPCMPEQD Z29, Z8, K2
	KORTESTW K2, K2
	MOVQ $-1, AX
	CMOVQNE AX, BX
	MOVQ BX, ret+88(FP)
	VZEROUPPER
	RET

// func groupsAVX512(gtop *uint64, gsc, second, sel *float32, groups, gs, topGroups, mode int) (floor float32)
// Twin: chooseGroups (the group scores of groupScore, the top TopGroups
// groups by Key order, the floor) for groups <= 8, in one call:
//  1. per group, the lane-wise top two of its values (16 lanes, tail
//     masked) into Z16+2g (largest) and Z17+2g (second); absent groups
//     -Inf;
//  2. all eight groups reduced together, halving the lanes per group and
//     packing two groups into the freed halves at each level (VSHUFF64X2,
//     VSHUFF32X4, VSHUFPS, VPERMILPS), TOP2_COMBINE at every level: the
//     top two of a multiset do not depend on the order of combination, so
//     the values equal groupScore's; then score = largest + second (mode
//     bit 0 clear) or largest (bit 0 set, GroupMax), both stored to gsc
//     and second;
//  3. the group keys (order bits of score+0, ^g; absent lanes 0) sorted
//     descending in one register by MERGE8 into an empty top; all 8
//     stored to gtop (which must have room for 8), the first topGroups
//     being the kept groups;
//  4. the floor: mode bit 1 set: the minimum over the kept groups of second
//     (top-2 sums) or of the score (GroupMax); otherwise -Inf.
// Registers: SI = group start, R8 = groups left, R9 = gs, R10 = cursor,
// CX = left in group, Z7 = -Inf, Z0-Z3/Z6 temporaries, Z16-Z31 per-group
// pairs, Z8/Z9 = scores / second bests by lane g, Z10 = sorted keys,
// Z11-Z13 network, K1 = first `groups` lanes (also the tail mask in 1.),
// K2 = first topGroups lanes, K5-K7 as in topk8AVX512.

// GROUPA(a1, a2, loop, tail, done, skip): step 1 for the next group.
#define GROUPA(a1, a2, loop, tail, done, skip) \
	VMOVAPS Z7, a1; \
	VMOVAPS Z7, a2; \
	TESTQ R8, R8; \
	JLE  skip; \
	MOVQ R9, CX; \
	MOVQ SI, R10; \
loop: \
	CMPQ CX, $16; \
	JB   tail; \
	VMOVUPS (R10), Z0; \
	TOP2_COMBINE(a1, a2, Z0, Z7, Z6); \
	ADDQ $64, R10; \
	SUBQ $16, CX; \
	JMP  loop; \
tail: \
	TESTQ CX, CX; \
	JZ   done; \
	TAILK_AVX512(AX, K1); \
	VMOVAPS Z7, Z0; \
	VMOVUPS (R10), K1, Z0; \
	TOP2_COMBINE(a1, a2, Z0, Z7, Z6); \
done: \
	LEAQ (SI)(R9*4), SI; \
	DECQ R8; \
skip:

// FOLD(shuf, imm1, imm2, a1g, a2g, a1h, a2h): one level of step 2: the
// lanes of pair g and pair h split by two shuffles into lower and upper
// halves, which TOP2_COMBINE merges; the result replaces (a1g, a2g).
#define FOLD(shuf, imm1, imm2, a1g, a2g, a1h, a2h) \
	shuf $imm1, a1h, a1g, Z0; \
	shuf $imm2, a1h, a1g, Z1; \
	shuf $imm1, a2h, a2g, Z2; \
	shuf $imm2, a2h, a2g, Z3; \
	TOP2_COMBINE(Z0, Z2, Z1, Z3, Z6); \
	VMOVAPS Z0, a1g; \
	VMOVAPS Z2, a2g

TEXT ·groupsAVX512(SB), NOSPLIT, $0-68
	MOVQ sel+24(FP), SI
	MOVQ groups+32(FP), R8
	MOVQ gs+40(FP), R9
	VBROADCASTSS consts<>+C_NEGINF(SB), Z7
	GROUPA(Z16, Z17, ga0l, ga0t, ga0d, ga0s)
	GROUPA(Z18, Z19, ga1l, ga1t, ga1d, ga1s)
	GROUPA(Z20, Z21, ga2l, ga2t, ga2d, ga2s)
	GROUPA(Z22, Z23, ga3l, ga3t, ga3d, ga3s)
	GROUPA(Z24, Z25, ga4l, ga4t, ga4d, ga4s)
	GROUPA(Z26, Z27, ga5l, ga5t, ga5d, ga5s)
	GROUPA(Z28, Z29, ga6l, ga6t, ga6d, ga6s)
	GROUPA(Z30, Z31, ga7l, ga7t, ga7d, ga7s)

	// 16 -> 8 lanes a group: (g, g+1) pairs, g's lanes low, g+1's high.
	FOLD(VSHUFF64X2, 0x44, 0xEE, Z16, Z17, Z18, Z19)
	FOLD(VSHUFF64X2, 0x44, 0xEE, Z20, Z21, Z22, Z23)
	FOLD(VSHUFF64X2, 0x44, 0xEE, Z24, Z25, Z26, Z27)
	FOLD(VSHUFF64X2, 0x44, 0xEE, Z28, Z29, Z30, Z31)
	// 8 -> 4: 128-bit block i = group i (0..3) in Z16/Z17, 4+i in Z24/Z25.
	FOLD(VSHUFF32X4, 0x88, 0xDD, Z16, Z17, Z20, Z21)
	FOLD(VSHUFF32X4, 0x88, 0xDD, Z24, Z25, Z28, Z29)
	// 4 -> 2: block i holds group i in elements 0-1, group 4+i in 2-3.
	FOLD(VSHUFPS, 0x44, 0xEE, Z16, Z17, Z24, Z25)
	// 2 -> 1: each element pair with its neighbour.
	VPERMILPS $0xB1, Z16, Z1
	VPERMILPS $0xB1, Z17, Z3
	TOP2_COMBINE(Z16, Z17, Z1, Z3, Z6)
	// Lane g: element 4g (g < 4) or 4(g-4)+2.
	VMOVDQU32 topk8c<>+204(SB), Z0
	VPERMPS Z16, Z0, Z8
	VPERMPS Z17, Z0, Z9
	TESTQ $1, mode+56(FP)
	JNZ  ggmax
	VADDPS Z9, Z8, Z8

ggmax:
	MOVQ groups+32(FP), CX
	MOVL $1, AX
	SHLL CX, AX
	DECL AX
	KMOVW AX, K1
	MOVQ gsc+8(FP), DI
	VMOVUPS Z8, K1, (DI)
	MOVQ second+16(FP), DI
	VMOVUPS Z9, K1, (DI)

	// Keys of the group scores, sorted descending.
	MOVQ topGroups+48(FP), CX
	MOVL $1, AX
	SHLL CX, AX
	DECL AX
	KMOVW AX, K2
	MOVL $0xF0, AX
	KMOVW AX, K5
	MOVL $0xCC, AX
	KMOVW AX, K6
	MOVL $0xAA, AX
	KMOVW AX, K7
	VMOVAPS.Z Z8, K1, Z0
	VPXORD Z4, Z4, Z4
	VADDPS Z4, Z0, Z3
	VPSRAD $31, Z3, Z4
	VPBROADCASTD consts<>+C_SIGN(SB), Z5
	VPTERNLOGD $0x1E, Z5, Z4, Z3
	VMOVDQU32 topk8c<>+0(SB), Z4
	VPTERNLOGD $0x0F, Z4, Z4, Z4
	VMOVDQU32 topk8c<>+72(SB), Z11
	VPERMI2D Z3, Z4, Z11
	VMOVDQA64.Z Z11, K1, Z11
	VPXORQ Z10, Z10, Z10
	MERGE8
	// All 8 keys, one plain store (gtop has room for 8): the top-K
	// kernel's loads of single keys are then store-forwarded.
	MOVQ gtop+0(FP), DI
	VMOVDQU64 Z10, (DI)

	// Floor.
	VMOVSS consts<>+C_NEGINF(SB), X6
	TESTQ $2, mode+56(FP)
	JZ   ggret
	VMOVAPS Z9, Z3
	TESTQ $1, mode+56(FP)
	JZ   ggsec
	VMOVAPS Z8, Z3
ggsec:
	VPMOVQD Z10, Y4
	VPTERNLOGD $0x0F, Z4, Z4, Z4
	VPERMPS Z3, Z4, Z5
	VBROADCASTSS consts<>+C_EXPM(SB), Z6
	VMOVAPS Z5, K2, Z6
	VEXTRACTF64X4 $1, Z6, Y5
	VMINPS Y5, Y6, Y6
	HMIN8_Y6

ggret:
	VMOVSS X6, floor+64(FP)
	VZEROUPPER
	RET
