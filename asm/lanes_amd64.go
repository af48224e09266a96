//go:build gc && !purego

package asm

// The "tokens across lanes" kernels (lanes_avx512_amd64.s,
// lanes_avx2_amd64.s) route a whole chunk in one call for routers with few
// experts: one token per vector lane (16 per zmm, 8 per ymm), one vector per
// expert. They cover Groups == 1, E <= lanesMaxE, K <= lanesMaxK, both
// score functions, with or without bias and normalisation (NormEps);
// choose sends every such shape to them, whatever the number of experts.
const (
	lanesMaxE = 16
	lanesMaxK = 4
	// lanesMaxStride: a conservative bound (the kernels address rows with
	// 64-bit arithmetic; no stride this large is tested).
	lanesMaxStride = 1 << 26
)

// Mode bits of the lanes kernels.
const (
	lanesSoftmax   = 1
	lanesLogitSel  = 2
	lanesNormalize = 4
)

// Calls of few tokens: the lanes kernels' fixed cost (a whole block of 8 or
// 16 lanes, two block sets on AVX-512, the transposition) exceeds a few
// tokens' routing. Measured (BenchmarkLanesSmallAMD64, 2026-12-04, thread
// CPU ns per call, lanes avx512 / lanes avx2 / per-token avx512 / per-token
// avx2 / go):
//
//	T=1 mixtral (E=8 K=2 softmax, no bias)      86 / 64 / 83 / 89 / 52
//	T=1 llama4-scout (E=16 K=1 sigmoid, no bias) 82 / 71 / 76 / 86 / 47
//	T=1 E=16 K=4 sigmoid + bias                 194 / 166 / 79 / 89 / 178
//	T=1 E=8 K=2 softmax + bias                  130 / 110 / 113 / 104 / 122
//	T=2 mixtral                                 86 / 67 / 103 / 111 / 107
//	T=8 mixtral                                 87 / 67 / 336 / 344 / 380
//	T=8 E=16 K=4 sigmoid + bias                 204 / 175 / 478 / 650 / 1500
//	T=12 E=16 K=4 sigmoid + bias                212 / 317 / 736 / 1089 / 2368
//	T=12 E=8 K=2 softmax + bias                 131 / 179 / 1071 / 933 / 1300
//
// So: one token without a bias (selection on the logits: the reference
// computes K exponentials) runs the Go reference; one token with a bias
// (every score computed) the per-token kernels; 2..lanesAVX2MaxT tokens
// the AVX2 lanes kernel, also for the AVX512 implementation (one 8-lane
// block; the AVX2 kernels are part of that implementation, as its other
// kernels use AVX2 instructions); more tokens the implementation's own.
const lanesAVX2MaxT = 8

// The paths of lanesPath.
const (
	lanesGo     = iota // RouteGeneric
	lanesToken         // routeKernels, the per-token kernels
	lanesKernel        // routeLanes
)

// lanesPath picks the path for a call of one token (one) or more of a
// shape lanesOK accepts (see lanesAVX2MaxT). (A flag, not T: the caller
// would divide len(ids) by K for it, a few ns of a 90 ns call.)
func lanesPath(p *Plan, one bool, hasBias bool) int {
	if one {
		if p.LogitSelect(hasBias) {
			return lanesGo
		}
		return lanesToken
	}
	return lanesKernel
}

// archCallGo reports whether impl, which runs p's shape (Effective),
// hands a call of T >= 1 tokens to the Go reference (EffectiveCall).
func archCallGo(impl Impl, p *Plan, T int, hasBias bool) bool {
	return lanesOK(impl, p, p.E) && lanesPath(p, T == 1, hasBias) == lanesGo
}

// lanesOK reports whether the lanes kernels cover p with this stride.
func lanesOK(impl Impl, p *Plan, stride int) bool {
	return (impl == AVX512 || impl == AVX2) && !p.SqrtSoftplus && p.NormRule == NormEps && p.Groups == 1 && p.E <= lanesMaxE && p.K <= lanesMaxK && stride <= lanesMaxStride
}

// routeLanesCall routes one call of a lanes path (choose): by lanesPath
// for its number of tokens, and on the per-token kernels for a stride the
// lanes kernels do not take.
func routeLanesCall(impl Impl, p *Plan, s *Scratch, ids []int32, w []float32, load []int64, x []float32, stride int, bias []float32) int {
	if stride > lanesMaxStride {
		return routeKernels(impl, p, s, ids, w, load, x, stride, bias)
	}
	switch lanesPath(p, len(ids) == p.K, bias != nil) {
	case lanesGo:
		return RouteGeneric(p, s, ids, w, load, x, stride, bias)
	case lanesToken:
		return routeKernels(impl, p, s, ids, w, load, x, stride, bias)
	}
	if impl == AVX512 && len(ids) <= lanesAVX2MaxT*p.K {
		impl = AVX2 // hasAVX512 implies hasAVX2
	}
	return routeLanes(impl, p, ids, w, load, x, stride, bias)
}

// routeLanes is RouteGeneric for the shapes lanesOK accepts, on impl's
// lanes kernel.
func routeLanes(impl Impl, p *Plan, ids []int32, w []float32, load []int64, x []float32, stride int, bias []float32) int {
	E, K := p.E, p.K
	T := len(ids) / K
	if T == 0 {
		return -1
	}
	_ = x[(T-1)*stride+E-1]
	_ = w[T*K-1]
	_ = load[E-1]
	mode := 0
	if p.Softmax {
		mode |= lanesSoftmax
	}
	var bp *float32
	if bias == nil {
		mode |= lanesLogitSel
	} else {
		bp = &bias[:E][0]
	}
	if p.Normalize {
		mode |= lanesNormalize
	}
	if impl == AVX512 {
		return lanesAVX512(&ids[0], &w[0], &load[0], &x[0], bp, T, stride, E, K, mode, p.Scale)
	}
	return lanesAVX2(&ids[0], &w[0], &load[0], &x[0], bp, T, stride, E, K, mode, p.Scale)
}
