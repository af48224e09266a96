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

// BF16 rounding constants in Y11-Y15 (AVX2 broadcasts from AX).
#define BF16_CONSTS_AVX2 \
	MOVL $0x00400000, AX; VMOVD AX, X11; VPBROADCASTD X11, Y11; \
	MOVL $0x7fff, AX; VMOVD AX, X12; VPBROADCASTD X12, Y12; \
	MOVL $1, AX; VMOVD AX, X13; VPBROADCASTD X13, Y13; \
	MOVL $0x7fffffff, AX; VMOVD AX, X14; VPBROADCASTD X14, Y14; \
	MOVL $0x7f800000, AX; VMOVD AX, X15; VPBROADCASTD X15, Y15

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
