package asm

import "testing"

// TestEffective: Effective and EffectiveCall state the dispatch policy,
// for every implementation available here, a spread of shapes, one and
// more tokens, with and without a bias: the Go reference for grouped
// routers below simdMinE experts (amd64) and for one-token calls without a
// bias on the lanes shapes (amd64); the implementation itself otherwise.
// The results of every path are checked against RouteGeneric elsewhere
// (checkRoute, TestPipelineGo, the fuzz targets).
func TestEffective(t *testing.T) {
	for _, impl := range Available() {
		for E := 1; E <= 40; E++ {
			for _, K := range []int{1, 2, 4, 5, 8} {
				if K > E {
					continue
				}
				for _, groups := range []int{1, 2} {
					if E%groups != 0 || (groups > 1 && E/groups < 2) {
						continue
					}
					sp := E%3 == 1 // sqrtsoftplus: never the lanes kernels
					p := Plan{E: E, K: K, Softmax: E%2 == 0 && !sp, SqrtSoftplus: sp, Groups: groups, TopGroups: groups, Scale: 1}
					amd64 := impl == AVX2 || impl == AVX512
					lanes := amd64 && !sp && groups == 1 && E <= 16 && K <= 4
					for _, T := range []int{1, 2, 9, 17} {
						for _, hasBias := range []bool{false, true} {
							want := impl
							if amd64 && groups > 1 && E < 9 || lanes && T == 1 && !hasBias {
								want = Go
							}
							if got := EffectiveCall(impl, &p, T, hasBias); got != want {
								t.Errorf("EffectiveCall(%v, E=%d K=%d groups=%d, T=%d, bias %v) = %v, want %v", impl, E, K, groups, T, hasBias, got, want)
							}
							if got := Effective(impl, &p); T > 1 && got != want {
								t.Errorf("Effective(%v, E=%d K=%d groups=%d) = %v, want %v", impl, E, K, groups, got, want)
							}
						}
					}
					if got := Choose(impl, &p); got.lanes != lanes {
						t.Errorf("Choose(%v, E=%d K=%d groups=%d) lanes = %v, want %v", impl, E, K, groups, got.lanes, lanes)
					}
				}
			}
		}
	}
}

// TestEffectiveNewRules: every implementation runs the plans of every
// normalisation rule (the lanes kernels only NormEps), and Canonical gives
// a NormEps form where proved.
func TestEffectiveNewRules(t *testing.T) {
	base := Plan{E: 64, K: 4, Softmax: true, Groups: 1, TopGroups: 1, Normalize: true, Scale: 1}
	for _, impl := range Available() {
		for _, c := range []struct {
			p         Plan
			simd      bool
			canonical bool
		}{
			{base, true, false},
			{func() Plan { p := base; p.NormRule = NormSum; return p }(), false, true},
			{func() Plan { p := base; p.NormRule = NormClamp; p.NormMin = 1e-12; return p }(), false, false},
			{func() Plan { p := base; p.Softmax, p.SqrtSoftplus = false, true; return p }(), true, false},
			{func() Plan { p := base; p.Softmax, p.SqrtSoftplus, p.NormRule = false, true, NormSum; return p }(), false, false},
			{func() Plan { p := base; p.Softmax, p.NormRule = false, NormSum; return p }(), false, false},
			{func() Plan { p := base; p.NormRule, p.Groups, p.TopGroups = NormSum, 4, 2; return p }(), false, false},
			{func() Plan { p := base; p.NormRule, p.Groups, p.TopGroups, p.GroupMax = NormSum, 4, 2, true; return p }(), false, true},
			{func() Plan { p := base; p.NormRule, p.Normalize = NormSum, false; return p }(), false, false},
		} {
			if Effective(impl, &c.p) != impl {
				t.Errorf("%v, %+v: Effective = %v, want the kernels", impl, c.p, Effective(impl, &c.p))
			}
			small := c.p
			small.E, small.K = 8, 2
			if got := Choose(impl, &small).lanes; got != ((impl == AVX2 || impl == AVX512) && c.simd && !small.SqrtSoftplus && small.Groups == 1) {
				t.Errorf("%v, %+v: lanes = %v", impl, small, got)
			}
			cp, ok := c.p.Canonical()
			if ok != c.canonical {
				t.Errorf("%+v: Canonical ok = %v, want %v", c.p, ok, c.canonical)
			}
			if ok && cp.NormRule != NormEps {
				t.Errorf("%+v: Canonical = %+v", c.p, cp)
			}
			if !ok && cp != c.p {
				t.Errorf("%+v: Canonical changed a plan it declines: %+v", c.p, cp)
			}
		}
	}
}
