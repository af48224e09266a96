//go:build !purego

package asm

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"syscall"
	"testing"
)

// threadCPU returns the CPU time consumed by the calling OS thread; on
// this shared, oversubscribed machine it is a steadier measure than wall
// time (the benchmark locks its goroutine to one thread).
func threadCPU() int64 {
	var ru syscall.Rusage
	const rusageThread = 1
	if err := syscall.Getrusage(rusageThread, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

// Kernel-level benchmarks of the amd64 implementations against the Go
// reference, T = 4096 tokens in chunks of 256 (as route.Router calls them).
// Run: go test -run '^$' -bench BenchmarkRouteAMD64 -count 5 ./asm/

var benchPlans = []struct {
	name string
	p    Plan
	bias bool
}{
	{"DeepSeekV3", Plan{E: 256, K: 8, Groups: 8, TopGroups: 4, Normalize: true, Scale: 2.5}, true},
	{"KimiK2", Plan{E: 384, K: 8, Groups: 1, TopGroups: 1, Normalize: true, Scale: 2.827}, true},
	{"Qwen3MoE", Plan{E: 128, K: 8, Softmax: true, Groups: 1, TopGroups: 1, Normalize: true, Scale: 1}, false},
	{"Mixtral", Plan{E: 8, K: 2, Softmax: true, Groups: 1, TopGroups: 1, Normalize: true, Scale: 1}, false},
	{"E16K2", Plan{E: 16, K: 2, Softmax: true, Groups: 1, TopGroups: 1, Normalize: true, Scale: 1}, false},
	{"GptOss", Plan{E: 32, K: 4, Softmax: true, Groups: 1, TopGroups: 1, Normalize: true, Scale: 1}, false},
}

func BenchmarkRouteAMD64(b *testing.B) {
	const T, chunk = 4096, 256
	for _, bp := range benchPlans {
		p := bp.p
		r := rand.New(rand.NewPCG(1, 1))
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

// BenchmarkSmallEAMD64 times the per-token kernel path (routeKernels) against
// the Go reference on shapes with fewer than 9 experts that the lanes
// kernels do not take: the evidence for choose's decline of grouped
// small shapes (simdMinE). 256 tokens per call.
// Run: go test -run '^$' -bench BenchmarkSmallEAMD64 -count 5 ./asm/
func BenchmarkSmallEAMD64(b *testing.B) {
	if !Supported(AVX2) {
		b.Skip("no AVX2 on this CPU or build")
	}
	const T = 256
	for _, p := range []Plan{
		{E: 8, K: 5, Softmax: true, Groups: 1, TopGroups: 1, Normalize: true, Scale: 1},
		{E: 5, K: 5, Groups: 1, TopGroups: 1, Normalize: true, Scale: 1},
		{E: 8, K: 2, Groups: 2, TopGroups: 1, Normalize: true, Scale: 1},
		{E: 8, K: 1, Softmax: true, Groups: 2, TopGroups: 1, GroupMax: true, Scale: 1},
		{E: 4, K: 2, Groups: 2, TopGroups: 1, Normalize: true, Scale: 1},
	} {
		r := rand.New(rand.NewPCG(1, 2))
		x := make([]float32, T*p.E)
		for i := range x {
			x[i] = float32(r.NormFloat64())
		}
		var bias []float32
		if !p.Softmax {
			bias = make([]float32, p.E)
		}
		ids := make([]int32, T*p.K)
		w := make([]float32, T*p.K)
		load := make([]int64, p.E)
		s := p.NewScratch()
		name := fmt.Sprintf("E=%d/K=%d/groups=%d", p.E, p.K, p.Groups)
		for _, impl := range Available() {
			b.Run(name+"/"+impl.String(), func(b *testing.B) {
				for b.Loop() {
					if impl == Go {
						RouteGeneric(&p, s, ids, w, load, x, p.E, bias)
					} else {
						routeKernels(impl, &p, s, ids, w, load, x, p.E, bias)
					}
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/T, "ns/token")
			})
		}
	}
}

// BenchmarkGridCellAMD64: the grid cells (`moegate bench --grid`) below
// issue 11's 3x bar with E >= 64, softmax normalised with 64 experts and
// K = 1 or 32, through Route on every implementation, T = 256 per call,
// for a CPU profile of where their time goes (README, docs/grid.md):
//
//	go test ./asm -run '^$' -bench 'BenchmarkGridCellAMD64/K=32/avx2' -benchtime 2s -cpuprofile c.prof
//	go tool pprof -top asm.test c.prof
func BenchmarkGridCellAMD64(b *testing.B) {
	for _, K := range []int{1, 32} {
		p := Plan{E: 64, K: K, Softmax: true, Groups: 1, TopGroups: 1, Normalize: true, Scale: 1}
		const T = 256
		r := rand.New(rand.NewPCG(1, 1))
		x := make([]float32, T*p.E)
		for i := range x {
			x[i] = float32(r.NormFloat64())
		}
		ids := make([]int32, T*p.K)
		w := make([]float32, T*p.K)
		load := make([]int64, p.E)
		s := p.NewScratch()
		for _, impl := range Available() {
			b.Run(fmt.Sprintf("K=%d/%v", K, impl), func(b *testing.B) {
				for b.Loop() {
					Route(impl, &p, s, ids, w, load, x, p.E, nil)
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/T, "ns/token")
			})
		}
	}
}
