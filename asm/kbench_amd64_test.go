//go:build !purego

package asm

import (
	"fmt"
	"testing"
)

// Per-kernel micro benchmarks of the score kernels (ns per call); the
// top-K kernels are measured by BenchmarkTopKAMD64 on distinct rows.
// Run: go test -run '^$' -bench BenchmarkKernelAMD64 ./asm/
func BenchmarkKernelAMD64(b *testing.B) {
	x := make([]float32, 4096)
	for i := range x {
		x[i] = float32(i%37) * -0.1
	}
	dst := make([]float32, 4096)
	for _, impl := range Available() {
		if impl == Go {
			continue
		}
		for _, n := range []int{2, 8, 16, 128, 256} {
			b.Run(fmt.Sprintf("expSum/%v/%d", impl, n), func(b *testing.B) {
				for b.Loop() {
					kExpSum(impl, dst[:n], x[:n], 0)
				}
			})
			b.Run(fmt.Sprintf("sigmoid/%v/%d", impl, n), func(b *testing.B) {
				for b.Loop() {
					kSigmoid(impl, dst[:n], x[:n], nil)
				}
			})
		}
	}
}
