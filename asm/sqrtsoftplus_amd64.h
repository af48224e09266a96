// Constants of the sqrtsoftplus kernels (sqrtsoftplus_avx2_amd64.s,
// sqrtsoftplus_avx512_amd64.s), after consts_amd64.h: asm.Log1p's
// polynomial and branch points and SqrtSoftplus's threshold, each
// replicated 8 times (32 bytes) like consts<>, so AVX2 code uses it as a
// 256-bit memory operand and AVX-512 code broadcasts its first element.
// Each including file gets its own copy of the file-local table spc<>.

#define SP8(off, v) \
	DATA spc<>+(off+0)(SB)/4, $v; \
	DATA spc<>+(off+4)(SB)/4, $v; \
	DATA spc<>+(off+8)(SB)/4, $v; \
	DATA spc<>+(off+12)(SB)/4, $v; \
	DATA spc<>+(off+16)(SB)/4, $v; \
	DATA spc<>+(off+20)(SB)/4, $v; \
	DATA spc<>+(off+24)(SB)/4, $v; \
	DATA spc<>+(off+28)(SB)/4, $v

#define S_LP0 0      // logP0 .. logP8
#define S_LP1 32
#define S_LP2 64
#define S_LP3 96
#define S_LP4 128
#define S_LP5 160
#define S_LP6 192
#define S_LP7 224
#define S_LP8 256
#define S_SQ2M1 288  // sqrt2m1 = float32(0.41421356)
#define S_ISQH 320   // float32(1/sqrtHalf) = 1.4142135
#define S_MANT 352   // 0x007FFFFF
#define S_EXP1 384   // 0x00800000: one in the exponent field
#define S_INT1 416   // int32 1
#define S_THR 448    // spThresh = 20
#define S_HALF 480   // 0.5

SP8(0, 0x3D9021BB)
SP8(32, 0xBDEBD1B8)
SP8(64, 0x3DEF251A)
SP8(96, 0xBDFE5D4F)
SP8(128, 0x3E11E9BF)
SP8(160, 0xBE2AAE50)
SP8(192, 0x3E4CCEAC)
SP8(224, 0xBE7FFFFC)
SP8(256, 0x3EAAAAAA)
SP8(288, 0x3ED413CD)
SP8(320, 0x3FB504F3)
SP8(352, 0x007FFFFF)
SP8(384, 0x00800000)
SP8(416, 0x00000001)
SP8(448, 0x41A00000)
SP8(480, 0x3F000000)
GLOBL spc<>(SB), RODATA|NOPTR, $512
