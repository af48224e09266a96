package asm

import "math"

// spSpecials: inputs at every branch point of SqrtSoftplus and Log1p
// (x > 20; y = e^x at sqrt2m1, at 1, mantissas of 1 + y around sqrt(2);
// ExpNeg's clamp and its subnormal range) and their neighbours.
var spSpecials = func() []float32 {
	var out []float32
	near := func(v float32) {
		b := math.Float32bits(v)
		for d := -3; d <= 3; d++ {
			if nb := uint32(int64(b) + int64(d)); !nonFinite(nb) {
				out = append(out, math.Float32frombits(nb))
			}
		}
	}
	for _, v := range []float32{20, -20, 0.5, -0.5, 1, -1, 1e-30, -1e-30, 1.4e-45, 1.2e-38,
		float32(math.Log(0.41421356)), float32(math.Log(0.41421356)) + 1e-7, // y at sqrt2m1
		float32(math.Log(1.41421356 - 1)), float32(math.Log(2*1.41421356 - 1)), // 1+y at sqrt(2), 2 sqrt(2)
		float32(math.Log(4*1.41421356 - 1)), float32(math.Log(1 << 20 * 1.41421356)),
		-87.3, -88.72, -103.97, -104, -104.0001, -150, 88.7, 89, 1e30, -1e30,
		math.MaxFloat32, -math.MaxFloat32} {
		near(v)
		near(-v)
	}
	return append(out, 0, float32(math.Copysign(0, -1)))
}()
