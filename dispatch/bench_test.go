package dispatch

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/moegate/moegate/asm"
)

// BenchmarkBuild: the plan for T = 4096, K = 8, E = 256 (DeepSeek-V3's
// shape), counts and offsets included; ns/token is the figure of the
// target (<= 15).
func BenchmarkBuild(b *testing.B) {
	const T, K, E = 4096, 8, 256
	r := rand.New(rand.NewPCG(1, 1))
	ids := randIDs(r, T, K, E, 0)
	p := NewPlan(T*K, E)
	b.Run("T=4096/K=8/E=256", func(b *testing.B) {
		for b.Loop() {
			_ = Build(p, ids, K, E)
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/T, "ns/token")
	})
	b.Run("capacity/T=4096/K=8/E=256", func(b *testing.B) {
		c, _ := Capacity(1.25, T*K, E)
		d := make([]int32, T*K)
		for b.Loop() {
			_, _ = BuildCapacity(p, d, ids, K, E, c)
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/T, "ns/token")
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

// copyBandwidth measures this machine's streaming bandwidth on a working
// set of n bytes, in GB/s: a copy (Go's memmove) of n/2 bytes into
// another n/2, counting both the bytes read and the bytes written, best
// of a few runs.
func copyBandwidth(n int) float64 {
	src := make([]byte, n/2)
	dst := make([]byte, n/2)
	for i := range src {
		src[i] = byte(i)
	}
	best := time.Duration(1 << 62)
	for rep := 0; rep < 5; rep++ {
		start := time.Now()
		const iters = 4
		for i := 0; i < iters; i++ {
			copy(dst, src)
		}
		if d := time.Since(start) / iters; d < best {
			best = d
		}
	}
	return float64(n) / best.Seconds() / 1e9
}

// BenchmarkCombine: hidden 7168 (DeepSeek-V3), K = 8, T tokens with y in
// expert order (a plan's rows). The figure is GB/s of bytes moved (the
// T*K rows of y read and the T rows of out written), printed beside the
// streaming bandwidth of a copy of the same working set measured in the
// same process; the target is combine >= 50% of it for float32.
func BenchmarkCombine(b *testing.B) {
	const K, E, H = 8, 256, 7168
	for _, T := range []int{64} {
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
		bytes32 := float64((T*K + T) * H * 4)
		bw := copyBandwidth(int(bytes32))
		fmt.Printf("streaming bandwidth (copy of %.1f MB): %.2f GB/s\n", bytes32/1e6, bw)
		for _, impl := range asm.Available() {
			b.Run(fmt.Sprintf("f32/T=%d/H=%d/K=%d/%v", T, H, K, impl), func(b *testing.B) {
				b.SetBytes(int64(bytes32))
				for b.Loop() {
					_ = CombineImpl(impl, l, out, y, nil, w, ids, p.Inverse)
				}
				gbs := bytes32 * float64(b.N) / b.Elapsed().Seconds() / 1e9
				b.ReportMetric(gbs, "GB/s")
				b.ReportMetric(bw, "copyGB/s")
				b.ReportMetric(100*gbs/bw, "%copy")
			})
			b.Run(fmt.Sprintf("bf16/T=%d/H=%d/K=%d/%v", T, H, K, impl), func(b *testing.B) {
				b.SetBytes(int64(bytes32 / 2))
				for b.Loop() {
					_ = CombineBF16Impl(impl, l, ob, yb, nil, w, ids, p.Inverse)
				}
				gbs := bytes32 / 2 * float64(b.N) / b.Elapsed().Seconds() / 1e9
				b.ReportMetric(gbs, "GB/s")
			})
		}
	}
}
