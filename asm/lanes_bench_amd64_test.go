//go:build !purego

package asm

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"
)

// BenchmarkLanesAMD64: the lanes kernels on one chunk of 256 tokens (in
// cache) for the presets they serve, against the per-token path that
// path used before the lanes kernels (routeKernels, or RouteGeneric for E < simdMinE).
func BenchmarkLanesAMD64(b *testing.B) {
	const T = 256
	for _, c := range []struct {
		name string
		p    Plan
	}{
		{"mixtral", Plan{E: 8, K: 2, Softmax: true, Groups: 1, TopGroups: 1, Normalize: true, Scale: 1}},
		{"llama4-scout", Plan{E: 16, K: 1, Groups: 1, TopGroups: 1, Scale: 1}},
	} {
		p := c.p
		r := rand.New(rand.NewPCG(1, 2))
		x := make([]float32, T*p.E)
		for i := range x {
			x[i] = float32(r.NormFloat64() * 1.5)
		}
		ids := make([]int32, T*p.K)
		w := make([]float32, T*p.K)
		load := make([]int64, p.E)
		s := p.NewScratch()
		for _, impl := range Available() {
			if impl == Go {
				continue
			}
			b.Run(fmt.Sprintf("%s/%v/lanes", c.name, impl), func(b *testing.B) {
				runtime.LockOSThread()
				defer runtime.UnlockOSThread()
				c0 := threadCPU()
				for b.Loop() {
					routeLanes(impl, &p, ids, w, load, x, p.E, nil)
				}
				b.ReportMetric(float64(threadCPU()-c0)/float64(b.N*T), "cpu-ns/token")
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*T), "ns/token")
			})
			b.Run(fmt.Sprintf("%s/%v/old", c.name, impl), func(b *testing.B) {
				runtime.LockOSThread()
				defer runtime.UnlockOSThread()
				c0 := threadCPU()
				for b.Loop() {
					if p.E < simdMinE {
						RouteGeneric(&p, s, ids, w, load, x, p.E, nil)
					} else {
						routeKernels(impl, &p, s, ids, w, load, x, p.E, nil)
					}
				}
				b.ReportMetric(float64(threadCPU()-c0)/float64(b.N*T), "cpu-ns/token")
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*T), "ns/token")
			})
		}
	}
}
