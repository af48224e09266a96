package route_test

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime/debug"
	"strings"
	"testing"
	"unsafe"

	"github.com/moegate/moegate/asm"
	"github.com/moegate/moegate/internal/testutil"
	"github.com/moegate/moegate/route"
)

var halfFormats = []route.HalfFormat{route.BFloat16, route.Float16}

// toHalf returns the half bits nearest to v by truncation (toward zero):
// bfloat16 keeps the top 16 bits (a NaN stays non-finite); float16 rounds
// the magnitude down, overflows to Inf, underflows to subnormals and zero.
func toHalf(f route.HalfFormat, v float32) uint16 {
	b := math.Float32bits(v)
	if f == route.BFloat16 {
		h := uint16(b >> 16)
		if b&0x7f800000 == 0x7f800000 && b&0x7fffff != 0 {
			h |= 0x40 // keep a NaN a NaN
		}
		return h
	}
	sign := uint16(b>>16) & 0x8000
	a := math.Abs(float64(v))
	switch {
	case math.IsNaN(a):
		return sign | 0x7e00
	case a >= 65536:
		return sign | 0x7c00
	case a < math.Ldexp(1, -14):
		return sign | uint16(a*(1<<24)) // subnormal, truncated
	}
	e := math.Ilogb(a)
	m := uint16(math.Ldexp(a, -e)*1024) & 0x3ff
	if e > 15 {
		return sign | 0x7c00
	}
	return sign | uint16(e+15)<<10 | m
}

func halfToF32(f route.HalfFormat, h uint16) float32 {
	if f == route.BFloat16 {
		return asm.BF16ToF32(h)
	}
	return asm.F16ToF32(h)
}

// halfOf returns in with its logits replaced by half-precision logits
// (same stride, same offsets from a 64-byte boundary, gaps included) and
// the float32 input that routes the exact conversion of those halves. With
// raw, some rows are random bit patterns (NaN payloads, Inf, subnormals).
func halfOf(r *rand.Rand, f route.HalfFormat, in route.Input, E int, raw bool) (half, conv route.Input) {
	h := make([]uint16, len(in.Logits)+32)
	off := r.IntN(32)
	h = h[off : off+len(in.Logits)]
	for i, v := range in.Logits {
		h[i] = toHalf(f, v)
	}
	stride := in.Stride
	if stride == 0 {
		stride = E
	}
	if raw {
		for t := 0; t < in.Tokens; t++ {
			if r.IntN(8) == 0 {
				row := h[t*stride : t*stride+E]
				for i := range row {
					row[i] = uint16(r.Uint32())
				}
			}
		}
	}
	x := testutil.Aligned(len(h), testutil.Offset(in.Logits))
	for i, v := range h {
		x[i] = halfToF32(f, v)
	}
	half, conv = in, in
	half.Logits, half.LogitsHalf, half.HalfFormat = nil, h, f
	conv.Logits = x
	return half, conv
}

// halfDiff routes half with got and conv (its float32 conversion) with got
// and with ref, and fails t on any difference: ids, weight bits, load,
// error identity, message and fields (a NonFiniteError's Value is the
// converted float32).
func halfDiff(t testing.TB, ref, got route.Router, half, conv route.Input, what string) {
	t.Helper()
	K := got.Config().TopK
	for _, withLoad := range []bool{true, false} {
		want, err := testutil.RouteCanaried(got, conv, withLoad)
		if err != nil {
			t.Fatalf("%s: float32: %v", what, err)
		}
		have, err := testutil.RouteCanaried(got, half, withLoad)
		if err != nil {
			t.Fatalf("%s: half: %v", what, err)
		}
		if err := testutil.Diff(want, have, K); err != nil {
			t.Fatalf("%s: %s, config %v, %v T=%d stride=%d bias=%v: half vs float32: %v",
				what, got.Impl(), got.Config(), half.HalfFormat, half.Tokens, half.Stride, half.Bias != nil, err)
		}
		if withLoad {
			refRes, err := testutil.RouteCanaried(ref, conv, withLoad)
			if err != nil {
				t.Fatal(err)
			}
			if err := testutil.Diff(refRes, have, K); err != nil {
				t.Fatalf("%s: %s, config %v, %v T=%d: half vs reference float32: %v",
					what, got.Impl(), got.Config(), half.HalfFormat, half.Tokens, err)
			}
		}
	}
}

// TestHalfPresets: every preset, both formats, token counts around the
// sub-chunk and chunk boundaries, strides, bias, bad rows and raw bit
// patterns: routing half logits is routing their float32 conversion, on
// every implementation.
func TestHalfPresets(t *testing.T) {
	forEachImpl(t, func(t *testing.T, impl string) {
		r := rand.New(rand.NewPCG(21, 22))
		for _, p := range route.Presets() {
			ref, got := routers(t, p.Config, impl)
			E := p.Config.Experts
			sub := min(max(16384/E, 1), 256)
			Ts := []int{0, 1, 3, sub - 1, sub, sub + 1, 2*sub + 5, 300}
			if testing.Short() {
				Ts = []int{0, 1, sub + 1}
			}
			for _, T := range Ts {
				for _, f := range halfFormats {
					in := testutil.RandInput(r, p.Config, T, true)
					half, conv := halfOf(r, f, in, E, r.IntN(2) == 0)
					halfDiff(t, ref, got, half, conv, p.Name)
				}
			}
		}
	})
}

// TestHalfRandom: random configurations (every E around the kernels'
// thresholds, groups, large K), shapes and inputs.
func TestHalfRandom(t *testing.T) {
	n := 300
	if testing.Short() {
		n = 60
	}
	forEachImpl(t, func(t *testing.T, impl string) {
		r := rand.New(rand.NewPCG(23, 24))
		for i := 0; i < n; i++ {
			cfg := testutil.RandConfig(r, 1100)
			ref, got := routers(t, cfg, impl)
			T := r.IntN(40)
			if r.IntN(8) == 0 {
				T = r.IntN(600)
			}
			f := halfFormats[r.IntN(2)]
			in := testutil.RandInput(r, cfg, T, r.IntN(2) == 0)
			half, conv := halfOf(r, f, in, cfg.Experts, r.IntN(4) == 0)
			halfDiff(t, ref, got, half, conv, fmt.Sprintf("case %d", i))
		}
	})
}

// TestHalfSpecialRows: rows of every half special (±0, ±Inf, NaNs,
// subnormals, the largest finite, many exact ties), alone and mixed.
func TestHalfSpecialRows(t *testing.T) {
	specials := map[route.HalfFormat][]uint16{
		route.BFloat16: {0, 0x8000, 0x7f80, 0xff80, 0x7fc0, 0xffc1, 0x7f81, 0x0001, 0x8001, 0x007f, 0x7f7f, 0xff7f, 0x3f80, 0xbf80, 0x3f81, 0x4000},
		route.Float16:  {0, 0x8000, 0x7c00, 0xfc00, 0x7e00, 0xfe01, 0x7c01, 0x0001, 0x8001, 0x03ff, 0x7bff, 0xfbff, 0x3c00, 0xbc00, 0x3c01, 0x4000},
	}
	cfgs := []route.Config{
		{Experts: 64, TopK: 6, Score: route.Softmax, Normalize: true},
		{Experts: 256, TopK: 8, Score: route.Sigmoid, Groups: 8, TopGroups: 4, Normalize: true, Scale: 2.5},
		{Experts: 8, TopK: 2, Score: route.Softmax, Normalize: true},
		{Experts: 16, TopK: 4, Score: route.Sigmoid},
		{Experts: 128, TopK: 8, Score: route.Softmax, Groups: 8, TopGroups: 3, GroupRule: route.GroupMax},
	}
	forEachImpl(t, func(t *testing.T, impl string) {
		r := rand.New(rand.NewPCG(25, 26))
		for _, cfg := range cfgs {
			ref, got := routers(t, cfg, impl)
			E := cfg.Experts
			for _, f := range halfFormats {
				sp := specials[f]
				finite := func(h uint16) bool {
					return !math.IsInf(float64(halfToF32(f, h)), 0) && !math.IsNaN(float64(halfToF32(f, h)))
				}
				const T = 40
				h := make([]uint16, T*E)
				for t := 0; t < T; t++ {
					row := h[t*E : t*E+E]
					for i := range row {
						switch t % 5 {
						case 0: // finite specials only
							for row[i] = sp[r.IntN(len(sp))]; !finite(row[i]); row[i] = sp[r.IntN(len(sp))] {
							}
						case 1: // ties: four values
							row[i] = sp[12+r.IntN(4)]
						case 2: // signed zeros and subnormals
							row[i] = sp[[]int{0, 1, 7, 8, 9}[r.IntN(5)]]
						case 3: // all specials, non-finite included
							row[i] = sp[r.IntN(len(sp))]
						default: // one value
							row[i] = sp[12]
						}
					}
				}
				x := make([]float32, len(h))
				for i, v := range h {
					x[i] = halfToF32(f, v)
				}
				for _, bias := range [][]float32{nil, testutil.RandBias(r, E)} {
					half := route.Input{LogitsHalf: h, HalfFormat: f, Tokens: T, Bias: bias}
					conv := route.Input{Logits: x, Tokens: T, Bias: bias}
					halfDiff(t, ref, got, half, conv, "specials")
				}
			}
		}
	})
}

// TestHalfErrors: which logits are set, the format, the length (named
// LogitsHalf), a bad bias; outputs safe after each.
func TestHalfErrors(t *testing.T) {
	cfg := route.Config{Experts: 8, TopK: 2, Score: route.Softmax}
	forEachImpl(t, func(t *testing.T, impl string) {
		rt, err := route.NewImpl(cfg, impl)
		if err != nil {
			t.Fatal(err)
		}
		h := make([]uint16, 3*8)
		for _, c := range []struct {
			in   route.Input
			is   error
			want string
		}{
			{route.Input{Logits: make([]float32, 24), LogitsHalf: h, HalfFormat: route.BFloat16, Tokens: 3}, route.ErrShape, "both Logits and LogitsHalf"},
			{route.Input{LogitsHalf: h, Tokens: 3}, route.ErrShape, "HalfFormat(0)"},
			{route.Input{LogitsHalf: h, HalfFormat: 7, Tokens: 3}, route.ErrShape, "HalfFormat(7)"},
			{route.Input{Logits: make([]float32, 24), HalfFormat: route.Float16, Tokens: 3}, route.ErrShape, "without LogitsHalf"},
			{route.Input{LogitsHalf: h[:23], HalfFormat: route.Float16, Tokens: 3}, route.ErrShape, "len(LogitsHalf) = 23"},
			{route.Input{Tokens: 3}, route.ErrShape, "len(Logits) = 0"},
			{route.Input{LogitsHalf: h, HalfFormat: route.BFloat16, Tokens: 3, Stride: 7}, route.ErrShape, "Stride"},
			{route.Input{LogitsHalf: h, HalfFormat: route.BFloat16, Tokens: 3, Bias: []float32{0, 0, float32(math.NaN()), 0, 0, 0, 0, 0}}, route.ErrNonFinite, "bias[2]"},
		} {
			out := route.Output{IDs: make([]int32, 6), Weights: make([]float32, 6), Load: make([]int64, 8)}
			dirty(out)
			err := rt.Route(out, c.in)
			if !errors.Is(err, c.is) || !strings.Contains(err.Error(), c.want) {
				t.Errorf("%+v: got %v, want %v containing %q", c.in, err, c.is, c.want)
			}
			checkSafe(t, out, 8, 2)
		}
		// No tokens: the bias is still checked, as for float32 logits.
		nanBias := []float32{0, 0, float32(math.NaN()), 0, 0, 0, 0, 0}
		err = rt.Route(route.Output{Load: make([]int64, 8)}, route.Input{LogitsHalf: []uint16{}, HalfFormat: route.BFloat16, Bias: nanBias})
		if !errors.Is(err, route.ErrNonFinite) {
			t.Errorf("T=0, NaN bias: got %v, want ErrNonFinite", err)
		}
		// A bad row: the error names the token (counted from the batch
		// start, across sub-chunks) and the converted value.
		E := 8
		T := 2000 // sub-chunks of 256 tokens
		h = make([]uint16, T*E)
		for i := range h {
			h[i] = 0x3c00
		}
		h[1500*E+3] = 0xfc00 // float16 -Inf
		h[1700*E+1] = 0x7e00
		out := route.Output{IDs: make([]int32, T*2), Weights: make([]float32, T*2)}
		err = rt.Route(out, route.Input{LogitsHalf: h, HalfFormat: route.Float16, Tokens: T})
		var nf *route.NonFiniteError
		if !errors.As(err, &nf) || nf.Token != 1500 || nf.Expert != 3 || !math.IsInf(float64(nf.Value), -1) {
			t.Errorf("got %v, want token 1500, expert 3, -Inf", err)
		}
	})
}

// TestHalfParallel: RouteParallel with half logits returns what one Route
// call returns.
func TestHalfParallel(t *testing.T) {
	forEachImpl(t, func(t *testing.T, impl string) {
		r := rand.New(rand.NewPCG(27, 28))
		p, err := route.LookupPreset("deepseek-v3")
		if err != nil {
			t.Fatal(err)
		}
		rt, err := route.NewImpl(p.Config, impl)
		if err != nil {
			t.Fatal(err)
		}
		in := testutil.RandInput(r, p.Config, 1500, true)
		half, _ := halfOf(r, route.BFloat16, in, p.Config.Experts, true)
		one, err := testutil.RouteCanaried(rt, half, true)
		if err != nil {
			t.Fatal(err)
		}
		if err := testutil.Diff(one, parallelResult(rt, half, true, 3), p.Config.TopK); err != nil {
			t.Fatal(err)
		}
	})
}

// TestHalfGuardPages: half logits flush against PROT_NONE pages, at the
// end and at the start, odd lengths included: the conversion kernels read
// nothing outside the rows.
func TestHalfGuardPages(t *testing.T) {
	g, err := testutil.NewGuarded(3*(1024+1)/2 + 16)
	if err != nil {
		t.Skipf("no guard pages here: %v", err)
	}
	defer g.Free()
	u16 := func(x []float32) []uint16 {
		return unsafe.Slice((*uint16)(unsafe.Pointer(&x[0])), 2*len(x))
	}
	forEachImpl(t, func(t *testing.T, impl string) {
		r := rand.New(rand.NewPCG(29, 30))
		for _, E := range []int{1, 3, 7, 8, 9, 15, 16, 17, 31, 33, 64, 257, 1024} {
			cfg := route.Config{Experts: E, TopK: min(4, E), Score: route.Softmax, Normalize: true}
			ref, got := routers(t, cfg, impl)
			for _, T := range []int{1, 2, 3} {
				for _, stride := range []int{E, E + 1} {
					n := (T-1)*stride + E
					for _, head := range []bool{false, true} {
						var h []uint16
						if head {
							h = u16(g.Head((n + 1) / 2))[:n]
						} else {
							hh := u16(g.Tail((n + 1) / 2))
							h = hh[len(hh)-n:]
						}
						for _, f := range halfFormats {
							x := make([]float32, n)
							for i := range h {
								h[i] = toHalf(f, float32(r.NormFloat64()*2))
								x[i] = halfToF32(f, h[i])
							}
							half := route.Input{LogitsHalf: h, HalfFormat: f, Tokens: T, Stride: stride}
							conv := route.Input{Logits: x, Tokens: T, Stride: stride}
							func() {
								defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
								defer func() {
									if e := recover(); e != nil {
										t.Fatalf("E=%d T=%d stride=%d head=%v %v: fault: %v", E, T, stride, head, f, e)
									}
								}()
								halfDiff(t, ref, got, half, conv, "guarded")
							}()
						}
					}
				}
			}
		}
	})
}

// TestHalfZeroAllocs: routing half logits allocates nothing once the
// router's pools are warm, for every preset and implementation.
func TestHalfZeroAllocs(t *testing.T) {
	if testutil.RaceEnabled {
		t.Skip("sync.Pool drops items at random under -race")
	}
	forEachImpl(t, func(t *testing.T, impl string) {
		for _, p := range route.Presets() {
			rt, err := route.NewImpl(p.Config, impl)
			if err != nil {
				t.Fatal(err)
			}
			T, runs := 300, 10
			if testing.Short() {
				T, runs = 40, 2
			}
			K, E := p.Config.TopK, p.Config.Experts
			r := rand.New(rand.NewPCG(1, 2))
			for _, f := range halfFormats {
				h := make([]uint16, T*E)
				for i := range h {
					h[i] = toHalf(f, float32(r.NormFloat64()*2))
				}
				half := route.Input{LogitsHalf: h, HalfFormat: f, Tokens: T}
				if f == route.Float16 {
					half.Bias = make([]float32, E)
				}
				for _, load := range [][]int64{nil, make([]int64, E)} {
					out := route.Output{IDs: make([]int32, T*K), Weights: make([]float32, T*K), Load: load}
					if a := testing.AllocsPerRun(runs, func() {
						if err := rt.Route(out, half); err != nil {
							t.Fatal(err)
						}
					}); a != 0 {
						t.Errorf("%s on %s (%v, bias %v, load %v): %v allocs per Route", p.Name, impl, f, half.Bias != nil, load != nil, a)
					}
				}
			}
		}
	})
}

// TestHalfOtherInputs: Mask, ForcedIDs (valid and with a bad id in a later
// sub-chunk) and ExpertScale give the same results for half logits as for
// their float32 conversion, whatever Route does with them.
func TestHalfOtherInputs(t *testing.T) {
	forEachImpl(t, func(t *testing.T, impl string) {
		r := rand.New(rand.NewPCG(31, 32))
		p, err := route.LookupPreset("deepseek-v3")
		if err != nil {
			t.Fatal(err)
		}
		ref, got := routers(t, p.Config, impl)
		E, K := p.Config.Experts, p.Config.TopK
		const T = 150 // three sub-chunks of 64
		in := testutil.RandInput(r, p.Config, T, false)
		half, conv := halfOf(r, route.BFloat16, in, E, false)
		mask := make([]bool, T)
		for i := range mask {
			mask[i] = r.IntN(4) != 0
		}
		forced := make([]int32, T*K)
		for t := 0; t < T; t++ {
			for k, e := range r.Perm(E)[:K] {
				forced[t*K+k] = int32(e)
			}
		}
		badForced := append([]int32(nil), forced...)
		badForced[130*K+2] = int32(E)
		scale := make([]float32, E)
		for i := range scale {
			scale[i] = float32(0.5 + r.Float64())
		}
		for _, c := range []struct {
			name string
			set  func(*route.Input)
		}{
			{"mask", func(in *route.Input) { in.Mask = mask }},
			{"forced", func(in *route.Input) { in.ForcedIDs = forced }},
			{"bad forced id", func(in *route.Input) { in.ForcedIDs = badForced }},
			{"expert scale", func(in *route.Input) { in.ExpertScale = scale }},
		} {
			h, x := half, conv
			c.set(&h)
			c.set(&x)
			halfDiff(t, ref, got, h, x, c.name)
		}
	})
}
