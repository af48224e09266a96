// Macros shared by the AVX2 kernels that sort keys (topk8_avx2_amd64.s,
// topk32_avx2_amd64.s, groups_avx2_amd64.s): the compare-exchange network
// of 64-bit working keys, the conversions between keys and working keys,
// and the candidate scan. They use the table topk8v<>
// (tables_keys_avx2_amd64.h), which the including file must include first.

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
