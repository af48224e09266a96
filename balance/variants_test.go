package balance_test

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/moegate/moegate/balance"
	"github.com/moegate/moegate/route"
)

// torchtitan's centred sign rule, by hand: counts [4 0 0 0], u = 0.01:
// the sign rule's d = [-u +u +u +u], mean(d) = u/2, centred d =
// [-1.5u, u/2, u/2, u/2] (in the float32 arithmetic Step documents).
func TestCenteredSignHand(t *testing.T) {
	c := mustNew(t, 4, balance.Options{Rate: 0.01, Rule: balance.CenteredSign})
	if _, err := c.Update([]int64{4, 0, 0, 0}); err != nil {
		t.Fatal(err)
	}
	u := float32(0.01)
	m := float32(float64(u) * 2 / 4)
	want := []float32{-u - m, u - m, u - m, u - m}
	if got := c.Bias(); !slices.Equal(got, want) {
		t.Errorf("bias %v, want %v", got, want)
	}
	// a balanced step moves nothing, bit for bit
	before := slices.Clone(c.Bias())
	c.Update([]int64{3, 3, 3, 3})
	if !slices.Equal(c.Bias(), before) {
		t.Errorf("balanced step moved the bias: %v -> %v", before, c.Bias())
	}
	if balance.CenteredSign.String() != "centered-sign" {
		t.Errorf("String %q", balance.CenteredSign)
	}
}

// Over random loads, the centred rule's bias is the sign rule's minus its
// mean (up to float32 rounding), so the bias sum stays near 0 while the
// sign rule's drifts, and the differences between experts (all that
// selection sees) agree.
func TestCenteredSignTracksSign(t *testing.T) {
	const E, steps = 16, 400
	r := rand.New(rand.NewPCG(8, 8))
	sg := mustNew(t, E, balance.Options{Rate: 0.001, Rule: balance.Sign})
	ct := mustNew(t, E, balance.Options{Rate: 0.001, Rule: balance.CenteredSign})
	for range steps {
		c := make([]int64, E)
		for i := range c {
			// a few experts starved, the rest above the mean: the sign
			// rule's bias sum drifts by (3 - 13)u per step
			c[i] = 100 + r.Int64N(10)
			if i < 3 {
				c[i] = r.Int64N(10)
			}
		}
		sg.Update(c)
		ct.Update(c)
	}
	bs, bc := sg.Bias(), ct.Bias()
	var ms, mc float64
	for i := range bs {
		ms += float64(bs[i]) / E
		mc += float64(bc[i]) / E
	}
	if math.Abs(mc) > 1e-5 {
		t.Errorf("centred bias mean %v, want ~0", mc)
	}
	if math.Abs(ms) < 0.01 {
		t.Errorf("sign-rule bias mean %v: the loads were meant to make it drift", ms)
	}
	for i := range bs {
		if d := float64(bc[i]) - (float64(bs[i]) - ms); math.Abs(d) > 1e-5 {
			t.Errorf("expert %d: centred %v, sign minus mean %v", i, bc[i], float64(bs[i])-ms)
		}
	}
}

// Megatron-LM's semantics (DESIGN.md section 2) with this API, in a
// closed loop through the reference router:
//   - gradient accumulation: the micro-batches of an optimizer step are
//     Added and the controller Steps once, which is Update with their sum;
//   - data parallelism: R ranks each route their shard and Add its load,
//     then TakeLoad; the sum over ranks (the all-reduce) goes to Update on
//     every rank; every rank ends each step with the same bias bits as one
//     controller that routed the whole global batch;
//   - padding: rows that are not tokens add no load. Route counts only
//     valid rows (a NaN row is reported and not counted), so a framework
//     passes only real tokens or NaN-padded rows; the padded batch's load
//     equals the unpadded one's.
func TestMegatronSemantics(t *testing.T) {
	const E, K, R, micro, T = 32, 4, 4, 2, 128 // T tokens per rank per micro-batch
	cfg := route.Config{Experts: E, TopK: K, Score: route.Sigmoid, Normalize: true, Scale: 1}
	ref, err := route.NewReference(cfg)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(12, 3))
	one := mustNew(t, E, balance.Options{})
	ranks := make([]*balance.Controller, R)
	for i := range ranks {
		ranks[i] = mustNew(t, E, balance.Options{})
	}
	ids, w := make([]int32, R*T*K), make([]float32, R*T*K)
	load := make([]int64, E)
	x := make([]float32, R*T*E)
	for step := range 30 {
		// The bias every rank routes with this step; they must all agree.
		bias := ranks[0].Bias()
		for i, c := range ranks {
			if !slices.Equal(c.Bias(), bias) || !slices.Equal(c.Bias(), one.Bias()) {
				t.Fatalf("step %d: rank %d bias %v, rank 0 %v, single %v", step, i, c.Bias(), bias, one.Bias())
			}
		}
		for range micro {
			for i := range x {
				x[i] = float32(rng.NormFloat64())
				if i%E < 4 {
					x[i] += 1 // skewed: the bias has work to do
				}
			}
			for rk, c := range ranks {
				shard := x[rk*T*E : (rk+1)*T*E]
				if err := ref.Route(route.Output{IDs: ids[:T*K], Weights: w[:T*K], Load: load}, route.Input{Logits: shard, Tokens: T, Bias: bias}); err != nil {
					t.Fatal(err)
				}
				c.Add(load)
			}
			if err := ref.Route(route.Output{IDs: ids, Weights: w, Load: load}, route.Input{Logits: x, Tokens: R * T, Bias: bias}); err != nil {
				t.Fatal(err)
			}
			one.Add(load)
		}
		sum := make([]int64, E)
		for _, c := range ranks {
			for i, v := range c.TakeLoad() {
				sum[i] += v
			}
		}
		for _, c := range ranks {
			if _, err := c.Update(sum); err != nil {
				t.Fatal(err)
			}
		}
		if st := one.Step(); st.Tokens != R*T*K*micro {
			t.Fatalf("step %d: %d pairs, want %d", step, st.Tokens, R*T*K*micro)
		}
	}
	if one.Steps() != 30 || ranks[R-1].Steps() != 30 || !slices.Equal(one.GlobalLoad(), ranks[0].GlobalLoad()) {
		t.Errorf("steps %d %d, global load %v vs %v", one.Steps(), ranks[R-1].Steps(), one.GlobalLoad(), ranks[0].GlobalLoad())
	}
	if spread := one.Bias(); slices.Max(spread)-slices.Min(spread) < 0.005 {
		t.Errorf("the bias hardly moved (%v): the test would not see a difference", spread)
	}

	// Padding: 100 real tokens padded to 128 with NaN rows.
	real := x[:100*E]
	padded := slices.Clone(x[:128*E])
	for i := 100 * E; i < len(padded); i++ {
		padded[i] = float32(math.NaN())
	}
	want := make([]int64, E)
	if err := ref.Route(route.Output{IDs: ids[:100*K], Weights: w[:100*K], Load: want}, route.Input{Logits: real, Tokens: 100, Bias: one.Bias()}); err != nil {
		t.Fatal(err)
	}
	err = ref.Route(route.Output{IDs: ids[:128*K], Weights: w[:128*K], Load: load}, route.Input{Logits: padded, Tokens: 128, Bias: one.Bias()})
	if err == nil || !slices.Equal(load, want) {
		t.Errorf("padded batch: load %v (err %v), want %v and an error naming token 100", load, err, want)
	}
}
