package route_test

import (
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/moegate/moegate/route"
)

var (
	nan  = float32(math.NaN())
	pinf = float32(math.Inf(1))
	ninf = float32(math.Inf(-1))
)

func mustNew(t *testing.T, c route.Config) route.Router {
	t.Helper()
	r, err := route.NewReference(c)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func outputs(T int, c route.Config) route.Output {
	return route.Output{IDs: make([]int32, T*c.TopK), Weights: make([]float32, T*c.TopK), Load: make([]int64, c.Experts)}
}

// checkSafe asserts the contract on outputs after any call: every row of K
// ids is unique and in range, every weight finite.
func checkSafe(t *testing.T, out route.Output, E, K int) {
	t.Helper()
	for r := 0; r+K <= len(out.IDs); r += K {
		seen := map[int32]bool{}
		for _, id := range out.IDs[r : r+K] {
			if id < 0 || int(id) >= E || seen[id] {
				t.Fatalf("row %d: ids %v not unique in [0,%d)", r/K, out.IDs[r:r+K], E)
			}
			seen[id] = true
		}
	}
	for i, w := range out.Weights {
		if math.IsNaN(float64(w)) || math.IsInf(float64(w), 0) {
			t.Fatalf("weight %d = %v", i, w)
		}
	}
}

func dirty(out route.Output) {
	for i := range out.IDs {
		out.IDs[i] = -7
	}
	for i := range out.Weights {
		out.Weights[i] = nan
	}
	for i := range out.Load {
		out.Load[i] = 99
	}
}

func TestShapeErrors(t *testing.T) {
	c := route.Config{Experts: 16, TopK: 4, Score: route.Sigmoid, Normalize: true}
	r := mustNew(t, c)
	const T = 3
	logits := make([]float32, T*16)
	cases := []struct {
		name string
		out  route.Output
		in   route.Input
		msg  string
	}{
		{"negative tokens", outputs(T, c), route.Input{Logits: logits, Tokens: -1}, "Tokens"},
		{"stride < experts", outputs(T, c), route.Input{Logits: logits, Tokens: T, Stride: 15}, "Stride"},
		{"short ids", route.Output{IDs: make([]int32, T*4-1), Weights: make([]float32, T*4)}, route.Input{Logits: logits, Tokens: T}, "len(IDs)"},
		{"long ids", route.Output{IDs: make([]int32, T*4+4), Weights: make([]float32, T*4)}, route.Input{Logits: logits, Tokens: T}, "len(IDs)"},
		{"short weights", route.Output{IDs: make([]int32, T*4), Weights: make([]float32, 2)}, route.Input{Logits: logits, Tokens: T}, "len(Weights)"},
		{"bad load", route.Output{IDs: make([]int32, T*4), Weights: make([]float32, T*4), Load: make([]int64, 15)}, route.Input{Logits: logits, Tokens: T}, "len(Load)"},
		{"bad bias", outputs(T, c), route.Input{Logits: logits, Tokens: T, Bias: make([]float32, 17)}, "len(Bias)"},
		{"short logits", outputs(T, c), route.Input{Logits: logits[:2*16+15], Tokens: T}, "len(Logits)"},
		{"short strided logits", outputs(T, c), route.Input{Logits: logits, Tokens: T, Stride: 17}, "len(Logits)"},
		{"stride overflow", outputs(T, c), route.Input{Logits: logits, Tokens: T, Stride: math.MaxInt / 2}, "overflows"},
	}
	for _, tc := range cases {
		dirty(tc.out)
		err := r.Route(tc.out, tc.in)
		if !errors.Is(err, route.ErrShape) || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%s: got %v, want ErrShape naming %s", tc.name, err, tc.msg)
			continue
		}
		checkSafe(t, tc.out, 16, 4)
		for _, l := range tc.out.Load {
			if l != 0 {
				t.Errorf("%s: load not cleared", tc.name)
			}
		}
	}
	// The last row needs only Experts elements, not a whole stride.
	out := outputs(T, c)
	if err := r.Route(out, route.Input{Logits: make([]float32, 2*20+16), Tokens: T, Stride: 20}); err != nil {
		t.Errorf("exact-length strided logits rejected: %v", err)
	}
	// Zero tokens is a valid empty batch.
	if err := r.Route(route.Output{Load: make([]int64, 16)}, route.Input{Tokens: 0}); err != nil {
		t.Errorf("empty batch: %v", err)
	}
}

func TestNonFinite(t *testing.T) {
	for _, c := range []route.Config{
		{Experts: 16, TopK: 4, Score: route.Sigmoid, Groups: 4, TopGroups: 2, Normalize: true, Scale: 2.5},
		{Experts: 16, TopK: 4, Score: route.Softmax, Normalize: true},
		{Experts: 16, TopK: 3, Score: route.Softmax, Groups: 4, TopGroups: 2, GroupRule: route.GroupMax, Scale: 16},
	} {
		r := mustNew(t, c)
		const T, stride = 6, 19
		rng := rand.New(rand.NewPCG(3, 4))
		logits := make([]float32, T*stride)
		for i := range logits {
			logits[i] = float32(rng.NormFloat64())
		}
		bias := make([]float32, 16)
		for i := range bias {
			bias[i] = float32(rng.NormFloat64()) * 0.01
		}
		for _, b := range [][]float32{nil, bias} {
			clean := outputs(T, c)
			if err := r.Route(clean, route.Input{Logits: logits, Tokens: T, Stride: stride, Bias: b}); err != nil {
				t.Fatal(err)
			}
			for _, bad := range []float32{nan, pinf, ninf} {
				x := append([]float32(nil), logits...)
				x[2*stride+7] = bad  // token 2, expert 7: the first
				x[2*stride+9] = nan  // a second bad value in the same row
				x[4*stride+0] = bad  // token 4
				x[5*stride+16] = bad // padding beyond Experts: not looked at
				out := outputs(T, c)
				dirty(out)
				err := r.Route(out, route.Input{Logits: x, Tokens: T, Stride: stride, Bias: b})
				var ne *route.NonFiniteError
				if !errors.Is(err, route.ErrNonFinite) || !errors.As(err, &ne) ||
					ne.Input != "logits" || ne.Token != 2 || ne.Expert != 7 {
					t.Fatalf("%v: got %v, want NonFiniteError at token 2 expert 7", bad, err)
				}
				if !strings.Contains(err.Error(), "token 2") || !strings.Contains(err.Error(), "expert 7") {
					t.Errorf("message %q does not name token and expert", err)
				}
				checkSafe(t, out, 16, c.TopK)
				wantLoad := append([]int64(nil), clean.Load...)
				for tk := 0; tk < T; tk++ {
					row := out.IDs[tk*c.TopK : (tk+1)*c.TopK]
					wrow := out.Weights[tk*c.TopK : (tk+1)*c.TopK]
					if tk == 2 || tk == 4 {
						for j := range row {
							if row[j] != int32(j) || wrow[j] != 0 {
								t.Fatalf("bad token %d: ids %v weights %v, want 0..K-1 and 0", tk, row, wrow)
							}
							wantLoad[clean.IDs[tk*c.TopK+j]]--
						}
						continue
					}
					for j := range row {
						if row[j] != clean.IDs[tk*c.TopK+j] || math.Float32bits(wrow[j]) != math.Float32bits(clean.Weights[tk*c.TopK+j]) {
							t.Fatalf("good token %d changed by a bad neighbour", tk)
						}
					}
				}
				for i := range wantLoad {
					if out.Load[i] != wantLoad[i] {
						t.Fatalf("load[%d] = %d, want %d (bad tokens must not count)", i, out.Load[i], wantLoad[i])
					}
				}
			}
		}
		// Non-finite bias: the whole batch is refused, safely.
		for _, bad := range []float32{nan, pinf, ninf} {
			bb := append([]float32(nil), bias...)
			bb[11] = bad
			out := outputs(T, c)
			dirty(out)
			err := r.Route(out, route.Input{Logits: logits, Tokens: T, Stride: stride, Bias: bb})
			var ne *route.NonFiniteError
			if !errors.Is(err, route.ErrNonFinite) || !errors.As(err, &ne) || ne.Input != "bias" || ne.Expert != 11 || ne.Token != -1 {
				t.Fatalf("bias %v: got %v", bad, err)
			}
			if !strings.Contains(err.Error(), "bias[11]") {
				t.Errorf("message %q does not name bias[11]", err)
			}
			checkSafe(t, out, 16, c.TopK)
			for _, l := range out.Load {
				if l != 0 {
					t.Fatal("load not cleared after a refused bias")
				}
			}
		}
	}
}

func route1(t *testing.T, c route.Config, x, bias []float32) ([]int32, []float32) {
	t.Helper()
	r := mustNew(t, c)
	out := outputs(1, c)
	if err := r.Route(out, route.Input{Logits: x, Tokens: 1, Bias: bias}); err != nil {
		t.Fatal(err)
	}
	return out.IDs, out.Weights
}

func eqIDs(a []int32, b ...int32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// Hand-worked cases of the routing contract.
func TestSemantics(t *testing.T) {
	// Exact ties: the lower index wins, for experts...
	c := route.Config{Experts: 8, TopK: 3, Score: route.Sigmoid}
	ids, _ := route1(t, c, []float32{0, 1, 0, 1, 0, 1, 0, 0}, nil)
	if !eqIDs(ids, 1, 3, 5) {
		t.Errorf("expert ties: %v, want [1 3 5]", ids)
	}
	// ...and with a bias that creates ties out of different logits.
	ids, _ = route1(t, c, []float32{0, 0, 0, 0, 0, 0, 0, 0}, []float32{0, 0, 0, 0, 0, 0, 0.5, 0.5})
	if !eqIDs(ids, 6, 7, 0) {
		t.Errorf("biased ties: %v, want [6 7 0]", ids)
	}

	// Groups: the dropped group's experts are ineligible even when every
	// kept expert's selection score is negative (masked as -inf, never 0:
	// vLLM PR 13474). 4 groups of 2, keep 2.
	cg := route.Config{Experts: 8, TopK: 4, Score: route.Sigmoid, Groups: 4, TopGroups: 2, Normalize: true}
	x := make([]float32, 8) // all scores 0.5
	bias := []float32{-0.9, -0.9, -0.6, -0.6, -0.5, -0.5, -0.7, -0.7}
	// selection scores: g0 -0.4*2, g1 -0.1*2, g2 0*2, g3 -0.2*2: keep g2, g1
	ids, w := route1(t, cg, x, bias)
	if !eqIDs(ids, 4, 5, 2, 3) {
		t.Errorf("negative kept scores: %v, want [4 5 2 3]", ids)
	}
	for _, v := range w {
		if v != 0.25 {
			t.Errorf("weights %v, want 0.25 each (unbiased scores 0.5, normalised)", w)
			break
		}
	}

	// A group whose two best experts tie scores 2*max, and tied groups go
	// by index. Sigmoid(0) = 0.5 exactly, so with these biases the selection
	// scores are g0 = {0.75, 0.75} (sum 1.5) and g1 = {1.0, 0.5} (sum 1.5):
	// an exact tie that g0 wins, and then expert 0 beats its equal, 1.
	cg2 := route.Config{Experts: 4, TopK: 1, Score: route.Sigmoid, Groups: 2, TopGroups: 1}
	zeros := []float32{0, 0, 0, 0}
	ids, _ = route1(t, cg2, zeros, []float32{0.25, 0.25, 0.5, 0})
	if ids[0] != 0 {
		t.Errorf("tied groups: %v, want [0]", ids)
	}
	// GroupMax on the same scores keeps g1, which holds the best expert.
	cg3 := cg2
	cg3.GroupRule = route.GroupMax
	ids, _ = route1(t, cg3, zeros, []float32{0.25, 0.25, 0.5, 0})
	if ids[0] != 2 {
		t.Errorf("GroupMax: %v, want [2]", ids)
	}

	// A tiny sigmoid under a large bias: chosen by the bias, weighted by its
	// own (unbiased) score, never by sel - bias (flashinfer PR 3875).
	cb := route.Config{Experts: 4, TopK: 1, Score: route.Sigmoid, Scale: 2}
	ids, w = route1(t, cb, []float32{-30, 5, 5, 5}, []float32{1000, 0, 0, 0})
	if ids[0] != 0 || w[0] != 2*float32(1/(1+math.Exp(30))) {
		t.Errorf("tiny sigmoid: id %v weight %v, want 0 and %v", ids, w, 2*float32(1/(1+math.Exp(30))))
	}

	// GLM-style biases of 34.5 +- 0.14: selection stays float32, where the
	// ulp at 35 is 2^-18 (3.8e-6), so a score difference of 2.5e-5 between
	// experts 1 and 3 (same bias) still decides: 3 before 1. In bfloat16
	// (ulp 0.25 at 35) the two would tie and 1 would win by index.
	cglm := route.Config{Experts: 4, TopK: 2, Score: route.Sigmoid, Normalize: true}
	ids, w = route1(t, cglm, []float32{0, -0.0001, 0, 0}, []float32{34.5, 34.64, 34.36, 34.64})
	if !eqIDs(ids, 3, 1) {
		t.Errorf("GLM bias: %v, want [3 1]", ids)
	}
	if math.Abs(float64(w[0])-0.5000125) > 1e-6 || math.Abs(float64(w[1])-0.4999875) > 1e-6 {
		t.Errorf("GLM weights %v, want [0.5000125 0.4999875] (unbiased 0.5 and 0.499975, normalised)", w)
	}

	// Scale applies after normalisation.
	cs := route.Config{Experts: 4, TopK: 2, Score: route.Softmax, Normalize: true, Scale: 3}
	_, w = route1(t, cs, []float32{1, 1, -5, -5}, nil)
	if w[0] != 1.5 || w[1] != 1.5 {
		t.Errorf("scaled normalised weights %v, want [1.5 1.5]", w)
	}
	// Softmax without normalisation: weights are the softmax over all experts.
	cu := route.Config{Experts: 4, TopK: 1, Score: route.Softmax}
	_, w = route1(t, cu, []float32{0, 0, 0, 0}, nil)
	if w[0] != 0.25 {
		t.Errorf("softmax weight %v, want 0.25", w)
	}
}

// Load is overwritten, not accumulated, and counts every good token's K ids.
func TestLoadOverwritten(t *testing.T) {
	c := route.Config{Experts: 8, TopK: 2, Score: route.Softmax, Normalize: true}
	r := mustNew(t, c)
	const T = 300 // more than one kernel chunk
	x := make([]float32, T*8)
	for i := range x {
		x[i] = float32(i % 8) // expert 7 then 6 win every token
	}
	out := outputs(T, c)
	for i := range out.Load {
		out.Load[i] = 1000
	}
	if err := r.Route(out, route.Input{Logits: x, Tokens: T}); err != nil {
		t.Fatal(err)
	}
	want := []int64{0, 0, 0, 0, 0, 0, T, T}
	for i := range want {
		if out.Load[i] != want[i] {
			t.Fatalf("load %v, want %v", out.Load, want)
		}
	}
	// nil Load is allowed.
	out.Load = nil
	if err := r.Route(out, route.Input{Logits: x, Tokens: T}); err != nil {
		t.Fatal(err)
	}
}

func TestImplNames(t *testing.T) {
	impls := route.Implementations()
	if len(impls) == 0 || impls[len(impls)-1] != "go" {
		t.Fatalf("Implementations() = %v, want ... go", impls)
	}
	c := route.Config{Experts: 8, TopK: 2}
	for _, name := range impls {
		r, err := route.NewImpl(c, name)
		if err != nil || r.Impl() != name {
			t.Errorf("NewImpl(%q): %v, %v", name, r, err)
		}
	}
	if _, err := route.NewImpl(c, "sse9"); !errors.Is(err, route.ErrUnsupported) {
		t.Errorf("unknown impl: %v", err)
	}
	r, _ := route.New(c)
	if r.Impl() != impls[0] {
		t.Errorf("New picked %s, want the fastest %s", r.Impl(), impls[0])
	}
	if got := r.Config(); got.Scale != 1 || got.Groups != 1 || got.TopGroups != 1 {
		t.Errorf("Config() = %+v: Scale and groups not resolved", got)
	}
}
