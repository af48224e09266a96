package route_test

// Hand-worked and float64 checks of the 2026 routers' semantics (issue 9):
// sqrtsoftplus, softmax with a selection bias, the normalisation rules,
// per-expert scales, zero-computation experts, padding and forced ids.

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/moegate/moegate/internal/testutil"
	"github.com/moegate/moegate/route"
)

// modeConfigs are the gates of the new modes (and their edges) that the
// harness, the forced-identity property and the zero-allocation test run.
func modeConfigs() []route.Config {
	return []route.Config{
		// DeepSeek-V4-Flash, V4-Pro, V4.1 (sqrtsoftplus + bias, +1e-20, 1.5).
		{Experts: 256, TopK: 6, Score: route.SqrtSoftplus, Normalize: true, Scale: 1.5, SelectionBias: true},
		{Experts: 384, TopK: 6, Score: route.SqrtSoftplus, Normalize: true, Scale: 1.5, SelectionBias: true},
		// sqrtsoftplus with groups (both rules), without normalisation, K 32.
		{Experts: 256, TopK: 8, Score: route.SqrtSoftplus, Groups: 8, TopGroups: 4, Normalize: true, Scale: 2.5},
		{Experts: 64, TopK: 6, Score: route.SqrtSoftplus, Groups: 8, TopGroups: 3, GroupRule: route.GroupMax, Scale: 16},
		{Experts: 384, TopK: 32, Score: route.SqrtSoftplus, Scale: 2.5},
		{Experts: 7, TopK: 3, Score: route.SqrtSoftplus, Normalize: true, NormRule: route.NormSum},
		// ERNIE-4.5: softmax + bias, max(sum, 1e-12).
		{Experts: 64, TopK: 6, Score: route.Softmax, Normalize: true, NormRule: route.NormClamp, NormMin: 1e-12, SelectionBias: true},
		// Softmax with a floor that bites: S must not cancel.
		{Experts: 16, TopK: 3, Score: route.Softmax, Normalize: true, NormRule: route.NormClamp, NormMin: 0.9},
		// Qwen3.5-MoE, Qwen3-Next, Gemma 4: softmax, plain sum.
		{Experts: 256, TopK: 8, Score: route.Softmax, Normalize: true, NormRule: route.NormSum},
		{Experts: 512, TopK: 10, Score: route.Softmax, Normalize: true, NormRule: route.NormSum},
		{Experts: 128, TopK: 8, Score: route.Softmax, Normalize: true, NormRule: route.NormSum, PerExpertScale: true},
		// NormSum where it is not canonical: top-2-sum groups select on scores.
		{Experts: 64, TopK: 4, Score: route.Softmax, Groups: 4, TopGroups: 2, Normalize: true, NormRule: route.NormSum, Scale: 2},
		// MiniMax-M2: sigmoid + bias, plain sum; and a sigmoid floor.
		{Experts: 256, TopK: 8, Score: route.Sigmoid, Normalize: true, NormRule: route.NormSum, SelectionBias: true},
		{Experts: 32, TopK: 4, Score: route.Sigmoid, Normalize: true, NormRule: route.NormClamp, NormMin: 2},
		{Experts: 64, TopK: 6, Score: route.Sigmoid, Groups: 8, TopGroups: 3, Normalize: true, NormRule: route.NormSum, Scale: 2.5},
		// LongCat-Flash: 512 real + 256 zero experts, softmax + bias, 6.0.
		{Experts: 768, TopK: 12, Score: route.Softmax, Scale: 6, SelectionBias: true, ZeroExperts: 256},
		// Nemotron 3 Super: 512, top-22, sigmoid + bias, scale 5.
		{Experts: 512, TopK: 22, Score: route.Sigmoid, Normalize: true, Scale: 5, SelectionBias: true},
		// Ling 2.0: 256, 8 groups keep 4.
		{Experts: 256, TopK: 8, Score: route.Sigmoid, Groups: 8, TopGroups: 4, Normalize: true, Scale: 2.5, SelectionBias: true},
		// Large K on the plain modes.
		{Experts: 768, TopK: 32, Score: route.Softmax, Normalize: true, NormRule: route.NormSum},
		{Experts: 512, TopK: 32, Score: route.Sigmoid, Normalize: true},
	}
}

// spRow fills row with sqrtsoftplus's adversarial inputs: around +-20 (the
// threshold), past +-88, very negative (ties of underflowed scores), and
// normal values.
func spRow(r *rand.Rand, row []float32) {
	for i := range row {
		switch r.IntN(8) {
		case 0:
			row[i] = 20 + float32(r.IntN(5)-2)*0x1p-19 // 20 and its neighbours
		case 1:
			row[i] = -20 + float32(r.NormFloat64())
		case 2:
			row[i] = float32([]float64{88.7, -88.7, 89, -89, 104, -104, -150, -300, 1e30, -1e30}[r.IntN(10)])
		case 3:
			row[i] = float32(-90 - r.Float64()*200) // softplus subnormal or 0
		default:
			row[i] = float32(r.NormFloat64() * 3)
		}
	}
}

func ln(x float64) float64 { return math.Log(x) }

// sp64 is sqrt(softplus(x)) in float64 with torch's threshold.
func sp64(x float32) float64 {
	if x > 20 {
		return math.Sqrt(float64(x))
	}
	return math.Sqrt(math.Log1p(math.Exp(float64(x))))
}

func TestNormRulesByHand(t *testing.T) {
	zeros := []float32{0, 0, 0, 0}
	for _, c := range []struct {
		name string
		cfg  route.Config
		x    []float32
		want []float32
	}{
		// Sigmoid(0) = 0.5: the two chosen weights sum to 1.
		{"sigmoid eps", route.Config{Experts: 4, TopK: 2, Normalize: true}, zeros, []float32{0.5, 0.5}},
		{"sigmoid sum", route.Config{Experts: 4, TopK: 2, Normalize: true, NormRule: route.NormSum}, zeros, []float32{0.5, 0.5}},
		// A floor above the sum: 0.5 / max(1, 4) = 0.125.
		{"sigmoid clamp 4", route.Config{Experts: 4, TopK: 2, Normalize: true, NormRule: route.NormClamp, NormMin: 4}, zeros, []float32{0.125, 0.125}},
		{"sigmoid clamp tiny", route.Config{Experts: 4, TopK: 2, Normalize: true, NormRule: route.NormClamp, NormMin: 1e-12}, zeros, []float32{0.5, 0.5}},
		// Softmax of 4 zeros: p = 0.25; two chosen sum to 0.5.
		{"softmax none", route.Config{Experts: 4, TopK: 2, Score: route.Softmax}, zeros, []float32{0.25, 0.25}},
		{"softmax sum", route.Config{Experts: 4, TopK: 2, Score: route.Softmax, Normalize: true, NormRule: route.NormSum}, zeros, []float32{0.5, 0.5}},
		{"softmax eps", route.Config{Experts: 4, TopK: 2, Score: route.Softmax, Normalize: true}, zeros, []float32{0.5, 0.5}},
		// 0.25 / max(0.5, 1) = 0.25: the floor sees the probabilities, not
		// the exponentials (S does not cancel).
		{"softmax clamp 1", route.Config{Experts: 4, TopK: 2, Score: route.Softmax, Normalize: true, NormRule: route.NormClamp, NormMin: 1}, zeros, []float32{0.25, 0.25}},
		{"softmax clamp 0.25", route.Config{Experts: 4, TopK: 2, Score: route.Softmax, Normalize: true, NormRule: route.NormClamp, NormMin: 0.25}, zeros, []float32{0.5, 0.5}},
		// Every chosen sigmoid is 0 (logits below -104): NormSum's 0/0 gives
		// weights 0, not NaN; NormEps 0/1e-20 = 0; NormClamp 0/min = 0.
		{"sum of zeros, sum", route.Config{Experts: 4, TopK: 2, Normalize: true, NormRule: route.NormSum}, []float32{-1000, -1000, -1000, -1000}, []float32{0, 0}},
		{"sum of zeros, eps", route.Config{Experts: 4, TopK: 2, Normalize: true}, []float32{-1000, -1000, -1000, -1000}, []float32{0, 0}},
		{"sum of zeros, clamp", route.Config{Experts: 4, TopK: 2, Normalize: true, NormRule: route.NormClamp, NormMin: 1e-12}, []float32{-1000, -1000, -1000, -1000}, []float32{0, 0}},
		// sqrtsoftplus at the threshold and beyond: sqrt(25) = 5, sqrt(36) =
		// 6; normalised by their sum 11 (+1e-20 vanishes), scaled by 11.
		{"sqrtsoftplus", route.Config{Experts: 4, TopK: 2, Score: route.SqrtSoftplus, Normalize: true, Scale: 11}, []float32{25, -3, 36, 0}, []float32{6, 5}},
		{"sqrtsoftplus none", route.Config{Experts: 4, TopK: 2, Score: route.SqrtSoftplus}, []float32{25, -3, 36, 0}, []float32{6, 5}},
	} {
		_, w := route1(t, c.cfg, c.x, nil)
		for j := range w {
			if math.Float32bits(w[j]) != math.Float32bits(c.want[j]) {
				t.Errorf("%s: weights %v, want %v", c.name, w, c.want)
				break
			}
		}
	}
	// Tiny sums: the three rules give three different answers.
	x := []float32{-100, -100, -200, -200} // Sigmoid(-100) = 3.72e-44, subnormal
	s := float64(float32(1 / (1 + math.Exp(100))))
	for _, c := range []struct {
		rule route.NormRule
		min  float32
		want float32
	}{
		{route.NormEps, 0, float32(s / (float64(float32(2*s)) + 1e-20))},
		{route.NormSum, 0, 0.5},
		{route.NormClamp, 1e-12, float32(s / 1e-12)},
	} {
		cfg := route.Config{Experts: 4, TopK: 2, Normalize: true, NormRule: c.rule, NormMin: c.min}
		_, w := route1(t, cfg, x, nil)
		if w[0] != c.want || w[1] != c.want {
			t.Errorf("%v on sigmoid(-100): weights %v, want %v", c.rule, w, c.want)
		}
	}
}

// TestSoftmaxBias: ERNIE-4.5 and LongCat-Flash choose on p + b and weigh
// by the unbiased p of the full softmax.
func TestSoftmaxBias(t *testing.T) {
	x := []float32{2, 0, 0, 0}
	Z := math.Exp(2) + 3
	p := []float64{math.Exp(2) / Z, 1 / Z, 1 / Z, 1 / Z}
	// The bias reorders: 1 (0.096 + 1) before 0 (0.711), 3 (0.096 + 0.3) after.
	bias := []float32{0, 1, 0, 0.3}
	cfg := route.Config{Experts: 4, TopK: 3, Score: route.Softmax, Scale: 6, SelectionBias: true}
	ids, w := route1(t, cfg, x, bias)
	if !eqIDs(ids, 1, 0, 3) {
		t.Fatalf("ids %v, want [1 0 3]", ids)
	}
	for j, id := range ids {
		if want := 6 * p[id]; math.Abs(float64(w[j])-want) > 4e-7*want {
			t.Errorf("weight %d = %v, want 6*p[%d] = %v (never p+b, never a softmax over the chosen)", j, w[j], id, want)
		}
	}
	// ERNIE: normalised by max(sum, 1e-12).
	cfg = route.Config{Experts: 4, TopK: 2, Score: route.Softmax, Normalize: true, NormRule: route.NormClamp, NormMin: 1e-12}
	ids, w = route1(t, cfg, x, bias)
	if !eqIDs(ids, 1, 0) {
		t.Fatalf("ids %v, want [1 0]", ids)
	}
	for j, id := range ids {
		if want := p[id] / (p[0] + p[1]); math.Abs(float64(w[j])-want) > 4e-7*want {
			t.Errorf("ERNIE weight %d = %v, want %v", j, w[j], want)
		}
	}
}

// TestSqrtSoftplusSemantics: values by hand, and selection on the scores
// as DeepSeek-V4 ranks them: logits whose scores underflow to the same
// float32 tie, and the lower index wins (not the larger logit).
func TestSqrtSoftplusSemantics(t *testing.T) {
	cfg := route.Config{Experts: 4, TopK: 2, Score: route.SqrtSoftplus}
	ids, w := route1(t, cfg, []float32{-300, -200, -150, -500}, nil)
	if !eqIDs(ids, 0, 1) || w[0] != 0 || w[1] != 0 {
		t.Errorf("underflowed scores: ids %v weights %v, want [0 1] (ties by index) and zeros", ids, w)
	}
	// 20 is below the threshold (log1p(e^20)), 20.5 above (20.5 itself).
	ids, w = route1(t, cfg, []float32{0, 20, 20.5, -20}, nil)
	if !eqIDs(ids, 2, 1) {
		t.Fatalf("ids %v, want [2 1]", ids)
	}
	if w[0] != float32(math.Sqrt(20.5)) {
		t.Errorf("sqrtsoftplus(20.5) = %v, want sqrt(20.5) = %v", w[0], float32(math.Sqrt(20.5)))
	}
	if d := math.Abs(float64(w[1]) - sp64(20)); d > 0x1p-21 {
		t.Errorf("sqrtsoftplus(20) = %v, want %v", w[1], sp64(20))
	}
	// Very negative: softplus(x) ~ e^x keeps full accuracy down to -87
	// (log(1+exp(x)) would give 0 below about -17).
	_, w = route1(t, route.Config{Experts: 1, TopK: 1, Score: route.SqrtSoftplus}, []float32{-40}, nil)
	if want := math.Exp(-20); math.Abs(float64(w[0])-want) > 2e-7*want {
		t.Errorf("sqrtsoftplus(-40) = %v, want %v", w[0], want)
	}
	// With a bias, the bias decides and the weight is the unbiased score.
	cfgB := route.Config{Experts: 3, TopK: 1, Score: route.SqrtSoftplus, Scale: 1.5, SelectionBias: true}
	ids, w = route1(t, cfgB, []float32{5, 0, -2}, []float32{0, 0, 8.08})
	if ids[0] != 2 || math.Abs(float64(w[0])-1.5*sp64(-2)) > 4e-7 {
		t.Errorf("biased: id %v weight %v, want 2 and %v", ids, w, 1.5*sp64(-2))
	}
}

// ref64 restates a gate without groups in float64: scores, selection
// (ties by index), weights from the unbiased scores, normalisation by the
// rule, scale. It returns the ids, the weights and the gap between the
// K-th and (K+1)-th selection scores (ids are compared only when it is
// clear of float32 rounding).
func ref64(cfg route.Config, x, bias []float32) ([]int32, []float64, float64) {
	E, K := cfg.Experts, cfg.TopK
	s := make([]float64, E)
	switch cfg.Score {
	case route.Sigmoid:
		for i, v := range x {
			s[i] = 1 / (1 + math.Exp(-float64(v)))
		}
	case route.SqrtSoftplus:
		for i, v := range x {
			s[i] = sp64(v)
		}
	case route.Softmax:
		m := math.Inf(-1)
		for _, v := range x {
			m = math.Max(m, float64(v))
		}
		var S float64
		for i, v := range x {
			s[i] = math.Exp(float64(v) - m)
			S += s[i]
		}
		for i := range s {
			s[i] /= S
		}
	}
	sel := slices.Clone(s)
	for i := range sel {
		if bias != nil {
			sel[i] += float64(bias[i])
		}
	}
	order := make([]int, E)
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return sel[order[a]] > sel[order[b]] })
	gap := math.Inf(1)
	if K < E {
		gap = sel[order[K-1]] - sel[order[K]]
	}
	ids := make([]int32, K)
	w := make([]float64, K)
	var sum float64
	for j := range ids {
		ids[j] = int32(order[j])
		w[j] = s[order[j]]
		sum += w[j]
	}
	if cfg.Normalize {
		d := sum
		switch cfg.NormRule {
		case route.NormEps:
			d = sum + 1e-20
		case route.NormClamp:
			d = math.Max(sum, float64(cfg.NormMin))
		}
		for j := range w {
			w[j] /= d
		}
	}
	sc := float64(cfg.Scale)
	if sc == 0 {
		sc = 1
	}
	for j := range w {
		w[j] *= sc
	}
	return ids, w, gap
}

// TestReference64: the reference against the float64 restatement on
// random rows of every new mode without groups: same ids where the
// selection gap is clear of rounding, weights within 1e-5 relative (the
// float32 contract's few ulp, plus the float32 sums).
func TestReference64(t *testing.T) {
	r := rand.New(rand.NewPCG(91, 92))
	n := 0
	for _, cfg := range modeConfigs() {
		if cfg.Groups > 1 {
			continue
		}
		rt := mustNew(t, cfg)
		E, K := cfg.Experts, cfg.TopK
		for rep := 0; rep < 30; rep++ {
			x := make([]float32, E)
			for i := range x {
				x[i] = float32(r.NormFloat64() * 3)
			}
			var bias []float32
			if cfg.SelectionBias && rep%2 == 0 {
				bias = testutil.RandBias(r, E)
			}
			out := outputs(1, cfg)
			if err := rt.Route(out, route.Input{Logits: x, Tokens: 1, Bias: bias}); err != nil {
				t.Fatal(err)
			}
			ids, w, gap := ref64(cfg, x, bias)
			if gap < 1e-5 {
				continue
			}
			n++
			if !slices.Equal(out.IDs, ids) {
				t.Fatalf("%v: ids %v, float64 %v", cfg, out.IDs, ids)
			}
			for j := range w {
				if d := math.Abs(float64(out.Weights[j]) - w[j]); d > 1e-5*math.Abs(w[j])+1e-30 {
					t.Fatalf("%v: weight %d = %v, float64 %v", cfg, j, out.Weights[j], w[j])
				}
			}
		}
		_ = K
	}
	t.Logf("%d rows checked", n)
}

func TestExpertScale(t *testing.T) {
	// Gemma 4: softmax, top-2, plain sum, then per_expert_scale[id].
	cfg := route.Config{Experts: 4, TopK: 2, Score: route.Softmax, Normalize: true, NormRule: route.NormSum, PerExpertScale: true}
	rt := mustNew(t, cfg)
	x := []float32{1, 1, -50, -50}
	es := []float32{2, 3, 100, 100}
	out := outputs(1, cfg)
	if err := rt.Route(out, route.Input{Logits: x, Tokens: 1, ExpertScale: es}); err != nil {
		t.Fatal(err)
	}
	// After normalisation: 0.5*2, 0.5*3 (before it would be 0.4, 0.6).
	if !eqIDs(out.IDs, 0, 1) || out.Weights[0] != 1 || out.Weights[1] != 1.5 {
		t.Errorf("ids %v weights %v, want [0 1] [1 1.5]", out.IDs, out.Weights)
	}
	// After Config.Scale too: 0.5*3 = 1.5, then *2, *3.
	cfg3 := cfg
	cfg3.Scale = 3
	out = outputs(1, cfg3)
	if err := mustNew(t, cfg3).Route(out, route.Input{Logits: x, Tokens: 1, ExpertScale: es}); err != nil {
		t.Fatal(err)
	}
	if out.Weights[0] != 3 || out.Weights[1] != 4.5 {
		t.Errorf("scaled: weights %v, want [3 4.5]", out.Weights)
	}
	// nil means ones, with PerExpertScale set.
	out = outputs(1, cfg)
	if err := rt.Route(out, route.Input{Logits: x, Tokens: 1}); err != nil {
		t.Fatal(err)
	}
	if out.Weights[0] != 0.5 || out.Weights[1] != 0.5 {
		t.Errorf("nil ExpertScale: weights %v, want [0.5 0.5]", out.Weights)
	}
	// Shape and non-finite errors refuse the batch, safely.
	for _, bad := range []float32{nan, pinf, ninf} {
		b := slices.Clone(es)
		b[2] = bad
		out = outputs(1, cfg)
		dirty(out)
		err := rt.Route(out, route.Input{Logits: x, Tokens: 1, ExpertScale: b})
		var ne *route.NonFiniteError
		if !errors.As(err, &ne) || ne.Input != "expert scale" || ne.Expert != 2 || ne.Token != -1 ||
			!strings.Contains(err.Error(), "expert scale[2]") {
			t.Errorf("expert scale %v: %v", bad, err)
		}
		checkSafe(t, out, 4, 2)
	}
	out = outputs(1, cfg)
	if err := rt.Route(out, route.Input{Logits: x, Tokens: 1, ExpertScale: es[:3]}); !errors.Is(err, route.ErrShape) || !strings.Contains(err.Error(), "len(ExpertScale)") {
		t.Errorf("short ExpertScale: %v", err)
	}
	// A product beyond float32: that row is refused (bad row), others route.
	big := []float32{math.MaxFloat32, 1, 1, 1}
	cfgS := cfg
	cfgS.Scale = 4
	rs := mustNew(t, cfgS)
	out = outputs(2, cfgS)
	err := rs.Route(out, route.Input{Logits: []float32{1, 1, -50, -50, -50, -50, 1, 1}, Tokens: 2, ExpertScale: big})
	var ne *route.NonFiniteError
	if !errors.As(err, &ne) || ne.Input != "weights" || ne.Token != 0 || ne.Expert != 0 || !strings.Contains(err.Error(), "weights of token 0") {
		t.Fatalf("overflow: %v", err)
	}
	if !eqIDs(out.IDs, 0, 1, 2, 3) || out.Weights[0] != 0 || out.Weights[2] != 2 || out.Load[0] != 0 || out.Load[2] != 1 {
		t.Errorf("overflow: ids %v weights %v load %v", out.IDs, out.Weights, out.Load)
	}
}

// TestSqrtSoftplusOverflow: unnormalised sqrtsoftplus scores reach 1.8e19;
// a Scale beyond 1.8e19 overflows float32 for such rows, which are then bad.
func TestSqrtSoftplusOverflow(t *testing.T) {
	cfg := route.Config{Experts: 2, TopK: 1, Score: route.SqrtSoftplus, Scale: 1e20}
	rt := mustNew(t, cfg)
	out := outputs(2, cfg)
	err := rt.Route(out, route.Input{Logits: []float32{math.MaxFloat32, 0, 0, 1}, Tokens: 2})
	var ne *route.NonFiniteError
	if !errors.As(err, &ne) || ne.Input != "weights" || ne.Token != 0 {
		t.Fatalf("got %v, want a NonFiniteError for the weights of token 0", err)
	}
	checkSafe(t, out, 2, 1)
	if out.IDs[1] != 1 || out.Load[1] != 1 || out.Load[0] != 0 {
		t.Errorf("ids %v load %v", out.IDs, out.Load)
	}
	// An expert scale of 0 on the overflowing weight must not make it NaN
	// (found by FuzzRouter); the first of the two bad tokens is named.
	out = outputs(3, cfg)
	err = rt.Route(out, route.Input{Logits: []float32{0, 1, math.MaxFloat32, 0, 1e38, 0}, Tokens: 3, ExpertScale: []float32{0, 1}})
	if !errors.As(err, &ne) || ne.Input != "weights" || ne.Token != 1 {
		t.Fatalf("got %v, want a NonFiniteError for the weights of token 1", err)
	}
	checkSafe(t, out, 2, 1)
	if out.IDs[0] != 1 || math.Abs(float64(out.Weights[0])-1e20*sp64(1)) > 1e13 || out.Load[1] != 1 || out.Load[0] != 0 {
		t.Errorf("token 0: id %v weight %v, load %v", out.IDs[0], out.Weights[0], out.Load)
	}
}

// TestZeroExperts: LongCat-Flash's 768 columns, the last 256 identity
// experts: routed like any column (the same bits as a gate without them),
// chosen where their scores win, counted in Load.
func TestZeroExperts(t *testing.T) {
	cfg := route.Config{Experts: 768, TopK: 12, Score: route.Softmax, Scale: 6, SelectionBias: true, ZeroExperts: 256}
	plain := cfg
	plain.ZeroExperts = 0
	r := rand.New(rand.NewPCG(5, 55))
	const T = 40
	x := make([]float32, T*768)
	for i := range x {
		x[i] = float32(r.NormFloat64())
	}
	for tk := 0; tk < T; tk += 2 { // even tokens: zero experts win
		for j := 0; j < 12; j++ {
			x[tk*768+512+r.IntN(256)] = 8
		}
	}
	bias := testutil.RandBias(r, 768)
	a, b := outputs(T, cfg), outputs(T, plain)
	if err := mustNew(t, cfg).Route(a, route.Input{Logits: x, Tokens: T, Bias: bias}); err != nil {
		t.Fatal(err)
	}
	if err := mustNew(t, plain).Route(b, route.Input{Logits: x, Tokens: T, Bias: bias}); err != nil {
		t.Fatal(err)
	}
	if err := testutil.Diff(testutil.Result{IDs: b.IDs, Weights: b.Weights, Load: b.Load},
		testutil.Result{IDs: a.IDs, Weights: a.Weights, Load: a.Load}, 12); err != nil {
		t.Fatalf("zero experts change the routing: %v", err)
	}
	var zeroLoad int64
	for e := 512; e < 768; e++ {
		zeroLoad += a.Load[e]
	}
	var zeroIDs int64
	for _, id := range a.IDs {
		if id >= 512 {
			zeroIDs++
		}
	}
	if zeroIDs == 0 || zeroLoad != zeroIDs {
		t.Errorf("zero experts chosen %d times, counted %d", zeroIDs, zeroLoad)
	}
}

// TestMask: padding rows get ids -1, weights 0, no load, and their logits
// are not read; real rows route exactly as alone.
func TestMask(t *testing.T) {
	cfg := route.Config{Experts: 16, TopK: 4, Score: route.Sigmoid, Normalize: true, Scale: 2.5}
	rt := mustNew(t, cfg)
	r := rand.New(rand.NewPCG(8, 88))
	const T = 5
	x := make([]float32, T*16)
	testutil.FillRow(r, x, testutil.RowNormal)
	full := outputs(T, cfg)
	if err := rt.Route(full, route.Input{Logits: x, Tokens: T}); err != nil {
		t.Fatal(err)
	}
	for pat := 0; pat < 1<<T; pat++ {
		mask := make([]bool, T)
		xx := slices.Clone(x)
		for tk := range mask {
			mask[tk] = pat>>tk&1 == 1
			if !mask[tk] {
				xx[tk*16+3] = nan // padding logits are not read
			}
		}
		out := outputs(T, cfg)
		dirty(out)
		if err := rt.Route(out, route.Input{Logits: xx, Tokens: T, Mask: mask}); err != nil {
			t.Fatalf("mask %v: %v", mask, err)
		}
		wantLoad := make([]int64, 16)
		for tk := range mask {
			for j := 0; j < 4; j++ {
				i := tk*4 + j
				if !mask[tk] {
					if out.IDs[i] != -1 || math.Float32bits(out.Weights[i]) != 0 {
						t.Fatalf("mask %v: padding token %d: %v %v", mask, tk, out.IDs[tk*4:tk*4+4], out.Weights[tk*4:tk*4+4])
					}
					continue
				}
				if out.IDs[i] != full.IDs[i] || math.Float32bits(out.Weights[i]) != math.Float32bits(full.Weights[i]) {
					t.Fatalf("mask %v: token %d differs from unmasked routing", mask, tk)
				}
				wantLoad[out.IDs[i]]++
			}
		}
		if !slices.Equal(out.Load, wantLoad) {
			t.Fatalf("mask %v: load %v, want %v", mask, out.Load, wantLoad)
		}
	}
	// A NaN in a real row is still an error naming that token.
	xx := slices.Clone(x)
	xx[1*16+2], xx[3*16+5] = nan, nan
	out := outputs(T, cfg)
	err := rt.Route(out, route.Input{Logits: xx, Tokens: T, Mask: []bool{true, false, true, true, false}})
	var ne *route.NonFiniteError
	if !errors.As(err, &ne) || ne.Token != 3 || ne.Expert != 5 {
		t.Errorf("NaN in real token 3 behind padding token 1: %v", err)
	}
	if err := rt.Route(out, route.Input{Logits: x, Tokens: T, Mask: make([]bool, T-1)}); !errors.Is(err, route.ErrShape) || !strings.Contains(err.Error(), "len(Mask)") {
		t.Errorf("short mask: %v", err)
	}
}

// routeForced routes in with forced ids.
func routeForced(t *testing.T, rt route.Router, in route.Input, ids []int32) (route.Output, error) {
	t.Helper()
	cfg := rt.Config()
	out := outputs(in.Tokens, cfg)
	dirty(out)
	in.ForcedIDs = ids
	return out, rt.Route(out, in)
}

// forcedCase routes in normally and again with the chosen ids forced, and
// fails unless ids, weights (bit for bit) and load agree.
func forcedCase(t *testing.T, rt route.Router, in route.Input, what string) {
	t.Helper()
	cfg := rt.Config()
	norm := outputs(in.Tokens, cfg)
	errN := rt.Route(norm, in)
	forced, errF := routeForced(t, rt, in, norm.IDs)
	if err := testutil.Diff(testutil.Result{IDs: norm.IDs, Weights: norm.Weights, Load: norm.Load, Err: errN},
		testutil.Result{IDs: forced.IDs, Weights: forced.Weights, Load: forced.Load, Err: errF}, cfg.TopK); err != nil {
		t.Fatalf("%s: %v: forced ids = chosen ids, but %v", what, cfg, err)
	}
}

// TestForcedIdentity: forcing the ids the router chooses gives the same
// weights bit for bit, and the same load, on every preset and mode, with
// and without a bias, on every row kind (ties, specials, equal rows,
// signed zeros, bad rows).
func TestForcedIdentity(t *testing.T) {
	cfgs := modeConfigs()
	for _, p := range route.Presets() {
		cfgs = append(cfgs, p.Config)
	}
	cfgs = append(cfgs,
		route.Config{Experts: 8, TopK: 2, Score: route.Softmax, Normalize: true},
		route.Config{Experts: 8, TopK: 3, Score: route.Softmax, Groups: 4, TopGroups: 2, GroupRule: route.GroupMax, Normalize: true, NormRule: route.NormSum},
		route.Config{Experts: 12, TopK: 3, Score: route.Softmax, Groups: 3, TopGroups: 2, Normalize: true, NormRule: route.NormClamp, NormMin: 1e-12},
		route.Config{Experts: 40, TopK: 40, Score: route.Softmax, Normalize: true},
		route.Config{Experts: 40, TopK: 40, Score: route.SqrtSoftplus},
	)
	r := rand.New(rand.NewPCG(31, 32))
	for ci, cfg := range cfgs {
		for _, impl := range route.Implementations() {
			rt, err := route.NewImpl(cfg, impl)
			if err != nil {
				t.Fatal(err)
			}
			const T = 24
			E := cfg.Experts
			x := make([]float32, T*E)
			for tk := 0; tk < T; tk++ {
				row := x[tk*E : tk*E+E]
				if tk%4 == 3 && cfg.Score == route.SqrtSoftplus {
					spRow(r, row)
				} else {
					testutil.FillRow(r, row, tk%testutil.NumRowKinds)
				}
			}
			in := route.Input{Logits: x, Tokens: T}
			forcedCase(t, rt, in, "no bias")
			in.Bias = testutil.RandBias(r, E)
			forcedCase(t, rt, in, "bias")
			if ci%3 == 0 {
				in.ExpertScale = testutil.RandBias(r, E)
				for i, v := range in.ExpertScale {
					in.ExpertScale[i] = float32(math.Abs(float64(v))) + 0.5
				}
				in.Mask = make([]bool, T)
				for i := range in.Mask {
					in.Mask[i] = r.IntN(3) != 0
				}
				forcedCase(t, rt, in, "bias, expert scale, mask")
			}
		}
	}
}

// TestForcedWeights: forced ids that the router would not choose get
// the weights of normal routing's arithmetic: the unbiased score, and for
// softmax the probability of the full softmax (the true maximum, S).
func TestForcedWeights(t *testing.T) {
	x := []float32{3, 0, 1, -1}
	Z := math.Exp(3) + 1 + math.Exp(1) + math.Exp(-1)
	for _, c := range []struct {
		cfg  route.Config
		ids  []int32
		want []float64
	}{
		{route.Config{Experts: 4, TopK: 2, Score: route.Softmax}, []int32{3, 1}, []float64{math.Exp(-1) / Z, 1 / Z}},
		// Normalised without the maximum: p/(sum p + 1e-20), the same as S
		// cancelling here, but computed with S.
		{route.Config{Experts: 4, TopK: 2, Score: route.Softmax, Normalize: true}, []int32{3, 1}, []float64{math.Exp(-1) / (1 + math.Exp(-1)), 1 / (1 + math.Exp(-1))}},
		{route.Config{Experts: 4, TopK: 2, Score: route.Sigmoid, Scale: 2}, []int32{1, 2}, []float64{1, 2 / (1 + math.Exp(-1))}},
		{route.Config{Experts: 4, TopK: 2, Score: route.SqrtSoftplus}, []int32{3, 2}, []float64{sp64(-1), sp64(1)}},
	} {
		rt := mustNew(t, c.cfg)
		out, err := routeForced(t, rt, route.Input{Logits: x, Tokens: 1, Bias: []float32{5, 0, 0, 0}}, c.ids)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(out.IDs, c.ids) {
			t.Errorf("%v: ids %v, want %v", c.cfg, out.IDs, c.ids)
		}
		for j := range c.want {
			if math.Abs(float64(out.Weights[j])-c.want[j]) > 4e-7*c.want[j] {
				t.Errorf("%v: weights %v, want %v", c.cfg, out.Weights, c.want)
				break
			}
		}
		if out.Load[c.ids[0]] != 1 || out.Load[c.ids[1]] != 1 || out.Load[0]+out.Load[1]+out.Load[2]+out.Load[3] != 2 {
			t.Errorf("%v: load %v", c.cfg, out.Load)
		}
	}
	// A forced row whose logits are all tiny exponentials: with NormSum the
	// weights still sum to 1; the row maximum is not among them.
	cfg := route.Config{Experts: 3, TopK: 2, Score: route.Softmax, Normalize: true, NormRule: route.NormSum}
	out, err := routeForced(t, mustNew(t, cfg), route.Input{Logits: []float32{100, 0, 0}, Tokens: 1}, []int32{2, 1})
	if err != nil || out.Weights[0] != 0.5 || out.Weights[1] != 0.5 {
		t.Errorf("forced away from the maximum: %v %v (%v)", out.IDs, out.Weights, err)
	}
}

// TestForcedErrors: an id out of range or repeated is an error naming the
// first bad token and slot; bad rows are safe and count no load; the other
// rows are routed; padding rows' ids are not read; bad logits in a forced
// row are a NonFiniteError as in normal routing.
func TestForcedErrors(t *testing.T) {
	cfg := route.Config{Experts: 8, TopK: 3, Score: route.Sigmoid, Normalize: true}
	rt := mustNew(t, cfg)
	r := rand.New(rand.NewPCG(4, 44))
	const T = 4
	x := make([]float32, T*8)
	testutil.FillRow(r, x, testutil.RowNormal)
	good := []int32{0, 1, 2, 7, 6, 5, 3, 4, 0, 1, 7, 2}
	ref, err := routeForced(t, rt, route.Input{Logits: x, Tokens: T}, good)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		tok, slot int
		id        int32
		reason    string
	}{
		{1, 2, 8, "is out of range [0, 8)"},
		{2, 0, -1, "is out of range [0, 8)"},
		{2, 2, 6, "repeats slot 1"},
		{0, 1, 0, "repeats slot 0"},
	} {
		ids := slices.Clone(good)
		ids[c.tok*3+c.slot] = c.id
		if c.reason == "repeats slot 1" {
			ids[c.tok*3+1] = 6
		}
		ids[3*3+2] = 100 // a later bad row: not the one named
		out, err := routeForced(t, rt, route.Input{Logits: x, Tokens: T}, ids)
		var fe *route.ForcedIDError
		if !errors.Is(err, route.ErrForcedID) || !errors.As(err, &fe) || fe.Token != c.tok || fe.Slot != c.slot || fe.ID != c.id || fe.Reason != c.reason {
			t.Errorf("%+v: got %v", c, err)
			continue
		}
		checkSafe(t, out, 8, 3)
		wantLoad := make([]int64, 8)
		for tk := 0; tk < T; tk++ {
			row, w := out.IDs[tk*3:tk*3+3], out.Weights[tk*3:tk*3+3]
			if tk == c.tok || tk == 3 {
				if !eqIDs(row, 0, 1, 2) || w[0] != 0 || w[1] != 0 || w[2] != 0 {
					t.Errorf("%+v: bad token %d: %v %v, want the safe row", c, tk, row, w)
				}
				continue
			}
			if !slices.Equal(row, ref.IDs[tk*3:tk*3+3]) || !slices.Equal(w, ref.Weights[tk*3:tk*3+3]) {
				t.Errorf("%+v: good token %d not routed", c, tk)
			}
			for _, id := range row {
				wantLoad[id]++
			}
		}
		if !slices.Equal(out.Load, wantLoad) {
			t.Errorf("%+v: load %v, want %v", c, out.Load, wantLoad)
		}
	}
	// Padding rows' forced ids are not read.
	ids := slices.Clone(good)
	ids[1*3] = -5
	if _, err := routeForced(t, rt, route.Input{Logits: x, Tokens: T, Mask: []bool{true, false, true, true}}, ids); err != nil {
		t.Errorf("bad ids in a padding row: %v", err)
	}
	// NaN logits in a forced row: NonFiniteError, as without forcing; a
	// bad id elsewhere is reported first.
	xx := slices.Clone(x)
	xx[2*8+4] = nan
	out, err := routeForced(t, rt, route.Input{Logits: xx, Tokens: T}, good)
	var ne *route.NonFiniteError
	if !errors.As(err, &ne) || ne.Token != 2 || ne.Expert != 4 {
		t.Errorf("NaN in forced row: %v", err)
	}
	checkSafe(t, out, 8, 3)
	ids = slices.Clone(good)
	ids[3*3] = 9
	if _, err := routeForced(t, rt, route.Input{Logits: xx, Tokens: T}, ids); !errors.Is(err, route.ErrForcedID) {
		t.Errorf("bad id and NaN: %v, want the ForcedIDError", err)
	}
	if err := rt.Route(outputs(T, cfg), route.Input{Logits: x, Tokens: T, ForcedIDs: good[:11]}); !errors.Is(err, route.ErrShape) || !strings.Contains(err.Error(), "len(ForcedIDs)") {
		t.Errorf("short ForcedIDs: %v", err)
	}
}

// TestHashIDs: DeepSeek-V4's hash layers: ids from a [vocab, K] table.
func TestHashIDs(t *testing.T) {
	table := []int32{0, 1, 2, 3, 4, 5, 6, 7} // vocab 4, K 2
	dst := make([]int32, 6)
	if err := route.HashIDs(dst, []int32{3, 0, 2}, table, 2, 8); err != nil {
		t.Fatal(err)
	}
	if !eqIDs(dst, 6, 7, 0, 1, 4, 5) {
		t.Errorf("HashIDs = %v", dst)
	}
	var fe *route.ForcedIDError
	if err := route.HashIDs(dst[:4], []int32{1, 4}, table, 2, 8); !errors.As(err, &fe) || fe.Token != 1 || fe.Slot != -1 || !eqIDs(dst[:4], 0, 1, 0, 1) ||
		!strings.Contains(err.Error(), "token 1: 4 is a token id outside the table's vocabulary [0, 4)") {
		t.Errorf("token id out of vocabulary: %v, dst %v", err, dst)
	}
	bad := []int32{0, 1, 5, 5}
	if err := route.HashIDs(dst[:4], []int32{0, 1}, bad, 2, 8); !errors.As(err, &fe) || fe.Token != 1 || fe.Slot != 1 {
		t.Errorf("repeated table entry: %v", err)
	}
	if err := route.HashIDs(dst[:4], []int32{0, 1}, []int32{0, 1, 2, 9}, 2, 8); !errors.As(err, &fe) || fe.Token != 1 || fe.Slot != 1 {
		t.Errorf("table entry out of range: %v", err)
	}
	if err := route.HashIDs(dst, []int32{0}, table, 2, 8); !errors.Is(err, route.ErrShape) {
		t.Errorf("dst length: %v", err)
	}
}
