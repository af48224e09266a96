//go:build gc && !purego

package asm

// Assembly kernels of scores_neon_arm64.s. Each is documented there with its
// preconditions; the Go twins are named in the file header.

//go:noescape
func sigmoidNEON(dst, sig, x, bias *float32, n int) (bad bool)

//go:noescape
func maxNEON(x *float32, n int) (m float32, bad bool)

//go:noescape
func expSumNEON(dst, x *float32, n int, m float32) (s float32)

//go:noescape
func divBiasNEON(dst, bias *float32, n int, s float32)

// Assembly kernel of topk_neon_arm64.s.

//go:noescape
func topKNEON(top *uint64, n, k int, vals *float32, nv, base int) int

// Assembly kernel of groups_neon_arm64.s.

//go:noescape
func groupScoresNEON(gsc, second, sel *float32, groups, gs int, gmax bool)

// Assembly kernel of weights_neon_arm64.s.

//go:noescape
func weightsNEON(w *float32, ids *int32, row *float32, load *int64, k, mode int, m, S, scale float32)
