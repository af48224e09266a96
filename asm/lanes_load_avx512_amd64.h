// Phase A of lanesAVX512 (lanes_avx512_amd64.s): a block's rows loaded,
// transposed to one vector per expert, and checked for non-finite values.
//
// Included only by lanes_avx512_amd64.s: the macros use its frame layout
// (XBUF, SELBUF, SBUF, VBUF, IBUF, WBUF, BADK, NSET of the buffer set at R11;
// ROWBUF, CNT), its table lanes16<> and its register map: DI = ids out,
// SI = w out, R9 = t0 (the block's first token), R10 = x of the block,
// R11 = the block's buffer set, R12 = K, R13 = first bad token (-1: none);
// Z16-Z31 = LOAD_CONSTS_AVX512 (exp_amd64.h), Z11 = int 1, Z12 = lane
// index 0..15, Z13 = 0xFF000000 in every lane (set by LANES_AVX512_LOAD).
// Reads: what the stage takes; writes: what it leaves for the next stages;
// clobbers: what it overwrites besides. Vectors are one per expert or per
// slot, one token per lane (16 tokens).

// LANES_AVX512_LOAD(phaseB): phase A, the block at R9/R10 into buffer set
// R11. Continues at phaseB (which must follow).
// Reads: T, stride, E (arguments), R9, R10, R11, R13; the rows of the
// block: E floats each, masked loads (nothing past a row's E floats is
// read); the last block (n < 16 tokens) first copies its n rows to rowbuf
// (rows n..15 zero), so that no row past the last token is read.
// Writes: NSET(R11) = n = min(T - t0, 16); K7 = the block's n lanes;
// xbuf[e] (e < 8, or e < 16 when E > 8) = expert e's logits of the 16
// tokens (the rows transposed by unpck ps/pd and VSHUFF32X4; elements
// past E are +0); K6 = BADK(R11) = the lanes whose row has a non-finite
// logit (|x| bits >= 0x7F800000: shifted left, >= 0xFF000000), K5 = K7 &^
// K6 (good lanes); R13 = t0 + the first bad lane, if R13 was -1.
// Clobbers: AX, BX, CX, DX, K1, Z0-Z15, Z28-Z31; restores Z30 = sign bit,
// Z31 = -Inf (LOAD_CONSTS_AVX512), Z11 = int 1, Z12 = lane index, Z13 =
// 0xFF000000; Z14 = the bits collected for the test.
// Twin: badRow (route_generic.go): a token with any non-finite logit.
#define LANES_AVX512_LOAD(phaseB) \
	MOVQ T+40(FP), CX; \
	SUBQ R9, CX; \
	MOVL $0xFFFF, AX; \
	CMPQ CX, $16; \
	JAE  setk; \
	MOVQ CX, NSET(R11); \
	MOVL $1, AX; \
	SHLL CX, AX; \
	DECL AX; \
	JMP  setk1; \
setk: \
	MOVQ $16, NSET(R11); \
setk1: \
	KMOVW AX, K7; \
	/* Phase A: rows t of the block (E floats each, masked loads) into */ \
	/* Z0-Z15, transposed to columns (expert e's logits of the 16 tokens) */ \
	/* into xbuf, checked for non-finite values. The last block (n < 16) */ \
	/* first copies its n rows to rowbuf (rows n..15 zero), so that no row */ \
	/* past the last token is read. */ \
	MOVQ stride+48(FP), BX; \
	SHLQ $2, BX; \
	MOVQ R10, AX; \
	MOVQ E+56(FP), CX; \
	MOVL $1, DX; \
	SHLL CX, DX; \
	DECL DX; \
	KMOVW DX, K1 /* K1 = first E lanes */; \
	MOVQ T+40(FP), CX; \
	SUBQ R9, CX; \
	CMPQ CX, $16; \
	JAE  rows; \
	LEAQ ROWBUF(SP), DX; \
	VPXORD Z1, Z1, Z1; \
rowcp: \
	VMOVUPS.Z (AX), K1, Z0; \
	VMOVUPS Z0, (DX); \
	ADDQ BX, AX; \
	ADDQ $64, DX; \
	DECQ CX; \
	JNZ  rowcp; \
	LEAQ (ROWBUF+1024)(SP), CX; \
rowz: \
	CMPQ DX, CX; \
	JAE  rowsbuf; \
	VMOVUPS Z1, (DX); \
	ADDQ $64, DX; \
	JMP  rowz; \
rowsbuf: \
	LEAQ ROWBUF(SP), AX; \
	MOVQ $64, BX; \
rows: \
	LEAQ (BX)(BX*2), CX; \
	VMOVUPS.Z (AX), K1, Z0; \
	VMOVUPS.Z (AX)(BX*1), K1, Z1; \
	VMOVUPS.Z (AX)(BX*2), K1, Z2; \
	VMOVUPS.Z (AX)(CX*1), K1, Z3; \
	LEAQ (AX)(BX*4), AX; \
	VMOVUPS.Z (AX), K1, Z4; \
	VMOVUPS.Z (AX)(BX*1), K1, Z5; \
	VMOVUPS.Z (AX)(BX*2), K1, Z6; \
	VMOVUPS.Z (AX)(CX*1), K1, Z7; \
	LEAQ (AX)(BX*4), AX; \
	VMOVUPS.Z (AX), K1, Z8; \
	VMOVUPS.Z (AX)(BX*1), K1, Z9; \
	VMOVUPS.Z (AX)(BX*2), K1, Z10; \
	VMOVUPS.Z (AX)(CX*1), K1, Z11; \
	LEAQ (AX)(BX*4), AX; \
	VMOVUPS.Z (AX), K1, Z12; \
	VMOVUPS.Z (AX)(BX*1), K1, Z13; \
	VMOVUPS.Z (AX)(BX*2), K1, Z14; \
	VMOVUPS.Z (AX)(CX*1), K1, Z15; \
	/* stage 1: Z2p = unpcklps(row 2p, row 2p+1), Z2p+1 = unpckhps */ \
	VUNPCKHPS Z1, Z0, Z28; \
	VUNPCKLPS Z1, Z0, Z0; \
	VMOVAPS Z28, Z1; \
	VUNPCKHPS Z3, Z2, Z28; \
	VUNPCKLPS Z3, Z2, Z2; \
	VMOVAPS Z28, Z3; \
	VUNPCKHPS Z5, Z4, Z28; \
	VUNPCKLPS Z5, Z4, Z4; \
	VMOVAPS Z28, Z5; \
	VUNPCKHPS Z7, Z6, Z28; \
	VUNPCKLPS Z7, Z6, Z6; \
	VMOVAPS Z28, Z7; \
	VUNPCKHPS Z9, Z8, Z28; \
	VUNPCKLPS Z9, Z8, Z8; \
	VMOVAPS Z28, Z9; \
	VUNPCKHPS Z11, Z10, Z28; \
	VUNPCKLPS Z11, Z10, Z10; \
	VMOVAPS Z28, Z11; \
	VUNPCKHPS Z13, Z12, Z28; \
	VUNPCKLPS Z13, Z12, Z12; \
	VMOVAPS Z28, Z13; \
	VUNPCKHPS Z15, Z14, Z28; \
	VUNPCKLPS Z15, Z14, Z14; \
	VMOVAPS Z28, Z15; \
	/* stage 2: Z4g+k = rows 4g..4g+3 of element 4L+k in 128-bit lane L */ \
	VUNPCKHPD Z2, Z0, Z28; \
	VUNPCKLPD Z2, Z0, Z0; \
	VUNPCKHPD Z3, Z1, Z29; \
	VUNPCKLPD Z3, Z1, Z2; \
	VMOVAPD Z28, Z1; \
	VMOVAPD Z29, Z3; \
	VUNPCKHPD Z6, Z4, Z28; \
	VUNPCKLPD Z6, Z4, Z4; \
	VUNPCKHPD Z7, Z5, Z29; \
	VUNPCKLPD Z7, Z5, Z6; \
	VMOVAPD Z28, Z5; \
	VMOVAPD Z29, Z7; \
	VUNPCKHPD Z10, Z8, Z28; \
	VUNPCKLPD Z10, Z8, Z8; \
	VUNPCKHPD Z11, Z9, Z29; \
	VUNPCKLPD Z11, Z9, Z10; \
	VMOVAPD Z28, Z9; \
	VMOVAPD Z29, Z11; \
	VUNPCKHPD Z14, Z12, Z28; \
	VUNPCKLPD Z14, Z12, Z12; \
	VUNPCKHPD Z15, Z13, Z29; \
	VUNPCKLPD Z15, Z13, Z14; \
	VMOVAPD Z28, Z13; \
	VMOVAPD Z29, Z15; \
	/* stages 3-4: column 4L+k takes lane L of Zk, Z4+k, Z8+k, Z12+k; acc */ \
	/* (Z31 until restored) collects the shifted bits for the bad-row test */ \
	VPXORD Z31, Z31, Z31; \
	VSHUFF32X4 $0x44, Z4, Z0, Z28; \
	VSHUFF32X4 $0x44, Z12, Z8, Z29; \
	VSHUFF32X4 $0x88, Z29, Z28, Z30; \
	VMOVUPS Z30, (XBUF+0)(R11); \
	VPSLLD $1, Z30, Z30; \
	VPMAXUD Z30, Z31, Z31; \
	VSHUFF32X4 $0xDD, Z29, Z28, Z30; \
	VMOVUPS Z30, (XBUF+256)(R11); \
	VPSLLD $1, Z30, Z30; \
	VPMAXUD Z30, Z31, Z31; \
	VSHUFF32X4 $0x44, Z5, Z1, Z28; \
	VSHUFF32X4 $0x44, Z13, Z9, Z29; \
	VSHUFF32X4 $0x88, Z29, Z28, Z30; \
	VMOVUPS Z30, (XBUF+64)(R11); \
	VPSLLD $1, Z30, Z30; \
	VPMAXUD Z30, Z31, Z31; \
	VSHUFF32X4 $0xDD, Z29, Z28, Z30; \
	VMOVUPS Z30, (XBUF+320)(R11); \
	VPSLLD $1, Z30, Z30; \
	VPMAXUD Z30, Z31, Z31; \
	VSHUFF32X4 $0x44, Z6, Z2, Z28; \
	VSHUFF32X4 $0x44, Z14, Z10, Z29; \
	VSHUFF32X4 $0x88, Z29, Z28, Z30; \
	VMOVUPS Z30, (XBUF+128)(R11); \
	VPSLLD $1, Z30, Z30; \
	VPMAXUD Z30, Z31, Z31; \
	VSHUFF32X4 $0xDD, Z29, Z28, Z30; \
	VMOVUPS Z30, (XBUF+384)(R11); \
	VPSLLD $1, Z30, Z30; \
	VPMAXUD Z30, Z31, Z31; \
	VSHUFF32X4 $0x44, Z7, Z3, Z28; \
	VSHUFF32X4 $0x44, Z15, Z11, Z29; \
	VSHUFF32X4 $0x88, Z29, Z28, Z30; \
	VMOVUPS Z30, (XBUF+192)(R11); \
	VPSLLD $1, Z30, Z30; \
	VPMAXUD Z30, Z31, Z31; \
	VSHUFF32X4 $0xDD, Z29, Z28, Z30; \
	VMOVUPS Z30, (XBUF+448)(R11); \
	VPSLLD $1, Z30, Z30; \
	VPMAXUD Z30, Z31, Z31; \
	CMPQ E+56(FP), $8; \
	JBE  cols8; \
	VSHUFF32X4 $0xEE, Z4, Z0, Z28; \
	VSHUFF32X4 $0xEE, Z12, Z8, Z29; \
	VSHUFF32X4 $0x88, Z29, Z28, Z30; \
	VMOVUPS Z30, (XBUF+512)(R11); \
	VPSLLD $1, Z30, Z30; \
	VPMAXUD Z30, Z31, Z31; \
	VSHUFF32X4 $0xDD, Z29, Z28, Z30; \
	VMOVUPS Z30, (XBUF+768)(R11); \
	VPSLLD $1, Z30, Z30; \
	VPMAXUD Z30, Z31, Z31; \
	VSHUFF32X4 $0xEE, Z5, Z1, Z28; \
	VSHUFF32X4 $0xEE, Z13, Z9, Z29; \
	VSHUFF32X4 $0x88, Z29, Z28, Z30; \
	VMOVUPS Z30, (XBUF+576)(R11); \
	VPSLLD $1, Z30, Z30; \
	VPMAXUD Z30, Z31, Z31; \
	VSHUFF32X4 $0xDD, Z29, Z28, Z30; \
	VMOVUPS Z30, (XBUF+832)(R11); \
	VPSLLD $1, Z30, Z30; \
	VPMAXUD Z30, Z31, Z31; \
	VSHUFF32X4 $0xEE, Z6, Z2, Z28; \
	VSHUFF32X4 $0xEE, Z14, Z10, Z29; \
	VSHUFF32X4 $0x88, Z29, Z28, Z30; \
	VMOVUPS Z30, (XBUF+640)(R11); \
	VPSLLD $1, Z30, Z30; \
	VPMAXUD Z30, Z31, Z31; \
	VSHUFF32X4 $0xDD, Z29, Z28, Z30; \
	VMOVUPS Z30, (XBUF+896)(R11); \
	VPSLLD $1, Z30, Z30; \
	VPMAXUD Z30, Z31, Z31; \
	VSHUFF32X4 $0xEE, Z7, Z3, Z28; \
	VSHUFF32X4 $0xEE, Z15, Z11, Z29; \
	VSHUFF32X4 $0x88, Z29, Z28, Z30; \
	VMOVUPS Z30, (XBUF+704)(R11); \
	VPSLLD $1, Z30, Z30; \
	VPMAXUD Z30, Z31, Z31; \
	VSHUFF32X4 $0xDD, Z29, Z28, Z30; \
	VMOVUPS Z30, (XBUF+960)(R11); \
	VPSLLD $1, Z30, Z30; \
	VPMAXUD Z30, Z31, Z31; \
cols8: \
	VMOVAPS Z31, Z14; \
	VBROADCASTSS consts<>+C_SIGN(SB), Z30; \
	VBROADCASTSS consts<>+C_NEGINF(SB), Z31; \
	VPTERNLOGD $0xff, Z11, Z11, Z11; \
	VPSRLD $31, Z11, Z11; \
	VMOVDQU32 lanes16<>+IOTA(SB), Z12; \
	MOVL $0xFF000000, AX; \
	VPBROADCASTD AX, Z13; \
	VPCMPUD $5, Z13, Z14, K7, K6 /* K6 = block lanes with acc >= 0xFF000000 */; \
	KANDNW K7, K6, K5 /* K5 = K7 &^ K6 */; \
	KMOVW K6, BADK(R11); \
	KMOVW K6, AX; \
	TESTL AX, AX; \
	JZ    phaseB; \
	TESTQ R13, R13; \
	JNS   phaseB; \
	BSFL  AX, AX; \
	LEAQ  (R9)(AX*1), R13
