//go:build gc && !purego

// The non-finite check of a per-expert input (bias, expert scales), once
// per Route call, for arm64 NEON (Advanced SIMD).
//
// func allFiniteNEON(p *float32, n int) bool
// Requires: ASIMD (cpu.ARM64.HasASIMD).
// Twin: AllFiniteGeneric (finite.go), its own arithmetic per lane: a
// float32 is non-finite exactly when (bits & 0x7fffffff) + 0x00800000 has
// bit 31 set; the sums are ORed and bit 31 of every lane tested at the
// end. Preconditions: n >= 1, p valid for n float32. Loads never pass
// p[n-1]: 8 per iteration, then 4, then one at a time.
//
// Register map: R0 = p, R1 = n remaining, R4-R6 scalar tail and result;
// V0 = 0x7fffffff (magnitude mask), V1 = 0x00800000 in each lane, V2, V3
// = OR of the sums, V4, V5 temporaries.
// Registers never touched: R18, R26-R29.

#include "textflag.h"

TEXT ·allFiniteNEON(SB), NOSPLIT, $0-17
	MOVD p+0(FP), R0
	MOVD n+8(FP), R1
	MOVW $0x7fffffff, R4
	VDUP R4, V0.S4
	MOVW $0x00800000, R4
	VDUP R4, V1.S4
	VEOR V2.B16, V2.B16, V2.B16
	VEOR V3.B16, V3.B16, V3.B16
	MOVD ZR, R6

loop8:
	CMP  $8, R1
	BLT  tail4
	VLD1.P 32(R0), [V4.S4, V5.S4]
	VAND V0.B16, V4.B16, V4.B16
	VAND V0.B16, V5.B16, V5.B16
	VADD V1.S4, V4.S4, V4.S4
	VADD V1.S4, V5.S4, V5.S4
	VORR V4.B16, V2.B16, V2.B16
	VORR V5.B16, V3.B16, V3.B16
	SUB  $8, R1
	B    loop8

tail4:
	CMP  $4, R1
	BLT  tail1
	VLD1.P 16(R0), [V4.S4]
	VAND V0.B16, V4.B16, V4.B16
	VADD V1.S4, V4.S4, V4.S4
	VORR V4.B16, V2.B16, V2.B16
	SUB  $4, R1

tail1:
	CBZ  R1, done
	MOVWU.P 4(R0), R4
	AND  $0x7fffffff, R4
	ADD  $0x00800000, R4
	ORR  R4, R6, R6
	SUB  $1, R1
	B    tail1

done:
	VORR V3.B16, V2.B16, V2.B16
	VMOV V2.D[0], R4
	VMOV V2.D[1], R5
	ORR  R5, R4, R4
	ORR  R6, R4, R4
	ORR  R4>>32, R4, R4     // bit 31 of either half
	TST  $0x80000000, R4
	CSET EQ, R4
	MOVB R4, ret+16(FP)
	RET
