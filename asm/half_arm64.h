// Copyright moegate authors. WORD macros of the arm64 half-precision
// conversion kernels (half_arm64.s), in the convention of neon_arm64.h:
// register NUMBERS, sources first, destination last. Go's arm64 assembler
// has neither SHLL nor FCVTL. Every macro is checked against
// `go tool objdump -gnu` by TestHalfNEONEncodings (asm/half_encoding_test.go).

// Vd.4S = Vn.4H (lanes 0-3) << 16, widened   (SHLL, Q = 0, size = 01)
#define VSHLL16(n, d) WORD $(0x2E613800 | ((n)<<5) | (d))
// Vd.4S = Vn.8H (lanes 4-7) << 16, widened   (SHLL2)
#define VSHLL216(n, d) WORD $(0x6E613800 | ((n)<<5) | (d))
// Vd.4S = float32(Vn.4H as binary16, lanes 0-3)   (FCVTL, sz = 0)
#define VFCVTL4S(n, d) WORD $(0x0E217800 | ((n)<<5) | (d))
// Vd.4S = float32(Vn.8H as binary16, lanes 4-7)   (FCVTL2)
#define VFCVTL24S(n, d) WORD $(0x4E217800 | ((n)<<5) | (d))
