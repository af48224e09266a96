package asm

import "testing"

// TestEffective: Effective names the implementation routeArch actually
// runs, for every implementation available here and a spread of shapes.
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
					p := Plan{E: E, K: K, Softmax: E%2 == 0, Groups: groups, TopGroups: groups, Scale: 1}
					s := p.NewScratch()
					x := make([]float32, E)
					ids := make([]int32, K)
					w := make([]float32, K)
					_, ok := routeArch(impl, &p, s, ids, w, make([]int64, E), x, E, nil)
					want := Go
					if ok {
						want = impl
					}
					if got := Effective(impl, &p); got != want {
						t.Errorf("Effective(%v, E=%d K=%d groups=%d) = %v, routeArch ran %v", impl, E, K, groups, got, want)
					}
				}
			}
		}
	}
}
