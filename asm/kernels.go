package asm

import "math"

// The operations of the per-token pipeline (pipeline.go), one prototype
// each for every implementation. kernels_amd64.go, kernels_arm64.go and
// kernels_purego.go define k<Op>(impl Impl, ...) with the prototype below:
// each holds only the switch that picks impl's kernel, and calls the Go
// twin here for Go (and for any impl the build has no kernel of). So a
// test of an operation calls k<Op>(impl, ...) for every impl of Available()
// and compares with k<Op>(Go, ...) (kernels_test.go): the twins are the
// registry, there is no second copy of their loops in the tests.
//
// Every twin is written from route_generic.go's own functions, in the
// float contract (DESIGN.md section 3): a kernel returns its bits exactly.
//
//	kSigmoid(impl, dst, sig, x, bias) bad         sigmoidGo
//	kSqrtSoftplus(impl, dst, sig, x, bias) bad    sqrtSoftplusGo
//	kMax(impl, x) (m, bad)                        maxGo
//	kExpSum(impl, dst, x, m) S                    SoftmaxSum
//	kDivBias(impl, dst, bias, S)                  divBiasGo
//	kGroupScores(impl, gsc, second, sel, gs, gmax) groupScoresGo
//	kTopK(impl, top, n, vals, base, floor) n       topKFloor
//	kTopKIDs(impl, top, vals, ids) ok              topKIDsGo
//	kWeights(impl, w, ids, row, load, mode, m, S, scale) ok   weightsGo
//
// bias, sig, second and load may be nil where a twin says so; every other
// slice is non-empty. Operations only some kernels fuse (the groups of a
// token in one call, the weights of a block of tokens) are k<Op> wrappers
// that report false where impl has no such kernel; the pipeline then
// composes the operations above.

// Mode bits of kWeights (the weights8 kernels' own).
const (
	wSoftmax = 1 // u = ExpNeg(row[id] - m); else Sigmoid(row[id])
	wDivS    = 2 // u = u / S (with wSoftmax)
	wNorm    = 4 // u = u / ((u[0]+...+u[k-1]) + 1e-20), left to right
	wGather  = 8 // u = row[id]: row holds the scores already
	// wNormSum: with wNorm, u = u / (u[0]+...+u[k-1]), the sum itself
	// (NormSum); a sum of 0 gives NaN weights (0/0), which the pipeline
	// mends to the reference's 0 (mendNormSum).
	wNormSum = 16
)

// sigmoidGo: dst[i] = Sigmoid(x[i]) (+ bias[i]); with a bias and sig not
// nil also sig[i] = Sigmoid(x[i]). It reports whether x holds a NaN or an
// infinity (dst and sig are then unspecified). dst may be x.
func sigmoidGo(dst, sig, x, bias []float32) bool {
	if badRow(x) {
		return true
	}
	if bias != nil && sig != nil {
		sigmoidRow(sig[:len(x)], x, nil)
	}
	sigmoidRow(dst[:len(x)], x, bias)
	return false
}

// sqrtSoftplusGo is sigmoidGo for SqrtSoftplus scores (dst does not
// overlap x).
func sqrtSoftplusGo(dst, sig, x, bias []float32) bool {
	if badRow(x) {
		return true
	}
	p := Plan{SqrtSoftplus: true}
	if bias != nil && sig != nil {
		scores(&p, sig[:len(x)], x, nil)
	}
	scores(&p, dst[:len(x)], x, bias)
	return false
}

// maxGo: the largest x (rowMax) and whether x holds a NaN or an infinity.
func maxGo(x []float32) (float32, bool) {
	if badRow(x) {
		return 0, true
	}
	return rowMax(x), false
}

// divBiasGo: dst[i] = dst[i]/S (+ bias[i]), two roundings.
func divBiasGo(dst, bias []float32, S float32) {
	if bias == nil {
		for i := range dst {
			dst[i] = dst[i] / S
		}
		return
	}
	bias = bias[:len(dst)]
	for i := range dst {
		dst[i] = dst[i]/S + bias[i]
	}
}

// groupScoresGo: gsc[g] (and second[g], when second is not nil and not
// gmax) = groupScore of sel's group g of gs experts, for every g <
// len(gsc). sel holds no NaN.
func groupScoresGo(gsc, second, sel []float32, gs int, gmax bool) {
	for g := range gsc {
		v, s2 := groupScore(sel[g*gs:g*gs+gs], gmax)
		gsc[g] = v
		if second != nil && !gmax {
			second[g] = s2
		}
	}
}

// topKIDsGo: the K = len(top) largest keys of vals (indices from 0) into
// an empty top and their indices into ids; false when vals holds a NaN or
// an infinity (top and ids are then unspecified).
func topKIDsGo(top []uint64, vals []float32, ids []int32) bool {
	if badRow(vals) {
		return false
	}
	clear(top)
	topK(top, 0, vals, 0)
	for j, k := range top {
		ids[j] = int32(KeyIndex(k))
	}
	return true
}

// weightsGo: one token's weights for its chosen ids by the mode bits (see
// wSoftmax...), then w[j] = u[j] * scale and load[ids[j]]++ (load nil: no
// counts). With wSoftmax, m is finite and >= every chosen row[id]; the
// weights are those of weights and finishWeights (route_generic.go) with
// NormEps, or with wNormSum NormSum's but for a sum of 0 (NaN here).
func weightsGo(w []float32, ids []int32, row []float32, load []int64, mode int, m, S, scale float32) {
	for j, id := range ids {
		v := row[id]
		switch {
		case mode&wGather != 0:
		case mode&wSoftmax != 0:
			v = ExpNeg(v - m)
			if mode&wDivS != 0 {
				v = v / S
			}
		default:
			v = Sigmoid(v)
		}
		w[j] = v
	}
	normalize(w[:len(ids)], mode)
	for j := range ids {
		w[j] = float32(w[j] * scale)
	}
	if load != nil {
		for _, id := range ids {
			load[id]++
		}
	}
}

// normalize divides w by its sum (left to right) plus 1e-20, or with
// wNormSum by the sum itself, when mode has wNorm (finishWeights'
// NormEps and, but for a sum of 0, NormSum).
func normalize(w []float32, mode int) {
	if mode&wNorm == 0 {
		return
	}
	var sum float32
	for _, v := range w {
		sum += v
	}
	d := sum + normEps
	if mode&wNormSum != 0 {
		d = sum
	}
	for j := range w {
		w[j] = w[j] / d
	}
}

// mendNormSum gives a token whose NormSum weights came out NaN (a sum of
// 0: every chosen weight underflowed to +0) the reference's weights,
// +0 * scale (finishWeights divides by 1 there). The weights are
// otherwise finite.
func mendNormSum(w []float32, scale float32) {
	if w[0] != w[0] {
		for j := range w {
			w[j] = float32(0 * scale)
		}
	}
}

// sigBias returns the kernels' pointer arguments for sig and bias (n
// entries each): nil for a nil slice; sig only with a bias (the kernels
// keep the unbiased scores only then).
func sigBias(sig, bias []float32, n int) (sp, bp *float32) {
	if bias != nil {
		bp = &bias[:n][0]
		if sig != nil {
			sp = &sig[:n][0]
		}
	}
	return sp, bp
}

var negInf = float32(math.Inf(-1))
