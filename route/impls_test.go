package route_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/moegate/moegate/internal/testutil"
	"github.com/moegate/moegate/route"
)

// longTokens returns the token budget of TestRandomDifferential:
// MOEGATE_TOKENS if set, 1,000,000 with MOEGATE_LONG=1, else a few thousand.
func longTokens(t *testing.T) int {
	if s := os.Getenv("MOEGATE_TOKENS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			t.Fatalf("MOEGATE_TOKENS=%q: want a token count", s)
		}
		return n
	}
	if os.Getenv("MOEGATE_LONG") == "1" {
		return 1_000_000
	}
	if testing.Short() {
		return 1000
	}
	return 5000
}

// TestRandomDifferential is the seeded stand-in for the fuzzer where -fuzz
// cannot run (arm64 under qemu): random configurations (E up to 1024,
// sometimes 4096; every group rule), batch sizes across the Router's chunk,
// strides, start offsets, row kinds with ties and specials, bias or none,
// load or none; sometimes issue 9's rules and per-call inputs (expert
// scales, masks, forced ids). Every available SIMD implementation (or "go" when it is the
// only one) is compared with the reference on every batch. MOEGATE_SEED picks the seed (default 1);
// MOEGATE_LONG=1 routes at least 1,000,000 tokens; MOEGATE_TOKENS=n sets
// the budget directly.
func TestRandomDifferential(t *testing.T) {
	seed := uint64(1)
	if s := os.Getenv("MOEGATE_SEED"); s != "" {
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("MOEGATE_SEED=%q: %v", s, err)
		}
		seed = v
	}
	budget := longTokens(t)
	impls := route.Implementations()
	if len(impls) > 1 {
		// "go" is the reference's own code: with SIMD implementations
		// present, spend the budget on them.
		impls = impls[:len(impls)-1]
	}
	r := rand.New(rand.NewPCG(seed, 0x6d6f6567617465))
	start := time.Now()
	tokens, batches := 0, 0
	for tokens < budget {
		maxE := 1024
		if r.IntN(50) == 0 {
			maxE = 4096
		}
		cfg := testutil.RandConfig(r, maxE)
		ref, err := route.NewReference(cfg)
		if err != nil {
			t.Fatal(err)
		}
		// A few batches per configuration, mostly small, sometimes across
		// the Router's 256-token chunks.
		for range 1 + r.IntN(4) {
			T := 1 + r.IntN(8)
			switch r.IntN(10) {
			case 0:
				T = r.IntN(600)
			case 1, 2:
				T = 1 + r.IntN(64)
			}
			in := testutil.RandInput(r, cfg, T, r.IntN(3) == 0)
			testutil.RandPerInput(r, cfg, &in)
			withLoad := r.IntN(4) != 0
			want, err := testutil.RouteCanaried(ref, in, withLoad)
			if err == nil {
				err = testutil.CheckContract(want, cfg)
			}
			if err != nil {
				t.Fatalf("seed %d batch %d: reference: %v (config %v)", seed, batches, err, cfg)
			}
			for _, impl := range impls {
				got, err := route.NewImpl(cfg, impl)
				if err != nil {
					t.Fatal(err)
				}
				have, err := testutil.RouteCanaried(got, in, withLoad)
				if err == nil {
					err = testutil.Diff(want, have, cfg.TopK)
				}
				if err != nil {
					t.Fatalf("seed %d batch %d, %s vs reference: config %v, T=%d stride=%d offset=%d bias=%v load=%v:\n%v",
						seed, batches, impl, cfg, in.Tokens, in.Stride, testutil.Offset(in.Logits), in.Bias != nil, withLoad, err)
				}
			}
			tokens += T
			batches++
		}
	}
	t.Logf("seed %d: %d tokens in %d batches on %v, no difference (%v)", seed, tokens, batches, impls, time.Since(start).Round(time.Millisecond))
}

// TestConcurrent routes one shared Input with one Router from many
// goroutines, each into its own Output. Under -race, the Router's race
// annotations make the kernels' memory visible to the detector (it cannot
// see assembly).
func TestConcurrent(t *testing.T) {
	forEachImpl(t, func(t *testing.T, impl string) {
		for _, p := range []string{"deepseek-v3", "qwen3-moe", "mixtral-8x7b"} {
			pre, err := route.LookupPreset(p)
			if err != nil {
				t.Fatal(err)
			}
			ref, got := routers(t, pre.Config, impl)
			r := rand.New(rand.NewPCG(21, 22))
			const T = 300 // two chunks
			in := testutil.RandInput(r, pre.Config, T, false)
			want, err := testutil.RouteCanaried(ref, in, true)
			if err != nil {
				t.Fatal(err)
			}
			var wg sync.WaitGroup
			errs := make(chan error, 16)
			for g := 0; g < 8; g++ {
				wg.Go(func() {
					for range 10 {
						have, err := testutil.RouteCanaried(got, in, g%2 == 0)
						if err == nil {
							if g%2 != 0 {
								have.Load = want.Load // routed without load
							}
							err = testutil.Diff(want, have, pre.Config.TopK)
						}
						if err != nil {
							errs <- fmt.Errorf("%s goroutine %d: %v", p, g, err)
							return
						}
					}
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Error(err)
			}
		}
	})
}

// TestRaceDetectsSharedOutput checks, under -race, that the detector reports
// two goroutines routing into the same Output, for every implementation.
// For assembly this works only through the Router's race annotations. The
// racy routing runs in a child process (a race fails the test binary).
func TestRaceDetectsSharedOutput(t *testing.T) {
	if impl := os.Getenv("MOEGATE_RACE_CHILD"); impl != "" {
		racyChild(impl)
		return
	}
	if !testutil.RaceEnabled {
		t.Skip("needs -race")
	}
	if testing.Short() {
		t.Skip("spawns a child process; skipped with -short")
	}
	forEachImpl(t, func(t *testing.T, impl string) {
		cmd := exec.Command(os.Args[0], "-test.run=^TestRaceDetectsSharedOutput$", "-test.count=1")
		cmd.Env = append(os.Environ(), "MOEGATE_RACE_CHILD="+impl)
		out, err := cmd.CombinedOutput()
		if err == nil || !strings.Contains(string(out), "WARNING: DATA RACE") {
			t.Fatalf("shared Output on %s: no race reported (err %v):\n%s", impl, err, out)
		}
	})
}

func racyChild(impl string) {
	cfg := route.Config{Experts: 64, TopK: 4, Score: route.Softmax, Normalize: true}
	in := testutil.RandInput(rand.New(rand.NewPCG(1, 2)), cfg, 32, false)
	out := route.Output{IDs: make([]int32, 32*4), Weights: make([]float32, 32*4)}
	var wg sync.WaitGroup
	for range 2 {
		// A Router per goroutine: under -race, sync.Pool's Put and Get
		// order the goroutines that pass one scratch between them, which
		// would hide the race on out (the test failed most runs so).
		rt, err := route.NewImpl(cfg, impl)
		if err != nil {
			panic(err)
		}
		wg.Go(func() {
			for range 20 {
				rt.Route(out, in)
			}
		})
	}
	wg.Wait()
}

// TestZeroAllocs: Route allocates nothing once the Router's scratch pool is
// warm, for every preset and mode gate, every implementation, with and
// without bias and load, and with expert scales, a mask and forced ids.
func TestZeroAllocs(t *testing.T) {
	if testutil.RaceEnabled {
		t.Skip("sync.Pool drops items at random under -race")
	}
	forEachImpl(t, func(t *testing.T, impl string) {
		var cfgs []route.Config
		for _, p := range route.Presets() {
			cfgs = append(cfgs, p.Config)
		}
		cfgs = append(cfgs, modeConfigs()...)
		for _, cfg := range cfgs {
			rt, err := route.NewImpl(cfg, impl)
			if err != nil {
				t.Fatal(err)
			}
			T, runs := 64, 10
			if testing.Short() {
				T, runs = 8, 2 // qemu's extra CPU models (scripts/test-arm64.sh)
			}
			K, E := cfg.TopK, cfg.Experts
			r := rand.New(rand.NewPCG(1, 2))
			in := testutil.RandInput(r, cfg, T, false)
			scale := make([]float32, E)
			for i := range scale {
				scale[i] = 1.5
			}
			mask := make([]bool, T)
			for i := range mask {
				mask[i] = i%5 != 2
			}
			forced := make([]int32, T*K)
			for i := range forced {
				forced[i] = int32(i % K)
			}
			for mode := 0; mode < 8; mode++ {
				in.Bias, in.ExpertScale, in.Mask, in.ForcedIDs = nil, nil, nil, nil
				if mode&1 != 0 {
					in.Bias = make([]float32, E)
				}
				if mode&2 != 0 {
					in.ExpertScale, in.Mask = scale, mask
				}
				if mode&4 != 0 {
					in.ForcedIDs = forced
				}
				for _, load := range [][]int64{nil, make([]int64, E)} {
					out := route.Output{IDs: make([]int32, T*K), Weights: make([]float32, T*K), Load: load}
					if a := testing.AllocsPerRun(runs, func() {
						if err := rt.Route(out, in); err != nil {
							t.Fatal(err)
						}
					}); a != 0 {
						t.Errorf("%v on %s (mode %b, load %v): %v allocs per Route", cfg, impl, mode, load != nil, a)
					}
				}
			}
		}
	})
}

// TestExpectedImplementations fails when dispatch silently lost a kernel:
// CI states the list it expects for the machine, build tags and GODEBUG in
// MOEGATE_EXPECT_IMPLS (e.g. "avx512,avx2,go"; "avx2,go" under
// GODEBUG=cpu.avx512f=off; "go" with -tags purego; "neon,go" on arm64).
func TestExpectedImplementations(t *testing.T) {
	want := os.Getenv("MOEGATE_EXPECT_IMPLS")
	if want == "" {
		t.Skipf("MOEGATE_EXPECT_IMPLS not set; this machine and build run %v", route.Implementations())
	}
	if got := strings.Join(route.Implementations(), ","); got != want {
		t.Fatalf("Implementations() = %s, want %s", got, want)
	}
}
