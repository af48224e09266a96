package route_test

// The implementation harness: every test here runs once per implementation
// this machine and build can run (route.Implementations(), as Go's
// crypto/internal/impl does), and holds each one to the pure-Go reference
// bit for bit: ids, weight bits, loads, and error identity, message and
// fields. Outputs are surrounded by canaries; inputs are also placed flush
// against PROT_NONE guard pages (linux), so that an over-read faults.
//
// Today only "go" is available, so these tests check the harness and the
// reference's own determinism; assembly implementations are covered as soon
// as asm.Available() lists them, with no change here.

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime/debug"
	"slices"
	"testing"

	"github.com/moegate/moegate/internal/testutil"
	"github.com/moegate/moegate/route"
)

// forEachImpl runs f as a subtest per available implementation.
func forEachImpl(t *testing.T, f func(t *testing.T, impl string)) {
	t.Helper()
	for _, name := range route.Implementations() {
		t.Run(name, func(t *testing.T) { f(t, name) })
	}
}

// routers returns the reference and the named implementation for cfg.
func routers(t testing.TB, cfg route.Config, impl string) (ref, got route.Router) {
	t.Helper()
	ref, err := route.NewReference(cfg)
	if err != nil {
		t.Fatalf("NewReference(%v): %v", cfg, err)
	}
	got, err = route.NewImpl(cfg, impl)
	if err != nil {
		t.Fatalf("NewImpl(%v, %q): %v", cfg, impl, err)
	}
	if got.Impl() != impl {
		t.Fatalf("NewImpl(%q).Impl() = %q", impl, got.Impl())
	}
	return ref, got
}

// diff fails t when got differs from ref on in.
func diff(t testing.TB, ref, got route.Router, in route.Input, withLoad bool, what string) {
	t.Helper()
	if err := testutil.Differential(ref, got, in, withLoad); err != nil {
		t.Fatalf("%s\nconfig %v, T=%d stride=%d bias=%v offset=%d:\n%v",
			what, ref.Config(), in.Tokens, in.Stride, in.Bias != nil, testutil.Offset(in.Logits), err)
	}
}

func TestImplementations(t *testing.T) {
	impls := route.Implementations()
	if len(impls) == 0 || impls[len(impls)-1] != "go" {
		t.Fatalf("Implementations() = %v, want the Go reference last", impls)
	}
	cfg := route.Config{Experts: 8, TopK: 2}
	for _, name := range impls {
		if _, err := route.NewImpl(cfg, name); err != nil {
			t.Errorf("NewImpl(%q): %v", name, err)
		}
	}
	for _, name := range []string{"avx2", "avx512", "neon", "bogus", ""} {
		if slices.Contains(impls, name) {
			continue
		}
		if _, err := route.NewImpl(cfg, name); !errors.Is(err, route.ErrUnsupported) {
			t.Errorf("NewImpl(%q) = %v, want ErrUnsupported", name, err)
		}
	}
	t.Logf("implementations: %v", impls)
}

// shapeKs returns every K up to 16 and the large Ks E/2 and E.
func shapeKs(E int) []int {
	var ks []int
	for k := 1; k <= min(E, 16); k++ {
		ks = append(ks, k)
	}
	for _, k := range []int{E / 2, E} {
		if k > 16 {
			ks = append(ks, k)
		}
	}
	return ks
}

// TestShapes: every E around a loop threshold, every K up to 16 and large
// K, both score functions, with and without bias, normalisation and scale
// alternating, row kinds (ties, specials, equal rows, bad rows) rotating,
// odd strides and start offsets 0..15 rotating.
func TestShapes(t *testing.T) {
	forEachImpl(t, func(t *testing.T, impl string) {
		r := rand.New(rand.NewPCG(3, 4))
		es := append(slices.Clone(testutil.ShapeEs), 4096)
		n := 0
		for _, E := range es {
			for _, K := range shapeKs(E) {
				for _, score := range []route.ScoreFunc{route.Sigmoid, route.Softmax} {
					for _, withBias := range []bool{false, true} {
						if E == 4096 && K > 1 && K < 8 && K != 2 {
							continue // 4096 once: K in {1, 2, 8..16, 2048, 4096}
						}
						n++
						cfg := route.Config{Experts: E, TopK: K, Score: score,
							Normalize: (n/2)%2 == 0, Scale: testutil.Scales[n%len(testutil.Scales)]}
						ref, got := routers(t, cfg, impl)
						T := 1 + n%5
						stride := E + []int{0, 1, 3, 0, 16}[n%5]
						x := testutil.Aligned((T-1)*stride+E, n%16)
						for i := range x {
							x[i] = float32(r.NormFloat64())
						}
						for tk := 0; tk < T; tk++ {
							kind := (n + tk) % testutil.NumRowKinds
							if n%3 != 0 && kind == testutil.RowBad {
								kind = testutil.RowNormal
							}
							testutil.FillRow(r, x[tk*stride:tk*stride+E], kind)
						}
						in := route.Input{Logits: x, Tokens: T, Stride: stride}
						if withBias {
							in.Bias = testutil.RandBias(r, E)
						}
						diff(t, ref, got, in, n%4 != 0, fmt.Sprintf("case %d", n))
					}
				}
			}
		}
		t.Logf("%d configurations", n)
	})
}

// TestEveryE: every expert count from 1 to 4*16*2+16 = 144 and on to 160
// (every tail length of a 16-lane loop unrolled twice, DESIGN.md section 5),
// small, middle and full K, both score functions, bias on every other E.
func TestEveryE(t *testing.T) {
	forEachImpl(t, func(t *testing.T, impl string) {
		r := rand.New(rand.NewPCG(15, 16))
		for E := 1; E <= 160; E++ {
			for _, K := range slices.Compact([]int{1, min(8, E), E}) {
				for _, score := range []route.ScoreFunc{route.Sigmoid, route.Softmax} {
					cfg := route.Config{Experts: E, TopK: K, Score: score, Normalize: E%2 == 0, Scale: 2.5}
					ref, got := routers(t, cfg, impl)
					const T = 3
					x := testutil.Aligned(T*E, E%16)
					testutil.FillRow(r, x[:E], testutil.RowNormal)
					testutil.FillRow(r, x[E:2*E], testutil.RowTies)
					testutil.FillRow(r, x[2*E:], testutil.RandKind(r, true))
					in := route.Input{Logits: x, Tokens: T}
					if E%2 == 1 {
						in.Bias = testutil.RandBias(r, E)
					}
					diff(t, ref, got, in, true, fmt.Sprintf("E=%d", E))
				}
			}
		}
	})
}

// TestGroupLayouts: every valid group layout of a set of Es, both group
// rules, every TopGroups, K from 1 to the most the kept groups hold.
func TestGroupLayouts(t *testing.T) {
	forEachImpl(t, func(t *testing.T, impl string) {
		r := rand.New(rand.NewPCG(5, 6))
		n := 0
		for _, E := range []int{2, 4, 6, 8, 9, 12, 16, 32, 60, 64, 128, 160, 256} {
			for G := 2; G <= E; G++ {
				if E%G != 0 {
					continue
				}
				per := E / G
				for _, rule := range []route.GroupRule{route.GroupTop2Sum, route.GroupMax} {
					if rule == route.GroupTop2Sum && per < 2 {
						continue
					}
					for TG := 1; TG <= G; TG++ {
						if G > 16 && TG > 2 && TG != G/2 && TG < G-1 {
							continue // every TopGroups up to 16 groups; the edges beyond
						}
						maxK := TG * per
						ks := []int{1, min(8, maxK), maxK}
						slices.Sort(ks)
						ks = slices.Compact(ks)
						for _, K := range ks {
							if K > maxK {
								continue
							}
							for _, score := range []route.ScoreFunc{route.Sigmoid, route.Softmax} {
								if G > 16 && score == route.ScoreFunc(TG%2) {
									continue // one score function per layout beyond 16 groups
								}
								n++
								cfg := route.Config{Experts: E, TopK: K, Score: score, Groups: G, TopGroups: TG,
									GroupRule: rule, Normalize: n%2 == 0, Scale: 2.5}
								ref, got := routers(t, cfg, impl)
								T := 2
								x := testutil.Aligned(T*E, n%16)
								testutil.FillRow(r, x[:E], []int{testutil.RowNormal, testutil.RowTies, testutil.RowEqual, testutil.RowZeros}[n%4])
								testutil.FillRow(r, x[E:], testutil.RowNormal)
								in := route.Input{Logits: x, Tokens: T}
								diff(t, ref, got, in, true, "no bias")
								in.Bias = testutil.RandBias(r, E)
								diff(t, ref, got, in, true, "bias")
							}
						}
					}
				}
			}
		}
		t.Logf("%d group configurations", n)
	})
}

// TestOffsetsAndStrides: logits starting at every element offset 0..15 of
// a 64-byte boundary, with odd and even strides.
func TestOffsetsAndStrides(t *testing.T) {
	forEachImpl(t, func(t *testing.T, impl string) {
		r := rand.New(rand.NewPCG(7, 8))
		cfgs := func(E int) []route.Config {
			return []route.Config{
				{Experts: E, TopK: min(8, E), Score: route.Sigmoid, Normalize: true, Scale: 2.5},
				{Experts: E, TopK: min(2, E), Score: route.Softmax, Normalize: true},
				{Experts: E, TopK: min(6, E), Score: route.Softmax},
			}
		}
		for _, E := range []int{1, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 64, 160, 257} {
			for ci, cfg := range cfgs(E) {
				ref, got := routers(t, cfg, impl)
				for off := 0; off < 16; off++ {
					for _, stride := range []int{E, E + 1, E + 3, E + 8, E + 15, 2*E + 1} {
						T := 3
						x := testutil.Aligned((T-1)*stride+E, off)
						if testutil.Offset(x) != off {
							t.Fatalf("Aligned: offset %d, want %d", testutil.Offset(x), off)
						}
						for i := range x {
							x[i] = float32(r.NormFloat64() * 2)
						}
						testutil.FillRow(r, x[stride:stride+E], testutil.RowTies)
						in := route.Input{Logits: x, Tokens: T, Stride: stride}
						if ci == 0 {
							in.Bias = testutil.Aligned(E, (off+5)%16)
							copy(in.Bias, testutil.RandBias(r, E))
						}
						diff(t, ref, got, in, off%2 == 0, fmt.Sprintf("offset %d", off))
					}
				}
			}
		}
	})
}

// TestSpecials: every special value of DESIGN.md section 5 as a whole row,
// at the first, middle and last position, alternating with its negation,
// and with exact ties.
func TestSpecials(t *testing.T) {
	forEachImpl(t, func(t *testing.T, impl string) {
		r := rand.New(rand.NewPCG(9, 10))
		for _, E := range []int{1, 2, 5, 8, 16, 17, 33, 64, 160, 256, 257} {
			cfgs := []route.Config{
				{Experts: E, TopK: min(8, E), Score: route.Sigmoid, Normalize: true, Scale: 2.5},
				{Experts: E, TopK: min(4, E), Score: route.Softmax},
				{Experts: E, TopK: min(2, E), Score: route.Softmax, Normalize: true},
				{Experts: E, TopK: 1, Score: route.Sigmoid},
			}
			if E%8 == 0 && E >= 16 {
				cfgs = append(cfgs,
					route.Config{Experts: E, TopK: 8, Score: route.Sigmoid, Groups: 8, TopGroups: 4, Normalize: true, Scale: 2.5},
					route.Config{Experts: E, TopK: 6, Score: route.Softmax, Groups: 8, TopGroups: 3, GroupRule: route.GroupMax, Scale: 16})
			}
			for _, cfg := range cfgs {
				ref, got := routers(t, cfg, impl)
				for _, sp := range testutil.Specials {
					const T = 6
					x := make([]float32, T*E)
					for i := range x {
						x[i] = float32(r.NormFloat64() * 2)
					}
					for i := range E {
						x[i] = sp // whole row
						x[3*E+i] = float32(r.IntN(3)) * 0.5
						if i%2 == 1 {
							x[4*E+i] = -sp
						} else {
							x[4*E+i] = sp
						}
					}
					x[E] = sp       // first
					x[2*E+E/2] = sp // middle
					x[3*E+E-1] = sp // last, among ties
					x[5*E+E-1] = sp // last
					x[5*E] = -sp    // and its negation first
					in := route.Input{Logits: x, Tokens: T}
					diff(t, ref, got, in, true, fmt.Sprintf("special %v", sp))
					in.Bias = testutil.RandBias(r, E)
					diff(t, ref, got, in, true, fmt.Sprintf("special %v with bias", sp))
				}
				// One non-finite row per position of the batch: the error
				// names the first; the others still route.
				for bad := 0; bad < 4; bad++ {
					x := make([]float32, 4*E)
					testutil.FillRow(r, x, testutil.RowNormal)
					x[bad*E+r.IntN(E)] = float32(math.NaN())
					if bad < 3 {
						x[3*E] = float32(math.Inf(-1))
					}
					diff(t, ref, got, route.Input{Logits: x, Tokens: 4}, true, "bad row")
				}
				// Non-finite bias.
				x := make([]float32, 2*E)
				testutil.FillRow(r, x, testutil.RowNormal)
				b := testutil.RandBias(r, E)
				b[E-1] = float32(math.Inf(1))
				diff(t, ref, got, route.Input{Logits: x, Tokens: 2, Bias: b}, true, "bad bias")
			}
		}
	})
}

// TestChunkBoundaries: batches around the Router's chunk of 256 tokens,
// with bad tokens at chunk edges.
func TestChunkBoundaries(t *testing.T) {
	forEachImpl(t, func(t *testing.T, impl string) {
		r := rand.New(rand.NewPCG(11, 12))
		for _, cfg := range []route.Config{
			{Experts: 8, TopK: 2, Score: route.Softmax, Normalize: true},
			{Experts: 64, TopK: 6, Score: route.Softmax},
			{Experts: 256, TopK: 8, Score: route.Sigmoid, Groups: 8, TopGroups: 4, Normalize: true, Scale: 2.5},
		} {
			ref, got := routers(t, cfg, impl)
			E := cfg.Experts
			for _, T := range []int{0, 1, 255, 256, 257, 513} {
				for _, bad := range []int{-1, 0, 255, 256, 257} {
					if bad >= T {
						continue
					}
					x := make([]float32, T*E+1)
					testutil.FillRow(r, x, testutil.RowNormal)
					if bad >= 0 {
						x[bad*E+E-1] = float32(math.Inf(1))
						if bad+3 < T {
							x[(bad+3)*E] = float32(math.NaN())
						}
					}
					in := route.Input{Logits: x[:max(T*E, 0)], Tokens: T}
					if T == 257 {
						in.Logits = x // longer than needed is fine
					}
					diff(t, ref, got, in, true, fmt.Sprintf("T=%d bad=%d", T, bad))
					in.Bias = testutil.RandBias(r, E)
					diff(t, ref, got, in, false, fmt.Sprintf("T=%d bad=%d bias", T, bad))
				}
			}
		}
	})
}

// TestImplShapeErrors: rejected shapes give the same error and safe outputs.
func TestImplShapeErrors(t *testing.T) {
	forEachImpl(t, func(t *testing.T, impl string) {
		cfg := route.Config{Experts: 16, TopK: 4, Score: route.Sigmoid, Normalize: true}
		ref, got := routers(t, cfg, impl)
		x := make([]float32, 64)
		testutil.FillRow(rand.New(rand.NewPCG(1, 1)), x, testutil.RowNormal)
		for i, in := range []route.Input{
			{Logits: x, Tokens: -1},
			{Logits: x, Tokens: 4, Stride: 15},
			{Logits: x[:63], Tokens: 4},
			{Logits: x, Tokens: 2, Stride: 40, Bias: make([]float32, 15)},
			{Logits: x, Tokens: 3, Stride: math.MaxInt / 2},
			{Logits: x, Tokens: 3, Stride: 30},
		} {
			diff(t, ref, got, in, i%2 == 0, fmt.Sprintf("shape error %d", i))
		}
		// Output lengths that do not match.
		for _, n := range []int{7, 9} {
			wr, wg := make([]int32, n), make([]int32, n)
			fr, fg := make([]float32, n), make([]float32, n)
			e1 := ref.Route(route.Output{IDs: wr, Weights: fr}, route.Input{Logits: x[:32], Tokens: 2})
			e2 := got.Route(route.Output{IDs: wg, Weights: fg}, route.Input{Logits: x[:32], Tokens: 2})
			if err := testutil.DiffErr(e1, e2); err != nil || e1 == nil {
				t.Fatalf("len %d: %v (reference error %v)", n, err, e1)
			}
			if !slices.Equal(wr, wg) || !slices.Equal(fr, fg) {
				t.Fatalf("len %d: safe outputs differ: %v %v vs %v %v", n, wg, fg, wr, fr)
			}
		}
	})
}

// TestGuardPages: logits and bias flush against PROT_NONE pages, at the
// end (over-reads) and at the start (under-reads), for every shape E.
func TestGuardPages(t *testing.T) {
	const maxN = 3*(4096+1) + 16
	gx, err := testutil.NewGuarded(maxN)
	if err != nil {
		t.Skipf("no guard pages here: %v", err)
	}
	defer gx.Free()
	gb, err := testutil.NewGuarded(4096)
	if err != nil {
		t.Skipf("no guard pages here: %v", err)
	}
	defer gb.Free()
	forEachImpl(t, func(t *testing.T, impl string) {
		r := rand.New(rand.NewPCG(13, 14))
		es := append(slices.Clone(testutil.ShapeEs), 4096)
		for _, E := range es {
			cfgs := []route.Config{
				{Experts: E, TopK: min(8, E), Score: route.Sigmoid, Normalize: true, Scale: 2.5},
				{Experts: E, TopK: min(2, E), Score: route.Softmax, Normalize: true},
				{Experts: E, TopK: min(6, E), Score: route.Softmax},
			}
			if E%8 == 0 {
				cfgs = append(cfgs, route.Config{Experts: E, TopK: min(8, E/2), Score: route.Sigmoid,
					Groups: 8, TopGroups: 4, GroupRule: route.GroupRule(E % 16 / 8), Normalize: true})
			}
			for ci, cfg := range cfgs {
				ref, got := routers(t, cfg, impl)
				for _, T := range []int{1, 2, 3} {
					for _, stride := range []int{E, E + 1} {
						n := (T-1)*stride + E
						for _, head := range []bool{false, true} {
							var x []float32
							if head {
								x = gx.Head(n)
							} else {
								x = gx.Tail(n)
							}
							for i := range x {
								x[i] = float32(r.NormFloat64() * 2)
							}
							in := route.Input{Logits: x, Tokens: T, Stride: stride}
							if ci%2 == 0 {
								if head {
									in.Bias = gb.Head(E)
								} else {
									in.Bias = gb.Tail(E)
								}
								copy(in.Bias, testutil.RandBias(r, E))
							}
							guardedDiff(t, ref, got, in, fmt.Sprintf("guarded head=%v", head))
						}
					}
				}
			}
		}
	})
}

// guardedDiff is diff with faults turned into a test failure that says
// where: a read past an input's end (or before its start) hits a guard page.
func guardedDiff(t *testing.T, ref, got route.Router, in route.Input, what string) {
	t.Helper()
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if e := recover(); e != nil {
			if f, ok := e.(interface{ Addr() uintptr }); ok {
				t.Fatalf("%s: config %v, T=%d stride=%d bias=%v: memory fault at %#x: a kernel read outside its input (%v)",
					what, got.Config(), in.Tokens, in.Stride, in.Bias != nil, f.Addr(), e)
			}
			panic(e)
		}
	}()
	diff(t, ref, got, in, true, what)
}

// TestNewModes: the 2026 routers (issue 9) on every implementation, bit
// for bit against the reference: every mode gate (modeConfigs: sqrtsoftplus
// with bias, groups and without normalisation; softmax + bias with each
// rule; NormSum and NormClamp; zero experts; E in {256, 384, 512, 768}, K
// up to 32), with and without a bias, with expert scales, every mask
// pattern of up to 5 tokens, runs across the chunk, all padding, and forced
// ids (the chosen ones, others, out of range, repeated, under a mask).
func TestNewModes(t *testing.T) {
	forEachImpl(t, func(t *testing.T, impl string) {
		r := rand.New(rand.NewPCG(41, 42))
		for ci, cfg := range modeConfigs() {
			ref, got := routers(t, cfg, impl)
			E, K := cfg.Experts, cfg.TopK
			fill := func(x []float32, T, stride int) {
				for tk := 0; tk < T; tk++ {
					row := x[tk*stride : tk*stride+E]
					if cfg.Score == route.SqrtSoftplus && tk%2 == 0 {
						spRow(r, row)
					} else {
						testutil.FillRow(r, row, testutil.RandKind(r, true))
					}
				}
			}
			// Plain batches, with and without bias and expert scale.
			for rep := 0; rep < 4; rep++ {
				T := 1 + r.IntN(9)
				stride := E + rep%2
				x := testutil.Aligned((T-1)*stride+E, rep*3%16)
				fill(x, T, stride)
				in := route.Input{Logits: x, Tokens: T, Stride: stride}
				if rep&1 == 1 {
					in.Bias = testutil.RandBias(r, E)
				}
				if rep&2 == 2 || cfg.PerExpertScale {
					in.ExpertScale = make([]float32, E)
					for i := range in.ExpertScale {
						in.ExpertScale[i] = float32(0.25 + r.Float64()*2)
					}
				}
				diff(t, ref, got, in, rep != 3, fmt.Sprintf("mode %d rep %d", ci, rep))
			}
			// Sigmoid NormSum: NormEps and NormSum differ only for tokens
			// whose chosen logits are all below about -29 (a sum that
			// 1e-20 can change): rows on both sides, with and without bias.
			if cfg.Score == route.Sigmoid && cfg.Normalize && cfg.NormRule == route.NormSum {
				const T = 40
				x := make([]float32, T*E)
				for tk := 0; tk < T; tk++ {
					row := x[tk*E : tk*E+E]
					for i := range row {
						row[i] = float32(-30 - r.Float64()*70)
					}
					switch tk % 4 {
					case 1:
						row[r.IntN(E)] = -29
					case 2:
						row[r.IntN(E)] = float32(math.Nextafter32(-29, -30))
					case 3:
						testutil.FillRow(r, row, testutil.RandKind(r, true))
					}
				}
				diff(t, ref, got, route.Input{Logits: x, Tokens: T}, true, fmt.Sprintf("mode %d below the sigmoid floor", ci))
				diff(t, ref, got, route.Input{Logits: x, Tokens: T, Bias: testutil.RandBias(r, E)}, true, fmt.Sprintf("mode %d below the sigmoid floor, bias", ci))
				mask := make([]bool, T)
				for i := range mask {
					mask[i] = i%3 != 1
				}
				diff(t, ref, got, route.Input{Logits: x, Tokens: T, Mask: mask}, true, fmt.Sprintf("mode %d below the sigmoid floor, mask", ci))
			}
			// Every mask pattern of T <= 5 tokens (all padding included).
			for T := 1; T <= 5; T++ {
				x := make([]float32, T*E)
				fill(x, T, E)
				var bias []float32
				if T%2 == 0 {
					bias = testutil.RandBias(r, E)
				}
				for pat := 0; pat < 1<<T; pat++ {
					mask := make([]bool, T)
					for tk := range mask {
						mask[tk] = pat>>tk&1 == 1
					}
					diff(t, ref, got, route.Input{Logits: x, Tokens: T, Bias: bias, Mask: mask}, pat%3 != 0,
						fmt.Sprintf("mode %d mask %v", ci, mask))
				}
			}
			// Runs across the Router's 256-token chunk.
			if ci%4 == 0 {
				const T = 600
				x := make([]float32, T*E)
				fill(x, T, E)
				mask := make([]bool, T)
				for tk := range mask {
					mask[tk] = tk < 250 || (tk > 255 && tk < 517) || tk == 599 || (tk > 530 && r.IntN(4) != 0)
				}
				diff(t, ref, got, route.Input{Logits: x, Tokens: T, Mask: mask}, true, fmt.Sprintf("mode %d long mask", ci))
			}
			// Forced ids: what the reference chooses, random valid rows, and
			// bad ones; under a mask too.
			const T = 6
			x := make([]float32, T*E)
			fill(x, T, E)
			bias := testutil.RandBias(r, E)
			chosen := make([]int32, T*K)
			ref.Route(route.Output{IDs: chosen, Weights: make([]float32, T*K)}, route.Input{Logits: x, Tokens: T, Bias: bias})
			for i, id := range chosen {
				if id < 0 { // unreachable: no mask here
					chosen[i] = 0
				}
			}
			random := make([]int32, T*K)
			for tk := 0; tk < T; tk++ {
				perm := r.Perm(E)
				for j := 0; j < K; j++ {
					random[tk*K+j] = int32(perm[j])
				}
			}
			for fi, forced := range [][]int32{chosen, random} {
				in := route.Input{Logits: x, Tokens: T, Bias: bias, ForcedIDs: forced}
				diff(t, ref, got, in, true, fmt.Sprintf("mode %d forced %d", ci, fi))
				in.Bias = nil
				diff(t, ref, got, in, true, fmt.Sprintf("mode %d forced %d no bias", ci, fi))
				bad := slices.Clone(forced)
				bad[2*K+K-1] = int32(E)                      // out of range
				bad[4*K] = bad[4*K+min(1, K-1)] + int32(K%2) // repeated when K is even
				in.ForcedIDs = bad
				diff(t, ref, got, in, true, fmt.Sprintf("mode %d forced %d bad", ci, fi))
				in.Mask = []bool{true, false, false, true, true, false}
				diff(t, ref, got, in, true, fmt.Sprintf("mode %d forced %d bad, masked", ci, fi))
			}
		}
	})
}
