package asm

import "testing"

// TestEffective: Effective and EffectiveCall name the implementation
// routeArch actually runs, for every implementation available here, a
// spread of shapes, one and more tokens, with and without a bias.
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
					s := p.NewScratch()
					// Effective names what routes calls of more than one
					// token; EffectiveCall what routes each call.
					for _, T := range []int{1, 2, 9, 17} {
						for _, bias := range [][]float32{nil, make([]float32, E)} {
							x := make([]float32, T*E)
							ids := make([]int32, T*K)
							w := make([]float32, T*K)
							_, ok := routeArch(impl, &p, s, ids, w, make([]int64, E), x, E, bias)
							want := Go
							if ok {
								want = impl
							}
							if got := EffectiveCall(impl, &p, T, bias != nil); got != want {
								t.Errorf("EffectiveCall(%v, E=%d K=%d groups=%d, T=%d, bias %v) = %v, routeArch ran %v", impl, E, K, groups, T, bias != nil, got, want)
							}
							if got := Effective(impl, &p); T > 1 && got != want {
								t.Errorf("Effective(%v, E=%d K=%d groups=%d) = %v, routeArch ran %v at T=%d", impl, E, K, groups, got, want, T)
							}
						}
					}
				}
			}
		}
	}
}

// TestEffectiveNewRules: plans with a rule the SIMD kernels lack run on
// Go (Route and Effective agree), and their canonical forms where proved.
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
			if got := c.p.SIMDPlan(); got != c.simd {
				t.Errorf("%+v: SIMDPlan = %v, want %v", c.p, got, c.simd)
			}
			if !c.simd && Effective(impl, &c.p) != Go {
				t.Errorf("%v, %+v: Effective = %v, want go", impl, c.p, Effective(impl, &c.p))
			}
			if c.simd && impl != Go && Effective(impl, &c.p) != impl {
				t.Errorf("%v, %+v: Effective = %v, want the kernels", impl, c.p, Effective(impl, &c.p))
			}
			cp, ok := c.p.Canonical()
			if ok != c.canonical {
				t.Errorf("%+v: Canonical ok = %v, want %v", c.p, ok, c.canonical)
			}
			if ok && (cp.NormRule != NormEps || !cp.SIMDPlan()) {
				t.Errorf("%+v: Canonical = %+v", c.p, cp)
			}
			if !ok && cp != c.p {
				t.Errorf("%+v: Canonical changed a plan it declines: %+v", c.p, cp)
			}
		}
	}
}
