//go:build gc && !purego

package asm

// The switch that picks an amd64 kernel for each operation (kernels.go
// lists them with their Go twins). Each wrapper switches on impl per call:
// function variables would defeat escape analysis. Slices are non-empty.

func kSigmoid(impl Impl, dst, sig, x, bias []float32) bool {
	sp, bp := sigBias(sig, bias, len(x))
	switch impl {
	case AVX512:
		return sigmoidAVX512(&dst[0], sp, &x[0], bp, len(x))
	case AVX2:
		return sigmoidAVX2(&dst[0], sp, &x[0], bp, len(x))
	}
	return sigmoidGo(dst, sig, x, bias)
}

func kSqrtSoftplus(impl Impl, dst, sig, x, bias []float32) bool {
	sp, bp := sigBias(sig, bias, len(x))
	switch impl {
	case AVX512:
		return sqrtSoftplusAVX512(&dst[0], sp, &x[0], bp, len(x))
	case AVX2:
		return sqrtSoftplusAVX2(&dst[0], sp, &x[0], bp, len(x))
	}
	return sqrtSoftplusGo(dst, sig, x, bias)
}

func kMax(impl Impl, x []float32) (float32, bool) {
	switch impl {
	case AVX512:
		return maxAVX512(&x[0], len(x))
	case AVX2:
		return maxAVX2(&x[0], len(x))
	}
	return maxGo(x)
}

func kExpSum(impl Impl, dst, x []float32, m float32) float32 {
	dst = dst[:len(x)]
	switch impl {
	case AVX512:
		return expSumAVX512(&dst[0], &x[0], len(x), m)
	case AVX2:
		return expSumAVX2(&dst[0], &x[0], len(x), m)
	}
	return SoftmaxSum(x, m, dst)
}

func kDivBias(impl Impl, dst, bias []float32, S float32) {
	_, bp := sigBias(nil, bias, len(dst))
	switch impl {
	case AVX512:
		divBiasAVX512(&dst[0], bp, len(dst), S)
	case AVX2:
		divBiasAVX2(&dst[0], bp, len(dst), S)
	default:
		divBiasGo(dst, bias, S)
	}
}

func kGroupScores(impl Impl, gsc, second, sel []float32, gs int, gmax bool) {
	var sp *float32
	if second != nil {
		sp = &second[:len(gsc)][0]
	}
	switch impl {
	case AVX512:
		groupScoresAVX512(&gsc[0], sp, &sel[0], len(gsc), gs, gmax)
	case AVX2:
		groupScoresAVX2(&gsc[0], sp, &sel[0], len(gsc), gs, gmax)
	default:
		groupScoresGo(gsc, second, sel, gs, gmax)
	}
}

// kGroupsSmall: groups <= 8 in one call (groups<ISA>: every group's score,
// the kept groups' keys into gt, and with mode bit 1 the floor of
// groupsFloor); ok false where impl has no such kernel. gt has capacity 8.
func kGroupsSmall(impl Impl, gt []uint64, gsc, second, sel []float32, gs, mode int) (floor float32, ok bool) {
	switch impl {
	case AVX512:
		return groupsAVX512(&gt[:8][0], &gsc[0], &second[0], &sel[0], len(gsc), gs, len(gt), mode), true
	case AVX2:
		return groupsAVX2(&gt[:8][0], &gsc[0], &second[0], &sel[0], len(gsc), gs, len(gt), mode), true
	}
	return 0, false
}

// kTopK is topKFloor with the candidate scan in assembly (K <= 32; the Go
// heap beyond, as topKFloor itself does). For K <= 32 it returns -1 when
// vals holds a NaN or an infinity (top is then garbage). Values below
// floor are skipped, so with a floor the intermediate count may differ
// from topK's; the final top is the same.
func kTopK(impl Impl, top []uint64, n int, vals []float32, base int, floor float32) int {
	k := len(top)
	if k > 32 || impl != AVX512 && impl != AVX2 {
		return topKFloor(top, n, vals, base, floor)
	}
	if impl == AVX512 {
		if k <= 8 {
			return topk8AVX512(&top[0], n, k, &vals[0], len(vals), base, prepassLanes(k), floor, nil, 0, nil)
		}
		return topk32AVX512(&top[0], n, k, &vals[0], len(vals), base, topk32Pre(n, k, len(vals)), floor, nil)
	}
	if k <= 8 {
		return topk8AVX2(&top[0], n, k, &vals[0], len(vals), base, prepassLanes(k), floor, nil, 0)
	}
	return topk32AVX2(&top[0], n, k, &vals[0], len(vals), base, topk32Pre(n, k, len(vals)), floor, nil)
}

// kTopKIDs is topKIDsGo: the K largest keys of vals into an empty (zero) top,
// their indices into ids, false when vals holds a NaN or an infinity (K >
// 32: the Go heap, which does not check; callers check first). AVX512 with
// K = 8 and topk32<ISA> write the ids in the kernel.
func kTopKIDs(impl Impl, top []uint64, vals []float32, ids []int32) bool {
	k := len(top)
	ids = ids[:k]
	switch {
	case impl == AVX512 && k == 8:
		return topk8AVX512(&top[0], 0, 8, &vals[0], len(vals), 0, prepassLanes(8), negInf, nil, 0, &ids[0]) >= 0
	case impl == AVX512 && k > 8 && k <= 32:
		return topk32AVX512(&top[0], 0, k, &vals[0], len(vals), 0, topk32Pre(0, k, len(vals)), negInf, &ids[0]) >= 0
	case impl == AVX2 && k > 8 && k <= 32:
		return topk32AVX2(&top[0], 0, k, &vals[0], len(vals), 0, topk32Pre(0, k, len(vals)), negInf, &ids[0]) >= 0
	case impl != AVX512 && impl != AVX2:
		return topKIDsGo(top, vals, ids)
	}
	if kTopK(impl, top, 0, vals, 0, negInf) < 0 {
		return false
	}
	for j, key := range top {
		ids[j] = int32(KeyIndex(key))
	}
	return true
}

// kTopKGroupList: K <= 8, the top-K over every kept group (gt, groups of
// gs values of sel) in one call, with the floor; ok false where impl has
// no such kernel. idsDone: the kernel wrote the ids too (AVX512, K = 8).
// top is cleared.
func kTopKGroupList(impl Impl, top []uint64, sel []float32, gs int, floor float32, gt []uint64, ids []int32) (ok, idsDone bool) {
	k := len(top)
	if k > 8 {
		return false, false
	}
	switch impl {
	case AVX512:
		var idp *int32
		if k == 8 {
			idp, idsDone = &ids[:8][0], true
		}
		topk8AVX512(&top[0], 0, k, &sel[0], gs, 0, 0, floor, &gt[0], len(gt), idp)
		return true, idsDone
	case AVX2:
		topk8AVX2(&top[0], 0, k, &sel[0], gs, 0, 0, floor, &gt[0], len(gt))
		return true, false
	}
	return false, false
}

// kWeights: one token's weights and load counts by the mode bits (see
// wSoftmax; weightsGo is the twin); ok false where impl has no kernel for
// K = len(ids) (AVX2: K > 8; AVX512: K > 32).
func kWeights(impl Impl, w []float32, ids []int32, row []float32, load []int64, mode int, m, S, scale float32) bool {
	k := len(ids)
	var lp *int64
	if load != nil {
		lp = &load[0]
	}
	switch {
	case impl == AVX512 && k <= 8:
		weights8AVX512(&w[0], &ids[0], &row[0], lp, k, mode, m, S, scale)
	case impl == AVX512 && k <= 32:
		weights32AVX512(&w[0], &ids[0], &row[0], lp, k, mode, m, S, scale)
	case impl == AVX2 && k <= 8:
		weights8AVX2(&w[0], &ids[0], &row[0], lp, k, mode, m, S, scale)
	case impl == AVX512 || impl == AVX2:
		return false
	default:
		weightsGo(w, ids, row, load, mode, m, S, scale)
	}
	return true
}

// kWeightsBlock: the weights and load counts of T tokens of softmax plans
// with logit selection and Normalize (NormEps), K <= 8: per good token
// (bad: bit t of badBits) kWeights' mode wSoftmax|wNorm with m =
// row[ids[0]]; in one call, so that the tokens' exponential chains
// overlap. ok false where impl has no such kernel.
func kWeightsBlock(impl Impl, w []float32, ids []int32, x []float32, stride int, load []int64, T, k int, badBits uint64, scale float32) bool {
	switch impl {
	case AVX512:
		weightsSoftmaxNAVX512(&w[0], &ids[0], &x[0], stride, &load[0], T, k, badBits, scale)
	case AVX2:
		weightsSoftmaxNAVX2(&w[0], &ids[0], &x[0], stride, &load[0], T, k, badBits, scale)
	default:
		return false
	}
	return true
}

// hasWeightsBlock reports whether kWeightsBlock has a kernel for impl.
func hasWeightsBlock(impl Impl) bool { return impl == AVX512 || impl == AVX2 }

// prepassLanes is the number of disjoint subsets whose maxima bound the
// k-th largest value from below in the k <= 8 kernels: the smallest power
// of two >= k.
func prepassLanes(k int) int {
	l := 1
	for l < k {
		l *= 2
	}
	return l
}

// topk32Pre: whether topk32<ISA> runs its pre-pass for n keys held, k
// wanted, nv values: not for a full top (its k-th key is the bound) nor
// for nv <= 16, where the sort of the subset maxima costs more than the
// candidates it saves (BenchmarkTopK32AMD64 16/9: 69 ns with, 52 without
// on AVX512; 32/9 and up gain or break even).
func topk32Pre(n, k, nv int) int {
	if n < k && nv > 16 {
		return 1
	}
	return 0
}

// hasGroupsSmall and hasTopKGroupList report whether kGroupsSmall and
// kTopKGroupList have a kernel for impl (decided once per call).
func hasGroupsSmall(impl Impl) bool   { return impl == AVX512 || impl == AVX2 }
func hasTopKGroupList(impl Impl) bool { return impl == AVX512 || impl == AVX2 }
