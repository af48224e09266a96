//go:build gc && !purego

package asm

// Assembly kernels of scores_neon_arm64.s. Each is documented there with its
// preconditions; the Go twins are named in the file header.

//go:noescape
func sigmoidNEON(dst, x, bias *float32, n int) (bad bool)

//go:noescape
func maxBadNEON(x *float32, n int) (m float32, bad bool)

//go:noescape
func expSumNEON(dst, x *float32, n int, m float32) (s float32)

//go:noescape
func divBiasNEON(dst, bias *float32, n int, s float32)

// Assembly kernel of topk_neon_arm64.s.

//go:noescape
func topKNEON(top *uint64, k, n int, vals *float32, cnt, base int) int

// Assembly kernel of groups_neon_arm64.s.

//go:noescape
func groupScoresNEON(gsc, sel *float32, groups, gs int, gmax bool)

// Assembly kernel of weights_neon_arm64.s.

//go:noescape
func weightsNEONAsm(ids *int32, w *float32, top *uint64, k int, row *float32, load *int64, mode int, m, s, scale float32)

// Assembly driver of route_neon_arm64.s.

//go:noescape
func routeChunkNEON(c *chunkNEON) (firstBad int)
