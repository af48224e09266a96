// Macros shared by the combine kernels (combine_avx2_amd64.s,
// combine_avx512_amd64.s).
//
// Register map of every combine kernel:
//   DI = out, SI = y, DX = y row stride in bytes, R8 = x (the token's own
//   row; only read for rows[j] < 0), R9 = rows, R10 = w, R11 = n (rows),
//   CX = elements left, BX = byte offset of the current block in a row
//   (f32: 4 per element; bf16: 2 per element, the same for out, y and x),
//   R12 = j, AX = the source row of j, R13 scratch.

// SRC(dst): dst = rows[j] >= 0 ? y + rows[j]*ystride : x, branch-free.
#define SRC(dst) \
	MOVLQSX (R9)(R12*4), dst; \
	MOVQ    dst, R13; \
	IMULQ   DX, dst; \
	ADDQ    SI, dst; \
	TESTQ   R13, R13; \
	CMOVQLT R8, dst

// LOAD_ARGS: the arguments into the register map; DX scaled by shift
// (2: float32, 1: bfloat16).
#define LOAD_ARGS(shift) \
	MOVQ out+0(FP), DI; \
	MOVQ y+8(FP), SI; \
	MOVQ ystride+16(FP), DX; \
	SHLQ $shift, DX; \
	MOVQ x+24(FP), R8; \
	MOVQ rows+32(FP), R9; \
	MOVQ w+40(FP), R10; \
	MOVQ n+48(FP), R11; \
	MOVQ h+56(FP), CX; \
	XORQ BX, BX

// BF16 rounding constants in Y10-Y15 (AVX2 broadcasts from AX).
#define BF16_CONSTS_AVX2 \
	MOVL $0x00400000, AX; VMOVD AX, X11; VPBROADCASTD X11, Y11; \
	MOVL $0x7fff, AX; VMOVD AX, X12; VPBROADCASTD X12, Y12; \
	MOVL $1, AX; VMOVD AX, X13; VPBROADCASTD X13, Y13; \
	MOVL $0x7fffffff, AX; VMOVD AX, X14; VPBROADCASTD X14, Y14; \
	MOVL $0x7f800000, AX; VMOVD AX, X15; VPBROADCASTD X15, Y15; \
	MOVL $0xffff0000, AX; VMOVD AX, X10; VPBROADCASTD X10, Y10

// BF16_ROUND_Y(acc, t, u): acc (8 float32) = F32ToBF16 of each lane in
// the low 16 bits of its dword: t = u + 0x7fff + ((u >> 16) & 1); a NaN
// (|u| > 0x7f800000) takes u | 0x00400000 instead; then >> 16.
#define BF16_ROUND_Y(acc, t, u) \
	VPSRLD    $16, acc, t; \
	VPAND     Y13, t, t; \
	VPADDD    Y12, t, t; \
	VPADDD    acc, t, t; \
	VPAND     Y14, acc, u; \
	VPCMPGTD  Y15, u, u; \
	VPOR      Y11, acc, acc; \
	VPBLENDVB u, acc, t, acc; \
	VPSRLD    $16, acc, acc

// STORE_BF16_Y(acc, xacc, xt, off): the 8 rounded lanes of acc (whose
// low half is xacc) packed to 8 uint16 at off(DI)(BX*1).
#define STORE_BF16_Y(acc, xacc, xt, off) \
	VEXTRACTI128 $1, acc, xt; \
	VPACKUSDW    xt, xacc, xacc; \
	VMOVDQU      xacc, off(DI)(BX*1)

// The 16- and 32-element bfloat16 blocks read the row as dwords: dword i
// holds elements 2i (low half) and 2i+1 (high half). EVEN(d) = d << 16
// and ODD(d) = d & 0xffff0000 are those elements widened exactly, so the
// blocks keep two accumulators, the even and the odd elements, and
// STORE_EO puts the rounded halves back in place.

// BF16_ROUND_HI_Y(acc, t, u): t = F32ToBF16 of each lane of acc in the
// high half of its dword (the low half is garbage); acc is clobbered.
#define BF16_ROUND_HI_Y(acc, t, u) \
	VPSRLD    $16, acc, t; \
	VPAND     Y13, t, t; \
	VPADDD    Y12, t, t; \
	VPADDD    acc, t, t; \
	VPAND     Y14, acc, u; \
	VPCMPGTD  Y15, u, u; \
	VPOR      Y11, acc, acc; \
	VPBLENDVB u, acc, t, t

// STORE_EO_Y(even, odd, off): the rounded even and odd lanes (bfloat16
// in the high halves) merged into 16 uint16 at off(DI)(BX*1); clobbers
// both.
#define STORE_EO_Y(even, odd, off) \
	VPSRLD  $16, even, even; \
	VPAND   Y10, odd, odd; \
	VPOR    even, odd, odd; \
	VMOVDQU odd, off(DI)(BX*1)

// EO16_Y(off, ev, od): even and odd accumulators += w (Y4) times the 16
// elements at off(AX)(BX*1); Y5, Y6 scratch.
#define EO16_Y(off, ev, od) \
	VMOVDQU off(AX)(BX*1), Y5; \
	VPSLLD  $16, Y5, Y6; \
	VPAND   Y10, Y5, Y5; \
	VMULPS  Y6, Y4, Y6; \
	VMULPS  Y5, Y4, Y5; \
	VADDPS  Y6, ev, ev; \
	VADDPS  Y5, od, od

// BF16_BLOCK16_Y(done): one 16-element block if CX >= 16 (ymm code,
// used by both kernels), else jump to done. Y0 even, Y1 odd.
#define BF16_BLOCK16_Y(loop, jloop, done) \
loop: \
	CMPQ   CX, $16; \
	JB     done; \
	VXORPS Y0, Y0, Y0; \
	VXORPS Y1, Y1, Y1; \
	XORQ   R12, R12; \
jloop: \
	SRC(AX); \
	VBROADCASTSS (R10)(R12*4), Y4; \
	EO16_Y(0, Y0, Y1); \
	INCQ   R12; \
	CMPQ   R12, R11; \
	JB     jloop; \
	BF16_ROUND_HI_Y(Y0, Y7, Y9); \
	BF16_ROUND_HI_Y(Y1, Y8, Y9); \
	STORE_EO_Y(Y7, Y8, 0); \
	ADDQ   $32, BX; \
	SUBQ   $16, CX; \
	JMP    loop
