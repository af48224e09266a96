//go:build gc && !purego

package asm

// combineF32Arch runs impl's combine kernel on the longest prefix of out
// whose length is a multiple of 8 and returns that length (0: nothing
// done, the Go twin does the rest). AVX2 needs hasAVX2 (AVX, AVX2); the
// AVX-512 kernel executes AVX512F and the AVX2 instructions of its
// 8-element blocks, which hasAVX512 implies.
func combineF32Arch(impl Impl, out, y []float32, ystride int, x []float32, rows []int32, w []float32) int {
	h := len(out) &^ 7
	if h == 0 {
		return 0
	}
	yp, xp := combinePtrs(y, x)
	switch {
	case impl == AVX512 && hasAVX512:
		combineF32AVX512(&out[0], yp, ystride, xp, &rows[0], &w[0], len(rows), h)
	case impl == AVX2 && hasAVX2:
		combineF32AVX2(&out[0], yp, ystride, xp, &rows[0], &w[0], len(rows), h)
	default:
		return 0
	}
	return h
}

func combineBF16Arch(impl Impl, out, y []uint16, ystride int, x []uint16, rows []int32, w []float32) int {
	h := len(out) &^ 7
	if h == 0 {
		return 0
	}
	yp, xp := combinePtrs(y, x)
	switch {
	case impl == AVX512 && hasAVX512:
		combineBF16AVX512(&out[0], yp, ystride, xp, &rows[0], &w[0], len(rows), h)
	case impl == AVX2 && hasAVX2:
		combineBF16AVX2(&out[0], yp, ystride, xp, &rows[0], &w[0], len(rows), h)
	default:
		return 0
	}
	return h
}

// combinePtrs returns the base pointers of y and x, nil for an empty
// slice (the kernels never read a row that is not there).
func combinePtrs[F float32 | uint16](y, x []F) (yp, xp *F) {
	if len(y) > 0 {
		yp = &y[0]
	}
	if len(x) > 0 {
		xp = &x[0]
	}
	return
}
