//go:build purego || !gc || !amd64

package asm

// archCallGo: only the amd64 lanes shapes hand calls to the reference by
// their number of tokens.
func archCallGo(impl Impl, p *Plan, T int, hasBias bool) bool { return false }

// routeLanesCall: no lanes kernels here (choose never picks them).
func routeLanesCall(impl Impl, p *Plan, s *Scratch, ids []int32, w []float32, load []int64, x []float32, stride int, bias []float32) int {
	return routeKernels(impl, p, s, ids, w, load, x, stride, bias)
}
