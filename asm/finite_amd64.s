//go:build gc && !purego

// The non-finite check of a per-expert input (bias, expert scales), once
// per Route call.
//
// func allFiniteAVX2(p *float32, n int) bool
// Requires: AVX, AVX2 (VPAND, VPCMPGTD, VPOR on ymm; VPBROADCASTD).
// Twin: AllFiniteGeneric (finite.go): true iff no element's magnitude bits
// (bits & 0x7fffffff) exceed 0x7f7fffff, the largest finite float32.
// Preconditions: n >= 1, p valid for n float32. Loads never pass p[n-1]:
// 16 per iteration, then 8, then one at a time.
//
// Register map: SI = p, CX = n remaining, Y0 = 0x7fffffff (magnitude
// mask), Y1 = 0x7f7fffff (largest finite magnitude), Y2, Y3 = OR of the
// compare masks (all ones in a lane that saw a non-finite value),
// Y4, Y5 = temporaries, AX = scalar tail.

#include "textflag.h"

TEXT ·allFiniteAVX2(SB), NOSPLIT, $0-17
	MOVQ p+0(FP), SI
	MOVQ n+8(FP), CX
	MOVL $0x7fffffff, AX
	MOVD AX, X0
	VPBROADCASTD X0, Y0
	MOVL $0x7f7fffff, AX
	MOVD AX, X1
	VPBROADCASTD X1, Y1
	VPXOR Y2, Y2, Y2
	VPXOR Y3, Y3, Y3

loop16:
	CMPQ CX, $16
	JB   tail8
	VPAND    (SI), Y0, Y4
	VPAND    32(SI), Y0, Y5
	VPCMPGTD Y1, Y4, Y4     // Y4 = |x| > 0x7f7fffff (signed: both sides >= 0)
	VPCMPGTD Y1, Y5, Y5
	VPOR     Y4, Y2, Y2
	VPOR     Y5, Y3, Y3
	ADDQ     $64, SI
	SUBQ     $16, CX
	JMP      loop16

tail8:
	CMPQ CX, $8
	JB   tail1
	VPAND    (SI), Y0, Y4
	VPCMPGTD Y1, Y4, Y4
	VPOR     Y4, Y2, Y2
	ADDQ     $32, SI
	SUBQ     $8, CX

tail1:
	TESTQ CX, CX
	JZ    done
	MOVL  (SI), AX
	ANDL  $0x7fffffff, AX
	CMPL  AX, $0x7f7fffff
	JHI   bad
	ADDQ  $4, SI
	DECQ  CX
	JMP   tail1

done:
	VPOR    Y3, Y2, Y2
	VPTEST  Y2, Y2
	SETEQ   ret+16(FP)
	VZEROUPPER
	RET

bad:
	MOVB $0, ret+16(FP)
	VZEROUPPER
	RET
