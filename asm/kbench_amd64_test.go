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
	sig := make([]float32, 4096)
	bias := make([]float32, 4096)
	for i := range bias {
		bias[i] = float32(i%5) * 0.01
	}
	for _, impl := range Available() {
		if impl == Go {
			continue
		}
		for _, n := range []int{2, 8, 16, 128, 256, 384} {
			b.Run(fmt.Sprintf("expSum/%v/%d", impl, n), func(b *testing.B) {
				for b.Loop() {
					kExpSum(impl, dst[:n], x[:n], 0)
				}
			})
			b.Run(fmt.Sprintf("sigmoid/%v/%d", impl, n), func(b *testing.B) {
				for b.Loop() {
					kSigmoid(impl, dst[:n], nil, x[:n], nil)
				}
			})
			b.Run(fmt.Sprintf("sigmoidBias/%v/%d", impl, n), func(b *testing.B) {
				for b.Loop() {
					kSigmoid(impl, dst[:n], nil, x[:n], bias[:n])
				}
			})
			b.Run(fmt.Sprintf("sigmoidBiasSig/%v/%d", impl, n), func(b *testing.B) {
				for b.Loop() {
					kSigmoid(impl, dst[:n], sig[:n], x[:n], bias[:n])
				}
			})
		}
	}
}

// BenchmarkWeights8AMD64 measures simdWeights for K = 8 (DeepSeek-V3's
// sigmoid + Normalize + Scale, and softmax) per implementation, with the
// ids written just before the call as the pipeline does.
// Run: go test -run '^$' -bench BenchmarkWeights8AMD64 ./asm/
func BenchmarkWeights8AMD64(b *testing.B) {
	const E = 256
	row := make([]float32, E)
	for i := range row {
		row[i] = float32(i%37)*-0.1 + 1
	}
	load := make([]int64, E)
	top := make([]uint64, 8)
	for j := range top {
		top[j] = Key(row[j*31], j*31)
	}
	ids := make([]int32, 8)
	w := make([]float32, 8)
	sig := make([]float32, E)
	kSigmoid(Best(), sig, nil, row, nil)
	for _, mode := range []string{"sigmoid", "sigmoid-kept", "softmax"} {
		p := Plan{E: E, K: 8, Softmax: mode == "softmax", Groups: 1, TopGroups: 1, Normalize: true, Scale: 2.5}
		var sg []float32
		if mode == "sigmoid-kept" {
			sg = sig
		}
		for _, impl := range Available() {
			if impl == Go {
				continue
			}
			b.Run(fmt.Sprintf("%s/%v", mode, impl), func(b *testing.B) {
				for b.Loop() {
					for j, k := range top {
						ids[j] = int32(KeyIndex(k))
					}
					tokenWeights(impl, &p, w, ids, row, sg, 0.5, 3, false, load)
				}
			})
		}
	}
}
