//go:build gc && !purego

package asm

// The switch that picks an arm64 kernel for each operation (kernels.go
// lists them with their Go twins; kernels_amd64.go has the same wrappers).
// Slices are non-empty.

func kSigmoid(impl Impl, dst, sig, x, bias []float32) bool {
	sp, bp := sigBias(sig, bias, len(x))
	if impl == NEON {
		return sigmoidNEON(&dst[0], sp, &x[0], bp, len(x))
	}
	return sigmoidGo(dst, sig, x, bias)
}

func kSqrtSoftplus(impl Impl, dst, sig, x, bias []float32) bool {
	sp, bp := sigBias(sig, bias, len(x))
	if impl == NEON {
		return sqrtSoftplusNEON(&dst[0], sp, &x[0], bp, len(x))
	}
	return sqrtSoftplusGo(dst, sig, x, bias)
}

func kMax(impl Impl, x []float32) (float32, bool) {
	if impl == NEON {
		return maxNEON(&x[0], len(x))
	}
	return maxGo(x)
}

func kExpSum(impl Impl, dst, x []float32, m float32) float32 {
	dst = dst[:len(x)]
	if impl == NEON {
		return expSumNEON(&dst[0], &x[0], len(x), m)
	}
	return SoftmaxSum(x, m, dst)
}

func kDivBias(impl Impl, dst, bias []float32, S float32) {
	_, bp := sigBias(nil, bias, len(dst))
	if impl == NEON {
		divBiasNEON(&dst[0], bp, len(dst), S)
		return
	}
	divBiasGo(dst, bias, S)
}

func kGroupScores(impl Impl, gsc, second, sel []float32, gs int, gmax bool) {
	var sp *float32
	if second != nil {
		sp = &second[:len(gsc)][0]
	}
	if impl == NEON {
		groupScoresNEON(&gsc[0], sp, &sel[0], len(gsc), gs, gmax)
		return
	}
	groupScoresGo(gsc, second, sel, gs, gmax)
}

// kGroupsSmall: no NEON kernel fuses the group choice.
func kGroupsSmall(impl Impl, gt []uint64, gsc, second, sel []float32, gs, mode int) (float32, bool) {
	return 0, false
}

// kTopK is topKFloor with the scan in NEON assembly (insertion behind a
// vector filter, K <= 32; the Go heap beyond, as topKFloor itself does).
// The NEON kernel takes no floor (it only saves work; the final top is the
// same) and does not check for NaN: callers check the row first.
func kTopK(impl Impl, top []uint64, n int, vals []float32, base int, floor float32) int {
	if impl != NEON || len(top) > 32 {
		return topKFloor(top, n, vals, base, floor)
	}
	return topKNEON(&top[0], n, len(top), &vals[0], len(vals), base)
}

func kTopKIDs(impl Impl, top []uint64, vals []float32, ids []int32) bool {
	if impl != NEON {
		return topKIDsGo(top, vals, ids)
	}
	if _, bad := maxNEON(&vals[0], len(vals)); bad {
		return false
	}
	kTopK(impl, top, 0, vals, 0, negInf)
	for j, key := range top {
		ids[j] = int32(KeyIndex(key))
	}
	return true
}

// kTopKGroupList: no NEON kernel walks the kept groups in one call.
func kTopKGroupList(impl Impl, top []uint64, sel []float32, gs int, floor float32, gt []uint64, ids []int32) (ok, idsDone bool) {
	return false, false
}

func kWeights(impl Impl, w []float32, ids []int32, row []float32, load []int64, mode int, m, S, scale float32) bool {
	if impl == NEON && load != nil {
		weightsNEON(&w[0], &ids[0], &row[0], &load[0], len(ids), mode, m, S, scale)
		return true
	}
	weightsGo(w, ids, row, load, mode, m, S, scale)
	return true
}

// kWeightsBlock: no NEON kernel (hasWeightsBlock is false).
func kWeightsBlock(impl Impl, w []float32, ids []int32, x []float32, stride int, load []int64, T, k int, badBits uint64, scale float32) bool {
	return false
}

func hasWeightsBlock(impl Impl) bool { return false }

func hasGroupsSmall(impl Impl) bool   { return false }
func hasTopKGroupList(impl Impl) bool { return false }
