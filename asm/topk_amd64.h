// Macros shared by the amd64 top-K kernels (topk8_avx2_amd64.s,
// topk8_avx512_amd64.s).

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
