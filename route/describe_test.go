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
	if got := ImplFeatures("go"); got != "portable Go" {
		t.Errorf(`ImplFeatures("go") = %q`, got)
	}
}
