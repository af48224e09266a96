package dispatch

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/moegate/moegate/asm"
)

// BenchmarkBuild: the plan for T = 4096, K = 8, E = 256 (DeepSeek-V3's
// shape), counts and offsets included; ns/token is the figure of the
// target (<= 15). cpu-ns/token is the same measured in the thread's CPU
// time (Linux), which excludes the time the thread waited for a core on
// a shared machine.
func BenchmarkBuild(b *testing.B) {
	const T, K, E = 4096, 8, 256
	r := rand.New(rand.NewPCG(1, 1))
	ids := randIDs(r, T, K, E, 0)
	p := NewPlan(T*K, E)
	b.Run("T=4096/K=8/E=256", func(b *testing.B) {
		defer lockThread()()
		c0 := threadCPU()
		for b.Loop() {
			_ = Build(p, ids, K, E)
		}
		cpu := threadCPU() - c0
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/T, "ns/token")
		b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N)/T, "cpu-ns/token")
	})
	// The stages of Build alone, to see where SIMD could pay: the
	// validating count pass, the prefix sum over E, the placement.
	b.Run("stage=count/T=4096/K=8/E=256", func(b *testing.B) {
		counts := p.Counts
		for b.Loop() {
			clear(counts)
			for _, id := range ids {
				if i := int(id); uint(i) < uint(len(counts)) {
					counts[i]++
				}
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/T, "ns/token")
	})
	b.Run("stage=prefix/E=256", func(b *testing.B) {
		off := p.Offsets
		for b.Loop() {
			sum := int32(0)
			for e, c := range p.Counts {
				off[e+1] = sum
				sum += c
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/T, "ns/token")
	})
	b.Run("capacity/T=4096/K=8/E=256", func(b *testing.B) {
		c, _ := Capacity(1.25, T*K, E)
		d := make([]int32, T*K)
		defer lockThread()()
		c0 := threadCPU()
		for b.Loop() {
			_, _ = BuildCapacity(p, d, ids, K, E, c)
		}
		cpu := threadCPU() - c0
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/T, "ns/token")
		b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N)/T, "cpu-ns/token")
	})
	b.Run("align/T=4096/K=8/E=256/block=64", func(b *testing.B) {
		_ = Build(p, ids, K, E)
		sl, nb := AlignedLen(T*K, E, 64)
		sorted, be := make([]int32, sl), make([]int32, nb)
		for b.Loop() {
			_, _ = Align(sorted, be, p, 64, nil, false)
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/T, "ns/token")
	})
}

// clock returns the calling thread's CPU time where the OS gives it
// (Linux), else the wall clock. Benchmarks that use it lock their
// goroutine to its thread.
func clock() time.Duration {
	if c := threadCPU(); c != 0 {
		return c
	}
	return time.Duration(time.Now().UnixNano())
}

// copyBandwidth is the streaming bandwidth of a copy (Go's memmove) of
// size bytes from src to dst (size/2 read, size/2 written), in GB/s of
// clock() time: the median of 5 timed runs of 3 copies, after a warm-up
// copy.
func copyBandwidth(dst, src []byte, size int) float64 {
	d, s := dst[:size/2], src[:size/2]
	copy(d, s)
	var runs []float64
	for rep := 0; rep < 5; rep++ {
		t0 := clock()
		for i := 0; i < 3; i++ {
			copy(d, s)
		}
		runs = append(runs, float64(3*size)/(clock()-t0).Seconds()/1e9)
	}
	slices.Sort(runs)
	return runs[2]
}

// BenchmarkCombine: hidden 7168 (DeepSeek-V3), K = 8, T tokens with y in
// expert order (a plan's rows): T = 64 (16.5 MB, held in this CPU's L3)
// and T = 512 (132 MB, from DRAM). Bytes moved are the T*K rows of y read
// and the T rows of out written (half for bfloat16). Each sub-benchmark
// also measures a copy of a working set of the same size just before and
// just after its timed loop (copyGB/s, their mean), since this machine is
// shared and its bandwidth moves between runs. GB/s is the combine's,
// %copy the ratio: the target is float32 >= 50%. Both are bytes per
// second of the thread's CPU time (Linux; wall time elsewhere), so that
// the time the thread waits for a core on a busy machine counts on
// neither side; ns/op is wall time.
func BenchmarkCombine(b *testing.B) {
	const K, E, H = 8, 256, 7168
	for _, T := range []int{64, 512} {
		r := rand.New(rand.NewPCG(2, 2))
		ids := randIDs(r, T, K, E, 0)
		p := NewPlan(T*K, E)
		_ = Build(p, ids, K, E)
		y := randRows(r, T*K*H)
		w := randRows(r, T*K)
		out := make([]float32, T*H)
		yb := toBF16(y)
		ob := make([]uint16, T*H)
		l := Layout{Hidden: H, K: K, Experts: E}
		bytes32 := (T*K + T) * H * 4
		src, dst := make([]byte, bytes32/2), make([]byte, bytes32/2)
		for i := range src {
			src[i] = byte(i)
		}
		for _, impl := range asm.Available() {
			for _, bf16 := range []bool{false, true} {
				dt, size := "f32", bytes32
				if bf16 {
					dt, size = "bf16", bytes32/2
				}
				b.Run(fmt.Sprintf("%s/T=%d/H=%d/K=%d/%v", dt, T, H, K, impl), func(b *testing.B) {
					defer lockThread()()
					before := copyBandwidth(dst, src, size)
					run := func() {
						if bf16 {
							_ = CombineBF16Impl(impl, l, ob, yb, nil, w, ids, p.Inverse)
						} else {
							_ = CombineImpl(impl, l, out, y, nil, w, ids, p.Inverse)
						}
					}
					run() // warm: the copy above evicted part of y from the caches
					b.ResetTimer()
					c0 := clock()
					for b.Loop() {
						run()
					}
					el := clock() - c0
					cbs := (before + copyBandwidth(dst, src, size)) / 2
					gbs := float64(size) * float64(b.N) / el.Seconds() / 1e9
					b.ReportMetric(gbs, "GB/s")
					b.ReportMetric(cbs, "copyGB/s")
					b.ReportMetric(100*gbs/cbs, "%copy")
				})
			}
		}
	}
}
