package route

import (
	"strings"
	"testing"

	"github.com/moegate/moegate/asm"
)

func TestRouterString(t *testing.T) {
	p, err := LookupPreset("deepseek-v3")
	if err != nil {
		t.Fatal(err)
	}
	for _, impl := range Implementations() {
		r, err := NewImpl(p.Config, impl)
		if err != nil {
			t.Fatal(err)
		}
		s := r.String()
		for _, want := range []string{"moegate router", p.Config.String(), "kernels " + impl + " [" + ImplFeatures(impl) + "]", " on " + CPUName()} {
			if !strings.Contains(s, want) {
				t.Errorf("%s: String() = %q, missing %q", impl, s, want)
			}
		}
		// A kernel that runs here has every feature it needs.
		if strings.Contains(ImplFeatures(impl), "(absent)") {
			t.Errorf("%s runs here, but its features read %q", impl, ImplFeatures(impl))
		}
		t.Log(s)
	}
	// A shape the kernels hand to the reference says so.
	small := Config{Experts: 8, TopK: 2, Score: Sigmoid, Groups: 2, TopGroups: 1, GroupRule: GroupTop2Sum}
	for _, impl := range Implementations() {
		r, err := NewImpl(small, impl)
		if err != nil {
			t.Fatal(err)
		}
		rr := r.(*router)
		eff := asm.Effective(rr.impl, &rr.plan)
		if says := strings.Contains(r.String(), "runs the go reference"); says != (eff != rr.impl) {
			t.Errorf("%s: String() = %q, but the shape runs %v", impl, r.String(), eff)
		}
	}
	// Mixtral's one-token calls without a bias run where EffectiveCall
	// says, and String says so.
	mixtral, err := LookupPreset("mixtral-8x7b")
	if err != nil {
		t.Fatal(err)
	}
	for _, impl := range Implementations() {
		r, err := NewImpl(mixtral.Config, impl)
		if err != nil {
			t.Fatal(err)
		}
		rr := r.(*router)
		one := asm.EffectiveCall(rr.impl, &rr.noBias, 1, false)
		says := strings.Contains(r.String(), "one-token calls without a bias run on the go reference")
		if says != (one != rr.impl) {
			t.Errorf("%s: String() = %q, but one token without a bias runs %v", impl, r.String(), one)
		}
	}
	if got := ImplFeatures("go"); got != "portable Go" {
		t.Errorf(`ImplFeatures("go") = %q`, got)
	}
}

// TestRouterStringNewRules: every rule runs on the SIMD kernels (calls
// with forced ids too): String names no reference for any of them.
func TestRouterStringNewRules(t *testing.T) {
	for _, impl := range Implementations() {
		for _, cfg := range []Config{
			{Experts: 256, TopK: 6, Score: SqrtSoftplus, Normalize: true, Scale: 1.5}, // DeepSeek-V4
			{Experts: 256, TopK: 6, Score: SqrtSoftplus, Normalize: true, NormRule: NormClamp, NormMin: 1e-12},
			{Experts: 64, TopK: 6, Score: Softmax, Normalize: true, NormRule: NormClamp, NormMin: 1e-12},
			{Experts: 256, TopK: 8, Score: Sigmoid, Normalize: true, NormRule: NormSum},
			{Experts: 256, TopK: 8, Score: Softmax, Normalize: true, NormRule: NormSum},
			{Experts: 256, TopK: 8, Score: Softmax, Normalize: true},
		} {
			r, err := NewImpl(cfg, impl)
			if err != nil {
				t.Fatal(err)
			}
			if s := r.String(); strings.Contains(s, "reference") {
				t.Errorf("%s %v: String() = %q", impl, cfg, s)
			}
		}
	}
}
