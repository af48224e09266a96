package balance_test

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/moegate/moegate/balance"
)

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-12*math.Max(math.Abs(a), math.Abs(b)) }

func TestSeqBalanceLossHand(t *testing.T) {
	// T=2, E=4, K=2.
	// Normalised scores: token 0 [1 2 3 4]/10, token 1 [4 0 0 4]/8;
	// P = mean = [0.3 0.1 0.15 0.45].
	// ids: token 0 {3, 2}, token 1 {0, 3}: count = [1 0 1 2],
	// f = E/(K*T) * count = count. Σ f P = 0.3 + 0 + 0.15 + 0.9 = 1.35.
	scores := []float32{1, 2, 3, 4, 4, 0, 0, 4}
	ids := []int32{3, 2, 0, 3}
	got, err := balance.SeqBalanceLoss(scores, 2, 4, 2, ids, 1e-4)
	if err != nil || !near(got, 1.35e-4) {
		t.Fatalf("L = %v, %v; want 1.35e-4", got, err)
	}
}

// Σ f_i = E and Σ P_i = 1, so L = alpha exactly when scores are uniform
// (P_i = 1/E) or routing is balanced (f_i = 1), L = alpha*E/K when every
// token picks the same K experts which hold all the score, and always
// 0 <= L <= alpha*E/K.
func TestSeqBalanceLossBounds(t *testing.T) {
	const alpha = 1e-4
	r := rand.New(rand.NewPCG(3, 3))
	randIDs := func(T, E, K int) []int32 {
		ids := make([]int32, 0, T*K)
		for range T {
			for _, p := range r.Perm(E)[:K] {
				ids = append(ids, int32(p))
			}
		}
		return ids
	}
	for _, d := range []struct{ T, E, K int }{{1, 1, 1}, {5, 8, 2}, {64, 64, 6}, {33, 256, 8}} {
		T, E, K := d.T, d.E, d.K
		uniform := make([]float32, T*E)
		for i := range uniform {
			uniform[i] = 0.25
		}
		randScores := make([]float32, T*E)
		for i := range randScores {
			randScores[i] = r.Float32()
		}
		// Uniform scores, random routing.
		if L, err := balance.SeqBalanceLoss(uniform, T, E, K, randIDs(T, E, K), alpha); err != nil || !near(L, alpha) {
			t.Errorf("%v uniform scores: L = %v, %v; want alpha", d, L, err)
		}
		// Balanced routing (E tokens, token t takes t, t+1, ..., mod E),
		// random scores.
		bal := make([]int32, 0, E*K)
		for tk := range E {
			for j := range K {
				bal = append(bal, int32((tk+j)%E))
			}
		}
		rs := make([]float32, E*E)
		for i := range rs {
			rs[i] = r.Float32() + 0.01
		}
		if L, err := balance.SeqBalanceLoss(rs, E, E, K, bal, alpha); err != nil || !near(L, alpha) {
			t.Errorf("%v balanced routing: L = %v, %v; want alpha", d, L, err)
		}
		// Collapse: every token on experts 0..K-1, which hold all the score.
		col := make([]int32, 0, T*K)
		cs := make([]float32, T*E)
		for tk := range T {
			for j := range K {
				col = append(col, int32(j))
				cs[tk*E+j] = r.Float32() + 0.01
			}
		}
		if L, err := balance.SeqBalanceLoss(cs, T, E, K, col, alpha); err != nil || !near(L, alpha*float64(E)/float64(K)) {
			t.Errorf("%v collapse: L = %v, %v; want alpha*E/K = %v", d, L, err, alpha*float64(E)/float64(K))
		}
		// Random: within the bounds.
		for range 20 {
			L, err := balance.SeqBalanceLoss(randScores, T, E, K, randIDs(T, E, K), alpha)
			if err != nil || L < 0 || L > alpha*float64(E)/float64(K)*(1+1e-12) {
				t.Errorf("%v random: L = %v, %v out of [0, alpha*E/K]", d, L, err)
			}
		}
	}
}

func TestSeqBalanceLossErrors(t *testing.T) {
	s := []float32{1, 2, 3, 4, 4, 0, 0, 4}
	ids := []int32{3, 2, 0, 3}
	nan, inf := float32(math.NaN()), float32(math.Inf(1))
	cases := []struct {
		name    string
		scores  []float32
		T, E, K int
		ids     []int32
		alpha   float64
		want    error
	}{
		{"T=0", nil, 0, 4, 2, nil, 1, balance.ErrShape},
		{"K=0", s, 2, 4, 0, nil, 1, balance.ErrShape},
		{"K>E", s, 2, 4, 5, ids, 1, balance.ErrShape},
		{"short scores", s[:7], 2, 4, 2, ids, 1, balance.ErrShape},
		{"long ids", s, 2, 4, 2, append(ids, 1), 1, balance.ErrShape},
		{"id -1", s, 2, 4, 2, []int32{3, 2, -1, 3}, 1, balance.ErrValue},
		{"id E", s, 2, 4, 2, []int32{3, 4, 0, 3}, 1, balance.ErrValue},
		{"duplicate", s, 2, 4, 2, []int32{3, 2, 3, 3}, 1, balance.ErrValue},
		{"NaN score", []float32{1, nan, 3, 4, 4, 0, 0, 4}, 2, 4, 2, ids, 1, balance.ErrValue},
		{"Inf score", []float32{1, 2, 3, 4, 4, 0, inf, 4}, 2, 4, 2, ids, 1, balance.ErrValue},
		{"negative score", []float32{1, 2, -3, 4, 4, 0, 0, 4}, 2, 4, 2, ids, 1, balance.ErrValue},
		{"zero row", []float32{1, 2, 3, 4, 0, 0, 0, 0}, 2, 4, 2, ids, 1, balance.ErrValue},
		{"alpha NaN", s, 2, 4, 2, ids, math.NaN(), balance.ErrValue},
	}
	for _, c := range cases {
		if L, err := balance.SeqBalanceLoss(c.scores, c.T, c.E, c.K, c.ids, c.alpha); !errors.Is(err, c.want) || L != 0 {
			t.Errorf("%s: %v, %v; want 0, %v", c.name, L, err, c.want)
		}
	}
	// The same expert in two different tokens is fine.
	if _, err := balance.SeqBalanceLoss(s, 2, 4, 2, []int32{3, 2, 2, 3}, 1); err != nil {
		t.Errorf("repeated across tokens: %v", err)
	}
}
