// TOPK_INSERT_BITS is the scalar half of the top-K kernels (shared by the
// AVX2 and AVX-512 versions, which differ only in how they find
// candidates). For every set bit b of AX (candidate vals[R10+b]) it forms
// Key(v, base+R10+b) and inserts it into top exactly as topK does.
// Registers: DI = top, BX = n, R8 = k, SI = vals, R9 = base, R10 = chunk
// start; clobbers AX, DX, R11, R12, R13. THRSET is a macro that
// broadcasts the float32 bits in R11 into the threshold register.
// A full top takes a new key with a branch-free pass (CMOV) over its k
// slots: top[j] = top[j-1] < key ? top[j-1] : max(top[j], key).
// The label arguments are distinct per use.
#define TOPK_INSERT_BITS(bits, nextbit, obok, fulltop, shift, place, kvneg, kvset, blend, blend0, newthr, THRSET) \
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
blend: \
	TESTQ R13, R13; \
	JZ    blend0; \
	MOVQ  -8(DI)(R13*8), R11; \
	MOVQ  (DI)(R13*8), DX; \
	CMPQ  DX, R12; \
	CMOVQCS R12, DX; \
	CMPQ  R11, R12; \
	CMOVQCS R11, DX; \
	MOVQ  DX, (DI)(R13*8); \
	DECQ  R13; \
	JMP   blend; \
blend0: \
	MOVQ  (DI), DX; \
	CMPQ  DX, R12; \
	CMOVQCS R12, DX; \
	MOVQ  DX, (DI); \
	JMP   newthr; \
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

