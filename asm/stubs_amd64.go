//go:build gc && !purego

package asm

// Assembly kernels (scores_, groups_, weights_, topk8_<isa>_amd64.s). Each .s
// header names the Go twin a kernel reproduces bit for bit.

//go:noescape
func sigmoidAVX2(dst, sig, x, bias *float32, n int) (bad bool)

//go:noescape
func maxAVX2(x *float32, n int) (m float32, bad bool)

//go:noescape
func expSumAVX2(dst, x *float32, n int, m float32) (sum float32)

//go:noescape
func divBiasAVX2(dst, bias *float32, n int, S float32)

//go:noescape
func sigmoidAVX512(dst, sig, x, bias *float32, n int) (bad bool)

//go:noescape
func maxAVX512(x *float32, n int) (m float32, bad bool)

//go:noescape
func expSumAVX512(dst, x *float32, n int, m float32) (sum float32)

//go:noescape
func divBiasAVX512(dst, bias *float32, n int, S float32)

//go:noescape
func topk8AVX512(top *uint64, n, k int, vals *float32, nv, base, lanes int, floor float32, glist *uint64, ng int, ids *int32) int

//go:noescape
func groupScoresAVX2(gsc, second, sel *float32, groups, gs int, gmax bool)

//go:noescape
func groupScoresAVX512(gsc, second, sel *float32, groups, gs int, gmax bool)

//go:noescape
func topk8AVX2(top *uint64, n, k int, vals *float32, nv, base, lanes int, floor float32, glist *uint64, ng int) int

//go:noescape
func weights8AVX2(w *float32, ids *int32, row *float32, load *int64, k, mode int, m, S, scale float32)

//go:noescape
func groupsAVX512(gtop *uint64, gsc, second, sel *float32, groups, gs, topGroups, mode int) (floor float32)

//go:noescape
func weights8AVX512(w *float32, ids *int32, row *float32, load *int64, k, mode int, m, S, scale float32)

//go:noescape
func weightsSoftmaxNAVX512(w *float32, ids *int32, x *float32, stride int, load *int64, T, k int, bad uint64, scale float32)

//go:noescape
func weightsSoftmaxNAVX2(w *float32, ids *int32, x *float32, stride int, load *int64, T, k int, bad uint64, scale float32)

//go:noescape
func groupsAVX2(gtop *uint64, gsc, second, sel *float32, groups, gs, topGroups, mode int) (floor float32)

func lanesAVX512(ids *int32, w *float32, load *int64, x, bias *float32, T, stride, E, K, mode int, scale float32) (first int)

//go:noescape
func lanesAVX2(ids *int32, w *float32, load *int64, x, bias *float32, T, stride, E, K, mode int, scale float32) (first int)
