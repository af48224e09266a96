//go:build gc && !purego

package asm

// The amd64 kernels (scores_, groups_, weights_, topk8_ and
// lanes_<isa>_amd64.s). Each stub names its Go twin, whose bits it
// returns; kernels_amd64.go calls them with the slices the twins take
// (n = len(x), nil pointers where the twin takes a nil slice). The .s
// headers give the register maps and the preconditions.

// sigmoidAVX2, sigmoidAVX512: sigmoidGo(dst, sig, x, bias) on n floats:
//
//	for i := range x: dst[i] = Sigmoid(x[i]) (+ bias[i]); sig[i] = Sigmoid(x[i]) with a bias
//	bad = a NaN or an infinity in x
//
//go:noescape
func sigmoidAVX2(dst, sig, x, bias *float32, n int) (bad bool)

//go:noescape
func sigmoidAVX512(dst, sig, x, bias *float32, n int) (bad bool)

// maxAVX2, maxAVX512: maxGo(x): m = rowMax(x) (of -0 and +0 either),
// bad = a NaN or an infinity in x.
//
//go:noescape
func maxAVX2(x *float32, n int) (m float32, bad bool)

//go:noescape
func maxAVX512(x *float32, n int) (m float32, bad bool)

// expSumAVX2, expSumAVX512: sum = SoftmaxSum(x, m, dst): dst[i] =
// ExpNeg(x[i] - m), summed in SoftmaxSum's 16 striped lanes.
//
//go:noescape
func expSumAVX2(dst, x *float32, n int, m float32) (sum float32)

//go:noescape
func expSumAVX512(dst, x *float32, n int, m float32) (sum float32)

// divBiasAVX2, divBiasAVX512: divBiasGo(dst, bias, S): dst[i] = dst[i]/S
// (+ bias[i]).
//
//go:noescape
func divBiasAVX2(dst, bias *float32, n int, S float32)

//go:noescape
func divBiasAVX512(dst, bias *float32, n int, S float32)

// groupScoresAVX2, groupScoresAVX512: groupScoresGo(gsc, second, sel, gs,
// gmax) for groups groups: gsc[g], second[g] = groupScore(sel[g*gs:][:gs]).
//
//go:noescape
func groupScoresAVX2(gsc, second, sel *float32, groups, gs int, gmax bool)

//go:noescape
func groupScoresAVX512(gsc, second, sel *float32, groups, gs int, gmax bool)

// groupsAVX2, groupsAVX512 (groups <= 8): chooseGroups in one call: the
// group scores (and second bests) of groupScoresGo, the topGroups best
// group keys into gtop (8 stored), and with mode bit 1 the floor of
// kernelGroups (mode bit 0: GroupMax).
//
//go:noescape
func groupsAVX2(gtop *uint64, gsc, second, sel *float32, groups, gs, topGroups, mode int) (floor float32)

//go:noescape
func groupsAVX512(gtop *uint64, gsc, second, sel *float32, groups, gs, topGroups, mode int) (floor float32)

// topk8AVX2, topk8AVX512 (k <= 8): topKFloor(top[:k], n, vals[:nv], base,
// floor), or -1 for a NaN or an infinity in vals; with glist (ng group
// keys) the candidates are vals[g*nv:][:nv] for each group g of glist, as
// the pipeline's loop over the kept groups; lanes: the pre-pass width
// (prepassLanes; 0: none). topk8AVX512 with ids != nil (k = 8) also writes
// ids[j] = KeyIndex(top[j]).
//
//go:noescape
func topk8AVX2(top *uint64, n, k int, vals *float32, nv, base, lanes int, floor float32, glist *uint64, ng int) int

//go:noescape
func topk8AVX512(top *uint64, n, k int, vals *float32, nv, base, lanes int, floor float32, glist *uint64, ng int, ids *int32) int

// weights8AVX2, weights8AVX512 (k <= 8): weightsGo(w, ids, row, load,
// mode, m, S, scale): per j, u = row[ids[j]] (wGather), Sigmoid of it, or
// ExpNeg(it - m) (/ S); the NormEps normalisation (wNorm); w[j] = u *
// scale; load[ids[j]]++ (load may be nil).
//
//go:noescape
func weights8AVX2(w *float32, ids *int32, row *float32, load *int64, k, mode int, m, S, scale float32)

//go:noescape
func weights8AVX512(w *float32, ids *int32, row *float32, load *int64, k, mode int, m, S, scale float32)

// weightsSoftmaxNAVX2, weightsSoftmaxNAVX512 (k <= 8): for each of T
// tokens t (rows x[t*stride:], ids and w from t*k) whose bit in bad is
// clear, weights8's mode wSoftmax|wNorm with m = row[ids[0]], and the load.
//
//go:noescape
func weightsSoftmaxNAVX2(w *float32, ids *int32, x *float32, stride int, load *int64, T, k int, bad uint64, scale float32)

//go:noescape
func weightsSoftmaxNAVX512(w *float32, ids *int32, x *float32, stride int, load *int64, T, k int, bad uint64, scale float32)

// lanesAVX2, lanesAVX512 (Groups == 1, E <= 16, K <= 4): RouteGeneric on
// T tokens, one token per vector lane (mode: lanesSoftmax, lanesLogitSel,
// lanesNormalize); first = the first bad token or -1.
//
//go:noescape
func lanesAVX2(ids *int32, w *float32, load *int64, x, bias *float32, T, stride, E, K, mode int, scale float32) (first int)

func lanesAVX512(ids *int32, w *float32, load *int64, x, bias *float32, T, stride, E, K, mode int, scale float32) (first int)
