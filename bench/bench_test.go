package bench

import (
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/klauspost/cpuid/v2"
	"github.com/moegate/moegate/route"
)

// Ts are the batch sizes benchmarked for every preset and implementation.
var Ts = []int{1, 16, 256, 4096, 65536}

func TestMain(m *testing.M) {
	flag.Parse()
	if f := flag.Lookup("test.bench"); f != nil && f.Value.String() != "" {
		printCPU(os.Stdout)
	}
	os.Exit(m.Run())
}

// printCPU names the machine in "key: value" lines, which benchstat keeps
// as configuration next to goos, goarch and cpu.
func printCPU(w io.Writer) {
	c := &cpuid.CPU
	fmt.Fprintf(w, "cpu-brand: %s\n", c.BrandName)
	fmt.Fprintf(w, "cpu-vendor: %s family %d model %d\n", c.VendorString, c.Family, c.Model)
	if runtime.GOARCH == "amd64" {
		fmt.Fprintf(w, "cpu-x86-64-level: v%d\n", c.X64Level())
	}
	fmt.Fprintf(w, "cpu-cores: %d physical, %d logical, GOMAXPROCS %d\n", c.PhysicalCores, c.LogicalCores, runtime.GOMAXPROCS(0))
	fmt.Fprintf(w, "cpu-cache: L1d %d B, L2 %d B, L3 %d B\n", c.Cache.L1D, c.Cache.L2, c.Cache.L3)
	fmt.Fprintf(w, "cpu-features: %s\n", strings.Join(c.FeatureSet(), ","))
	fmt.Fprintf(w, "moegate-impls: %s\n", strings.Join(route.Implementations(), ","))
}

// input returns T tokens of realistic router logits for p (normal, sd 1.5,
// from a generator seeded by the preset and T) and, for presets that route
// with a selection bias, a bias (normal, sd 0.1).
func input(p route.Preset, T int) route.Input {
	E := p.Config.Experts
	r := rand.New(rand.NewPCG(uint64(E)<<32|uint64(T), 0x6265_6e63_68))
	x := make([]float32, T*E)
	for i := range x {
		x[i] = float32(r.NormFloat64() * 1.5)
	}
	in := route.Input{Logits: x, Tokens: T}
	if p.Config.SelectionBias {
		in.Bias = make([]float32, E)
		for i := range in.Bias {
			in.Bias[i] = float32(r.NormFloat64() * 0.1)
		}
	}
	return in
}

// BenchmarkRoute: every preset x T x implementation, one goroutine, named
// BenchmarkRoute/<preset>/T=<T>/<impl>. Reports ns/token and tokens/s;
// Route must report 0 allocs/op.
func BenchmarkRoute(b *testing.B) {
	for _, p := range route.Presets() {
		b.Run(p.Name, func(b *testing.B) {
			for _, T := range Ts {
				b.Run(fmt.Sprintf("T=%d", T), func(b *testing.B) {
					var in route.Input
					var once sync.Once
					for _, impl := range route.Implementations() {
						b.Run(impl, func(b *testing.B) {
							once.Do(func() { in = input(p, T) }) // only for benchmarks that run
							rt, err := route.NewImpl(p.Config, impl)
							if err != nil {
								b.Fatal(err)
							}
							K, E := p.Config.TopK, p.Config.Experts
							out := route.Output{IDs: make([]int32, T*K), Weights: make([]float32, T*K), Load: make([]int64, E)}
							// Finish any collection the input's allocation started
							// (a GC empties sync.Pool), then warm the scratch pool.
							runtime.GC()
							if err := rt.Route(out, in); err != nil {
								b.Fatal(err)
							}
							b.ReportAllocs()
							for b.Loop() {
								if err := rt.Route(out, in); err != nil {
									b.Fatal(err)
								}
							}
							tok := float64(b.N) * float64(T)
							b.ReportMetric(float64(b.Elapsed().Nanoseconds())/tok, "ns/token")
							b.ReportMetric(tok/b.Elapsed().Seconds(), "tokens/s")
						})
					}
				})
			}
		})
	}
}

// TestInputs routes every preset's benchmark input once on every
// implementation, so that a broken benchmark fails go test too.
func TestInputs(t *testing.T) {
	for _, p := range route.Presets() {
		in := input(p, 16)
		for _, impl := range route.Implementations() {
			rt, err := route.NewImpl(p.Config, impl)
			if err != nil {
				t.Fatal(err)
			}
			K := p.Config.TopK
			if err := rt.Route(route.Output{IDs: make([]int32, 16*K), Weights: make([]float32, 16*K)}, in); err != nil {
				t.Errorf("%s on %s: %v", p.Name, impl, err)
			}
		}
	}
}

// SmallTs are the batch sizes of BenchmarkRouteSmall: decode-sized calls,
// where the per-call cost (checks, scratch, dispatch) shows, and two larger
// ones for scale.
var SmallTs = []int{1, 2, 4, 8, 16, 64, 4096}

// BenchmarkRouteSmall: every preset x SmallTs x implementation, one
// goroutine, named BenchmarkRouteSmall/<preset>/T=<T>/<impl>; ns/op is the
// cost of one call, ns/token that divided by T. The output has a load
// buffer, as in BenchmarkRoute; BenchmarkRouteSmall/<preset>/T=1-noload
// routes one token with Output.Load nil. Route must report 0 allocs/op.
func BenchmarkRouteSmall(b *testing.B) {
	for _, p := range route.Presets() {
		b.Run(p.Name, func(b *testing.B) {
			for _, T := range SmallTs {
				benchTokens(b, p, T, fmt.Sprintf("T=%d", T), true)
				if T == 1 {
					benchTokens(b, p, T, "T=1-noload", false)
				}
			}
		})
	}
}

func benchTokens(b *testing.B, p route.Preset, T int, name string, withLoad bool) {
	b.Run(name, func(b *testing.B) {
		var in route.Input
		var once sync.Once
		for _, impl := range route.Implementations() {
			b.Run(impl, func(b *testing.B) {
				once.Do(func() { in = input(p, T) }) // only for benchmarks that run
				rt, err := route.NewImpl(p.Config, impl)
				if err != nil {
					b.Fatal(err)
				}
				K, E := p.Config.TopK, p.Config.Experts
				out := route.Output{IDs: make([]int32, T*K), Weights: make([]float32, T*K)}
				if withLoad {
					out.Load = make([]int64, E)
				}
				runtime.GC()
				if err := rt.Route(out, in); err != nil {
					b.Fatal(err)
				}
				b.ReportAllocs()
				runtime.LockOSThread()
				defer runtime.UnlockOSThread()
				c0, cpuOK := threadCPU()
				for b.Loop() {
					if err := rt.Route(out, in); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/(float64(b.N)*float64(T)), "ns/token")
				if c1, _ := threadCPU(); cpuOK {
					// The thread's CPU time: what a loaded machine's waiting
					// for a core does not inflate (scripts/ab.sh compares it).
					b.ReportMetric(float64(c1-c0)/float64(b.N), "cpu-ns/op")
				}
			})
		}
	})
}
