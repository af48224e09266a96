//go:build gc && !purego

package asm

// sqrtsoftplus score kernels (sqrtsoftplus_avx512_amd64.s,
// sqrtsoftplus_avx2_amd64.s): the sigmoid kernels' contract with
// SqrtSoftplus for Sigmoid. Each .s header names its Go twin.
//
// sqrtSoftplusAVX2, sqrtSoftplusAVX512: sqrtSoftplusGo(dst, sig, x, bias)
// on n floats (dst does not overlap x):
//
//	for i := range x: dst[i] = SqrtSoftplus(x[i]) (+ bias[i]); sig[i] = SqrtSoftplus(x[i]) with a bias
//	bad = a NaN or an infinity in x

//go:noescape
func sqrtSoftplusAVX512(dst, sig, x, bias *float32, n int) (bad bool)

//go:noescape
func sqrtSoftplusAVX2(dst, sig, x, bias *float32, n int) (bad bool)
