package asm

import (
	"math"
	"math/rand/v2"
	"sort"
	"testing"
)

// naiveRoute is a second, deliberately plain implementation of the routing
// contract: it sorts every expert and every group and masks with -Inf,
// exactly as DESIGN.md section 1 words it. It shares only the scalar float
// functions (ExpNeg, Sigmoid, SoftmaxSum) with RouteGeneric, so it checks
// the selection machinery (insertion top-K, heap top-K, groups, masking,
// tie rule, weights) independently.
func naiveRoute(p *Plan, x []float32, bias []float32) (ids []int32, w []float32, bad bool) {
	E, K := p.E, p.K
	for _, v := range x {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			ids = make([]int32, K)
			for j := range ids {
				ids[j] = int32(j)
			}
			return ids, make([]float32, K), true
		}
	}
	logitSel := bias == nil && !p.SqrtSoftplus && (p.Groups == 1 || p.GroupMax)
	sel := make([]float32, E)
	var m, S float32
	if logitSel {
		copy(sel, x)
	} else if p.SqrtSoftplus {
		for i := range x {
			sel[i] = SqrtSoftplus(x[i])
		}
	} else if !p.Softmax {
		for i := range x {
			sel[i] = Sigmoid(x[i])
		}
	} else {
		m = x[0]
		for _, v := range x {
			if v > m {
				m = v
			}
		}
		S = SoftmaxSum(x, m, nil)
		for i := range x {
			sel[i] = ExpNeg(x[i]-m) / S
		}
	}
	if !logitSel && bias != nil {
		for i := range sel {
			sel[i] += bias[i]
		}
	}
	less := func(v []float32, a, b int) bool { // a ranks before b
		if v[a] != v[b] {
			return v[a] > v[b]
		}
		return a < b
	}
	elig := make([]float32, E)
	copy(elig, sel)
	if p.Groups > 1 {
		gs := E / p.Groups
		gsc := make([]float32, p.Groups)
		for g := range gsc {
			grp := append([]float32(nil), sel[g*gs:(g+1)*gs]...)
			sort.Slice(grp, func(a, b int) bool { return grp[a] > grp[b] })
			if p.GroupMax {
				gsc[g] = grp[0]
			} else {
				gsc[g] = grp[0] + grp[1]
			}
		}
		order := make([]int, p.Groups)
		for i := range order {
			order[i] = i
		}
		sort.Slice(order, func(a, b int) bool { return less(gsc, order[a], order[b]) })
		keep := make([]bool, p.Groups)
		for _, g := range order[:p.TopGroups] {
			keep[g] = true
		}
		for i := range elig {
			if !keep[i/gs] {
				elig[i] = float32(math.Inf(-1))
			}
		}
	}
	order := make([]int, E)
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return less(elig, order[a], order[b]) })
	ids = make([]int32, K)
	w = make([]float32, K)
	for j := 0; j < K; j++ {
		ids[j] = int32(order[j])
	}
	if p.SqrtSoftplus {
		for j := range w {
			w[j] = SqrtSoftplus(x[ids[j]])
		}
	} else if !p.Softmax {
		for j := range w {
			w[j] = Sigmoid(x[ids[j]])
		}
	} else {
		if logitSel {
			m = x[ids[0]]
			S = SoftmaxSum(x, m, nil)
		}
		for j := range w {
			w[j] = ExpNeg(x[ids[j]] - m)
			if !(logitSel && p.Normalize && p.NormRule != NormClamp) {
				w[j] /= S
			}
		}
	}
	if p.Normalize {
		var sum float32
		for _, v := range w {
			sum += v
		}
		for j := range w {
			switch p.NormRule {
			case NormEps:
				w[j] /= sum + 1e-20
			case NormSum:
				if sum != 0 {
					w[j] /= sum
				}
			case NormClamp:
				if sum > p.NormMin {
					w[j] /= sum
				} else {
					w[j] /= p.NormMin
				}
			}
		}
	}
	for j := range w {
		w[j] = float32(w[j] * p.Scale)
	}
	return ids, w, false
}

// randLogits draws logits with frequent exact ties and a few specials.
func randLogits(r *rand.Rand, n int, specials bool) []float32 {
	x := make([]float32, n)
	mode := r.IntN(4)
	for i := range x {
		switch mode {
		case 0:
			x[i] = float32(r.NormFloat64() * 2)
		case 1: // coarse values: many exact ties
			x[i] = float32(r.IntN(7)-3) * 0.5
		case 2: // wide range, saturating sigmoid
			x[i] = float32(r.NormFloat64() * 40)
		default:
			x[i] = float32(r.NormFloat64() * 0.01)
		}
		if specials && r.IntN(200) == 0 {
			sp := []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)),
				float32(math.Copysign(0, -1)), 0, 1e-40, -1e-40, 88.72, -88.72, 87.34, -87.34}
			x[i] = sp[r.IntN(len(sp))]
		}
	}
	return x
}

func randPlan(r *rand.Rand) Plan {
	for {
		E := 1 + r.IntN(300)
		if r.IntN(4) == 0 {
			E = []int{8, 16, 60, 64, 128, 160, 256, 384}[r.IntN(8)]
		}
		p := Plan{E: E, K: 1 + r.IntN(min(E, 40)), Softmax: r.IntN(2) == 0, Groups: 1, TopGroups: 1,
			Normalize: r.IntN(2) == 0, Scale: []float32{1, 2.5, 16, 2.827}[r.IntN(4)]}
		if r.IntN(2) == 0 {
			var divs []int
			for g := 2; g <= E; g++ {
				if E%g == 0 {
					divs = append(divs, g)
				}
			}
			if len(divs) > 0 {
				p.Groups = divs[r.IntN(len(divs))]
				p.TopGroups = 1 + r.IntN(p.Groups)
				p.GroupMax = r.IntN(2) == 0
				if !p.GroupMax && E/p.Groups < 2 {
					continue
				}
				if p.K > p.TopGroups*(E/p.Groups) {
					p.K = 1 + r.IntN(p.TopGroups*(E/p.Groups))
				}
			}
		}
		return p
	}
}

// randPlan9 is randPlan with the rules of issue 9 drawn too: sqrtsoftplus
// scores and the three normalisation rules.
func randPlan9(r *rand.Rand) Plan {
	p := randPlan(r)
	switch r.IntN(3) {
	case 0:
		p.Softmax, p.SqrtSoftplus = false, true
	case 1:
		return p
	}
	if p.Normalize {
		p.NormRule = NormRule(r.IntN(3))
		if p.NormRule == NormClamp {
			p.NormMin = []float32{1e-12, 0.3, 2}[r.IntN(3)]
		}
	}
	return p
}

func TestGenericMatchesNaive(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for trial := 0; trial < 4000; trial++ {
		p := randPlan9(r)
		T := 1 + r.IntN(5)
		stride := p.E + r.IntN(3)
		x := randLogits(r, T*stride, true)
		var bias []float32
		if r.IntN(2) == 0 {
			bias = make([]float32, p.E)
			for i := range bias {
				bias[i] = float32(r.NormFloat64()) * []float32{0.001, 0.1, 10}[r.IntN(3)]
				if r.IntN(10) == 0 {
					bias[i] = 0
				}
			}
		}
		ids := make([]int32, T*p.K)
		w := make([]float32, T*p.K)
		load := make([]int64, p.E)
		s := p.NewScratch()
		firstBad := RouteGeneric(&p, s, ids, w, load, x, stride, bias)
		wantLoad := make([]int64, p.E)
		wantBad := -1
		for tk := 0; tk < T; tk++ {
			nid, nw, bad := naiveRoute(&p, x[tk*stride:tk*stride+p.E], bias)
			if bad && wantBad < 0 {
				wantBad = tk
			}
			for j := 0; j < p.K; j++ {
				if ids[tk*p.K+j] != nid[j] || math.Float32bits(w[tk*p.K+j]) != math.Float32bits(nw[j]) {
					t.Fatalf("trial %d plan %+v token %d: got ids %v w %v, naive ids %v w %v",
						trial, p, tk, ids[tk*p.K:(tk+1)*p.K], w[tk*p.K:(tk+1)*p.K], nid, nw)
				}
				if !bad {
					wantLoad[nid[j]]++
				}
			}
		}
		if firstBad != wantBad {
			t.Fatalf("trial %d: first bad %d, want %d", trial, firstBad, wantBad)
		}
		for i := range load {
			if load[i] != wantLoad[i] {
				t.Fatalf("trial %d: load[%d] = %d, want %d", trial, i, load[i], wantLoad[i])
			}
		}
	}
}

func TestSigmoidRowMatchesSigmoid(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	x := randLogits(r, 1<<16, false)
	for _, v := range []float32{0, float32(math.Copysign(0, -1)), 1e-45, -1e-45, 87.34, -87.34, 88.72, -88.72, 104, -104, 1e30, -1e30, 3.4e38, -3.4e38} {
		x = append(x, v)
	}
	b := make([]float32, len(x))
	for i := range b {
		b[i] = float32(r.NormFloat64())
	}
	got := make([]float32, len(x))
	// Short rows (every tail) before the long one; the specials sit at
	// both parities of the two-element loop.
	for n := 1; n <= 9; n++ {
		for _, bias := range [][]float32{nil, b[:n]} {
			sigmoidRow(got[:n], x[len(x)-n:], bias)
			for i, v := range x[len(x)-n:] {
				want := Sigmoid(v)
				if bias != nil {
					want += bias[i]
				}
				if math.Float32bits(got[i]) != math.Float32bits(want) {
					t.Fatalf("n=%d: sigmoidRow(%v) = %v, Sigmoid = %v", n, v, got[i], want)
				}
			}
		}
	}
	for _, bias := range [][]float32{nil, b} {
		sigmoidRow(got, x, bias)
		for i, v := range x {
			want := Sigmoid(v)
			if bias != nil {
				want += bias[i]
			}
			if math.Float32bits(got[i]) != math.Float32bits(want) {
				t.Fatalf("sigmoidRow(%v) = %v, Sigmoid = %v", v, got[i], want)
			}
		}
	}
}

// TestCanonicalNormSum checks Plan.Canonical's proof: a softmax plan with
// Normalize and NormSum routes every call without a bias to the same bits
// as its NormEps form, on random plans and rows with ties, specials,
// signed zeros and bad values; and that the proof's premise (the sum of
// the normalised-away exponentials is >= 1) is what makes it hold: the
// same rows with a bias differ somewhere.
func TestCanonicalNormSum(t *testing.T) {
	r := rand.New(rand.NewPCG(17, 18))
	for trial := 0; trial < 3000; trial++ {
		p := randPlan(r)
		p.Softmax, p.Normalize, p.NormRule = true, true, NormSum
		c, ok := p.Canonical()
		if ok != p.LogitSelect(false) {
			t.Fatalf("%+v: Canonical %v, LogitSelect %v", p, ok, p.LogitSelect(false))
		}
		if !ok {
			continue
		}
		T := 1 + r.IntN(6)
		x := randLogits(r, T*p.E, true)
		if trial%7 == 0 {
			for i := range x {
				x[i] = float32(r.IntN(3)-1) * 60 // exponentials that underflow
			}
		}
		got := func(q *Plan) ([]int32, []float32, []int64, int) {
			ids := make([]int32, T*q.K)
			w := make([]float32, T*q.K)
			load := make([]int64, q.E)
			bad := RouteGeneric(q, q.NewScratch(), ids, w, load, x, q.E, nil)
			return ids, w, load, bad
		}
		i1, w1, l1, b1 := got(&p)
		i2, w2, l2, b2 := got(&c)
		if b1 != b2 {
			t.Fatalf("%+v: first bad %d vs %d", p, b1, b2)
		}
		for i := range i1 {
			if i1[i] != i2[i] || math.Float32bits(w1[i]) != math.Float32bits(w2[i]) {
				t.Fatalf("%+v: NormSum and its canonical NormEps differ at %d: %v %v vs %v %v", p, i, i1[i], w1[i], i2[i], w2[i])
			}
		}
		for e := range l1 {
			if l1[e] != l2[e] {
				t.Fatalf("%+v: load differs", p)
			}
		}
	}
	// With a bias the sum can be tiny and the rules differ: Canonical is
	// for calls without one only.
	p := Plan{E: 4, K: 2, Softmax: true, Groups: 1, TopGroups: 1, Normalize: true, NormRule: NormSum, Scale: 1}
	c, _ := p.Canonical()
	x := []float32{100, 0, 0, 0}
	b := []float32{-10, 0, 0, 0}
	w1, w2 := make([]float32, 2), make([]float32, 2)
	RouteGeneric(&p, p.NewScratch(), make([]int32, 2), w1, make([]int64, 4), x, 4, b)
	RouteGeneric(&c, c.NewScratch(), make([]int32, 2), w2, make([]int64, 4), x, 4, b)
	if w1[0] != 0.5 || w2[0] == w1[0] {
		t.Errorf("biased call: NormSum %v, NormEps %v: want 0.5 and a different value", w1, w2)
	}
}
