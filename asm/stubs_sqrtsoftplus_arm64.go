//go:build gc && !purego

package asm

// sqrtSoftplusNEON (sqrtsoftplus_neon_arm64.s): the sqrtsoftplus score
// kernel, with the contract of sqrtSoftplusAVX512 (a kept copy of the
// scores without the bias in sig, for the weights).
//
//go:noescape
func sqrtSoftplusNEON(dst, sig, x, bias *float32, n int) (bad bool)
