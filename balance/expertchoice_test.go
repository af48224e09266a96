package balance_test

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/moegate/moegate/balance"
	"github.com/moegate/moegate/route"
)

// bruteExpertChoice is the definition, written out: token t is among
// expert e's C tokens iff fewer than C tokens beat it (a higher score, or
// an equal score and a lower index); its place in the list is the number of
// tokens that beat it.
func bruteExpertChoice(scores []float32, T, E, C int) []int32 {
	dst := make([]int32, E*C)
	for e := range E {
		for t := range T {
			beat := 0
			for u := range T {
				su, st := scores[u*E+e], scores[t*E+e]
				if su > st || (su == st && u < t) {
					beat++
				}
			}
			if beat < C {
				dst[e*C+beat] = int32(t)
			}
		}
	}
	return dst
}

func TestExpertChoiceBrute(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 2))
	for _, d := range []struct{ T, E, C int }{{1, 1, 1}, {5, 3, 5}, {16, 4, 8}, {64, 8, 16}, {33, 7, 1}, {40, 16, 9}} {
		for trial := range 20 {
			s := make([]float32, d.T*d.E)
			for i := range s {
				switch trial % 3 {
				case 0:
					s[i] = r.Float32()
				case 1: // many ties
					s[i] = float32(r.IntN(4)) * 0.25
				default: // ±0 and negative scores
					s[i] = float32(r.IntN(3)-1) * 0
					if r.IntN(2) == 0 {
						s[i] = float32(-r.NormFloat64())
					}
				}
			}
			got := make([]int32, d.E*d.C)
			if err := balance.ExpertChoice(got, s, d.T, d.E, d.C); err != nil {
				t.Fatal(err)
			}
			if want := bruteExpertChoice(s, d.T, d.E, d.C); !slices.Equal(got, want) {
				t.Fatalf("%v trial %d:\n got %v\nwant %v", d, trial, got, want)
			}
			// every expert exactly C distinct tokens
			m := make([]bool, d.T*d.E)
			if err := balance.ExpertMembership(m, got, d.T, d.E, d.C); err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, v := range m {
				if v {
					n++
				}
			}
			if n != d.E*d.C {
				t.Fatalf("%v: %d memberships, want E*C = %d", d, n, d.E*d.C)
			}
		}
	}
	if c := balance.Capacity(256, 8, 2, 1); c != 64 {
		t.Errorf("Capacity(256, 8, 2, 1) = %d, want 64", c)
	}
	if c := balance.Capacity(10, 8, 1, 0.01); c != 1 {
		t.Errorf("Capacity floor: %d", c)
	}
	if c := balance.Capacity(10, 2, 4, 2); c != 10 {
		t.Errorf("Capacity ceiling: %d", c)
	}
}

func TestExpertChoiceErrors(t *testing.T) {
	s := []float32{1, 2, 3, 4, 5, 6}
	dst := make([]int32, 4)
	for _, c := range []struct {
		name    string
		s       []float32
		T, E, C int
		dst     []int32
		want    error
	}{
		{"C 0", s, 3, 2, 0, dst[:0], balance.ErrShape},
		{"C > T", s, 3, 2, 4, make([]int32, 8), balance.ErrShape},
		{"short scores", s[:5], 3, 2, 2, dst, balance.ErrShape},
		{"short dst", s, 3, 2, 2, dst[:3], balance.ErrShape},
		{"NaN", []float32{1, 2, float32(math.NaN()), 4, 5, 6}, 3, 2, 2, dst, balance.ErrValue},
		{"Inf", []float32{1, 2, 3, 4, 5, float32(math.Inf(-1))}, 3, 2, 2, dst, balance.ErrValue},
	} {
		if err := balance.ExpertChoice(c.dst, c.s, c.T, c.E, c.C); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
}

// The leak: two batches share their first half and differ in the second.
// Token-choice routing (the reference router, with a fixed bias) routes the
// shared half identically: leak 0. Expert Choice does not: a later token
// can displace an earlier one from an expert's top C.
func TestLeak(t *testing.T) {
	const T, E, K = 256, 16, 2
	r := rand.New(rand.NewPCG(4, 4))
	ref, err := route.NewReference(route.Config{Experts: E, TopK: K, Score: route.Sigmoid, Normalize: true, Scale: 1})
	if err != nil {
		t.Fatal(err)
	}
	bias := make([]float32, E)
	for i := range bias {
		bias[i] = float32(0.1 * r.NormFloat64())
	}
	a := make([]float32, T*E)
	for i := range a {
		a[i] = float32(r.NormFloat64())
	}
	b := slices.Clone(a)
	for i := T / 2 * E; i < T*E; i++ {
		b[i] = float32(r.NormFloat64())
	}
	member := func(x []float32, expertChoice bool) []bool {
		m := make([]bool, T*E)
		if expertChoice {
			C := balance.Capacity(T, E, K, 1)
			tok := make([]int32, E*C)
			if err := balance.ExpertChoice(tok, x, T, E, C); err != nil {
				t.Fatal(err)
			}
			if err := balance.ExpertMembership(m, tok, T, E, C); err != nil {
				t.Fatal(err)
			}
			return m
		}
		ids, w := make([]int32, T*K), make([]float32, T*K)
		if err := ref.Route(route.Output{IDs: ids, Weights: w}, route.Input{Logits: x, Tokens: T, Bias: bias}); err != nil {
			t.Fatal(err)
		}
		if err := balance.TokenMembership(m, ids, T, K, E); err != nil {
			t.Fatal(err)
		}
		return m
	}
	tc, err := balance.Leak(member(a, false), member(b, false), T, E, T/2)
	if err != nil || tc != 0 {
		t.Errorf("token choice: leak %v, %v; want 0", tc, err)
	}
	ec, err := balance.Leak(member(a, true), member(b, true), T, E, T/2)
	if err != nil || ec <= 0.05 {
		t.Errorf("expert choice: leak %v, %v; want > 0.05", ec, err)
	}
	t.Logf("leak over the first %d tokens: token choice %.3f, expert choice %.3f", T/2, tc, ec)
	// The measure itself: the whole batch equal gives 0, the second
	// half is not counted.
	if l, _ := balance.Leak(member(a, true), member(a, true), T, E, T); l != 0 {
		t.Errorf("identical batches: leak %v", l)
	}
	if _, err := balance.Leak(make([]bool, 4), make([]bool, 4), 2, 2, 3); !errors.Is(err, balance.ErrShape) {
		t.Errorf("p > T: %v", err)
	}
}
