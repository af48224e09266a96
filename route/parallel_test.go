package route_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/moegate/moegate/internal/testutil"
	"github.com/moegate/moegate/route"
)

// parallelResult routes in with RouteParallel on the given workers.
func parallelResult(r route.Router, in route.Input, withLoad bool, workers int) testutil.Result {
	cfg := r.Config()
	res := testutil.Result{IDs: make([]int32, in.Tokens*cfg.TopK), Weights: make([]float32, in.Tokens*cfg.TopK)}
	if withLoad {
		res.Load = make([]int64, cfg.Experts)
		for i := range res.Load {
			res.Load[i] = -7 // overwritten, as by Route
		}
	}
	res.Err = route.RouteParallel(r, route.Output{IDs: res.IDs, Weights: res.Weights, Load: res.Load}, in, workers)
	return res
}

// TestRouteParallel: RouteParallel returns exactly what one Route call
// returns (ids, weight bits, loads, error with the whole batch's token
// index), on every implementation, for shard counts that do and do not
// divide the batch, with bad rows in later shards.
func TestRouteParallel(t *testing.T) {
	forEachImpl(t, func(t *testing.T, impl string) {
		r := rand.New(rand.NewPCG(11, 12))
		names := []string{"deepseek-v3", "qwen3-moe", "mixtral-8x7b", "kimi-k2"}
		if testing.Short() {
			names = names[:1]
		}
		for n, name := range names {
			p, err := route.LookupPreset(name)
			if err != nil {
				t.Fatal(err)
			}
			rt, err := route.NewImpl(p.Config, impl)
			if err != nil {
				t.Fatal(err)
			}
			Ts := []int{0, 1, 511, 512, 513, 1024, 3000, 5000}
			if testing.Short() {
				Ts = []int{0, 511, 1024, 3000}
			}
			for _, T := range Ts {
				in := testutil.RandInput(r, p.Config, T, false)
				if T == 3000 && n%2 == 0 {
					// Bad rows in the second half only: the error names
					// the whole batch's token.
					row := 2000 + r.IntN(900)
					in.Logits[row*max(in.Stride, p.Config.Experts)+r.IntN(p.Config.Experts)] = float32(math.NaN())
				}
				want, err := testutil.RouteCanaried(rt, in, true)
				if err != nil {
					t.Fatal(err)
				}
				for _, workers := range []int{0, 2, 3, 7} {
					for _, withLoad := range []bool{true, false} {
						got := parallelResult(rt, in, withLoad, workers)
						w := want
						if !withLoad {
							w.Load = nil
						}
						if err := testutil.Diff(w, got, p.Config.TopK); err != nil {
							t.Fatalf("%s T=%d workers=%d load=%v: %v", name, T, workers, withLoad, err)
						}
					}
				}
			}
		}
	})
}

// TestRouteParallelErrors: whole-batch errors (shape, bias) are the ones
// one call returns, and the outputs are filled safely.
func TestRouteParallelErrors(t *testing.T) {
	p, _ := route.LookupPreset("deepseek-v3")
	rt, err := route.New(p.Config)
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(1, 2))
	T := 4096
	in := testutil.RandInput(r, p.Config, T, false)
	in.Bias = testutil.RandBias(r, p.Config.Experts)
	in.Bias[17] = float32(math.Inf(1))
	want, _ := testutil.RouteCanaried(rt, in, true)
	got := parallelResult(rt, in, true, 2)
	if err := testutil.Diff(want, got, p.Config.TopK); err != nil {
		t.Fatalf("bias error: %v", err)
	}
	in.Bias[17] = 0
	short := in
	short.Logits = in.Logits[:len(in.Logits)-1]
	want, _ = testutil.RouteCanaried(rt, short, true)
	got = parallelResult(rt, short, true, 2)
	if err := testutil.Diff(want, got, p.Config.TopK); err != nil {
		t.Fatalf("shape error: %v", err)
	}
	if got.Err == nil {
		t.Fatal("short logits: no error")
	}
}

// BenchmarkRouteParallel: DeepSeek-V3 at T = 65536 on 1 and 2 goroutines
// (the target: 2 goroutines >= 1.8x one). Compare the two rows'
// ns/token; the machine must have 2 idle cores for the figure to mean
// anything.
func BenchmarkRouteParallel(b *testing.B) {
	p, _ := route.LookupPreset("deepseek-v3")
	rt, err := route.New(p.Config)
	if err != nil {
		b.Fatal(err)
	}
	r := rand.New(rand.NewPCG(5, 6))
	const T = 65536
	in := testutil.RandInput(r, p.Config, T, false)
	in.Bias = testutil.RandBias(r, p.Config.Experts)
	K, E := p.Config.TopK, p.Config.Experts
	out := route.Output{IDs: make([]int32, T*K), Weights: make([]float32, T*K), Load: make([]int64, E)}
	for _, workers := range []int{1, 2} {
		b.Run(fmt.Sprintf("impl=%s/workers=%d", rt.Impl(), workers), func(b *testing.B) {
			for b.Loop() {
				if err := route.RouteParallel(rt, out, in, workers); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/T, "ns/token")
		})
	}
}

// TestRouteParallelErrorOrder: with a NaN logit in an early shard and a
// bad forced id in a later one, RouteParallel (and half-precision routing,
// which routes sub-chunks) returns the error one call returns.
func TestRouteParallelErrorOrder(t *testing.T) {
	forEachImpl(t, func(t *testing.T, impl string) {
		p, _ := route.LookupPreset("deepseek-v3")
		cfg := p.Config
		rt, err := route.NewImpl(cfg, impl)
		if err != nil {
			t.Fatal(err)
		}
		K, E := cfg.TopK, cfg.Experts
		r := rand.New(rand.NewPCG(21, 22))
		const T = 2048
		for c, kinds := range [][2]string{{"nan", "forced"}, {"forced", "nan"}, {"nan", "nan"}, {"forced", "forced"}} {
			in := testutil.RandInput(r, cfg, T, false)
			in.Stride = E
			in.Logits = in.Logits[:T*E]
			for i := range in.Logits {
				in.Logits[i] = float32(r.NormFloat64())
			}
			in.ForcedIDs = make([]int32, T*K)
			for i := range in.ForcedIDs {
				in.ForcedIDs[i] = int32(i % K)
			}
			for s, kind := range kinds {
				tok := 100 + s*1500 + r.IntN(300)
				switch kind {
				case "nan":
					in.Logits[tok*E+r.IntN(E)] = float32(math.NaN())
				case "forced":
					in.ForcedIDs[tok*K+1] = in.ForcedIDs[tok*K]
				}
			}
			want, err := testutil.RouteCanaried(rt, in, true)
			if err != nil {
				t.Fatal(err)
			}
			if want.Err == nil {
				t.Fatalf("case %d: no error", c)
			}
			got := parallelResult(rt, in, true, 2)
			if err := testutil.Diff(want, got, K); err != nil {
				t.Fatalf("case %d %v: RouteParallel: %v", c, kinds, err)
			}
			// The same through half-precision routing: bfloat16 logits
			// that convert to the float32 ones exactly.
			h := make([]uint16, len(in.Logits))
			for i, v := range in.Logits {
				b := math.Float32bits(v) & 0xFFFF0000
				h[i] = uint16(b >> 16)
				in.Logits[i] = math.Float32frombits(b)
			}
			want, _ = testutil.RouteCanaried(rt, in, true)
			hin := in
			hin.Logits, hin.LogitsHalf, hin.HalfFormat = nil, h, route.BFloat16
			have, _ := testutil.RouteCanaried(rt, hin, true)
			if err := testutil.Diff(want, have, K); err != nil {
				t.Fatalf("case %d %v: half: %v", c, kinds, err)
			}
		}
	})
}
