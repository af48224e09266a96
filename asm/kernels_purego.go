//go:build purego || !gc || !(amd64 || arm64)

package asm

// Without assembly every operation is its Go twin (kernels.go): the
// pipeline (pipeline.go) still builds and its tests run, on Go alone.

func kSigmoid(impl Impl, dst, sig, x, bias []float32) bool {
	return sigmoidGo(dst, sig, x, bias)
}

func kSqrtSoftplus(impl Impl, dst, sig, x, bias []float32) bool {
	return sqrtSoftplusGo(dst, sig, x, bias)
}

func kMax(impl Impl, x []float32) (float32, bool) { return maxGo(x) }

func kExpSum(impl Impl, dst, x []float32, m float32) float32 {
	return SoftmaxSum(x, m, dst[:len(x)])
}

func kDivBias(impl Impl, dst, bias []float32, S float32) { divBiasGo(dst, bias, S) }

func kGroupScores(impl Impl, gsc, second, sel []float32, gs int, gmax bool) {
	groupScoresGo(gsc, second, sel, gs, gmax)
}

func kGroupsSmall(impl Impl, gt []uint64, gsc, second, sel []float32, gs, mode int) (float32, bool) {
	return 0, false
}

func kTopK(impl Impl, top []uint64, n int, vals []float32, base int, floor float32) int {
	return topKFloor(top, n, vals, base, floor)
}

func kTopKIDs(impl Impl, top []uint64, vals []float32, ids []int32) bool {
	return topKIDsGo(top, vals, ids)
}

func kTopKGroupList(impl Impl, top []uint64, sel []float32, gs int, floor float32, gt []uint64, ids []int32) (ok, idsDone bool) {
	return false, false
}

func kWeights(impl Impl, w []float32, ids []int32, row []float32, load []int64, mode int, m, S, scale float32) bool {
	weightsGo(w, ids, row, load, mode, m, S, scale)
	return true
}

func kWeightsBlock(impl Impl, w []float32, ids []int32, x []float32, stride int, load []int64, T, k int, badBits uint64, scale float32) bool {
	return false
}

func hasWeightsBlock(impl Impl) bool { return false }

func hasGroupsSmall(impl Impl) bool   { return false }
func hasTopKGroupList(impl Impl) bool { return false }
