// TOPK_INSERT_BITS is the scalar half of the top-K kernels (shared by the
// AVX2 and AVX-512 versions, which differ only in how they find
// candidates). For every set bit b of AX (candidate vals[R10+b]) it forms
// Key(v, base+R10+b) and inserts it into top exactly as topK does.
// Registers: DI = top, BX = n, R8 = k, SI = vals, R9 = base, R10 = chunk
// start; clobbers AX, DX, R11, R12, R13. THRSET is a macro that
// broadcasts the float32 bits in R11 into the threshold register.
// Insertion shifts with branches, as topK does: for k > 8 (the only use)
// a branch-free pass over all k slots costs more than the mispredicted
// exit of the shift loop. The label arguments are distinct per use.
#define TOPK_INSERT_BITS(bits, nextbit, obok, fulltop, shift, place, kvneg, kvset, newthr, THRSET) \
bits: \
	BSFL AX, DX; \
	LEAL -1(AX), R11; \
	ANDL R11, AX; \
	LEAQ (R10)(DX*1), R11; \
	MOVL (SI)(R11*4), R12; \
	CMPL R12, $0x80000000; \
	JNE  obok; \
	XORL R12, R12; \
obok: \
	MOVL R12, R13; \
	SARL $31, R13; \
	ORL  $0x80000000, R13; \
	XORL R13, R12; \
	ADDQ R9, R11; \
	NOTL R11; \
	SHLQ $32, R12; \
	ORQ  R11, R12; \
	CMPQ BX, R8; \
	JAE  fulltop; \
	MOVQ BX, R13; \
	INCQ BX; \
	JMP  shift; \
fulltop: \
	MOVQ -8(DI)(R8*8), R11; \
	CMPQ R12, R11; \
	JBE  nextbit; \
	LEAQ -1(R8), R13; \
shift: \
	TESTQ R13, R13; \
	JZ    place; \
	MOVQ  -8(DI)(R13*8), R11; \
	CMPQ  R11, R12; \
	JAE   place; \
	MOVQ  R11, (DI)(R13*8); \
	DECQ  R13; \
	JMP   shift; \
place: \
	MOVQ R12, (DI)(R13*8); \
	CMPQ BX, R8; \
	JB   nextbit; \
newthr: \
	MOVQ -8(DI)(R8*8), R11; \
	SHRQ $32, R11; \
	TESTL $0x80000000, R11; \
	JZ   kvneg; \
	XORL $0x80000000, R11; \
	JMP  kvset; \
kvneg: \
	NOTL R11; \
kvset: \
	THRSET; \
nextbit: \
	TESTL AX, AX; \
	JNZ   bits


// PREPASS_LANES(Xm, Xt, Lreg, l8, l4, l2, done): given Xm holding, in 8
// lanes, the maxima of 8 disjoint subsets of vals (empty subsets -Inf),
// folds them to the L = Lreg (1, 2, 4 or 8) maxima of L disjoint subsets
// and leaves their minimum in lane 0 of Xm: at least L >= k elements of
// vals are >= it, so it is a valid lower bound for the k-th largest
// (the final top-K of vals and the top merged with it never lose an
// element by starting from this threshold). Clobbers Xt (the 128-bit
// halves of Ym/Yt are named by the caller through Xm/Xt and Ym/Yt).
#define PREPASS_LANES(Ym, Yt, Xm, Xt, Lreg, l8, l4, l2, done) \
	CMPQ Lreg, $8; \
	JAE  l8; \
	VEXTRACTF128 $1, Ym, Xt; \
	VMAXPS Xt, Xm, Xm; \
	CMPQ Lreg, $4; \
	JAE  l4; \
	VPERMILPS $0x4E, Xm, Xt; \
	VMAXPS Xt, Xm, Xm; \
	CMPQ Lreg, $2; \
	JAE  l2; \
	VPERMILPS $0xB1, Xm, Xt; \
	VMAXPS Xt, Xm, Xm; \
	JMP  done; \
l8: \
	VEXTRACTF128 $1, Ym, Xt; \
	VMINPS Xt, Xm, Xm; \
l4: \
	VPERMILPS $0x4E, Xm, Xt; \
	VMINPS Xt, Xm, Xm; \
l2: \
	VPERMILPS $0xB1, Xm, Xt; \
	VMINPS Xt, Xm, Xm; \
done:
