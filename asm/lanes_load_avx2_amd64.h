// Phase A of lanesAVX2 (lanes_avx2_amd64.s): a block's rows loaded,
// transposed to one vector per expert, and checked for non-finite values.
//
// Included only by lanes_avx2_amd64.s: the macros use its frame layout
// (XBUF, SELBUF, SBUF, VBUF, IBUF, WBUF, BADV, GOODV, VALIDV, NSET of the
// buffer set at R11; MASK0, MASK1, ROWBUF, CNT), its table lanes8<> and its
// register map: DI = ids out, SI = w out, R9 = t0 (the block's first
// token), R10 = x of the block, R11 = the block's buffer set, R12 = K,
// R13 = first bad token (-1: none). No vector register holds a value
// across stages but the ones named: the exponential's constants (Y8-Y15,
// LOAD_CONSTS_AVX2, exp_amd64.h) are loaded by the stages that use them.
// Reads: what the stage takes; writes: what it leaves for the next stages;
// clobbers: what it overwrites besides. Vectors are one per expert or per
// slot, one token per lane (8 tokens); lane masks are vectors (all-ones
// lanes).

// LANES_AVX2_LOAD(phaseB): phase A, the block at R9/R10 into buffer set
// R11. Continues at phaseB (which must follow).
// Reads: T, stride, E (arguments), R9, R10, R11, R13, MASK0/MASK1 (the
// lanes of a row's elements 0-7 and 8-15 that exist); the rows of the
// block: full halves with plain loads, partial ones with VMASKMOVPS
// (masked-off elements are never read); the last block (n < 8 tokens)
// first copies its n rows to rowbuf (rows n..7 zero), so that no row past
// the last token is read.
// Writes: NSET(R11) = n = min(T - t0, 8); VALIDV(R11) = the block's n
// lanes; xbuf[e] (e < 8, or e < 16 when E > 8) = expert e's logits of the
// 8 tokens (8x8 transposes per half: unpck, VSHUFPS, VPERM2F128; elements
// past E are +0); BADV(R11) = the lanes whose row has a non-finite logit
// (|x| bits shifted left >= 0xFF000000: max(acc, 0xFF000000) == acc),
// GOODV(R11) = valid &^ bad; R13 = t0 + the first bad lane, if R13 was -1.
// Clobbers: AX, BX, CX, DX, Y0-Y15.
// Twin: badRow (route_generic.go): a token with any non-finite logit.
#define LANES_AVX2_LOAD(phaseB) \
	MOVQ T+40(FP), CX; \
	SUBQ R9, CX; \
	CMPQ CX, $8; \
	JBE  setv; \
	MOVQ $8, CX; \
setv: \
	MOVQ CX, NSET(R11); \
	TAILMASK_AVX2(CX, AX, Y13); \
	VMOVDQU Y13, VALIDV(R11); \
	/* Phase A: the block's rows (masked loads of the parts that exist; the */ \
	/* last block (n < 8) first copies its n rows to rowbuf, rows n..7 */ \
	/* zero, so that no row past the last token is read) transposed 8x8 per */ \
	/* half (elements 0-7, then 8-15 when E > 8) into xbuf; Y15 collects */ \
	/* the shifted bits for the bad-row test. */ \
	MOVQ stride+48(FP), BX; \
	SHLQ $2, BX; \
	MOVQ R10, AX; \
	MOVQ T+40(FP), CX; \
	SUBQ R9, CX; \
	CMPQ CX, $8; \
	JAE  rows; \
	LEAQ ROWBUF(SP), DX; \
	VMOVDQU MASK0(SP), Y14; \
	VMOVDQU MASK1(SP), Y15; \
	VPXOR Y1, Y1, Y1; \
rowcp: \
	VMASKMOVPS (AX), Y14, Y0; \
	VMOVUPS Y0, (DX); \
	VMASKMOVPS 32(AX), Y15, Y0; \
	VMOVUPS Y0, 32(DX); \
	ADDQ BX, AX; \
	ADDQ $64, DX; \
	DECQ CX; \
	JNZ  rowcp; \
	LEAQ (ROWBUF+512)(SP), CX; \
rowz: \
	CMPQ DX, CX; \
	JAE  rowsbuf; \
	VMOVUPS Y1, (DX); \
	VMOVUPS Y1, 32(DX); \
	ADDQ $64, DX; \
	JMP  rowz; \
rowsbuf: \
	LEAQ ROWBUF(SP), AX; \
	MOVQ $64, BX; \
rows: \
	LEAQ (BX)(BX*2), CX; \
	LEAQ (AX)(BX*4), DX; \
	VPXOR Y15, Y15, Y15; \
	/* rows whose half is complete (E >= 8): plain loads */ \
	CMPQ E+56(FP), $8; \
	JB   hm0; \
	VMOVUPS (AX), Y0; \
	VMOVUPS (AX)(BX*1), Y1; \
	VMOVUPS (AX)(BX*2), Y2; \
	VMOVUPS (AX)(CX*1), Y3; \
	VMOVUPS (DX), Y4; \
	VMOVUPS (DX)(BX*1), Y5; \
	VMOVUPS (DX)(BX*2), Y6; \
	VMOVUPS (DX)(CX*1), Y7; \
	JMP  ht0; \
hm0: \
	VMOVDQU MASK0(SP), Y8; \
	VMASKMOVPS (AX), Y8, Y0; \
	VMASKMOVPS (AX)(BX*1), Y8, Y1; \
	VMASKMOVPS (AX)(BX*2), Y8, Y2; \
	VMASKMOVPS (AX)(CX*1), Y8, Y3; \
	VMASKMOVPS (DX), Y8, Y4; \
	VMASKMOVPS (DX)(BX*1), Y8, Y5; \
	VMASKMOVPS (DX)(BX*2), Y8, Y6; \
	VMASKMOVPS (DX)(CX*1), Y8, Y7; \
ht0: \
	VUNPCKLPS Y1, Y0, Y8; \
	VUNPCKHPS Y1, Y0, Y9; \
	VUNPCKLPS Y3, Y2, Y10; \
	VUNPCKHPS Y3, Y2, Y11; \
	VUNPCKLPS Y5, Y4, Y12; \
	VUNPCKHPS Y5, Y4, Y13; \
	VUNPCKLPS Y7, Y6, Y14; \
	VUNPCKHPS Y7, Y6, Y6; \
	VSHUFPS $0x44, Y10, Y8, Y0; \
	VSHUFPS $0xEE, Y10, Y8, Y1; \
	VSHUFPS $0x44, Y11, Y9, Y2; \
	VSHUFPS $0xEE, Y11, Y9, Y3; \
	VSHUFPS $0x44, Y14, Y12, Y4; \
	VSHUFPS $0xEE, Y14, Y12, Y5; \
	VSHUFPS $0x44, Y6, Y13, Y7; \
	VSHUFPS $0xEE, Y6, Y13, Y8; \
	VPERM2F128 $0x20, Y4, Y0, Y9; \
	VMOVUPS Y9, (XBUF+0)(R11); \
	VPSLLD $1, Y9, Y10; \
	VPMAXUD Y10, Y15, Y15; \
	VPERM2F128 $0x31, Y4, Y0, Y9; \
	VMOVUPS Y9, (XBUF+128)(R11); \
	VPSLLD $1, Y9, Y10; \
	VPMAXUD Y10, Y15, Y15; \
	VPERM2F128 $0x20, Y5, Y1, Y9; \
	VMOVUPS Y9, (XBUF+32)(R11); \
	VPSLLD $1, Y9, Y10; \
	VPMAXUD Y10, Y15, Y15; \
	VPERM2F128 $0x31, Y5, Y1, Y9; \
	VMOVUPS Y9, (XBUF+160)(R11); \
	VPSLLD $1, Y9, Y10; \
	VPMAXUD Y10, Y15, Y15; \
	VPERM2F128 $0x20, Y7, Y2, Y9; \
	VMOVUPS Y9, (XBUF+64)(R11); \
	VPSLLD $1, Y9, Y10; \
	VPMAXUD Y10, Y15, Y15; \
	VPERM2F128 $0x31, Y7, Y2, Y9; \
	VMOVUPS Y9, (XBUF+192)(R11); \
	VPSLLD $1, Y9, Y10; \
	VPMAXUD Y10, Y15, Y15; \
	VPERM2F128 $0x20, Y8, Y3, Y9; \
	VMOVUPS Y9, (XBUF+96)(R11); \
	VPSLLD $1, Y9, Y10; \
	VPMAXUD Y10, Y15, Y15; \
	VPERM2F128 $0x31, Y8, Y3, Y9; \
	VMOVUPS Y9, (XBUF+224)(R11); \
	VPSLLD $1, Y9, Y10; \
	VPMAXUD Y10, Y15, Y15; \
	CMPQ E+56(FP), $8; \
	JBE  cols8; \
	/* rows whose half is complete (E >= 16): plain loads */ \
	CMPQ E+56(FP), $16; \
	JB   hm1; \
	VMOVUPS 32(AX), Y0; \
	VMOVUPS 32(AX)(BX*1), Y1; \
	VMOVUPS 32(AX)(BX*2), Y2; \
	VMOVUPS 32(AX)(CX*1), Y3; \
	VMOVUPS 32(DX), Y4; \
	VMOVUPS 32(DX)(BX*1), Y5; \
	VMOVUPS 32(DX)(BX*2), Y6; \
	VMOVUPS 32(DX)(CX*1), Y7; \
	JMP  ht1; \
hm1: \
	VMOVDQU MASK1(SP), Y8; \
	VMASKMOVPS 32(AX), Y8, Y0; \
	VMASKMOVPS 32(AX)(BX*1), Y8, Y1; \
	VMASKMOVPS 32(AX)(BX*2), Y8, Y2; \
	VMASKMOVPS 32(AX)(CX*1), Y8, Y3; \
	VMASKMOVPS 32(DX), Y8, Y4; \
	VMASKMOVPS 32(DX)(BX*1), Y8, Y5; \
	VMASKMOVPS 32(DX)(BX*2), Y8, Y6; \
	VMASKMOVPS 32(DX)(CX*1), Y8, Y7; \
ht1: \
	VUNPCKLPS Y1, Y0, Y8; \
	VUNPCKHPS Y1, Y0, Y9; \
	VUNPCKLPS Y3, Y2, Y10; \
	VUNPCKHPS Y3, Y2, Y11; \
	VUNPCKLPS Y5, Y4, Y12; \
	VUNPCKHPS Y5, Y4, Y13; \
	VUNPCKLPS Y7, Y6, Y14; \
	VUNPCKHPS Y7, Y6, Y6; \
	VSHUFPS $0x44, Y10, Y8, Y0; \
	VSHUFPS $0xEE, Y10, Y8, Y1; \
	VSHUFPS $0x44, Y11, Y9, Y2; \
	VSHUFPS $0xEE, Y11, Y9, Y3; \
	VSHUFPS $0x44, Y14, Y12, Y4; \
	VSHUFPS $0xEE, Y14, Y12, Y5; \
	VSHUFPS $0x44, Y6, Y13, Y7; \
	VSHUFPS $0xEE, Y6, Y13, Y8; \
	VPERM2F128 $0x20, Y4, Y0, Y9; \
	VMOVUPS Y9, (XBUF+256)(R11); \
	VPSLLD $1, Y9, Y10; \
	VPMAXUD Y10, Y15, Y15; \
	VPERM2F128 $0x31, Y4, Y0, Y9; \
	VMOVUPS Y9, (XBUF+384)(R11); \
	VPSLLD $1, Y9, Y10; \
	VPMAXUD Y10, Y15, Y15; \
	VPERM2F128 $0x20, Y5, Y1, Y9; \
	VMOVUPS Y9, (XBUF+288)(R11); \
	VPSLLD $1, Y9, Y10; \
	VPMAXUD Y10, Y15, Y15; \
	VPERM2F128 $0x31, Y5, Y1, Y9; \
	VMOVUPS Y9, (XBUF+416)(R11); \
	VPSLLD $1, Y9, Y10; \
	VPMAXUD Y10, Y15, Y15; \
	VPERM2F128 $0x20, Y7, Y2, Y9; \
	VMOVUPS Y9, (XBUF+320)(R11); \
	VPSLLD $1, Y9, Y10; \
	VPMAXUD Y10, Y15, Y15; \
	VPERM2F128 $0x31, Y7, Y2, Y9; \
	VMOVUPS Y9, (XBUF+448)(R11); \
	VPSLLD $1, Y9, Y10; \
	VPMAXUD Y10, Y15, Y15; \
	VPERM2F128 $0x20, Y8, Y3, Y9; \
	VMOVUPS Y9, (XBUF+352)(R11); \
	VPSLLD $1, Y9, Y10; \
	VPMAXUD Y10, Y15, Y15; \
	VPERM2F128 $0x31, Y8, Y3, Y9; \
	VMOVUPS Y9, (XBUF+480)(R11); \
	VPSLLD $1, Y9, Y10; \
	VPMAXUD Y10, Y15, Y15; \
cols8: \
	VMOVDQU VALIDV(R11), Y13; \
	VMOVDQA Y15, Y12; \
	MOVL $0xFF000000, AX; \
	VMOVQ AX, X1; \
	VPBROADCASTD X1, Y1; \
	VPMAXUD Y1, Y12, Y2; \
	VPCMPEQD Y2, Y12, Y2 /* bad: acc >= 0xFF000000 (tail lanes: acc = 0) */; \
	VMOVDQU Y2, BADV(R11); \
	VPANDN Y13, Y2, Y3 /* good = valid &^ bad */; \
	VMOVDQU Y3, GOODV(R11); \
	VMOVMSKPS Y2, AX; \
	TESTL AX, AX; \
	JZ    phaseB; \
	TESTQ R13, R13; \
	JNS   phaseB; \
	BSFL  AX, AX; \
	LEAQ  (R9)(AX*1), R13
