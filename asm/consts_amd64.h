// Constants and small vector macros shared by moegate's amd64 kernels
// (included by each .s file, so every file gets its own copy of the
// file-local table): masks of the first r lanes, non-finite checks,
// gathers, horizontal minimum, the eight-lane weight normalisation and the
// group top-2 reduction. The exponential and the sigmoid are in
// exp_amd64.h (include it after this file). The table consts<> and its C_*
// offsets are generated (go generate): tables_consts_amd64.h.

#include "tables_consts_amd64.h"

// ---- AVX2 ----

// GATHER8_AVX(done): Y5 = {row[ids[0]], ..., row[ids[k-1]], 0, ...} for
// SI = ids (int32), DX = row, CX = k (1..8); clobbers AX, X6; done is a
// label name for the macro's use. Scalar loads only: ids were just
// written by scalar stores, and a vector load of them (VMASKMOVPS,
// VGATHERDPS indices) would miss store forwarding and wait for those
// stores to retire, serialising the caller's tokens. Reads ids[0:k] only.
// GATHER8_LOAD_AVX(done) also increments the int64 load[ids[j]] (R8 = load).
#define G8_LANE(off, lane, X) \
	MOVLQSX off(SI), AX; \
	VPINSRD $lane, (DX)(AX*4), X, X
#define G8_LANE_LOAD(off, lane, X) \
	MOVLQSX off(SI), AX; \
	INCQ (R8)(AX*8); \
	VPINSRD $lane, (DX)(AX*4), X, X
#define G8_BODY(done, LANE) \
	VPXOR X5, X5, X5; \
	VPXOR X6, X6, X6; \
	LANE(0, 0, X5); \
	CMPQ CX, $2; \
	JB   done; \
	LANE(4, 1, X5); \
	CMPQ CX, $3; \
	JB   done; \
	LANE(8, 2, X5); \
	CMPQ CX, $4; \
	JB   done; \
	LANE(12, 3, X5); \
	CMPQ CX, $5; \
	JB   done; \
	LANE(16, 0, X6); \
	CMPQ CX, $6; \
	JB   done; \
	LANE(20, 1, X6); \
	CMPQ CX, $7; \
	JB   done; \
	LANE(24, 2, X6); \
	CMPQ CX, $8; \
	JB   done; \
	LANE(28, 3, X6); \
done: \
	VINSERTI128 $1, X6, Y5, Y5
#define GATHER8_AVX(done) G8_BODY(done, G8_LANE)
#define GATHER8_LOAD_AVX(done) G8_BODY(done, G8_LANE_LOAD)

// NONFIN_AVX2: acc |= lanes of Yx whose exponent is all ones. Clobbers Y6.
#define NONFIN_AVX2(Yx, acc) \
	VPAND Y15, Yx, Y6; \
	VPCMPEQD Y15, Y6, Y6; \
	VPOR Y6, acc, acc

// TAILMASK_AVX2 loads into Ym the mask of the first r lanes (0 < r < 8,
// r in register Rr, which is clobbered) using scratch register Rt.
#define TAILMASK_AVX2(Rr, Rt, Ym) \
	LEAQ consts<>+(C_MASK+32)(SB), Rt; \
	SHLQ $2, Rr; \
	SUBQ Rr, Rt; \
	VMOVDQU (Rt), Ym

// HMIN8_Y6: lane 0 of X6 = the minimum of the 8 lanes of Y6 (no NaN).
// Clobbers X5.
#define HMIN8_Y6 \
	VEXTRACTF128 $1, Y6, X5; \
	VMINPS X5, X6, X6; \
	VPERMILPS $0x4E, X6, X5; \
	VMINPS X5, X6, X6; \
	VPERMILPS $0xB1, X6, X5; \
	VMINPS X5, X6, X6

// NORM8_AVX512(eps): Y0 = Y0 / (((u0+u1)+u2)+...+u7 + eps), the eight lanes
// of Y0 summed left to right as asm.weights sums them (Go starts from +0,
// and +0 + u0 = u0 since u0 >= +0; padding lanes are +0 and add nothing).
// The lanes are extracted in parallel, then added in order. eps: a
// float32 operand, consts<>+C_EPS(SB) (1e-20, NormEps) or a register
// holding +0 (NormSum: the sum itself). Clobbers X1-X7.
#define NORM8_AVX512(eps) \
	VEXTRACTF128 $1, Y0, X1; \
	VMOVSHDUP X0, X2; \
	VMOVHLPS X0, X0, X3; \
	VPERMILPS $0xFF, X0, X4; \
	VMOVSHDUP X1, X5; \
	VMOVHLPS X1, X1, X6; \
	VPERMILPS $0xFF, X1, X7; \
	VADDSS X2, X0, X2; \
	VADDSS X3, X2, X2; \
	VADDSS X4, X2, X2; \
	VADDSS X1, X2, X2; \
	VADDSS X5, X2, X2; \
	VADDSS X6, X2, X2; \
	VADDSS X7, X2, X2; \
	VADDSS eps, X2, X2; \
	VBROADCASTSS X2, Y2; \
	VDIVPS Y2, Y0, Y0

// NORM8_AVX2(eps): NORM8_AVX512 with three scratch registers (X1, X6,
// X7), for the AVX2 kernels, whose Y2-Y5 are taken; the sum starts from +0.
#define NORM8_AVX2(eps) \
	VXORPS X6, X6, X6; \
	VADDSS X0, X6, X6; \
	VMOVSHDUP X0, X7; \
	VADDSS X7, X6, X6; \
	VMOVHLPS X0, X0, X7; \
	VADDSS X7, X6, X6; \
	VPERMILPS $0xFF, X0, X7; \
	VADDSS X7, X6, X6; \
	VEXTRACTF128 $1, Y0, X1; \
	VADDSS X1, X6, X6; \
	VMOVSHDUP X1, X7; \
	VADDSS X7, X6, X6; \
	VMOVHLPS X1, X1, X7; \
	VADDSS X7, X6, X6; \
	VPERMILPS $0xFF, X1, X7; \
	VADDSS X7, X6, X6; \
	VADDSS eps, X6, X6; \
	VBROADCASTSS X6, Y6; \
	VDIVPS Y6, Y0, Y0

// ---- AVX-512 ----

// NONFIN_AVX512(x, t, kt, kacc): kacc |= lanes of x whose exponent is all ones.
#define NONFIN_AVX512(x, t, kt, kacc) \
	VPANDD Z29, x, t; \
	VPCMPEQD Z29, t, kt; \
	KORW kt, kacc, kacc

// NONFIN_DQ(x, kt, kacc): NONFIN_AVX512 in two instructions (AVX512DQ):
// VFPCLASSPS class bits 0x99 = QNaN | +Inf | -Inf | SNaN, the lanes
// whose exponent is all ones.
#define NONFIN_DQ(x, kt, kacc) \
	VFPCLASSPSZ $0x99, x, kt; \
	KORW kt, kacc, kacc

// TAILK_AVX512(Rr, Rt, k): k = mask of the first Rr lanes (0 < Rr < 16);
// clobbers Rt. Rr must be CX (shift count).
#define TAILK_AVX512(Rt, k) \
	MOVL $1, Rt; \
	SHLL CX, Rt; \
	DECL Rt; \
	KMOVW Rt, k

// TOP2_COMBINE(a1, a2, b1, b2, t): (a1, a2) = the two largest of the
// multiset {a1, a2, b1, b2}, lane by lane, given a1 >= a2 and b1 >= b2
// (no NaN): a2 = max(min(a1, b1), max(a2, b2)); a1 = max(a1, b1).
#define TOP2_COMBINE(a1, a2, b1, b2, t) \
	VMINPS b1, a1, t; \
	VMAXPS b2, a2, a2; \
	VMAXPS t, a2, a2; \
	VMAXPS b1, a1, a1

// GROUP_REDUCE_YMM: reduce the per-lane top-2 (Y1, Y2) to lane 0 of X1
// (largest) and X2 (second); clobbers Y4, Y5, Y6.
#define GROUP_REDUCE_YMM \
	VEXTRACTF128 $1, Y1, X4; \
	VEXTRACTF128 $1, Y2, X5; \
	TOP2_COMBINE(X1, X2, X4, X5, X6); \
	VPERMILPS $0x4E, X1, X4; \
	VPERMILPS $0x4E, X2, X5; \
	TOP2_COMBINE(X1, X2, X4, X5, X6); \
	VPERMILPS $0xB1, X1, X4; \
	VPERMILPS $0xB1, X2, X5; \
	TOP2_COMBINE(X1, X2, X4, X5, X6)
