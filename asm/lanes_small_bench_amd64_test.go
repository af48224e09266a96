//go:build !purego

package asm

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"
)

// BenchmarkLanesSmallAMD64: the shapes the lanes kernels take, at the
// batch sizes of a decode step, on the three paths a lanes shape can take
// them: the lanes kernel (lanes), the per-token kernels (simd) and the Go
// reference (go). ns/op is one call of T tokens; cpu-ns/op is the thread's
// CPU time per call (steadier on a shared machine). The evidence for
// lanesMinT. Run:
// go test ./asm -run '^$' -bench BenchmarkLanesSmallAMD64 -count 5
func BenchmarkLanesSmallAMD64(b *testing.B) {
	for _, c := range []struct {
		name string
		p    Plan
		bias bool
	}{
		{"mixtral", Plan{E: 8, K: 2, Softmax: true, Groups: 1, TopGroups: 1, Normalize: true, Scale: 1}, false},
		{"llama4-scout", Plan{E: 16, K: 1, Groups: 1, TopGroups: 1, Scale: 1}, false},
		{"E=16/K=4/sigmoid+bias", Plan{E: 16, K: 4, Groups: 1, TopGroups: 1, Normalize: true, Scale: 2.5}, true},
		{"E=8/K=2/softmax+bias", Plan{E: 8, K: 2, Softmax: true, Groups: 1, TopGroups: 1, Scale: 1}, true},
	} {
		p := c.p
		for _, T := range []int{1, 2, 4, 8, 12, 16} {
			r := rand.New(rand.NewPCG(1, 2))
			x := make([]float32, T*p.E)
			for i := range x {
				x[i] = float32(r.NormFloat64() * 1.5)
			}
			var bias []float32
			if c.bias {
				bias = make([]float32, p.E)
				for i := range bias {
					bias[i] = float32(r.NormFloat64() * 0.1)
				}
			}
			ids := make([]int32, T*p.K)
			w := make([]float32, T*p.K)
			load := make([]int64, p.E)
			s := p.NewScratch()
			for _, path := range []string{"lanes", "simd", "go"} {
				impls := []Impl{AVX512, AVX2}
				if path == "go" {
					impls = []Impl{Go}
				}
				for _, impl := range impls {
					if !Supported(impl) {
						continue
					}
					b.Run(fmt.Sprintf("%s/T=%d/%s/%v", c.name, T, path, impl), func(b *testing.B) {
						runtime.LockOSThread()
						defer runtime.UnlockOSThread()
						c0 := threadCPU()
						for b.Loop() {
							switch path {
							case "lanes":
								routeLanes(impl, &p, ids, w, load, x, p.E, bias)
							case "simd":
								routeKernels(impl, &p, s, ids, w, load, x, p.E, bias)
							default:
								RouteGeneric(&p, s, ids, w, load, x, p.E, bias)
							}
						}
						b.ReportMetric(float64(threadCPU()-c0)/float64(b.N), "cpu-ns/op")
					})
				}
			}
		}
	}
}
