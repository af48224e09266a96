package balance

import (
	"fmt"
	"math"
)

// Probs is how BalanceLoss turns a token's router logits x into the
// distribution p over experts whose mean over tokens is P_i.
type Probs uint8

const (
	// Softmax: p = softmax(x). The Switch Transformer and GShard auxiliary
	// loss, and Mixtral's, Qwen's and Megatron-LM's for softmax routers.
	Softmax Probs = iota
	// SigmoidNorm: p_i = s_i / Σ_j s_j with s = sigmoid(x). DeepSeek-V3's
	// sequence-wise loss (eq. 19 of arXiv 2412.19437) and the auxiliary loss
	// of sigmoid routers in Wang et al. 2024.
	SigmoidNorm
)

func (p Probs) String() string {
	switch p {
	case Softmax:
		return "softmax"
	case SigmoidNorm:
		return "sigmoid/sum"
	}
	return fmt.Sprintf("Probs(%d)", uint8(p))
}

// BalanceLoss returns the auxiliary load-balancing loss of one group of T
// tokens (a batch for Switch/GShard, a sequence for DeepSeek-V3) and, if
// grad is not nil, adds its gradient with respect to the logits to grad:
//
//	f_i = E / (K*T) * count_i      count_i = tokens whose K choices include i
//	P_i = 1/T * Σ_t p_{t,i}        p_t from the logits x_t by probs
//	L   = alpha * Σ_i f_i * P_i
//
// This is Switch/GShard's alpha * E * Σ_i f'_i * P_i with f'_i = count_i /
// (K*T), the share of the T*K assignments that expert i received, and
// DeepSeek-V3's L_Bal (for probs = SigmoidNorm it equals SeqBalanceLoss of
// the sigmoid scores). L = alpha when the routing is balanced; Hugging
// Face's Mixtral loss divides count_i by T instead of K*T, which is K times
// this value (the same loss with alpha*K).
//
// The counts are not differentiable (the choice is discrete); the gradient
// flows through P only. With g_i = alpha * f_i / T:
//
//	Softmax:     dL/dx_{t,j} = p_{t,j} * (g_j - Σ_i g_i p_{t,i})
//	SigmoidNorm: dL/dx_{t,j} = s_j (1 - s_j) * (g_j - Σ_i g_i p_{t,i}) / Σ_i s_{t,i}
//
// Everything is computed in float64 (the sigmoid and exponentials with
// package math), every product rounded before it is added, so that no
// compiler fuses a multiply-add. A balanced batch has every g_i equal, so its gradient is
// zero: the loss only pushes when the counts are unequal.
//
// logits is row-major [T, E] (the router logits, before any selection
// bias), ids row-major [T, K] (route.Output.IDs); grad is nil or has T*E
// entries. Errors, with nothing added to grad: ErrShape for T, E or K < 1,
// K > E or a length that does not fit; ErrValue for an id out of [0, E) or
// repeated in a row, a logit that is not finite, a non-finite alpha or an
// unknown probs.
func BalanceLoss(logits []float32, T, E, K int, ids []int32, alpha float64, probs Probs, grad []float64) (float64, error) {
	count, err := checkLoss(T, E, K, "logits", len(logits), ids, alpha)
	if err != nil {
		return 0, err
	}
	if grad != nil && len(grad) != T*E {
		return 0, fmt.Errorf("%w: len(grad) = %d, want T*E = %d*%d", ErrShape, len(grad), T, E)
	}
	if probs > SigmoidNorm {
		return 0, fmt.Errorf("%w: probs = %d, want Softmax (0) or SigmoidNorm (1)", ErrValue, uint8(probs))
	}
	for i, x := range logits {
		if f := float64(x); math.IsNaN(f) || math.IsInf(f, 0) {
			return 0, fmt.Errorf("%w: logits[%d] (token %d, expert %d) = %v, must be finite", ErrValue, i, i/E, i%E, x)
		}
	}
	p := make([]float64, E) // one token's distribution
	s := make([]float64, E) // its sigmoid scores (SigmoidNorm)
	P := make([]float64, E)
	var tokenProbs func(t int) float64 // fills p (and s); returns Σ s
	switch probs {
	case Softmax:
		tokenProbs = func(t int) float64 {
			row := logits[t*E : t*E+E]
			m := math.Inf(-1)
			for _, x := range row {
				m = math.Max(m, float64(x))
			}
			var z float64
			for i, x := range row {
				p[i] = math.Exp(float64(x) - m)
				z += p[i]
			}
			for i := range p {
				p[i] /= z
			}
			return 1
		}
	case SigmoidNorm:
		tokenProbs = func(t int) float64 {
			row := logits[t*E : t*E+E]
			var z float64
			for i, x := range row {
				s[i] = sigmoid64(float64(x))
				z += s[i]
			}
			for i := range p {
				p[i] = s[i] / z
			}
			return z
		}
	}
	for t := range T {
		tokenProbs(t)
		for i, v := range p {
			P[i] += v
		}
	}
	scale := float64(E) / (float64(K) * float64(T))
	var l float64
	g := make([]float64, E)
	for i := range E {
		f := scale * float64(count[i])
		l += float64(f * (P[i] / float64(T)))
		g[i] = alpha * f / float64(T)
	}
	if grad != nil {
		for t := range T {
			z := tokenProbs(t)
			var gbar float64
			for i, v := range p {
				gbar += float64(g[i] * v)
			}
			out := grad[t*E : t*E+E]
			for j := range out {
				if probs == Softmax {
					out[j] += float64(p[j] * (g[j] - gbar))
				} else {
					out[j] += float64(s[j] * (1 - s[j]) * (g[j] - gbar) / z)
				}
			}
		}
	}
	return alpha * l, nil
}

// sigmoid64 is 1/(1+e^-x), without overflow for large |x|.
func sigmoid64(x float64) float64 {
	if x >= 0 {
		return 1 / (1 + math.Exp(-x))
	}
	e := math.Exp(x)
	return e / (1 + e)
}

// checkLoss validates the shapes, ids and alpha shared by the losses and
// returns the per-expert counts.
func checkLoss(T, E, K int, what string, nScores int, ids []int32, alpha float64) ([]int64, error) {
	switch {
	case T < 1 || E < 1 || K < 1:
		return nil, fmt.Errorf("%w: T = %d, E = %d, K = %d, each must be >= 1", ErrShape, T, E, K)
	case K > E:
		return nil, fmt.Errorf("%w: K = %d > E = %d", ErrShape, K, E)
	case E > MaxExperts:
		return nil, fmt.Errorf("%w: E = %d > MaxExperts = %d", ErrShape, E, MaxExperts)
	case T > math.MaxInt/E || nScores != T*E:
		return nil, fmt.Errorf("%w: len(%s) = %d, want T*E = %d*%d", ErrShape, what, nScores, T, E)
	case len(ids) != T*K:
		return nil, fmt.Errorf("%w: len(ids) = %d, want T*K = %d*%d", ErrShape, len(ids), T, K)
	case math.IsNaN(alpha) || math.IsInf(alpha, 0):
		return nil, fmt.Errorf("%w: alpha = %v, must be finite", ErrValue, alpha)
	}
	count := make([]int64, E)
	seen := make([]int, E) // t+1 of the last token that chose the expert
	for t := range T {
		row := ids[t*K : t*K+K]
		for j, id := range row {
			if id < 0 || int(id) >= E {
				return nil, fmt.Errorf("%w: ids[%d] (token %d) = %d, must be in [0, %d)", ErrValue, t*K+j, t, id, E)
			}
			if seen[id] == t+1 {
				return nil, fmt.Errorf("%w: token %d chooses expert %d twice", ErrValue, t, id)
			}
			seen[id] = t + 1
			count[id]++
		}
	}
	return count, nil
}
