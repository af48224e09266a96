package fuzz

import (
	"fmt"
	"math"
	"runtime/debug"
	"sync"
	"testing"

	"github.com/moegate/moegate/asm"
	"github.com/moegate/moegate/internal/testutil"
	"github.com/moegate/moegate/route"
)

// Guard-page regions shared by the targets (each fuzz worker runs one input
// at a time). Nil where guard pages are unavailable; inputs then go to
// ordinary memory.
var (
	guardOnce   sync.Once
	guardLogits *testutil.Guarded
	guardBias   *testutil.Guarded
)

func guards() (x, b *testutil.Guarded) {
	guardOnce.Do(func() {
		guardLogits, _ = testutil.NewGuarded(1<<16 + 4096 + 64)
		guardBias, _ = testutil.NewGuarded(4096)
	})
	return guardLogits, guardBias
}

// place copies the decoded logits and bias where the spec says: flush
// against a guard page, or at the start offset from a 64-byte boundary.
func (s *spec) place() (x, bias []float32) {
	gx, gb := guards()
	if s.guard && gx != nil {
		x = gx.Tail(len(s.logits))
		if s.bias != nil {
			bias = gb.Tail(len(s.bias))
		}
	} else {
		x = testutil.Aligned(len(s.logits), s.offset)
		if s.bias != nil {
			bias = testutil.Aligned(len(s.bias), (s.offset+3)%16)
		}
	}
	copy(x, s.logits)
	copy(bias, s.bias)
	return x, bias
}

func (s *spec) input() route.Input {
	x, b := s.place()
	in := route.Input{Logits: x, Tokens: s.T, Stride: s.stride, Bias: b,
		ExpertScale: s.scale, Mask: s.mask, ForcedIDs: s.forced}
	if s.zeroStr {
		in.Stride = 0
	}
	return in
}

// chooseForced fills s.forced with what ref chooses on the same input
// (forcedChosen): forced routing must then give the same bits.
func (s *spec) chooseForced(ref route.Router) {
	if s.forced == nil || s.forcedKind != forcedChosen {
		return
	}
	in := s.input()
	in.ForcedIDs, in.Mask = nil, nil
	ref.Route(route.Output{IDs: s.forced, Weights: make([]float32, len(s.forced))}, in)
	for i, id := range s.forced { // bad rows' safe ids are valid ids
		if id < 0 {
			s.forced[i] = int32(i % s.cfg.TopK)
		}
	}
}

// FuzzRouter routes a decoded batch on every available implementation and
// compares ids, weight bits, loads, errors and canaries with the reference.
func FuzzRouter(f *testing.F) {
	f.Add(make([]byte, headerLen))
	f.Fuzz(func(t *testing.T, data []byte) {
		defer debug.SetPanicOnFault(debug.SetPanicOnFault(true)) // guard-page hits fail, not crash
		s := decode(data)
		ref, rerr := route.NewReference(s.cfg)
		if rerr == nil {
			s.chooseForced(ref)
		}
		for _, impl := range route.Implementations() {
			got, gerr := route.NewImpl(s.cfg, impl)
			if err := testutil.DiffErr(rerr, gerr); err != nil {
				t.Fatalf("config %+v on %s: %v", s.cfg, impl, err)
			}
			if rerr != nil {
				continue
			}
			if err := testutil.Differential(ref, got, s.input(), s.withLoad); err != nil {
				t.Fatalf("config %v, T=%d stride=%d offset=%d guard=%v bias=%v load=%v mode=%d scale=%v mask=%v forced=%v(%d):\n%v",
					s.cfg, s.T, s.stride, s.offset, s.guard, s.withBias, s.withLoad, s.mode, s.withScale, s.withMask, s.withForced, s.forcedKind, err)
			}
		}
	})
}

// plan resolves a valid Config as route does.
func plan(c route.Config) asm.Plan {
	p := asm.Plan{E: c.Experts, K: c.TopK, Softmax: c.Score == route.Softmax, SqrtSoftplus: c.Score == route.SqrtSoftplus,
		Groups: max(c.Groups, 1), TopGroups: max(c.TopGroups, 1), GroupMax: c.GroupRule == route.GroupMax,
		Normalize: c.Normalize, Scale: c.Scale}
	if c.Normalize {
		p.NormRule, p.NormMin = asm.NormRule(c.NormRule), c.NormMin
	}
	if p.Groups == 1 {
		p.TopGroups = 1
	}
	if p.Scale == 0 {
		p.Scale = 1
	}
	return p
}

// dirtyScratch returns scratch for p filled with garbage: kernels must not
// depend on what a previous call left there.
func dirtyScratch(p *asm.Plan) *asm.Scratch {
	s := p.NewScratch()
	for i := range s.Sel {
		s.Sel[i] = float32(math.NaN())
	}
	for i := range s.Top {
		s.Top[i] = ^uint64(i)
	}
	for i := range s.GSc {
		s.GSc[i] = float32(math.Inf(1))
	}
	for i := range s.GTop {
		s.GTop[i] = uint64(i) * 0x9E3779B97F4A7C15
	}
	return s
}

// FuzzKernel calls asm.Route for every available implementation on one
// chunk (at most 256 tokens, as the Router feeds it) and compares with
// asm.RouteGeneric: ids, weight bits, load increments, the first bad token,
// and canaries around the outputs. Logits are exactly (T-1)*stride+E long.
func FuzzKernel(f *testing.F) {
	f.Add(make([]byte, headerLen))
	f.Fuzz(func(t *testing.T, data []byte) {
		defer debug.SetPanicOnFault(debug.SetPanicOnFault(true)) // guard-page hits fail, not crash
		s := decode(data)
		if s.cfg.Validate() != nil {
			return // kernels take validated plans only
		}
		if s.T > 256 {
			s.T = 256
			s.logits = s.logits[:(s.T-1)*s.stride+s.cfg.Experts]
		}
		for i, v := range s.bias { // kernels take finite bias only
			if f := float64(v); math.IsNaN(f) || math.IsInf(f, 0) {
				s.bias[i] = 0
			}
		}
		p := plan(s.cfg)
		x, bias := s.place()
		n := s.T * p.K
		want := testutil.NewCanaried(n, p.E)
		for i := range want.Load {
			want.Load[i] = int64(i * 3) // kernels add to the counts
		}
		wantBad := asm.RouteGeneric(&p, p.NewScratch(), want.IDs, want.Weights, want.Load, x, s.stride, bias)
		// Every implementation runs the plan itself; a call without a bias
		// may run its canonical form (asm.Plan.Canonical), which must give
		// the same bits.
		impls := asm.Available()
		plans := []asm.Plan{p}
		if c, ok := p.Canonical(); ok && bias == nil {
			plans = append(plans, c)
		}
		for pi := 0; pi < len(plans)*len(impls); pi++ {
			kp, impl := plans[pi/len(impls)], impls[pi%len(impls)]
			got := testutil.NewCanaried(n, p.E)
			for i := range got.Load {
				got.Load[i] = int64(i * 3)
			}
			bad := asm.Route(impl, &kp, dirtyScratch(&kp), got.IDs, got.Weights, got.Load, x, s.stride, bias)
			err := got.Check()
			if err == nil && bad != wantBad {
				err = fmt.Errorf("first bad token %d, want %d", bad, wantBad)
			}
			if err == nil {
				err = testutil.Diff(testutil.Result{IDs: want.IDs, Weights: want.Weights, Load: want.Load},
					testutil.Result{IDs: got.IDs, Weights: got.Weights, Load: got.Load}, p.K)
			}
			if err != nil {
				t.Fatalf("%s vs RouteGeneric: plan %+v, T=%d stride=%d offset=%d guard=%v bias=%v mode=%d:\n%v",
					impl, kp, s.T, s.stride, s.offset, s.guard, bias != nil, s.mode, err)
			}
		}
	})
}

// Stated accuracy bounds (the same as asm/accuracy_test.go), in ulp at the
// exact result; results below 2^-126 in units of 2^-149.
const (
	sigmoidBound   = 2.5
	expBound       = 1.0
	subnormalBound = 1.0
)

func ulpErr(got float32, exact float64) (float64, bool) {
	a := math.Abs(exact)
	if a < 0x1p-126 {
		return math.Abs(float64(got)-exact) / 0x1p-149, true
	}
	_, e := math.Frexp(a)
	return math.Abs(float64(got)-exact) / math.Ldexp(1, e-24), false
}

func checkBound(t *testing.T, name string, x, got float32, exact, bound float64) {
	t.Helper()
	e, sub := ulpErr(got, exact)
	if sub {
		bound = subnormalBound
	}
	if !(e <= bound) {
		t.Fatalf("%s(%v) = %v (%#08x), exact %v: %.3f ulp > %v (subnormal %v)", name, x, got, math.Float32bits(got), exact, e, bound, sub)
	}
}

// FuzzSigmoid checks asm.Sigmoid on any float32 (bits): the result is in
// [0, 1], on the correct side of 1/2, within the stated ulp bound of
// float64, and ordered with its neighbours up to that bound.
func FuzzSigmoid(f *testing.F) {
	f.Add(uint32(0))
	f.Fuzz(func(t *testing.T, xb uint32) {
		x := math.Float32frombits(xb)
		if x != x {
			return // Sigmoid's contract is for non-NaN input
		}
		s := asm.Sigmoid(x)
		if !(s >= 0 && s <= 1) {
			t.Fatalf("Sigmoid(%v) = %v outside [0, 1]", x, s)
		}
		if (x > 0 && s < 0.5) || (x < 0 && s > 0.5) || (x == 0 && s != 0.5) {
			t.Fatalf("Sigmoid(%v) = %v on the wrong side of 1/2", x, s)
		}
		checkBound(t, "Sigmoid", x, s, 1/(1+math.Exp(-float64(x))), sigmoidBound)
		// The next float up never scores lower by more than the two bounds.
		if y := math.Nextafter32(x, float32(math.Inf(1))); y != x && !math.IsInf(float64(y), 0) {
			sy := asm.Sigmoid(y)
			e, sub := ulpErr(sy, float64(s))
			lim := 2 * sigmoidBound
			if sub {
				lim = 2 * subnormalBound
			}
			if sy < s && e > lim {
				t.Fatalf("Sigmoid(%v) = %v < Sigmoid(%v) = %v by %.3f ulp", y, sy, x, s, e)
			}
		}
	})
}

// FuzzExpNeg checks asm.ExpNeg on x = -|bits| (its domain, x <= 0): the
// result is in [0, 1] and within the stated ulp bound of math.Exp.
func FuzzExpNeg(f *testing.F) {
	f.Add(uint32(0))
	f.Fuzz(func(t *testing.T, xb uint32) {
		x := math.Float32frombits(xb | 0x80000000)
		if x != x {
			return
		}
		e := asm.ExpNeg(x)
		if !(e >= 0 && e <= 1) {
			t.Fatalf("ExpNeg(%v) = %v outside [0, 1]", x, e)
		}
		checkBound(t, "ExpNeg", x, e, math.Exp(float64(x)), expBound)
	})
}

// Stated bounds of SqrtSoftplus (asm/accuracy_test.go): ulp where
// softplus(x) is a normal float32; below, |s^2 - softplus(x)| in units of
// 2^-149.
const (
	sqrtSoftplusBound    = 1.5
	sqrtSoftplusSubBound = 1.5
)

// FuzzSqrtSoftplus checks asm.SqrtSoftplus on any finite float32 (bits):
// the result is finite and >= 0, within the stated bounds of float64
// sqrt(softplus(x)) (torch's threshold 20), and not below its lower
// neighbour's by more than the bound.
func FuzzSqrtSoftplus(f *testing.F) {
	f.Add(uint32(0))
	f.Fuzz(func(t *testing.T, xb uint32) {
		x := math.Float32frombits(xb)
		if x != x || math.IsInf(float64(x), 0) {
			return
		}
		got := asm.SqrtSoftplus(x)
		if !(got >= 0) || math.IsInf(float64(got), 0) {
			t.Fatalf("SqrtSoftplus(%v) = %v", x, got)
		}
		sp := func(x float32) float64 {
			if x > 20 {
				return float64(x)
			}
			return math.Log1p(math.Exp(float64(x)))
		}
		v := sp(x)
		if v < 0x1p-126 {
			if e := math.Abs(float64(got)*float64(got)-v) / 0x1p-149; !(e <= sqrtSoftplusSubBound) {
				t.Fatalf("SqrtSoftplus(%v) = %v: squared, %.3f x 2^-149 from softplus %v", x, got, e, v)
			}
		} else {
			checkBound(t, "SqrtSoftplus", x, got, math.Sqrt(v), sqrtSoftplusBound)
		}
		if y := math.Nextafter32(x, float32(math.Inf(-1))); y != x && !math.IsInf(float64(y), 0) {
			if gy := asm.SqrtSoftplus(y); gy > got {
				if e, _ := ulpErr(got, float64(gy)); e > 2*sqrtSoftplusBound {
					t.Fatalf("SqrtSoftplus(%v) = %v > SqrtSoftplus(%v) = %v by %.3f ulp", y, gy, x, got, e)
				}
			}
		}
	})
}
