//go:build gc && !purego

// Top-K selection for arm64 NEON (Advanced SIMD).
//
// Requires: ASIMD (cpu.ARM64.HasASIMD).
// Twin: topK in route_generic.go (with Key and OrderBits of math.go). Keys
// are unique, so the K largest keys in descending order are one answer; this
// kernel finds them with a vector threshold filter and scalar insertion.
// Registers never touched: R18, R26-R29.

#include "textflag.h"
#include "neon_arm64.h"

// SETTHR: R6 = OrderBits(top[k-1]) - 2 = (top[k-1]>>32) - 2, V30 = R6 in
// each lane. Clobbers R10.
#define SETTHR \
	SUB  $1, R1, R10; \
	MOVD (R0)(R10<<3), R6; \
	LSR  $32, R6, R6; \
	SUB  $2, R6, R6; \
	VDUP R6, V30.S4

// func topKNEON(top *uint64, n, k int, vals *float32, nv, base int) int
//
// Merges the candidates vals[0:nv] (indices base+i, keys Key(vals[i],
// base+i)) into top[0:k], which holds n valid keys in descending order, and
// returns the new count (min(k, n+nv)). top[n:k] are not read. The argument
// order of topk8AVX2.
// Preconditions: 1 <= k; 0 <= n <= k; nv >= 0; no NaN in vals; base+nv
// fits in 32 bits; top does not overlap vals.
//
// Registers: R0 top, R1 k, R2 n, R3 vals, R4 candidates left, R5 index of
// the next candidate, R6 top[k-1]'s OrderBits - 2 (the filter), R7 key,
// R8-R13 scratch; V29 = 0x80000000 in each lane, V30 = R6 in each lane,
// V0-V3 scratch.
//
// Filter: a lane passes when its raw order bits (b ^ (b>>31 | 1<<31), where
// -0 sits one below +0) exceed OrderBits(top[k-1]) - 2, a superset of the
// candidates that can enter; each of them then meets the exact key test.
TEXT ·topKNEON(SB), NOSPLIT, $0-56
	MOVD top+0(FP), R0
	MOVD n+8(FP), R2
	MOVD k+16(FP), R1
	MOVD vals+24(FP), R3
	MOVD nv+32(FP), R4
	MOVD base+40(FP), R5
	MOVW $0x80000000, R8
	VDUP R8, V29.S4
	CMP  R1, R2
	BNE  topk_loop
	SETTHR

topk_loop:
	CBZ  R4, topk_done
	CMP  R1, R2
	BNE  topk_one            // still filling: every candidate enters
	CMP  $8, R4
	BLT  topk_one
	VLD1 (R3), [V0.S4, V1.S4]
	VSSHR4S(31, 0, 2)
	VSSHR4S(31, 1, 3)
	VORR V29.B16, V2.B16, V2.B16
	VORR V29.B16, V3.B16, V3.B16
	VEOR V2.B16, V0.B16, V0.B16
	VEOR V3.B16, V1.B16, V1.B16
	VCMHI4S(30, 0, 0)
	VCMHI4S(30, 1, 1)
	VORR V1.B16, V0.B16, V0.B16
	VMOV V0.D[0], R11
	VMOV V0.D[1], R12
	ORR  R12, R11, R11
	CBNZ R11, topk_eight
	ADD  $32, R3
	ADD  $8, R5
	SUB  $8, R4
	B    topk_loop

topk_eight:
	MOVD $8, R13
	B    topk_scalar

topk_one:
	MOVD $1, R13

topk_scalar:
	// key = OrderBits(v)<<32 | ^uint32(index)
	MOVWU.P 4(R3), R7
	MOVW $0x80000000, R8
	CMPW R8, R7
	CSELW EQ, ZR, R7, R7     // -0 -> +0
	ASRW $31, R7, R9
	ORRW R8, R9, R9
	EORW R9, R7, R7          // OrderBits, zero-extended
	MVNW R5, R9              // ^uint32(index), zero-extended
	ORR  R7<<32, R9, R7
	ADD  $1, R5
	SUB  $1, R4
	CMP  R1, R2
	BEQ  topk_full
	MOVD R2, R10             // j = n; n++
	ADD  $1, R2
	B    topk_shift

topk_full:
	SUB  $1, R1, R10         // j = k-1
	MOVD (R0)(R10<<3), R11
	CMP  R11, R7
	BLS  topk_next           // key <= top[k-1]: not in the top k

topk_shift:
	CBZ  R10, topk_place
	SUB  $1, R10, R11
	MOVD (R0)(R11<<3), R12
	CMP  R7, R12
	BHS  topk_place          // top[j-1] >= key (keys unique: >)
	MOVD R12, (R0)(R10<<3)
	MOVD R11, R10
	B    topk_shift

topk_place:
	MOVD R7, (R0)(R10<<3)
	CMP  R1, R2
	BNE  topk_next
	SETTHR

topk_next:
	SUBS $1, R13
	BNE  topk_scalar
	B    topk_loop

topk_done:
	MOVD R2, ret+48(FP)
	RET
