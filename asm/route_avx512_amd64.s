//go:build gc && !purego

// AVX-512 kernels of moegate's routing pipeline.
//
// Requires: AVX512F (zmm arithmetic, VSCALEFPS, VRNDSCALEPS, opmasks,
// VEXTRACTF64X4, VPTESTMD, KORW/KMOVW), AVX512DQ (VRANGEPS and VFPCLASSPS
// in the sigmoid), plus AVX and AVX2 for the VEX-encoded 128/256-bit
// reductions and the weights' gather. No FMA, no approximate reciprocals.
// Twins: as route_avx2_amd64.s (Sigmoid, ExpNeg, SoftmaxSum, the softmax
// steps of scores, badRow, the group scores of chooseGroups, topK); each
// function names its twin and its own registers. weights8AVX512 is the
// K <= 8 weights kernel (weights8AVX2's twin, plus the load counts).
//
// Shared register map: Z16-Z31 constants (see LOAD_CONSTS_AVX512),
// Z0-Z3 exp temporaries, Z5 = x, Z6 scratch, K1 = tail mask,
// K4 = non-finite accumulator, K2/K3 scratch masks.
// Preconditions: pointers valid for n float32; tails use masked loads and
// stores, which never touch memory outside the mask.

#include "textflag.h"
#include "consts_amd64.h"

// func sigmoidAVX512(dst, sig, x, bias *float32, n int) (bad bool)
// Twin: dst[i] = Sigmoid(x[i]) (+ bias[i] when bias != nil); bad = badRow(x[:n]).
// With bias and sig != nil, also sig[i] = Sigmoid(x[i]) (the weights reuse
// it); sig is ignored without bias (dst holds the sigmoid then).
// Registers: DI = dst, R9 = sig (dst when nil: the sigmoid is stored there
// first, then overwritten by the sum), SI = x, DX = bias (may be nil),
// CX = n remaining.
TEXT ·sigmoidAVX512(SB), NOSPLIT, $0-41
	MOVQ dst+0(FP), DI
	MOVQ sig+8(FP), R9
	MOVQ x+16(FP), SI
	MOVQ bias+24(FP), DX
	MOVQ n+32(FP), CX
	TESTQ R9, R9
	CMOVQEQ DI, R9
	LOAD_CONSTS_AVX512
	KXORW K4, K4, K4
	TESTQ DX, DX
	JZ    nobias

loopb:
	CMPQ CX, $16
	JB   tailb
	VMOVUPS (SI), Z5
	NONFIN_DQ(Z5, K3, K4)
	SIGMOID_AVX512(Z5, Z0, Z1, Z2, Z3, K2)
	VMOVUPS Z0, (R9)
	VADDPS (DX), Z0, Z0
	VMOVUPS Z0, (DI)
	ADDQ $64, SI
	ADDQ $64, DI
	ADDQ $64, DX
	ADDQ $64, R9
	SUBQ $16, CX
	JMP  loopb

tailb:
	TESTQ CX, CX
	JZ    done
	TAILK_AVX512(AX, K1)
	VMOVUPS.Z (SI), K1, Z5
	NONFIN_DQ(Z5, K3, K4)
	SIGMOID_AVX512(Z5, Z0, Z1, Z2, Z3, K2)
	VMOVUPS Z0, K1, (R9)
	VMOVUPS.Z (DX), K1, Z1
	VADDPS Z1, Z0, Z0
	VMOVUPS Z0, K1, (DI)
	JMP done

nobias:
	CMPQ CX, $16
	JB   tailn
	VMOVUPS (SI), Z5
	NONFIN_DQ(Z5, K3, K4)
	SIGMOID_AVX512(Z5, Z0, Z1, Z2, Z3, K2)
	VMOVUPS Z0, (DI)
	ADDQ $64, SI
	ADDQ $64, DI
	SUBQ $16, CX
	JMP  nobias

tailn:
	TESTQ CX, CX
	JZ    done
	TAILK_AVX512(AX, K1)
	VMOVUPS.Z (SI), K1, Z5
	NONFIN_DQ(Z5, K3, K4)
	SIGMOID_AVX512(Z5, Z0, Z1, Z2, Z3, K2)
	VMOVUPS Z0, K1, (DI)

done:
	KORTESTW K4, K4
	SETNE    bad+40(FP)
	VZEROUPPER
	RET

// func maxAVX512(x *float32, n int) (m float32, bad bool)
// Twin: the maximum loop of scores (m, for finite rows) and badRow. n >= 1.
// Registers: SI = x, CX = n remaining, Z0 = running max, K4 = non-finite.
TEXT ·maxAVX512(SB), NOSPLIT, $0-21
	MOVQ x+0(FP), SI
	MOVQ n+8(FP), CX
	VBROADCASTSS consts<>+C_EXPM(SB), Z29
	VBROADCASTSS consts<>+C_NEGINF(SB), Z31
	VMOVAPS Z31, Z0
	KXORW K4, K4, K4

mloop:
	CMPQ CX, $16
	JB   mtail
	VMOVUPS (SI), Z1
	NONFIN_AVX512(Z1, Z6, K3, K4)
	VMAXPS Z0, Z1, Z0
	ADDQ $64, SI
	SUBQ $16, CX
	JMP  mloop

mtail:
	TESTQ CX, CX
	JZ    mred
	TAILK_AVX512(AX, K1)
	VMOVUPS.Z (SI), K1, Z2
	NONFIN_AVX512(Z2, Z6, K3, K4)
	VMOVAPS Z31, Z1
	VMOVAPS Z2, K1, Z1
	VMAXPS Z0, Z1, Z0

mred:
	VEXTRACTF64X4 $1, Z0, Y1
	VMAXPS Y1, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VMAXPS X1, X0, X0
	VPERMILPS $0x4E, X0, X1
	VMAXPS X1, X0, X0
	VPERMILPS $0xB1, X0, X1
	VMAXPS X1, X0, X0
	VMOVSS X0, m+16(FP)
	KORTESTW K4, K4
	SETNE    bad+20(FP)
	VZEROUPPER
	RET

// func expSumAVX512(dst, x *float32, n int, m float32) (sum float32)
// Twin: SoftmaxSum(x[:n], m, dst[:n]): one zmm accumulator is exactly the
// 16 striped lanes; tails add through the mask (padding with +0 adds
// nothing); then j+8, j+4, j+2, 0+1. dst may alias x.
// Registers: DI = dst, SI = x, CX = n remaining, Z6 = m, Z4 = lanes.
TEXT ·expSumAVX512(SB), NOSPLIT, $0-36
	MOVQ dst+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ n+16(FP), CX
	LOAD_CONSTS_AVX512
	VBROADCASTSS m+24(FP), Z6
	VPXORD Z4, Z4, Z4

sloop:
	CMPQ CX, $16
	JB   stail
	VMOVUPS (SI), Z0
	VSUBPS Z6, Z0, Z0
	EXPNEG_AVX512(Z0, Z1, Z2, Z3)
	VMOVUPS Z0, (DI)
	VADDPS Z0, Z4, Z4
	ADDQ $64, SI
	ADDQ $64, DI
	SUBQ $16, CX
	JMP  sloop

stail:
	TESTQ CX, CX
	JZ    sred
	TAILK_AVX512(AX, K1)
	VMOVUPS.Z (SI), K1, Z0
	VSUBPS Z6, Z0, Z0
	EXPNEG_AVX512(Z0, Z1, Z2, Z3)
	VMOVUPS Z0, K1, (DI)
	VADDPS Z0, Z4, K1, Z4

sred:
	VEXTRACTF64X4 $1, Z4, Y0
	VADDPS Y0, Y4, Y4
	VEXTRACTF128 $1, Y4, X0
	VADDPS X0, X4, X4
	VMOVHLPS X4, X4, X0
	VADDPS X0, X4, X4
	VMOVSHDUP X4, X0
	VADDSS X0, X4, X4
	VMOVSS X4, sum+32(FP)
	VZEROUPPER
	RET

// func divBiasAVX512(dst, bias *float32, n int, S float32)
// Twin: the softmax step of scores: dst[i] = dst[i]/S (+ bias[i]).
// Registers: DI = dst, DX = bias (may be nil), CX = n remaining, Z6 = S.
TEXT ·divBiasAVX512(SB), NOSPLIT, $0-28
	MOVQ dst+0(FP), DI
	MOVQ bias+8(FP), DX
	MOVQ n+16(FP), CX
	VBROADCASTSS S+24(FP), Z6
	TESTQ DX, DX
	JZ    dnob

dloop:
	CMPQ CX, $16
	JB   dtail
	VMOVUPS (DI), Z0
	VDIVPS Z6, Z0, Z0
	VADDPS (DX), Z0, Z0
	VMOVUPS Z0, (DI)
	ADDQ $64, DI
	ADDQ $64, DX
	SUBQ $16, CX
	JMP  dloop

dtail:
	TESTQ CX, CX
	JZ    ddone
	TAILK_AVX512(AX, K1)
	VMOVUPS.Z (DI), K1, Z0
	VDIVPS Z6, Z0, Z0
	VMOVUPS.Z (DX), K1, Z1
	VADDPS Z1, Z0, Z0
	VMOVUPS Z0, K1, (DI)
	JMP ddone

dnob:
	CMPQ CX, $16
	JB   dtailn
	VMOVUPS (DI), Z0
	VDIVPS Z6, Z0, Z0
	VMOVUPS Z0, (DI)
	ADDQ $64, DI
	SUBQ $16, CX
	JMP  dnob

dtailn:
	TESTQ CX, CX
	JZ    ddone
	TAILK_AVX512(AX, K1)
	VMOVUPS.Z (DI), K1, Z0
	VDIVPS Z6, Z0, Z0
	VMOVUPS Z0, K1, (DI)

ddone:
	VZEROUPPER
	RET

#include "topk_amd64.h"

#define THRSET_AVX512 VMOVD R11, X1; VBROADCASTSS X1, Z1

// func topkAVX512(top *uint64, n, k int, vals *float32, nv, base int) int
// Twin: topK (insertion path) and badRow (-1), as topkAVX2 with 16 lanes: compare >= the
// threshold into K2, KMOVW, scalar insertion per set bit.
// Registers: DI = top, BX = n, R8 = k, SI = vals, CX = remaining,
// R9 = base, R10 = chunk start, Z1 = threshold, K1 = tail mask.
TEXT ·topkAVX512(SB), NOSPLIT, $0-56
	MOVQ top+0(FP), DI
	MOVQ n+8(FP), BX
	MOVQ k+16(FP), R8
	MOVQ vals+24(FP), SI
	MOVQ nv+32(FP), CX
	MOVQ base+40(FP), R9
	XORQ R10, R10
	VBROADCASTSS consts<>+C_NEGINF(SB), Z1
	VBROADCASTSS consts<>+C_EXPM(SB), Z29
	VPXORD Z8, Z8, Z8
	CMPQ BX, R8
	JB   tloop
	MOVQ -8(DI)(R8*8), R11
	SHRQ $32, R11
	TESTL $0x80000000, R11
	JZ   tkvneg0
	XORL $0x80000000, R11
	JMP  tkvset0
tkvneg0:
	NOTL R11
tkvset0:
	THRSET_AVX512

tloop:
	TESTQ CX, CX
	JLE   tdone
	CMPQ  CX, $16
	JB    ttail
	VMOVUPS (SI)(R10*4), Z0
	VPANDD Z29, Z0, Z6
	VPMAXUD Z6, Z8, Z8
	VCMPPS $0x0D, Z1, Z0, K2
	KMOVW K2, AX
	JMP tcands
ttail:
	TAILK_AVX512(DX, K1)
	VMOVUPS.Z (SI)(R10*4), K1, Z0
	VPANDD Z29, Z0, Z6
	VPMAXUD Z6, Z8, Z8
	VCMPPS $0x0D, Z1, Z0, K1, K2
	KMOVW K2, AX
tcands:
	TESTL AX, AX
	JZ    tadvance
	TOPK_INSERT_BITS(tbits, tnextbit, tobok, tfulltop, tshift, tplace, tkvneg, tkvset, tnewthr, THRSET_AVX512)
tadvance:
	ADDQ $16, R10
	SUBQ $16, CX
	JMP  tloop

tdone:
	VPCMPEQD Z29, Z8, K2
	KORTESTW K2, K2
	MOVQ $-1, AX
	CMOVQNE AX, BX
	MOVQ BX, ret+48(FP)
	VZEROUPPER
	RET

// KTHR: Z1 = threshold keyValue(top[k-1]), -Inf while that slot is empty,
// raised to the pre-pass bound in Z2.
#define KTHR \
VPERMQ Z10, Z14, Z13; \
VMOVQ X13, R11; \
SHRQ $32, R11; \
MOVL R11, R13; \
SARL $31, R13; \
NOTL R13; \
ORL  $0x80000000, R13; \
XORL R11, R13; \
MOVL $0xFF800000, DX; \
TESTL R11, R11; \
CMOVLNE R13, DX; \
VPBROADCASTD DX, Z1; \
VMAXPS Z2, Z1, Z1

// func topk8AVX512(top *uint64, n, k int, vals *float32, nv, base, lanes int, floor float32, glist *uint64, ng int) int
// Twin: topK (any order of insertion gives the same set, keys are unique),
// for 1 <= k <= 8, and badRow: -1 when vals holds a NaN or an infinity.
// The top lives in one zmm as 8 unsigned keys, descending
// (slots k..7 are overflow and ignored; empty slots are 0, below every
// key). A candidate (lane >= threshold) is inserted branch-free:
//   lt = top < key; sh = top shifted up one slot;
//   top = lt ? key : top; then slots i >= 1 with sh < key take sh.
// The threshold, keyValue(top[k-1]) (-Inf while that slot is empty), is
// refreshed once per chunk.
// Registers: DI = top, BX = n + insertions, R8 = k, SI = vals,
// CX = remaining, R9 = base, R10 = chunk start, Z0 = chunk, Z1 = threshold,
// Z10 = top, Z11 = key, Z12 = shifted top, Z14 = k-1 in every qword,
// K7 = 0xFE, K5/K6 insertion masks, K4 = first k slots, Z2 = pre-pass
// bound (lanes = 1, 2, 4 or 8 >= k: the minimum of the maxima of `lanes`
// disjoint subsets of vals; lanes = 0: -Inf), raised to floor (a lower
// bound of the final k-th largest known to the caller, or -Inf),
// Z3/Z4 pre-pass temporaries.
// Group walk: with glist != nil, vals is the whole selection row and nv the
// group size; the kernel walks the ng kept groups glist[0:ng] (group keys:
// index = ^low 32 bits), each at vals + g*nv with base + g*nv (this is the
// loop of RouteGeneric over s.GTop, in one call; lanes must be 0). With
// glist == nil it scans vals[0:nv] once. Frame: group cursor and count.
TEXT ·topk8AVX512(SB), NOSPLIT, $16-88
	MOVQ top+0(FP), DI
	MOVQ n+8(FP), BX
	MOVQ k+16(FP), R8
	MOVQ vals+24(FP), SI
	MOVQ base+40(FP), R9
	VBROADCASTSS consts<>+C_EXPM(SB), Z29
	VPXORD Z8, Z8, Z8
	XORQ R10, R10
	MOVL $0xFE, AX
	KMOVW AX, K7
	MOVQ R8, CX
	MOVL $1, DX
	SHLL CX, DX
	DECL DX
	KMOVW DX, K4
	VMOVDQU64.Z (DI), K4, Z10
	LEAQ -1(R8), AX
	VPBROADCASTQ AX, Z14
	MOVQ nv+32(FP), CX
	// Pre-pass (lanes > 0): Z2 = a lower bound of the k-th largest.
	VBROADCASTSS consts<>+C_NEGINF(SB), Z2
	MOVQ lanes+48(FP), R12
	TESTQ R12, R12
	JZ   kprenone
	VMOVAPS Z2, Z3
	MOVQ SI, R11
kpre:
	CMPQ CX, $16
	JB   kpretail
	VMAXPS (R11), Z3, Z3
	ADDQ $64, R11
	SUBQ $16, CX
	JMP  kpre
kpretail:
	TESTQ CX, CX
	JZ   kprefold
	TAILK_AVX512(DX, K1)
	VMOVAPS Z2, Z4
	VMOVUPS (R11), K1, Z4
	VMAXPS Z4, Z3, Z3
kprefold:
	VEXTRACTF64X4 $1, Z3, Y4
	VMAXPS Y4, Y3, Y3
	PREPASS_LANES(Y3, Y4, X3, X4, R12, kpre8, kpre4, kpre2, kpredone)
	VBROADCASTSS X3, Z2
	MOVQ nv+32(FP), CX
kprenone:
	VBROADCASTSS floor+56(FP), Z3
	VMAXPS Z3, Z2, Z2
	VMOVAPS Z2, Z1
	TESTQ BX, BX
	JZ   kthrdone  // an empty top has threshold -Inf: skip the KTHR chain
	KTHR

kthrdone:
	MOVQ glist+64(FP), R11
	MOVQ R11, 0(SP)
	MOVQ ng+72(FP), R11
	MOVQ R11, 8(SP)

kgroup:
	MOVQ 0(SP), R11
	TESTQ R11, R11
	JZ   kloop
	MOVQ (R11), R12
	NOTL R12
	ADDQ $8, R11
	MOVQ R11, 0(SP)
	MOVQ nv+32(FP), CX
	MOVQ R12, R13
	IMULQ CX, R13
	MOVQ vals+24(FP), SI
	LEAQ (SI)(R13*4), SI
	MOVQ base+40(FP), R9
	ADDQ R13, R9
	XORQ R10, R10

kloop:
	TESTQ CX, CX
	JLE   kdone
	CMPQ  CX, $16
	JB    ktail
	VMOVUPS (SI)(R10*4), Z0
	VPANDD Z29, Z0, Z6
	VPMAXUD Z6, Z8, Z8
	VCMPPS $0x0D, Z1, Z0, K2
	KMOVW K2, AX
	JMP kcands
ktail:
	TAILK_AVX512(DX, K1)
	VMOVUPS.Z (SI)(R10*4), K1, Z0
	VPANDD Z29, Z0, Z6
	VPMAXUD Z6, Z8, Z8
	VCMPPS $0x0D, Z1, Z0, K1, K2
	KMOVW K2, AX
kcands:
	TESTL AX, AX
	JZ    kadvance
kbits:
	BSFL AX, DX
	LEAL -1(AX), R11
	ANDL R11, AX
	LEAQ (R10)(DX*1), R11
	MOVL (SI)(R11*4), R12
	XORL R13, R13
	CMPL R12, $0x80000000
	CMOVLEQ R13, R12
	MOVL R12, R13
	SARL $31, R13
	ORL  $0x80000000, R13
	XORL R13, R12
	ADDQ R9, R11
	NOTL R11
	SHLQ $32, R12
	ORQ  R11, R12
	VPBROADCASTQ R12, Z11
	VPCMPUQ $1, Z11, Z10, K5
	VALIGNQ $7, Z10, Z10, Z12
	VPCMPUQ $1, Z11, Z12, K7, K6
	VMOVDQA64 Z11, K5, Z10
	VMOVDQA64 Z12, K6, Z10
	INCQ BX
	CMPQ BX, R8
	JNE  knotfull
	// The top just filled up: refresh the threshold and prune the chunk.
	KTHR
	VCMPPS $0x0D, Z1, Z0, K3
	KMOVW K3, R11
	ANDL R11, AX

knotfull:
	TESTL AX, AX
	JNZ   kbits
	KTHR

kadvance:
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
	VMOVDQU64 Z10, K4, (DI)
	CMPQ BX, R8
	CMOVQGT R8, BX
	VPCMPEQD Z29, Z8, K2
	KORTESTW K2, K2
	MOVQ $-1, AX
	CMOVQNE AX, BX
	MOVQ BX, ret+80(FP)
	VZEROUPPER
	RET

// func groupScoresAVX512(gsc, second, sel *float32, groups, gs int, gmax bool)
// Twin: the score loop of chooseGroups (see groupScoresAVX2): 16 lanes of
// per-lane top-2, folded to 8 lanes, then the shared 8-lane tree.
// Registers: DI = gsc, SI = group start, R8 = groups left, R9 = gs,
// R10 = cursor, CX = left in group, R11 = second (or 0), Z1/Z2 = per-lane largest/second,
// Z7 = -Inf, K1 = tail mask.
TEXT ·groupScoresAVX512(SB), NOSPLIT, $0-41
	MOVQ gsc+0(FP), DI
	MOVQ second+8(FP), R11
	MOVQ sel+16(FP), SI
	MOVQ groups+24(FP), R8
	MOVQ gs+32(FP), R9
	VBROADCASTSS consts<>+C_NEGINF(SB), Z7

gloop:
	VMOVAPS Z7, Z1
	VMOVAPS Z7, Z2
	MOVQ R9, CX
	MOVQ SI, R10

gvloop:
	CMPQ CX, $16
	JB   gvtail
	VMOVUPS (R10), Z0
	TOP2_COMBINE(Z1, Z2, Z0, Z7, Z6)
	ADDQ $64, R10
	SUBQ $16, CX
	JMP  gvloop

gvtail:
	TESTQ CX, CX
	JZ    gvred
	TAILK_AVX512(AX, K1)
	VMOVAPS Z7, Z0
	VMOVUPS (R10), K1, Z0
	TOP2_COMBINE(Z1, Z2, Z0, Z7, Z6)

gvred:
	VEXTRACTF64X4 $1, Z1, Y4
	VEXTRACTF64X4 $1, Z2, Y5
	TOP2_COMBINE(Y1, Y2, Y4, Y5, Y6)
	GROUP_REDUCE_YMM
	TESTQ R11, R11
	JZ    gnosec
	VMOVSS X2, (R11)
	ADDQ $4, R11

gnosec:
	CMPB gmax+40(FP), $0
	JNE  gstore
	VADDSS X2, X1, X1

gstore:
	VMOVSS X1, (DI)
	ADDQ $4, DI
	LEAQ (SI)(R9*4), SI
	DECQ R8
	JNZ  gloop
	VZEROUPPER
	RET

// func weights8AVX512(w *float32, ids *int32, row *float32, load *int64, k, mode int, m, S, scale float32)
// Twin: weights (route_generic.go) for 1 <= k <= 8, then RouteGeneric's
// load[ids[j]]++ for j < k (load may be nil: no counts). As weights8AVX2:
//   u[j] = row[ids[j]]                          (mode&8: row holds the
//                                                sigmoid scores already)
//        | Sigmoid(row[ids[j]])                 (mode&1 == 0)
//        | ExpNeg(row[ids[j]] - m) (/ S if mode&2)   (mode&1 == 1)
//   mode&4 (Normalize): u[j] = u[j] / (((u[0]+u[1])+...+u[7]) + 1e-20),
//   left to right as Go's sum (Go starts from +0, and +0 + u[0] = u[0]
//   since u[0] >= +0; lanes k..7 are +0 and add nothing);
//   w[j] = u[j] * scale.
// Requires: AVX512F (masks, VSCALEFPS), AVX512DQ (the sigmoid), AVX, AVX2
// (VPINSRD, VINSERTI128, VEXTRACTF128 etc.).
// Registers: DI = w, SI = ids, DX = row, R8 = load, CX = k, BX = mode,
// K1 = first-k lanes, K3 sigmoid scratch, Z5 = logits (GATHER8_LOAD_AVX
// counts the load while it gathers; GATHER8_AVX when load is nil),
// Z0 = u, Z1-Z3 exp temporaries, Z16-Z31 constants, Z6/X2-X7 temps; the
// normalisation and the scale run on the low 8 lanes in ymm (VEX).
// Preconditions: ids[0:k] in [0, len(row)) and in [0, len(load)).
TEXT ·weights8AVX512(SB), NOSPLIT, $0-60
	MOVQ w+0(FP), DI
	MOVQ ids+8(FP), SI
	MOVQ row+16(FP), DX
	MOVQ load+24(FP), R8
	MOVQ k+32(FP), CX
	MOVQ mode+40(FP), BX
	MOVL $1, AX
	SHLL CX, AX
	DECL AX
	KMOVW AX, K1
	TESTQ R8, R8
	JZ    wnoload
	GATHER8_LOAD_AVX(wgatheredl)
	JMP   wgot
wnoload:
	GATHER8_AVX(wgathered)
wgot:
	TESTQ $8, BX
	JZ    wscores
	VMOVAPS Z5, Z0
	JMP   wnorm

wscores:
	LOAD_CONSTS_AVX512
	TESTQ $1, BX
	JZ    wsig
	VBROADCASTSS m+48(FP), Z6
	VSUBPS Z6, Z5, Z0
	EXPNEG_AVX512(Z0, Z1, Z2, Z3)
	TESTQ $2, BX
	JZ    wnorm
	VBROADCASTSS S+52(FP), Z6
	VDIVPS Z6, Z0, Z0
	JMP   wnorm

wsig:
	SIGMOID_AVX512(Z5, Z0, Z1, Z2, Z3, K3)

wnorm:
	VMOVAPS.Z Z0, K1, Z0
	TESTQ $4, BX
	JZ    wscale
	VEXTRACTF128 $1, Y0, X1
	VMOVSHDUP X0, X2
	VMOVHLPS X0, X0, X3
	VPERMILPS $0xFF, X0, X4
	VMOVSHDUP X1, X5
	VMOVHLPS X1, X1, X6
	VPERMILPS $0xFF, X1, X7
	VADDSS X2, X0, X2
	VADDSS X3, X2, X2
	VADDSS X4, X2, X2
	VADDSS X1, X2, X2
	VADDSS X5, X2, X2
	VADDSS X6, X2, X2
	VADDSS X7, X2, X2
	VADDSS consts<>+C_EPS(SB), X2, X2
	VBROADCASTSS X2, Y2
	VDIVPS Y2, Y0, Y0

wscale:
	// 8 lanes: the VEX forms (a ymm division is cheaper than a zmm one).
	VBROADCASTSS scale+56(FP), Y6
	VMULPS Y6, Y0, Y0
	VMOVUPS Z0, K1, (DI)
	VZEROUPPER
	RET
