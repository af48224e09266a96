// Macros shared by the AVX-512 kernels that sort keys (topk8_avx512_amd64.s,
// topk32_avx512_amd64.s, and groupsAVX512 in topk8_avx512_amd64.s): the
// bitonic network of 64-bit keys Key(v, i) (unsigned compare: VPMINUQ,
// VPMAXUQ), the pending batch of candidate keys, and keyValue. Register
// contract of both kernels: Z11 = the batch being sorted, Z12/Z13 network
// temporaries, Z16 = 0x80000000 (dwords), Z20 = pending keys (R12 of
// them), K5/K6/K7 = 0xF0/0xCC/0xAA (the last sort stages and the
// descending half-cleaners), K3 scratch.

// STAGE_D*(kmask): one compare-exchange stage on the keys of Z11 at
// distance 1, 2 or 4: partner lanes into Z12; Z11 = min, lanes in kmask
// take max. Clobbers Z12, Z13.
#define STAGE_D1(kmask) \
	VPSHUFD $0x4E, Z11, Z12; \
	VPMINUQ Z12, Z11, Z13; \
	VPMAXUQ Z12, Z11, kmask, Z13; \
	VMOVDQA64 Z13, Z11
#define STAGE_D2(kmask) \
	VPERMQ $0x4E, Z11, Z12; \
	VPMINUQ Z12, Z11, Z13; \
	VPMAXUQ Z12, Z11, kmask, Z13; \
	VMOVDQA64 Z13, Z11
#define STAGE_D4(kmask) \
	VSHUFI64X2 $0x4E, Z11, Z11, Z12; \
	VPMINUQ Z12, Z11, Z13; \
	VPMAXUQ Z12, Z11, kmask, Z13; \
	VMOVDQA64 Z13, Z11

// SORT8(tbl): sort the 8 keys of Z11 ascending; the masks of the first
// three stages are the words at tbl<>+64, +66, +68 (topk8c, topk32c: the
// generator's sort8Masks). Clobbers Z12, Z13, K3.
#define SORT8(tbl) \
	KMOVW tbl<>+64(SB), K3; \
	STAGE_D1(K3); \
	KMOVW tbl<>+66(SB), K3; \
	STAGE_D2(K3); \
	KMOVW tbl<>+68(SB), K3; \
	STAGE_D1(K3); \
	STAGE_D4(K5); \
	STAGE_D2(K6); \
	STAGE_D1(K7)

// HC8D(R, T1, T2): sort the bitonic 8 keys of R descending (half-cleaners
// at distance 4, 2, 1). Clobbers T1, T2.
#define HC8D(R, T1, T2) \
	VSHUFI64X2 $0x4E, R, R, T1; \
	VPMAXUQ T1, R, T2; \
	VPMINUQ T1, R, K5, T2; \
	VPERMQ $0x4E, T2, T1; \
	VPMAXUQ T1, T2, R; \
	VPMINUQ T1, T2, K6, R; \
	VPSHUFD $0x4E, R, T1; \
	VPMAXUQ T1, R, T2; \
	VPMINUQ T1, R, K7, T2; \
	VMOVDQA64 T2, R

// CE(A, B, T): A, B = max(A, B), min(A, B), lane by lane. Clobbers T.
#define CE(A, B, T) \
	VPMAXUQ B, A, T; \
	VPMINUQ B, A, B; \
	VMOVDQA64 T, A

// KEYVALUE_MAX: Z1 = max(Z1, keyValue(Z12)) in every dword, Z12 holding
// the high dword (order bits) of a key: keyValue undoes OrderBits (flip
// the sign bit, or every bit of a negative value). A key of 0 (an empty
// top slot) gives a NaN, which the operand order of VMAXPS ignores (it
// returns Z1). Clobbers Z12, Z13.
#define KEYVALUE_MAX \
	VPSRAD $31, Z12, Z13; \
	VPTERNLOGD $0x4B, Z16, Z13, Z12; \
	VMAXPS Z1, Z12, Z1

// BATCH_ADD(Zn, cnt, l2): append the cnt (0..8) keys in the low lanes of
// Zn to the pending batch Z20 (R12 keys, the rest zero); jump to l2 when
// it is not full; else Z11 = the 8 keys of the full batch, and R13 = the
// mask of cnt lanes, R11 = cnt, for BATCH_KEEP. Clobbers DX, K3.
#define BATCH_ADD(Zn, cnt, l2) \
	MOVL cnt, R11; \
	MOVL $1, R13; \
	SHLXL R11, R13, R13; \
	DECL R13; \
	SHLXL R12, R13, DX; \
	KMOVW DX, K3; \
	VPEXPANDQ Zn, K3, Z20; \
	ADDQ R11, R12; \
	CMPQ R12, $8; \
	JB   l2; \
	VMOVDQA64 Z20, Z11

// BATCH_KEEP(Zn): after a full batch (BATCH_ADD) is merged, the keys of Zn
// that did not fit (the last R12 - 8 of its R11) become the new pending
// batch Z20. Clobbers DX, R13, K3.
#define BATCH_KEEP(Zn) \
	MOVL R11, DX; \
	SUBL R12, DX; \
	ADDL $8, DX; \
	SHRXL DX, R13, R13; \
	SHLXL DX, R13, R13; \
	KMOVW R13, K3; \
	VPCOMPRESSQ.Z Zn, K3, Z20; \
	SUBQ $8, R12
