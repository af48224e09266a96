//go:build gc && !purego

// AVX-512 combine kernels of package dispatch: one token's output row as
// the weighted sum of its experts' rows.
//
// Requires: AVX512F (zmm arithmetic, VPBROADCASTD from a GPR, VPMOVZXWD
// to zmm, VPCMPGTD to an opmask, merge-masked VPORD, VPMOVDW), plus AVX
// and AVX2 for the 8-element blocks (the AVX2 kernels' code). No FMA:
// each product is rounded (VMULPS) before the add (VADDPS).
// Twins: CombineF32Generic, CombineBF16Generic (combine.go), on the first
// h elements of the row.
// Register map: combine_amd64.h; Z0-Z3 accumulators, Z4 = w[j]
// broadcast, Z5-Z10 products and conversions, Z11-Z15 bf16 constants
// (their low halves Y11-Y15 serve the 8-element blocks), K1 NaN lanes.
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

// BF16_ROUND_Z(acc, t, u): BF16_ROUND_Y on 16 lanes, the NaN lanes
// chosen by merge-masking (K1); result in t.
#define BF16_ROUND_Z(acc, t, u) \
	VPSRLD   $16, acc, t; \
	VPANDD   Z13, t, t; \
	VPADDD   Z12, t, t; \
	VPADDD   acc, t, t; \
	VPANDD   Z14, acc, u; \
	VPCMPGTD Z15, u, K1; \
	VPORD    Z11, acc, K1, t; \
	VPSRLD   $16, t, t

// func combineBF16AVX512(out, y *uint16, ystride int, x *uint16, rows *int32, w *float32, n, h int)
// Twin: CombineBF16Generic(out[:h], y, ystride, x, rows[:n], w[:n]).
// Blocks of 64 elements, then 16, then 8 (the AVX2 code).
TEXT ·combineBF16AVX512(SB), NOSPLIT, $0-64
	LOAD_ARGS(1)
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
	VPMOVZXWD    (AX)(BX*1), Z5
	VPMOVZXWD    32(AX)(BX*1), Z6
	VPMOVZXWD    64(AX)(BX*1), Z7
	VPMOVZXWD    96(AX)(BX*1), Z8
	VPSLLD       $16, Z5, Z5
	VPSLLD       $16, Z6, Z6
	VPSLLD       $16, Z7, Z7
	VPSLLD       $16, Z8, Z8
	VMULPS       Z5, Z4, Z5
	VMULPS       Z6, Z4, Z6
	VMULPS       Z7, Z4, Z7
	VMULPS       Z8, Z4, Z8
	VADDPS       Z5, Z0, Z0
	VADDPS       Z6, Z1, Z1
	VADDPS       Z7, Z2, Z2
	VADDPS       Z8, Z3, Z3
	INCQ         R12
	CMPQ         R12, R11
	JB           bj64
	BF16_ROUND_Z(Z0, Z5, Z9)
	BF16_ROUND_Z(Z1, Z6, Z9)
	BF16_ROUND_Z(Z2, Z7, Z9)
	BF16_ROUND_Z(Z3, Z8, Z9)
	VPMOVDW      Z5, (DI)(BX*1)
	VPMOVDW      Z6, 32(DI)(BX*1)
	VPMOVDW      Z7, 64(DI)(BX*1)
	VPMOVDW      Z8, 96(DI)(BX*1)
	ADDQ         $128, BX
	SUBQ         $64, CX
	JMP          bloop64

bloop16:
	CMPQ   CX, $16
	JB     bloop8
	VPXORD Z0, Z0, Z0
	XORQ   R12, R12

bj16:
	SRC(AX)
	VBROADCASTSS (R10)(R12*4), Z4
	VPMOVZXWD    (AX)(BX*1), Z5
	VPSLLD       $16, Z5, Z5
	VMULPS       Z5, Z4, Z5
	VADDPS       Z5, Z0, Z0
	INCQ         R12
	CMPQ         R12, R11
	JB           bj16
	BF16_ROUND_Z(Z0, Z5, Z9)
	VPMOVDW      Z5, (DI)(BX*1)
	ADDQ         $32, BX
	SUBQ         $16, CX
	JMP          bloop16

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
