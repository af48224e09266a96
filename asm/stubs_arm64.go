//go:build gc && !purego

package asm

// The arm64 NEON kernels (scores_, topk_, groups_, weights_neon_arm64.s),
// with the prototypes and contracts of the amd64 kernels of the same
// operation (stubs_amd64.go). Each stub names its Go twin; the .s headers
// give the register maps and the preconditions.

// sigmoidNEON: sigmoidGo(dst, sig, x, bias) on n floats, as sigmoidAVX2.
//
//go:noescape
func sigmoidNEON(dst, sig, x, bias *float32, n int) (bad bool)

// maxNEON: maxGo(x), as maxAVX2.
//
//go:noescape
func maxNEON(x *float32, n int) (m float32, bad bool)

// expSumNEON: SoftmaxSum(x, m, dst), as expSumAVX2 (dst may be x, or nil:
// the sum only).
//
//go:noescape
func expSumNEON(dst, x *float32, n int, m float32) (s float32)

// divBiasNEON: divBiasGo(dst, bias, S), as divBiasAVX2.
//
//go:noescape
func divBiasNEON(dst, bias *float32, n int, s float32)

// topKNEON: topKFloor(top[:k], n, vals[:nv], base, -Inf) (no floor, no
// non-finite check: the caller checks the row), the argument order of
// topk8AVX2.
//
//go:noescape
func topKNEON(top *uint64, n, k int, vals *float32, nv, base int) int

// groupScoresNEON: groupScoresGo(gsc, second, sel, gs, gmax), as
// groupScoresAVX2 (second not written with gmax).
//
//go:noescape
func groupScoresNEON(gsc, second, sel *float32, groups, gs int, gmax bool)

// weightsNEON: weightsGo(w, ids, row, load, mode, m, S, scale) for every
// k, as weights8AVX512 (load not nil).
//
//go:noescape
func weightsNEON(w *float32, ids *int32, row *float32, load *int64, k, mode int, m, S, scale float32)
