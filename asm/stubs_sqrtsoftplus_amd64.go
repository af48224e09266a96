//go:build gc && !purego

package asm

// sqrtsoftplus score kernels (sqrtsoftplus_avx512_amd64.s,
// sqrtsoftplus_avx2_amd64.s): the sigmoid kernels' contract with
// SqrtSoftplus for Sigmoid. Each .s header names its Go twin.

//go:noescape
func sqrtSoftplusAVX512(dst, sig, x, bias *float32, n int) (bad bool)

//go:noescape
func sqrtSoftplusAVX2(dst, sig, x, bias *float32, n int) (bad bool)
