//go:build gc && !purego

package asm

// The top-K kernels for 9 <= K <= 32 (topk32_avx2_amd64.s,
// topk32_avx512_amd64.s); each .s header names the Go twin.

// topk32AVX2, topk32AVX512 (9 <= k <= 32): topKFloor(top[:k], n,
// vals[:nv], base, floor), or -1 for a NaN or an infinity in vals; pre:
// run the pre-pass bound (topk32Pre); with ids != nil also ids[j] =
// KeyIndex(top[j]).
//
//go:noescape
func topk32AVX512(top *uint64, n, k int, vals *float32, nv, base, pre int, floor float32, ids *int32) int

//go:noescape
func topk32AVX2(top *uint64, n, k int, vals *float32, nv, base, pre int, floor float32, ids *int32) int

// weights32AVX512 (k <= 32): weightsGo(w, ids, row, load, mode, m, S,
// scale), as weights8AVX512.
//
//go:noescape
func weights32AVX512(w *float32, ids *int32, row *float32, load *int64, k, mode int, m, S, scale float32)
