package balance_test

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/moegate/moegate/balance"
)

func randomRouting(r *rand.Rand, T, E, K int) []int32 {
	ids := make([]int32, 0, T*K)
	for range T {
		for _, p := range r.Perm(E)[:K] {
			ids = append(ids, int32(p))
		}
	}
	return ids
}

// The gradient against central finite differences, for both probability
// forms, at several shapes; the counts (ids) are held fixed, as they are
// not differentiable.
func TestBalanceLossGradient(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 9))
	for _, probs := range []balance.Probs{balance.Softmax, balance.SigmoidNorm} {
		for _, d := range []struct{ T, E, K int }{{1, 2, 1}, {7, 8, 2}, {16, 16, 4}, {5, 64, 6}} {
			T, E, K := d.T, d.E, d.K
			x := make([]float32, T*E)
			for i := range x {
				x[i] = float32(2 * r.NormFloat64())
			}
			ids := randomRouting(r, T, E, K)
			const alpha = 0.1
			grad := make([]float64, T*E)
			for i := range grad {
				grad[i] = 1 // BalanceLoss adds to it
			}
			if _, err := balance.BalanceLoss(x, T, E, K, ids, alpha, probs, grad); err != nil {
				t.Fatal(err)
			}
			var worst, scale float64
			for i := range x {
				scale = math.Max(scale, math.Abs(grad[i]-1))
			}
			for i := range x {
				orig := x[i]
				x[i] = orig + 1e-3
				lp, _ := balance.BalanceLoss(x, T, E, K, ids, alpha, probs, nil)
				hp := float64(x[i])
				x[i] = orig - 1e-3
				lm, _ := balance.BalanceLoss(x, T, E, K, ids, alpha, probs, nil)
				hm := float64(x[i])
				x[i] = orig
				fd := (lp - lm) / (hp - hm)
				worst = math.Max(worst, math.Abs(fd-(grad[i]-1)))
			}
			if scale == 0 && d.E > 2 {
				t.Errorf("%v %v: zero gradient", probs, d)
			}
			if worst > 1e-5*math.Max(scale, 1e-3) {
				t.Errorf("%v %v: finite differences differ from the gradient by %.3g (gradient scale %.3g)", probs, d, worst, scale)
			}
		}
	}
}

// Values: SigmoidNorm is SeqBalanceLoss of the sigmoid scores; a
// balanced routing gives alpha and a zero gradient; the Softmax form of a
// hand case.
func TestBalanceLossValues(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 1))
	const T, E, K = 12, 16, 3
	x := make([]float32, T*E)
	s := make([]float32, T*E)
	for i := range x {
		x[i] = float32(r.NormFloat64())
		s[i] = float32(1 / (1 + math.Exp(-float64(x[i]))))
	}
	ids := randomRouting(r, T, E, K)
	got, err := balance.BalanceLoss(x, T, E, K, ids, 1e-4, balance.SigmoidNorm, nil)
	want, err2 := balance.SeqBalanceLoss(s, T, E, K, ids, 1e-4)
	if err != nil || err2 != nil || math.Abs(got-want) > 1e-7*want {
		t.Errorf("SigmoidNorm %v (%v), SeqBalanceLoss of the sigmoids %v (%v)", got, err, want, err2)
	}
	// Balanced: E tokens, token t takes t, t+1, ... (mod E).
	bal := make([]int32, 0, E*K)
	for tk := range E {
		for j := range K {
			bal = append(bal, int32((tk+j)%E))
		}
	}
	xb := make([]float32, E*E)
	for i := range xb {
		xb[i] = float32(r.NormFloat64())
	}
	for _, probs := range []balance.Probs{balance.Softmax, balance.SigmoidNorm} {
		grad := make([]float64, E*E)
		L, err := balance.BalanceLoss(xb, E, E, K, bal, 0.01, probs, grad)
		if err != nil || math.Abs(L-0.01) > 1e-15 {
			t.Errorf("%v balanced: L = %v, %v; want alpha", probs, L, err)
		}
		for i, g := range grad {
			if math.Abs(g) > 1e-17 {
				t.Fatalf("%v balanced: grad[%d] = %v, want 0", probs, i, g)
			}
		}
	}
	// Softmax by hand: T=2, E=2, K=1, logits 0 and ln 3 in both tokens:
	// p = [1/4 3/4]; both tokens choose expert 1: f = [0 2];
	// L = alpha * 2 * 3/4 = 1.5 alpha.
	ln3 := float32(math.Log(3))
	L, err := balance.BalanceLoss([]float32{0, ln3, 0, ln3}, 2, 2, 1, []int32{1, 1}, 1, balance.Softmax, nil)
	if err != nil || math.Abs(L-1.5) > 1e-7 {
		t.Errorf("hand case: %v, %v; want 1.5", L, err)
	}
}

func TestBalanceLossErrors(t *testing.T) {
	x := []float32{1, 2, 3, 4, 4, 0, 0, 4}
	ids := []int32{3, 2, 0, 3}
	nan := float32(math.NaN())
	g := make([]float64, 8)
	cases := []struct {
		name  string
		x     []float32
		ids   []int32
		grad  []float64
		probs balance.Probs
		alpha float64
		want  error
	}{
		{"short logits", x[:7], ids, g, 0, 1, balance.ErrShape},
		{"short grad", x, ids, g[:7], 0, 1, balance.ErrShape},
		{"duplicate id", x, []int32{3, 3, 0, 3}, g, 0, 1, balance.ErrValue},
		{"id out of range", x, []int32{3, 4, 0, 3}, g, 0, 1, balance.ErrValue},
		{"NaN logit", []float32{1, 2, 3, nan, 4, 0, 0, 4}, ids, g, 0, 1, balance.ErrValue},
		{"alpha Inf", x, ids, g, 0, math.Inf(1), balance.ErrValue},
		{"probs 2", x, ids, g, 2, 1, balance.ErrValue},
	}
	for _, c := range cases {
		L, err := balance.BalanceLoss(c.x, 2, 4, 2, c.ids, c.alpha, c.probs, c.grad)
		if !errors.Is(err, c.want) || L != 0 {
			t.Errorf("%s: %v, %v; want 0, %v", c.name, L, err, c.want)
		}
		for i, v := range g {
			if v != 0 {
				t.Fatalf("%s: grad[%d] written (%v) on error", c.name, i, v)
			}
		}
	}
}
