//go:build gc && !purego

package asm

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// BenchmarkSqrtSoftplusAMD64: the score kernel alone (with a bias and the
// kept scores, as the pipeline calls it) at DeepSeek-V4's E, and the Go
// scores loop for scale; ns per call.
// Run: go test -run '^$' -bench BenchmarkSqrtSoftplusAMD64 ./asm/
func BenchmarkSqrtSoftplusAMD64(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	x := make([]float32, 384)
	bias := make([]float32, 384)
	for i := range x {
		x[i] = float32(r.NormFloat64() * 2)
		bias[i] = float32(r.NormFloat64() * 0.01)
	}
	dst := make([]float32, 384)
	sig := make([]float32, 384)
	for _, n := range []int{256, 384} {
		for _, impl := range Available() {
			b.Run(fmt.Sprintf("%d/%v", n, impl), func(b *testing.B) {
				if impl == Go {
					p := Plan{E: n, SqrtSoftplus: true}
					for b.Loop() {
						scores(&p, dst[:n], x[:n], bias[:n])
					}
					return
				}
				for b.Loop() {
					kSqrtSoftplus(impl, dst[:n], sig[:n], x[:n], bias[:n])
				}
			})
		}
	}
}
