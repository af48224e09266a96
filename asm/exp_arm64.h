// Package-local header: the vector ExpNeg and Sigmoid of the arm64 NEON
// kernels (twins: ExpNeg and Sigmoid in math.go), as macros over the WORD
// instructions of neon_arm64.h.
//
// Constant registers, loaded by EXP_CONSTS (clobbers R4):
//   V16 = -104 (expLo)   V17 = log2e   V18 = 1.5*2^23 (expMag, also its bits)
//   V19 = C1             V20 = C2      V21..V26 = P0..P5
//   V27 = 1.0            V28 = int32 127
//   V29 = 0x80000000 (sign bit)        V30 = 0x7F800000 (exponent field)
// Kernels that include this header keep V16-V30 for these constants.

#define EXP_CONSTS \
	MOVW $0xC2D00000, R4; VDUP R4, V16.S4; \
	MOVW $0x3FB8AA3B, R4; VDUP R4, V17.S4; \
	MOVW $0x4B400000, R4; VDUP R4, V18.S4; \
	MOVW $0x3F318000, R4; VDUP R4, V19.S4; \
	MOVW $0xB95E8083, R4; VDUP R4, V20.S4; \
	MOVW $0x39506967, R4; VDUP R4, V21.S4; \
	MOVW $0x3AB743CE, R4; VDUP R4, V22.S4; \
	MOVW $0x3C088908, R4; VDUP R4, V23.S4; \
	MOVW $0x3D2AA9C1, R4; VDUP R4, V24.S4; \
	MOVW $0x3E2AAAAA, R4; VDUP R4, V25.S4; \
	MOVW $0x3F000000, R4; VDUP R4, V26.S4; \
	MOVW $0x3F800000, R4; VDUP R4, V27.S4; \
	MOVW $127, R4; VDUP R4, V28.S4; \
	MOVW $0x80000000, R4; VDUP R4, V29.S4; \
	MOVW $0x7F800000, R4; VDUP R4, V30.S4

// EXPNEG: Vy = ExpNeg(Vx) in each lane, exactly as math.go's ExpNeg:
// every product its own FMUL, every sum its own FADD (never FMLA).
// x, y, n, r, z, t are register numbers (x is clobbered; n, r, z, t are
// scratch); VN and VT are the names of registers n and t, for the integer
// instructions Go's assembler has.
#define EXPNEG(x, y, n, r, z, t, VN, VT) \
	VFMAX4S(16, x, x); \
	VFMUL4S(17, x, t); \
	VFADD4S(18, t, t); \
	VFSUB4S(18, t, n); \
	VSUB V18.S4, VT.S4, VT.S4; \
	VFMUL4S(19, n, r); \
	VFSUB4S(r, x, r); \
	VFMUL4S(20, n, z); \
	VFSUB4S(z, r, r); \
	VFMUL4S(r, r, z); \
	VFMUL4S(r, 21, y); \
	VFADD4S(22, y, y); \
	VFMUL4S(r, y, y); \
	VFADD4S(23, y, y); \
	VFMUL4S(r, y, y); \
	VFADD4S(24, y, y); \
	VFMUL4S(r, y, y); \
	VFADD4S(25, y, y); \
	VFMUL4S(r, y, y); \
	VFADD4S(26, y, y); \
	VFMUL4S(z, y, y); \
	VFADD4S(r, y, y); \
	VFADD4S(27, y, y); \
	VSSHR4S(1, t, n); \
	VSUB VN.S4, VT.S4, VT.S4; \
	VADD V28.S4, VN.S4, VN.S4; \
	VSHL $23, VN.S4, VN.S4; \
	VADD V28.S4, VT.S4, VT.S4; \
	VSHL $23, VT.S4, VT.S4; \
	VFMUL4S(n, y, y); \
	VFMUL4S(t, y, y)

// SIGMOID: Vo = Sigmoid(Vx) in each lane (x preserved), as math.go's Sigmoid:
// e = ExpNeg(x | sign), d = 1 + e, s = (sign(x) ? e : 1) / d.
// It also ORs all-ones into lane-wise accumulator Vbad where x is not finite.
// x, a, y, n, r, z, t, o are register numbers; VX, VA, VY, VN, VR, VZ, VT
// and VBAD are the names of registers x, a, y, n, r, z, t and the accumulator.
#define SIGMOID(x, a, y, n, r, z, t, o, VX, VA, VY, VN, VR, VZ, VT, VBAD) \
	VAND V30.B16, VX.B16, VT.B16; \
	VCMEQ V30.S4, VT.S4, VT.S4; \
	VORR VT.B16, VBAD.B16, VBAD.B16; \
	VORR V29.B16, VX.B16, VA.B16; \
	EXPNEG(a, y, n, r, z, t, VN, VT); \
	VFADD4S(27, y, n); \
	VSSHR4S(31, x, r); \
	VEOR V27.B16, VY.B16, VZ.B16; \
	VAND VR.B16, VZ.B16, VZ.B16; \
	VEOR V27.B16, VZ.B16, VZ.B16; \
	VFDIV4S(n, z, o)
