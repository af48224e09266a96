package asm

import (
	"math"
	"math/rand/v2"
)

// Shared by the kernel and pipeline tests of every architecture.

var specials = []float32{0, float32(math.Copysign(0, -1)), 1e-40, -1e-40, 1.4e-45, -1.4e-45,
	87.34, -87.34, 88.72, -88.72, 104, -104, -103.9, -150, 1e30, -1e30, math.MaxFloat32, -math.MaxFloat32,
	0.5, -0.5, 1, -1, 20, -20}

func kernelInput(r *rand.Rand, n int) []float32 {
	x := randLogits(r, n, false)
	for i := range x {
		if r.IntN(8) == 0 {
			x[i] = specials[r.IntN(len(specials))]
		}
	}
	return x
}

var kernelNs = func() []int {
	var ns []int
	for n := 1; n <= 70; n++ {
		ns = append(ns, n)
	}
	return append(ns, 127, 128, 129, 159, 160, 161, 255, 256, 257, 383, 384, 385, 512, 1024, 4096)
}()

const canary = float32(-12345.678)

func same(a, b float32) bool { return math.Float32bits(a) == math.Float32bits(b) }
