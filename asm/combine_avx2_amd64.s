//go:build gc && !purego

// AVX2 combine kernels of package dispatch: one token's output row as the
// weighted sum of its experts' rows.
//
// Requires: AVX, AVX2 (VPBROADCASTD, VPMOVZXWD, 256-bit integer ops). No
// FMA: each product is rounded (VMULPS) before the add (VADDPS), as the
// twins write float32(w*v) then +.
// Twins: CombineF32Generic, CombineBF16Generic (combine.go), on the first
// h elements of the row.
// Register map: combine_amd64.h; Y0-Y3 accumulators, Y4 = w[j]
// broadcast, Y5-Y9 products and conversions, Y10-Y15 bf16 constants.
// Preconditions: n >= 1, h a multiple of 8, every row pointer valid for h
// elements; x may be nil only when no rows[j] < 0.

#include "textflag.h"
#include "combine_amd64.h"

// func combineF32AVX2(out, y *float32, ystride int, x *float32, rows *int32, w *float32, n, h int)
// Twin: CombineF32Generic(out[:h], y, ystride, x, rows[:n], w[:n]).
// Blocks of 32 elements (4 accumulators), then of 8.
TEXT ·combineF32AVX2(SB), NOSPLIT, $0-64
	LOAD_ARGS(2)

loop32:
	CMPQ CX, $32
	JB   loop8
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	XORQ   R12, R12

j32:
	SRC(AX)
	VBROADCASTSS (R10)(R12*4), Y4
	VMULPS       (AX)(BX*1), Y4, Y5
	VMULPS       32(AX)(BX*1), Y4, Y6
	VMULPS       64(AX)(BX*1), Y4, Y7
	VMULPS       96(AX)(BX*1), Y4, Y8
	VADDPS       Y5, Y0, Y0
	VADDPS       Y6, Y1, Y1
	VADDPS       Y7, Y2, Y2
	VADDPS       Y8, Y3, Y3
	INCQ         R12
	CMPQ         R12, R11
	JB           j32
	VMOVUPS      Y0, (DI)(BX*1)
	VMOVUPS      Y1, 32(DI)(BX*1)
	VMOVUPS      Y2, 64(DI)(BX*1)
	VMOVUPS      Y3, 96(DI)(BX*1)
	ADDQ         $128, BX
	SUBQ         $32, CX
	JMP          loop32

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
	ADDQ         $32, BX
	SUBQ         $8, CX
	JMP          loop8

done:
	VZEROUPPER
	RET

// func combineBF16AVX2(out, y *uint16, ystride int, x *uint16, rows *int32, w *float32, n, h int)
// Twin: CombineBF16Generic(out[:h], y, ystride, x, rows[:n], w[:n]).
// Each source element is widened exactly (the even/odd split of
// combine_amd64.h in blocks of 32 and 16 elements; VPMOVZXWD then << 16
// in blocks of 8), the sum is the float32 one of combineF32AVX2, and it
// is rounded once (F32ToBF16). Y0/Y1 and Y2/Y3: even/odd accumulators.
TEXT ·combineBF16AVX2(SB), NOSPLIT, $0-64
	LOAD_ARGS(1)
	BF16_CONSTS_AVX2

bloop32:
	CMPQ CX, $32
	JB   bloop16
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	XORQ   R12, R12

bj32:
	SRC(AX)
	VBROADCASTSS (R10)(R12*4), Y4
	EO16_Y(0, Y0, Y1)
	EO16_Y(32, Y2, Y3)
	INCQ         R12
	CMPQ         R12, R11
	JB           bj32
	BF16_ROUND_HI_Y(Y0, Y5, Y9)
	BF16_ROUND_HI_Y(Y1, Y6, Y9)
	BF16_ROUND_HI_Y(Y2, Y7, Y9)
	BF16_ROUND_HI_Y(Y3, Y8, Y9)
	STORE_EO_Y(Y5, Y6, 0)
	STORE_EO_Y(Y7, Y8, 32)
	ADDQ $64, BX
	SUBQ $32, CX
	JMP  bloop32

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
	ADDQ $16, BX
	SUBQ $8, CX
	JMP  bloop8

bdone:
	VZEROUPPER
	RET
