//go:build gc && !purego

package asm

// The "tokens across lanes" kernels (lanes_avx512_amd64.s,
// lanes_avx2_amd64.s) route a whole chunk in one call for routers with few
// experts: one token per vector lane (16 per zmm, 8 per ymm), one vector per
// expert. They cover Groups == 1, E <= lanesMaxE, K <= lanesMaxK, both
// score functions, with or without bias and normalisation; routeArch sends
// every such shape to them, whatever the number of experts.
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

// lanesOK reports whether the lanes kernels cover p with this stride.
func lanesOK(impl Impl, p *Plan, stride int) bool {
	return (impl == AVX512 || impl == AVX2) && p.Groups == 1 && p.E <= lanesMaxE && p.K <= lanesMaxK && stride <= lanesMaxStride
}

// routeLanes is RouteGeneric for the shapes lanesOK accepts.
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
