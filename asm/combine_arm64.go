//go:build gc && !purego

package asm

// combineF32Arch runs the NEON combine kernel on the longest prefix of
// out whose length is a multiple of 4 and returns that length (0: the Go
// twin does it all).
func combineF32Arch(impl Impl, out, y []float32, ystride int, x []float32, rows []int32, w []float32) int {
	h := len(out) &^ 3
	if h == 0 || impl != NEON || !hasNEON {
		return 0
	}
	yp, xp := combinePtrs(y, x)
	combineF32NEON(&out[0], yp, ystride, xp, &rows[0], &w[0], len(rows), h)
	return h
}

func combineBF16Arch(impl Impl, out, y []uint16, ystride int, x []uint16, rows []int32, w []float32) int {
	h := len(out) &^ 3
	if h == 0 || impl != NEON || !hasNEON {
		return 0
	}
	yp, xp := combinePtrs(y, x)
	combineBF16NEON(&out[0], yp, ystride, xp, &rows[0], &w[0], len(rows), h)
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
