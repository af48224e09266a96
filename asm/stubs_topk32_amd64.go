//go:build gc && !purego

package asm

// The top-K kernels for 9 <= K <= 32 (topk32_avx2_amd64.s,
// topk32_avx512_amd64.s); each .s header names the Go twin.

//go:noescape
func topk32AVX512(top *uint64, n, k int, vals *float32, nv, base, pre int, floor float32, ids *int32) int

//go:noescape
func topk32AVX2(top *uint64, n, k int, vals *float32, nv, base, pre int, floor float32, ids *int32) int

//go:noescape
func weights32AVX512(w *float32, ids *int32, row *float32, load *int64, k, mode int, m, S, scale float32)
