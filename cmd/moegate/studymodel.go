package main

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/moegate/moegate/balance"
	"github.com/moegate/moegate/route"
)

type armKind uint8

const (
	armNone armKind = iota
	armAux
	armSign
	armLinear
	armExpertChoice
)

// studyArm is one balancing method with its setting.
type studyArm struct {
	Name  string
	Kind  armKind
	Alpha float64 // armAux
	U     float32 // armSign, armLinear
}

// studySize holds the sizes of one run.
type studySize struct {
	Steps   int     // training steps (batches)
	Batch   int     // tokens per batch
	HeldOut int     // held-out tokens (a multiple of Batch)
	Ranks   int     // simulated data-parallel ranks routing a batch's shards
	LR      float64 // SGD learning rate
}

// studyResult is what one (arm, seed) run measures.
type studyResult struct {
	Loss         float64 // held-out task loss (MSE per output)
	MaxVioGlobal float64 // on the held-out set: loads summed over it
	MaxVioBatch  float64 // mean over the second half of training
	Leak         float64 // share of first-half tokens whose experts change with the second half
	Unrouted     float64 // share of held-out tokens with no expert (Expert Choice)
	RankChecks   int     // steps at which R ranks' biases were compared with one controller's
	RankAgree    bool    // every rank's bias equal to the single controller's at every step
	Err          error
}

// studyModel holds the parameters: router G [E, In], g [E]; experts
// W [E, Out, In], b [E, Out].
type studyModel struct {
	G, g, W, b []float64
}

func newStudyModel(rng *rand.Rand) *studyModel {
	E := studyExperts
	m := &studyModel{
		G: make([]float64, E*studyIn),
		g: make([]float64, E),
		W: make([]float64, E*studyOut*studyIn),
		b: make([]float64, E*studyOut),
	}
	for i := range m.G {
		m.G[i] = 0.01 * rng.NormFloat64()
	}
	for i := range m.W {
		m.W[i] = 0.1 * rng.NormFloat64() / math.Sqrt(studyIn)
	}
	return m
}

func (m *studyModel) zeroLike() *studyModel {
	return &studyModel{G: make([]float64, len(m.G)), g: make([]float64, len(m.g)), W: make([]float64, len(m.W)), b: make([]float64, len(m.b))}
}

func (m *studyModel) clear() {
	clear(m.G)
	clear(m.g)
	clear(m.W)
	clear(m.b)
}

// sgd: m -= lr * d.
func (m *studyModel) sgd(d *studyModel, lr float64) {
	for _, p := range [][2][]float64{{m.G, d.G}, {m.g, d.g}, {m.W, d.W}, {m.b, d.b}} {
		for i, v := range p[1] {
			p[0][i] -= float64(lr * v)
		}
	}
}

// logits sets l [n, E] = G x + g for n tokens, and its float32 copy.
func (m *studyModel) logits(l []float64, l32 []float32, x []float64, n int) {
	E := studyExperts
	for t := range n {
		matVec(l[t*E:(t+1)*E], m.G, x[t*studyIn:(t+1)*studyIn])
		for i := range E {
			l[t*E+i] += m.g[i]
			l32[t*E+i] = float32(l[t*E+i])
		}
	}
}

// expert sets h = W_e x + b_e.
func (m *studyModel) expert(h []float64, e int, x []float64) {
	matVec(h, m.W[e*studyOut*studyIn:(e+1)*studyOut*studyIn], x)
	for j := range h {
		h[j] += m.b[e*studyOut+j]
	}
}

// addOuter adds a * r x^T to expert e's gradient (and a * r to its bias).
func (d *studyModel) addExpert(e int, a float64, r, x []float64) {
	W := d.W[e*studyOut*studyIn : (e+1)*studyOut*studyIn]
	for i, ri := range r {
		c := float64(a * ri)
		row := W[i*studyIn : (i+1)*studyIn]
		for j, xj := range x {
			row[j] += float64(c * xj)
		}
		d.b[e*studyOut+i] += c
	}
}

// addRouter adds dl x^T to G's gradient and dl to g's, for one token.
func (d *studyModel) addRouter(dl, x []float64) {
	for i, v := range dl {
		row := d.G[i*studyIn : (i+1)*studyIn]
		for j, xj := range x {
			row[j] += float64(v * xj)
		}
		d.g[i] += v
	}
}

func dot64(a, b []float64) float64 {
	var s float64
	for i, v := range a {
		s += float64(v * b[i])
	}
	return s
}

// studyRouterConfig is the gate of every token-choice arm: DeepSeek-V3's
// form at this size.
var studyRouterConfig = route.Config{Experts: studyExperts, TopK: studyTopK, Score: route.Sigmoid, Normalize: true, Scale: 1}

// runStudy trains the model of one seed under one arm and measures it.
// Everything is a function of (task seed, arm, size): the router's
// implementation changes nothing (the kernels are bit-identical).
func runStudy(task *studyTask, seed uint64, arm studyArm, sz studySize, impl string) (res studyResult) {
	r, err := newRouter(studyRouterConfig, impl)
	if err != nil {
		return studyResult{Err: err}
	}
	E, K, T, O := studyExperts, studyTopK, sz.Batch, studyOut
	model := newStudyModel(rand.New(rand.NewPCG(seed, 0x696e6974)))
	grad := model.zeroLike()

	// Controllers: one per simulated rank, plus one that sees the whole
	// batch, against which the ranks are checked.
	var ranks []*balance.Controller
	var whole *balance.Controller
	if arm.Kind == armSign || arm.Kind == armLinear {
		rule := balance.Sign
		if arm.Kind == armLinear {
			rule = balance.Linear
		}
		for range max(1, sz.Ranks) {
			c, err := balance.New(E, balance.Options{Rate: arm.U, Rule: rule})
			if err != nil {
				return studyResult{Err: err}
			}
			ranks = append(ranks, c)
		}
		if sz.Ranks > 1 {
			whole, _ = balance.New(E, balance.Options{Rate: arm.U, Rule: rule})
			res.RankAgree = true
		}
	}
	bias := func() []float32 {
		if len(ranks) == 0 {
			return nil
		}
		return ranks[0].Bias()
	}

	x := make([]float64, T*studyIn)
	y := make([]float64, T*O)
	cl := make([]int, T)
	l := make([]float64, T*E)
	l32 := make([]float32, T*E)
	ids := make([]int32, T*K)
	ws := make([]float32, T*K)
	load := make([]int64, E)
	shardLoad := make([]int64, E)
	dl := make([]float64, T*E)
	sc := newStudyScratch(T)
	h := sc.h
	C := balance.Capacity(T, E, K, 1)
	ecTok := make([]int32, E*C)
	pr := make([]float64, T*E) // softmax scores (Expert Choice)
	pr32 := make([]float32, T*E)
	yhat := sc.yhat
	var vioSum float64
	var vioN int

	for step := range sz.Steps {
		task.sample(rand.New(rand.NewPCG(seed, uint64(step)+1)), x, y, cl)
		model.logits(l, l32, x, T)
		grad.clear()
		clear(dl)
		if arm.Kind == armExpertChoice {
			softmaxRows(pr, pr32, l, T)
			if err := balance.ExpertChoice(ecTok, pr32, T, E, C); err != nil {
				return studyResult{Err: err}
			}
			model.ecStep(grad, dl, x, y, pr, ecTok, C, T, sc)
			vioN++ // every expert takes exactly C tokens: MaxVio_batch = 0
		} else {
			// Route the batch as R ranks would, each its shard.
			R := max(1, sz.Ranks)
			clear(load)
			for rk := range R {
				t0, t1 := rk*T/R, (rk+1)*T/R
				b := bias()
				if rk < len(ranks) {
					b = ranks[rk].Bias()
				}
				if err := r.Route(route.Output{IDs: ids[t0*K : t1*K], Weights: ws[t0*K : t1*K], Load: shardLoad},
					route.Input{Logits: l32[t0*E : t1*E], Tokens: t1 - t0, Bias: b}); err != nil {
					return studyResult{Err: fmt.Errorf("step %d: %v", step, err)}
				}
				for i, v := range shardLoad {
					load[i] += v
				}
				if rk < len(ranks) {
					ranks[rk].Add(shardLoad)
				}
			}
			if len(ranks) > 0 {
				sum := make([]int64, E)
				for _, c := range ranks {
					for i, v := range c.TakeLoad() {
						sum[i] += v
					}
				}
				for _, c := range ranks {
					if _, err := c.Update(sum); err != nil {
						return studyResult{Err: err}
					}
				}
			}
			if whole != nil {
				wl := make([]int64, E)
				wids, wws := make([]int32, T*K), make([]float32, T*K)
				if err := r.Route(route.Output{IDs: wids, Weights: wws, Load: wl}, route.Input{Logits: l32, Tokens: T, Bias: whole.Bias()}); err != nil {
					return studyResult{Err: err}
				}
				whole.Add(wl)
				whole.Step()
				res.RankChecks++
				for _, c := range ranks {
					if !slices.Equal(c.Bias(), whole.Bias()) {
						res.RankAgree = false
					}
				}
			}
			if step >= sz.Steps/2 {
				vioSum += balance.MaxVio(load)
				vioN++
			}
			model.tcStep(grad, dl, x, y, l, ids, ws, T, sc)
			if arm.Kind == armAux {
				if _, err := balance.BalanceLoss(l32, T, E, K, ids, arm.Alpha, balance.SigmoidNorm, dl); err != nil {
					return studyResult{Err: err}
				}
			}
		}
		for t := range T {
			grad.addRouter(dl[t*E:(t+1)*E], x[t*studyIn:(t+1)*studyIn])
		}
		model.sgd(grad, sz.LR)
		for _, v := range model.G {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return studyResult{Err: fmt.Errorf("training diverged at step %d", step)}
			}
		}
	}
	if vioN > 0 {
		res.MaxVioBatch = vioSum / float64(vioN)
	}
	if arm.Kind == armExpertChoice {
		res.MaxVioBatch = 0
	}

	// Held-out evaluation in batches of T, with the final bias.
	nb := sz.HeldOut / T
	hx := make([]float64, nb*T*studyIn)
	hy := make([]float64, nb*T*O)
	hcl := make([]int, nb*T)
	task.sample(rand.New(rand.NewPCG(seed, 1<<40)), hx, hy, hcl)
	gl := make([]int64, E)
	member := make([][]bool, nb)
	var sq float64
	unrouted := 0
	for bi := range nb {
		bx := hx[bi*T*studyIn : (bi+1)*T*studyIn]
		by := hy[bi*T*O : (bi+1)*T*O]
		model.logits(l, l32, bx, T)
		member[bi] = make([]bool, T*E)
		clear(yhat)
		if arm.Kind == armExpertChoice {
			softmaxRows(pr, pr32, l, T)
			if err := balance.ExpertChoice(ecTok, pr32, T, E, C); err != nil {
				return studyResult{Err: err}
			}
			for i, t32 := range ecTok {
				e, t := i/C, int(t32)
				model.expert(h[:O], e, bx[t*studyIn:(t+1)*studyIn])
				for j, v := range h[:O] {
					yhat[t*O+j] += float64(pr[t*E+e] * v)
				}
				gl[e]++
			}
			balance.ExpertMembership(member[bi], ecTok, T, E, C)
		} else {
			if err := r.Route(route.Output{IDs: ids, Weights: ws, Load: load}, route.Input{Logits: l32, Tokens: T, Bias: bias()}); err != nil {
				return studyResult{Err: err}
			}
			for t := range T {
				for k := range K {
					e := int(ids[t*K+k])
					model.expert(h[:O], e, bx[t*studyIn:(t+1)*studyIn])
					for j, v := range h[:O] {
						yhat[t*O+j] += float64(float64(ws[t*K+k]) * v)
					}
				}
			}
			for i, v := range load {
				gl[i] += v
			}
			balance.TokenMembership(member[bi], ids, T, K, E)
		}
		for t := range T {
			any := false
			for e := range E {
				any = any || member[bi][t*E+e]
			}
			if !any {
				unrouted++
			}
			for j := range O {
				d := yhat[t*O+j] - by[t*O+j]
				sq += float64(d * d)
			}
		}
	}
	res.Loss = sq / float64(nb*T*O)
	res.MaxVioGlobal = balance.MaxVio(gl)
	res.Unrouted = float64(unrouted) / float64(nb*T)

	// The leak: batch bi's first half with batch bi+1's second half.
	mx := make([]float64, T*studyIn)
	mm := make([]bool, T*E)
	var leak float64
	for bi := 0; bi+1 < nb; bi++ {
		copy(mx[:T/2*studyIn], hx[bi*T*studyIn:])
		copy(mx[T/2*studyIn:], hx[((bi+1)*T+T/2)*studyIn:(bi+2)*T*studyIn])
		model.logits(l, l32, mx, T)
		if arm.Kind == armExpertChoice {
			softmaxRows(pr, pr32, l, T)
			balance.ExpertChoice(ecTok, pr32, T, E, C)
			balance.ExpertMembership(mm, ecTok, T, E, C)
		} else {
			r.Route(route.Output{IDs: ids, Weights: ws}, route.Input{Logits: l32, Tokens: T, Bias: bias()})
			balance.TokenMembership(mm, ids, T, K, E)
		}
		v, err := balance.Leak(member[bi], mm, T, E, T/2)
		if err != nil {
			return studyResult{Err: err}
		}
		leak += v
	}
	if nb > 1 {
		res.Leak = leak / float64(nb-1)
	}
	return res
}

// softmaxRows sets p [n, E] to the softmax of each row of l, and its
// float32 copy.
func softmaxRows(p []float64, p32 []float32, l []float64, n int) {
	E := studyExperts
	for t := range n {
		row := l[t*E : (t+1)*E]
		m := slices.Max(row)
		var z float64
		for i, v := range row {
			p[t*E+i] = math.Exp(v - m)
			z += p[t*E+i]
		}
		for i := range row {
			p[t*E+i] /= z
			p32[t*E+i] = float32(p[t*E+i])
		}
	}
}

func sigmoid64(x float64) float64 {
	if x >= 0 {
		return 1 / (1 + math.Exp(-x))
	}
	e := math.Exp(x)
	return e / (1 + e)
}

// studyScratch holds the buffers of one batch's forward and backward pass.
type studyScratch struct {
	h, yh, rr, s, dw, ecH, yhat, ecA []float64
}

func newStudyScratch(T int) *studyScratch {
	E, K, O := studyExperts, studyTopK, studyOut
	C := balance.Capacity(T, E, K, 1)
	return &studyScratch{
		h: make([]float64, K*O), yh: make([]float64, O), rr: make([]float64, O),
		s: make([]float64, K), dw: make([]float64, K),
		ecH: make([]float64, E*C*O), yhat: make([]float64, T*O), ecA: make([]float64, T*E),
	}
}

// tcStep is the forward and backward pass of token-choice routing for a
// batch of T tokens (x, targets y, logits l, the router's ids and weights
// ws): it adds the gradient of the batch's mean task loss to grad (experts)
// and to dl (the logits, [T, E]) and returns that loss. The weights are
// the normalised sigmoid scores of the chosen, w_k = s_k / S:
// dL/dx_j = s_j (1 - s_j) (dL/dw_j - Σ_k w_k dL/dw_k) / S for chosen j.
func (model *studyModel) tcStep(grad *studyModel, dl, x, y, l []float64, ids []int32, ws []float32, T int, sc *studyScratch) float64 {
	E, K, O := studyExperts, studyTopK, studyOut
	h, yh, rr, s, dw := sc.h, sc.yh, sc.rr, sc.s, sc.dw
	var loss float64
	for t := range T {
		xt := x[t*studyIn : (t+1)*studyIn]
		clear(yh)
		for k := range K {
			e := int(ids[t*K+k])
			model.expert(h[k*O:(k+1)*O], e, xt)
			w := float64(ws[t*K+k])
			for j := range yh {
				yh[j] += float64(w * h[k*O+j])
			}
		}
		for j := range rr {
			d := yh[j] - y[t*O+j]
			loss += float64(d * d)
			rr[j] = 2 * d / float64(O*T)
		}
		// Normalised sigmoid weights of the chosen: w_k = s_k / S.
		var S, wdw float64
		for k := range K {
			e := ids[t*K+k]
			s[k] = sigmoid64(l[t*E+int(e)])
			S += s[k]
		}
		for k := range K {
			e := int(ids[t*K+k])
			grad.addExpert(e, float64(ws[t*K+k]), rr, xt)
			dw[k] = dot64(rr, h[k*O:(k+1)*O])
			wdw += float64(s[k] / S * dw[k])
		}
		for k := range K {
			e := int(ids[t*K+k])
			dl[t*E+e] += float64((dw[k] - wdw) / S * s[k] * (1 - s[k]))
		}
	}
	return loss / float64(T*O)
}

// ecStep is tcStep for Expert Choice (pr: the softmax scores [T, E], tok:
// ExpertChoice's [E, C] tokens). A token's output is Σ p_{t,i} h_i over
// the experts that took it; dL/dx_j = p_j (a_j - Σ_i p_i a_i) with a_i =
// dL/dp_i (0 for the experts that did not take the token).
func (model *studyModel) ecStep(grad *studyModel, dl, x, y, pr []float64, ecTok []int32, C, T int, sc *studyScratch) float64 {
	E, O := studyExperts, studyOut
	ecH, yhat, ecA := sc.ecH, sc.yhat, sc.ecA
	var loss float64
	clear(yhat)
	for i, t32 := range ecTok {
		e, t := i/C, int(t32)
		hi := ecH[i*O : (i+1)*O]
		model.expert(hi, e, x[t*studyIn:(t+1)*studyIn])
		p := pr[t*E+e]
		for j, v := range hi {
			yhat[t*O+j] += float64(p * v)
		}
	}
	clear(ecA)
	for t := range T {
		for j := range O {
			d := yhat[t*O+j] - y[t*O+j]
			loss += float64(d * d)
			yhat[t*O+j] = 2 * d / float64(O*T) // now dL/dyhat
		}
	}
	for i, t32 := range ecTok {
		e, t := i/C, int(t32)
		rt := yhat[t*O : (t+1)*O]
		grad.addExpert(e, pr[t*E+e], rt, x[t*studyIn:(t+1)*studyIn])
		ecA[t*E+e] = dot64(rt, ecH[i*O:(i+1)*O])
	}
	for t := range T {
		p, a := pr[t*E:(t+1)*E], ecA[t*E:(t+1)*E]
		abar := dot64(p, a)
		for j := range E {
			dl[t*E+j] = float64(p[j] * (a[j] - abar))
		}
	}
	return loss / float64(T*O)
}
