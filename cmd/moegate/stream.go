package main

import (
	"math"
	"math/rand/v2"
)

// stream is the demonstration's synthetic router input: a deterministic
// function of (seed, step, token), so that the three arms see the same
// tokens, a run can be resumed at any step and the result does not depend
// on how many goroutines generate it.
//
// The model, and why its numbers are what they are:
//
//   - Hidden states live in a small space (dim streamDim). A token belongs
//     to a sequence of seqLen tokens about one topic; its hidden state is
//     h = common + topic[c] + noise, the noise spanning tokenRank
//     directions, and its logits are W*h plus a small independent residual
//     (the part of a real hidden state this sketch leaves out). The topic
//     mixture drifts: topic c's weight follows
//     exp(driftAmp*sin(2*pi*step/driftPeriod + phase_c)), so the dominant
//     topics change over a few dozen steps.
//   - The gate W [E, dim] has random rows of nearly equal norm plus
//     structure: nPopular experts whose rows point along the common
//     direction every hidden state shares (a transformer's residual stream
//     has a large mean), and nTopical experts per topic aligned with that
//     topic, popular only while it is. So load is skewed and the skew moves.
//   - Scale. DeepSeek-V3's router scores are sigmoids of small logits: a
//     token's scores sit near 0.5 and spread modestly. Here a token's logits
//     have a standard deviation of about 0.35 (scores from about 0.3 to 0.7;
//     TestStreamScale checks this), and the popular and topical experts gain
//     only +0.08 and +0.16 in logit (+0.02 and +0.04 in score). That is
//     enough for a heavy skew, because top-8 of 256 picks from the far tail
//     where a small shift multiplies the odds (unbalanced MaxVio_batch is
//     about 3 to 4.5). The biases that undo it differ by about 0.12, and the
//     sign rule moves a bias by u = 0.001 per step, so it converges in about
//     70 steps and then tracks the drift (period 240 steps). With logits ten
//     times larger the same controller would need ten times as many steps:
//     the paper's u suits the small logits of real routers.
type stream struct {
	E           int
	topicLogits []float32 // [topics, E]: W*(common + topic direction)
	proj        []float32 // [tokenRank, E]: W*v_k, the token-noise directions
	phase       []float64
	noise       []float32 // table of standard normals for the residual logit noise
	seed        uint64
}

const (
	streamDim    = 16
	streamTopics = 6
	tokenRank    = 4     // token-to-token variation of the hidden state spans 4 directions
	seqLen       = 32    // tokens per sequence (one topic each)
	driftPeriod  = 240.0 // steps per cycle of the topic mixture
	driftAmp     = 2.0   // log-weight amplitude of the drift
	tokenSigma   = 0.30  // std of an ordinary expert's logit from the hidden-state noise
	residual     = 0.20  // independent per-logit noise (the rest of the hidden state)
	popularBoost = 0.08  // logit gain of the globally popular experts
	topicBoost   = 0.16  // logit gain of a topic's experts while that topic is on
	normJitter   = 0.05  // relative spread of the gate rows' norms
	nPopular     = 4     // for 256 experts; in proportion for other gates
	nTopical     = 8     // experts per topic, for 256 experts
	noiseTable   = 1 << 16
)

func newStream(E int, seed uint64) *stream {
	rng := rand.New(rand.NewPCG(seed, 0x6d6f65676174650a))
	s := &stream{E: E, seed: seed}
	d := streamDim
	// Orthonormal directions: common, one per topic, then tokenRank
	// token-noise directions (random, not orthogonal to the others).
	unit := func(orth [][]float64) []float64 {
		v := make([]float64, d)
		for {
			for j := range v {
				v[j] = rng.NormFloat64()
			}
			for _, u := range orth {
				dot := 0.0
				for j := range v {
					dot += float64(v[j] * u[j])
				}
				for j := range v {
					v[j] -= float64(dot * u[j])
				}
			}
			n := 0.0
			for j := range v {
				n += float64(v[j] * v[j])
			}
			if n > 1e-6 {
				for j := range v {
					v[j] /= math.Sqrt(n)
				}
				return v
			}
		}
	}
	dirs := make([][]float64, 0, 1+streamTopics)
	for range 1 + streamTopics {
		dirs = append(dirs, unit(dirs))
	}
	var tok [][]float64
	for range tokenRank {
		tok = append(tok, unit(tok))
	}
	// Roles: a few globally popular experts, nTopical per topic.
	perm := rng.Perm(E)
	role := make([]int, E) // -1 ordinary, 0 popular, 1+c topical
	for i := range role {
		role[i] = -1
	}
	// nPopular and nTopical are for 256 experts; other gates get as many
	// in proportion (at least one), and at most half the experts have a role.
	nPop, nTop := max(1, nPopular*E/256), max(1, nTopical*E/256)
	k := 0
	for i := 0; i < nPop && k < E/2; i++ {
		role[perm[k]] = 0
		k++
	}
	for c := 0; c < streamTopics; c++ {
		for i := 0; i < nTop && k < E/2; i++ {
			role[perm[k]] = 1 + c
			k++
		}
	}
	// Gate rows: random, with the common and topic directions projected
	// out, so that only the chosen experts respond to them.
	gate := make([][]float64, E)
	for e := range gate {
		row := make([]float64, d)
		for j := range row {
			row[j] = rng.NormFloat64()
		}
		for _, u := range dirs {
			dot := 0.0
			for j := range row {
				dot += float64(row[j] * u[j])
			}
			for j := range row {
				row[j] -= float64(dot * u[j])
			}
		}
		// Equal norms up to a small jitter: in the tail that top-8 of 256
		// selects from, an expert with a larger row norm (a wider logit
		// spread) wins far more often, so the norm spread sets a static skew.
		n := 0.0
		for _, x := range row {
			n += float64(x * x)
		}
		f := (1 + float64(normJitter*rng.NormFloat64())) / math.Sqrt(n)
		for j := range row {
			row[j] *= f
		}
		gate[e] = row
	}
	dot := func(a, b []float64) float64 {
		s := 0.0
		for j := range a {
			s += float64(a[j] * b[j])
		}
		return s
	}
	// Scale the random rows so an ordinary expert's token noise has std
	// tokenSigma, then add the structure.
	var v, cnt float64
	for e, row := range gate {
		if role[e] < 0 {
			for _, t := range tok {
				p := dot(row, t)
				v += float64(p * p)
			}
			cnt++
		}
	}
	scale := tokenSigma / math.Sqrt(v/cnt)
	for e, row := range gate {
		for j := range row {
			row[j] *= scale
		}
		switch r := role[e]; {
		case r == 0:
			for j := range row {
				row[j] += float64(popularBoost * dirs[0][j])
			}
		case r > 0:
			for j := range row {
				row[j] += float64(topicBoost * dirs[r][j])
			}
		}
	}
	s.topicLogits = make([]float32, streamTopics*E)
	center := make([]float64, d)
	for c := 0; c < streamTopics; c++ {
		for j := range center {
			center[j] = dirs[0][j] + dirs[1+c][j]
		}
		for e, row := range gate {
			s.topicLogits[c*E+e] = float32(dot(row, center))
		}
	}
	s.proj = make([]float32, tokenRank*E)
	for k, t := range tok {
		for e, row := range gate {
			s.proj[k*E+e] = float32(dot(row, t))
		}
	}
	s.phase = make([]float64, streamTopics)
	for c := range s.phase {
		s.phase[c] = 2 * math.Pi * float64(c) / streamTopics
	}
	s.noise = make([]float32, noiseTable)
	for i := range s.noise {
		s.noise[i] = float32(rng.NormFloat64())
	}
	return s
}

// mixture returns the cumulative topic weights at a step.
func (s *stream) mixture(step int, cum []float64) {
	t := 2 * math.Pi * float64(step) / driftPeriod
	sum := 0.0
	for c := range cum {
		sum += math.Exp(driftAmp * math.Sin(t+s.phase[c]))
		cum[c] = sum
	}
	for c := range cum {
		cum[c] /= sum
	}
}

// fill writes the logits of tokens [t0, t0+n) of batch step (every token
// index is counted from the start of the step's batch) into x, row-major
// [n, E]. t0 must be a multiple of seqLen. A token's logits are
// W*(center[c] + sum_k z_k v_k) + residual*noise: the per-topic part and the
// W*v_k are precomputed, so a token costs E*(tokenRank+2) multiply-adds.
func (s *stream) fill(step, t0, n int, x []float32) {
	E := s.E
	var cum [streamTopics]float64
	s.mixture(step, cum[:])
	var z [tokenRank]float32
	for q := t0; q < t0+n; q += seqLen {
		rng := rand.New(rand.NewPCG(s.seed^uint64(step)*0x9e3779b97f4a7c15, uint64(q/seqLen)))
		u := rng.Float64()
		c := 0
		for c < streamTopics-1 && u > cum[c] {
			c++
		}
		base := s.topicLogits[c*E : (c+1)*E]
		for t := q; t < min(q+seqLen, t0+n); t++ {
			for k := range z {
				z[k] = float32(rng.NormFloat64())
			}
			off := rng.IntN(noiseTable - E)
			nz := s.noise[off : off+E]
			row := x[(t-t0)*E : (t-t0+1)*E]
			copy(row, base)
			for k, zk := range z {
				p := s.proj[k*E : (k+1)*E]
				p = p[:len(row)]
				for e := range row {
					row[e] += float32(zk * p[e]) // no fused multiply-add: same bits everywhere
				}
			}
			nz = nz[:len(row)]
			for e := range row {
				row[e] += float32(residual * nz[e])
			}
		}
	}
}
