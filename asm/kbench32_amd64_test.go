//go:build !purego

package asm

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"
)

// BenchmarkTopK32AMD64 compares, on distinct random rows (normal), the
// top-K kernels for 9 <= K <= 32: topk32<ISA> with and without its
// pre-pass and the Go reference topK, ns per row. (The scalar-insertion
// kernels topk<ISA> it was first measured against are gone; their figures
// are in the commit log.)
// Run: go test -run '^$' -bench BenchmarkTopK32AMD64 ./asm/
func BenchmarkTopK32AMD64(b *testing.B) {
	r := rand.New(rand.NewPCG(3, 4))
	const rows = 1024 // distinct rows: a branch predictor must not learn them
	for _, nk := range [][2]int{{512, 10}, {512, 22}, {256, 32}, {1024, 16}, {128, 12}, {64, 32}, {16, 9}, {32, 16}, {32, 9}, {64, 12}} {
		n, k := nk[0], nk[1]
		x := make([]float32, n*rows)
		for i := range x {
			x[i] = float32(r.NormFloat64())
		}
		for _, kv := range []struct {
			name string
			need Impl
			f    func(top []uint64, vals []float32) int
		}{
			{"topk32AVX2", AVX2, func(top []uint64, vals []float32) int {
				return topk32AVX2(&top[0], 0, len(top), &vals[0], len(vals), 0, 1, negInf, nil)
			}},
			{"topk32AVX2nopre", AVX2, func(top []uint64, vals []float32) int {
				return topk32AVX2(&top[0], 0, len(top), &vals[0], len(vals), 0, 0, negInf, nil)
			}},
			{"topk32AVX512", AVX512, func(top []uint64, vals []float32) int {
				return topk32AVX512(&top[0], 0, len(top), &vals[0], len(vals), 0, 1, negInf, nil)
			}},
			{"topk32AVX512nopre", AVX512, func(top []uint64, vals []float32) int {
				return topk32AVX512(&top[0], 0, len(top), &vals[0], len(vals), 0, 0, negInf, nil)
			}},
			{"go", Go, func(top []uint64, vals []float32) int {
				return topK(top, 0, vals, 0)
			}},
		} {
			if !Supported(kv.need) {
				continue
			}
			b.Run(fmt.Sprintf("%d/%d/%s", n, k, kv.name), func(b *testing.B) {
				top := make([]uint64, k)
				i := 0
				runtime.LockOSThread()
				defer runtime.UnlockOSThread()
				c0 := threadCPU()
				for b.Loop() {
					clear(top)
					kv.f(top, x[i*n:i*n+n])
					i = (i + 1) % rows
				}
				b.ReportMetric(float64(threadCPU()-c0)/float64(b.N), "cpu-ns/op")
			})
		}
	}
}

// largeKPlans are the shapes with 9 <= K <= 32 of issue 11.
var largeKPlans = []struct {
	name string
	p    Plan
	bias bool
}{
	{"Qwen3Next", Plan{E: 512, K: 10, Softmax: true, Groups: 1, TopGroups: 1, Normalize: true, Scale: 1}, false},
	{"Nemotron3Super", Plan{E: 512, K: 22, Groups: 1, TopGroups: 1, Normalize: true, Scale: 5}, true},
	{"E256K32", Plan{E: 256, K: 32, Groups: 1, TopGroups: 1, Normalize: true, Scale: 1}, true},
	{"E1024K16", Plan{E: 1024, K: 16, Groups: 1, TopGroups: 1, Normalize: true, Scale: 1}, true},
	{"E256G8K16", Plan{E: 256, K: 16, Groups: 8, TopGroups: 4, Normalize: true, Scale: 2.5}, true},
	{"E256G16K12", Plan{E: 256, K: 12, Groups: 16, TopGroups: 8, Normalize: true, Scale: 2.5}, true},
}

// BenchmarkRouteLargeKAMD64 is BenchmarkRouteAMD64 for the large-K shapes.
// Run: go test -run '^$' -bench BenchmarkRouteLargeKAMD64 -count 5 ./asm/
func BenchmarkRouteLargeKAMD64(b *testing.B) {
	const T, chunk = 4096, 256
	for _, bp := range largeKPlans {
		p := bp.p
		r := rand.New(rand.NewPCG(1, 1))
		x := make([]float32, T*p.E)
		for i := range x {
			x[i] = float32(r.NormFloat64() * 1.5)
		}
		var bias []float32
		if bp.bias {
			bias = make([]float32, p.E)
			for i := range bias {
				bias[i] = float32(r.NormFloat64()) * 0.1
			}
		}
		ids := make([]int32, T*p.K)
		w := make([]float32, T*p.K)
		load := make([]int64, p.E)
		s := p.NewScratch()
		for _, impl := range Available() {
			b.Run(bp.name+"/"+impl.String(), func(b *testing.B) {
				b.ReportAllocs()
				runtime.LockOSThread()
				defer runtime.UnlockOSThread()
				c0 := threadCPU()
				for b.Loop() {
					for t0 := 0; t0 < T; t0 += chunk {
						Route(impl, &p, s, ids[t0*p.K:(t0+chunk)*p.K], w[t0*p.K:(t0+chunk)*p.K], load, x[t0*p.E:], p.E, bias)
					}
				}
				c1 := threadCPU()
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/T, "ns/token")
				b.ReportMetric(float64(c1-c0)/float64(b.N)/T, "cpu-ns/token")
			})
		}
	}
}

// BenchmarkWeightsLargeKAMD64 measures simdWeights for K > 8 (the Go glue
// around the exponential and sigmoid kernels), ns per token.
// Run: go test -run '^$' -bench BenchmarkWeightsLargeKAMD64 ./asm/
func BenchmarkWeightsLargeKAMD64(b *testing.B) {
	const E = 512
	r := rand.New(rand.NewPCG(5, 6))
	row := make([]float32, E)
	for i := range row {
		row[i] = float32(r.NormFloat64())
	}
	load := make([]int64, E)
	sig := make([]float32, E)
	kSigmoid(Best(), sig, nil, row, nil)
	for _, K := range []int{10, 22, 32} {
		ids := make([]int32, K)
		for j := range ids {
			ids[j] = int32(j * 13)
		}
		w := make([]float32, K)
		for _, mode := range []string{"softmax-norm", "sigmoid-kept-scale"} {
			p := Plan{E: E, K: K, Softmax: mode == "softmax-norm", Groups: 1, TopGroups: 1, Normalize: true, Scale: 1}
			var sg []float32
			if !p.Softmax {
				sg, p.Scale = sig, 5
			}
			for _, impl := range Available() {
				if impl == Go {
					continue
				}
				b.Run(fmt.Sprintf("%s/K=%d/%v", mode, K, impl), func(b *testing.B) {
					for b.Loop() {
						tokenWeights(impl, &p, w, ids, row, sg, row[ids[0]], 0, p.Softmax, load)
					}
				})
			}
		}
	}
}
