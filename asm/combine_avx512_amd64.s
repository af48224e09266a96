//go:build gc && !purego

// AVX-512 combine kernels of package dispatch: one token's output row as
// the weighted sum of its experts' rows.
//
// Requires: AVX512F (zmm arithmetic, VPBROADCASTD from a GPR, VPCMPGTD to
// an opmask, merge-masked VPORD), plus AVX and AVX2 for the 8- and
// 16-element blocks (the AVX2 kernels' code). No FMA:
// each product is rounded (VMULPS) before the add (VADDPS).
// Twins: CombineF32Generic, CombineBF16Generic (combine.go), on the first
// h elements of the row.
// Register map: combine_amd64.h; Z0-Z3 accumulators, Z4 = w[j]
// broadcast, Z5-Z9 products and conversions, Z10-Z15 bf16 constants
// (their low halves Y10-Y15 serve the ymm blocks), K1 NaN lanes.
// Preconditions: n >= 1, h a multiple of 8, every row pointer valid for h
// elements; x may be nil only when no rows[j] < 0.

#include "textflag.h"
#include "combine_amd64.h"

// func combineF32AVX512(out, y *float32, ystride int, x *float32, rows *int32, w *float32, n, h int)
// Twin: CombineF32Generic(out[:h], y, ystride, x, rows[:n], w[:n]).
// Blocks of 64 elements (4 accumulators), then 16, then 8 (ymm).
TEXT ·combineF32AVX512(SB), NOSPLIT, $0-64
	LOAD_ARGS(2)

loop64:
	CMPQ CX, $64
	JB   loop16
	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	VPXORD Z2, Z2, Z2
	VPXORD Z3, Z3, Z3
	XORQ   R12, R12

j64:
	SRC(AX)
	VBROADCASTSS (R10)(R12*4), Z4
	VMULPS       (AX)(BX*1), Z4, Z5
	VMULPS       64(AX)(BX*1), Z4, Z6
	VMULPS       128(AX)(BX*1), Z4, Z7
	VMULPS       192(AX)(BX*1), Z4, Z8
	VADDPS       Z5, Z0, Z0
	VADDPS       Z6, Z1, Z1
	VADDPS       Z7, Z2, Z2
	VADDPS       Z8, Z3, Z3
	INCQ         R12
	CMPQ         R12, R11
	JB           j64
	VMOVUPS      Z0, (DI)(BX*1)
	VMOVUPS      Z1, 64(DI)(BX*1)
	VMOVUPS      Z2, 128(DI)(BX*1)
	VMOVUPS      Z3, 192(DI)(BX*1)
	ADDQ         $256, BX
	SUBQ         $64, CX
	JMP          loop64

loop16:
	CMPQ   CX, $16
	JB     loop8
	VPXORD Z0, Z0, Z0
	XORQ   R12, R12

j16:
	SRC(AX)
	VBROADCASTSS (R10)(R12*4), Z4
	VMULPS       (AX)(BX*1), Z4, Z5
	VADDPS       Z5, Z0, Z0
	INCQ         R12
	CMPQ         R12, R11
	JB           j16
	VMOVUPS      Z0, (DI)(BX*1)
	ADDQ         $64, BX
	SUBQ         $16, CX
	JMP          loop16

loop8:
	CMPQ   CX, $8
	JB     done
	VXORPS Y0, Y0, Y0
	XORQ   R12, R12

j8:
	SRC(AX)
	VBROADCASTSS (R10)(R12*4), Y4
	VMULPS       (AX)(BX*1), Y4, Y5
	VADDPS       Y5, Y0, Y0
	INCQ         R12
	CMPQ         R12, R11
	JB           j8
	VMOVUPS      Y0, (DI)(BX*1)

done:
	VZEROUPPER
	RET

// BF16_ROUND_HI_Z(acc, t, u): BF16_ROUND_HI_Y on 16 lanes, the NaN lanes
// chosen by merge-masking (K1); t holds each bfloat16 in the high half of
// its dword.
#define BF16_ROUND_HI_Z(acc, t, u) \
	VPSRLD   $16, acc, t; \
	VPANDD   Z13, t, t; \
	VPADDD   Z12, t, t; \
	VPADDD   acc, t, t; \
	VPANDD   Z14, acc, u; \
	VPCMPGTD Z15, u, K1; \
	VPORD    Z11, acc, K1, t

// EO32_Z(off, ev, od): even and odd accumulators += w (Z4) times the 32
// elements at off(AX)(BX*1) (combine_amd64.h's even/odd split); Z5, Z6
// scratch.
#define EO32_Z(off, ev, od) \
	VMOVDQU32 off(AX)(BX*1), Z5; \
	VPSLLD    $16, Z5, Z6; \
	VPANDD    Z10, Z5, Z5; \
	VMULPS    Z6, Z4, Z6; \
	VMULPS    Z5, Z4, Z5; \
	VADDPS    Z6, ev, ev; \
	VADDPS    Z5, od, od

// STORE_EO_Z(even, odd, off): 32 uint16 at off(DI)(BX*1); clobbers both.
#define STORE_EO_Z(even, odd, off) \
	VPSRLD    $16, even, even; \
	VPANDD    Z10, odd, odd; \
	VPORD     even, odd, odd; \
	VMOVDQU32 odd, off(DI)(BX*1)

// func combineBF16AVX512(out, y *uint16, ystride int, x *uint16, rows *int32, w *float32, n, h int)
// Twin: CombineBF16Generic(out[:h], y, ystride, x, rows[:n], w[:n]).
// Blocks of 64 elements (the even/odd split, Z0/Z1 and Z2/Z3 even/odd
// accumulators), then 16 and 8 (the AVX2 kernel's ymm code).
TEXT ·combineBF16AVX512(SB), NOSPLIT, $0-64
	LOAD_ARGS(1)
	MOVL $0xffff0000, AX
	VPBROADCASTD AX, Z10
	MOVL $0x00400000, AX
	VPBROADCASTD AX, Z11
	MOVL $0x7fff, AX
	VPBROADCASTD AX, Z12
	MOVL $1, AX
	VPBROADCASTD AX, Z13
	MOVL $0x7fffffff, AX
	VPBROADCASTD AX, Z14
	MOVL $0x7f800000, AX
	VPBROADCASTD AX, Z15

bloop64:
	CMPQ CX, $64
	JB   bloop16
	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	VPXORD Z2, Z2, Z2
	VPXORD Z3, Z3, Z3
	XORQ   R12, R12

bj64:
	SRC(AX)
	VBROADCASTSS (R10)(R12*4), Z4
	EO32_Z(0, Z0, Z1)
	EO32_Z(64, Z2, Z3)
	INCQ         R12
	CMPQ         R12, R11
	JB           bj64
	BF16_ROUND_HI_Z(Z0, Z5, Z9)
	BF16_ROUND_HI_Z(Z1, Z6, Z9)
	BF16_ROUND_HI_Z(Z2, Z7, Z9)
	BF16_ROUND_HI_Z(Z3, Z8, Z9)
	STORE_EO_Z(Z5, Z6, 0)
	STORE_EO_Z(Z7, Z8, 64)
	ADDQ         $128, BX
	SUBQ         $64, CX
	JMP          bloop64

	BF16_BLOCK16_Y(bloop16, bj16, bloop8)

bloop8:
	CMPQ   CX, $8
	JB     bdone
	VXORPS Y0, Y0, Y0
	XORQ   R12, R12

bj8:
	SRC(AX)
	VBROADCASTSS (R10)(R12*4), Y4
	VPMOVZXWD    (AX)(BX*1), Y5
	VPSLLD       $16, Y5, Y5
	VMULPS       Y5, Y4, Y5
	VADDPS       Y5, Y0, Y0
	INCQ         R12
	CMPQ         R12, R11
	JB           bj8
	BF16_ROUND_Y(Y0, Y5, Y6)
	STORE_BF16_Y(Y0, X0, X5, 0)

bdone:
	VZEROUPPER
	RET
