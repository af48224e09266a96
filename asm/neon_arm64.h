// Copyright moegate authors. Package-local header for the arm64 NEON kernels.
//
// Go's arm64 assembler has no vector floating-point arithmetic (it has VFMLA,
// which moegate never uses: no fused operations in a kernel with a Go twin).
// The instructions below are encoded by hand as WORD macros. Arguments are
// register NUMBERS (0-31 for V0-V31), given in Go operand order: sources first,
// destination last, so VFSUB4S(m, n, d) is d = n - m, like Go's VSUB.
//
// Every macro here is checked against `go tool objdump -gnu` by
// TestNEONEncodings (asm/encoding_test.go, run by `go test ./asm/` on any host
// with a Go toolchain; scripts/check-arm64-encodings.sh runs it alone).
// Add a macro only together with its line in that test.

// Vd.4S = Vn.4S + Vm.4S   (FADD vector, single precision)
#define VFADD4S(m, n, d) WORD $(0x4E20D400 | ((m)<<16) | ((n)<<5) | (d))
// Vd.4S = Vn.4S - Vm.4S   (FSUB)
#define VFSUB4S(m, n, d) WORD $(0x4EA0D400 | ((m)<<16) | ((n)<<5) | (d))
// Vd.4S = Vn.4S * Vm.4S   (FMUL, separately rounded: not FMLA)
#define VFMUL4S(m, n, d) WORD $(0x6E20DC00 | ((m)<<16) | ((n)<<5) | (d))
// Vd.4S = Vn.4S / Vm.4S   (FDIV, correctly rounded)
#define VFDIV4S(m, n, d) WORD $(0x6E20FC00 | ((m)<<16) | ((n)<<5) | (d))
// Vd.4S = max(Vn.4S, Vm.4S)   (FMAX: NaN if either is NaN; max(-0,+0) = +0)
#define VFMAX4S(m, n, d) WORD $(0x4E20F400 | ((m)<<16) | ((n)<<5) | (d))
// Vd.4S = min(Vn.4S, Vm.4S)   (FMIN: NaN if either is NaN; min(-0,+0) = -0)
#define VFMIN4S(m, n, d) WORD $(0x4EA0F400 | ((m)<<16) | ((n)<<5) | (d))
// Vd.4S = Vn.4S > Vm.4S ? all ones : 0   (FCMGT, register form)
#define VFCMGT4S(m, n, d) WORD $(0x6EA0E400 | ((m)<<16) | ((n)<<5) | (d))
// Vd.4S = Vn.4S >= Vm.4S ? all ones : 0   (FCMGE, register form)
#define VFCMGE4S(m, n, d) WORD $(0x6E20E400 | ((m)<<16) | ((n)<<5) | (d))
// Sd = max over the 4 lanes of Vn.4S   (FMAXV)
#define VFMAXV4S(n, d) WORD $(0x6E30F800 | ((n)<<5) | (d))
// Vd.4S = Vn.4S >> sh, arithmetic, 1 <= sh <= 32   (SSHR, immh:immb = 64-sh)
#define VSSHR4S(sh, n, d) WORD $(0x4F000400 | ((64-(sh))<<16) | ((n)<<5) | (d))
// Vd.4S = Vn.4S > Vm.4S ? all ones : 0, signed integers   (CMGT, register form)
#define VCMGT4S(m, n, d) WORD $(0x4EA03400 | ((m)<<16) | ((n)<<5) | (d))
// Vd.4S = Vn.4S > Vm.4S ? all ones : 0, unsigned integers   (CMHI, register form)
#define VCMHI4S(m, n, d) WORD $(0x6EA03400 | ((m)<<16) | ((n)<<5) | (d))
// Vd.4S = sqrt(Vn.4S)   (FSQRT vector, correctly rounded)
#define VFSQRT4S(n, d) WORD $(0x6EA1F800 | ((n)<<5) | (d))
// Vd.4S = float32(Vn.4S), signed int32 to float32   (SCVTF vector, integer)
#define VSCVTF4S(n, d) WORD $(0x4E21D800 | ((n)<<5) | (d))
