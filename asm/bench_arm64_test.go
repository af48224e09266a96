//go:build gc && !purego

package asm

import (
	"math/rand/v2"
	"testing"
)

// benchPlans are the preset shapes of DESIGN.md section 1.
var benchPlans = []struct {
	name string
	p    Plan
	bias bool
}{
	{"DeepSeekV3", Plan{E: 256, K: 8, Groups: 8, TopGroups: 4, Normalize: true, Scale: 2.5}, true},
	{"KimiK2", Plan{E: 384, K: 8, Groups: 1, TopGroups: 1, Normalize: true, Scale: 2.827}, true},
	{"GLM45", Plan{E: 160, K: 8, Groups: 1, TopGroups: 1, Normalize: true, Scale: 2.5}, true},
	{"DeepSeekV2", Plan{E: 160, K: 6, Softmax: true, Groups: 8, TopGroups: 3, GroupMax: true, Scale: 16}, false},
	{"Qwen3MoE", Plan{E: 128, K: 8, Softmax: true, Groups: 1, TopGroups: 1, Normalize: true, Scale: 1}, false},
	{"Mixtral", Plan{E: 8, K: 2, Softmax: true, Groups: 1, TopGroups: 1, Normalize: true, Scale: 1}, false},
}

// BenchmarkRouteARM64 times one chunk of 256 tokens per call on every
// available implementation and reports ns/token. Under qemu the times mean
// nothing; run it on arm64 hardware:
//
//	go test -run '^$' -bench RouteARM64 ./asm/
func BenchmarkRouteARM64(b *testing.B) {
	const T = 256
	for _, bp := range benchPlans {
		p := bp.p
		r := rand.New(rand.NewPCG(1, uint64(p.E)))
		x := make([]float32, T*p.E)
		for i := range x {
			x[i] = float32(r.NormFloat64() * 2)
		}
		var bias []float32
		if bp.bias {
			bias = make([]float32, p.E)
			for i := range bias {
				bias[i] = float32(r.NormFloat64()) * 0.01
			}
		}
		for _, impl := range Available() {
			b.Run(bp.name+"/"+impl.String(), func(b *testing.B) {
				s := p.NewScratch()
				ids := make([]int32, T*p.K)
				w := make([]float32, T*p.K)
				load := make([]int64, p.E)
				b.ReportAllocs()
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					Route(impl, &p, s, ids, w, load, x, p.E, bias)
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*T), "ns/token")
			})
		}
	}
}
