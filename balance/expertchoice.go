package balance

import (
	"fmt"
	"math"
	"slices"
)

// ExpertChoice routes a batch by Expert Choice (Zhou et al. 2022, "Mixture-
// of-Experts with Expert Choice Routing", arXiv 2202.09368): instead of each
// token choosing K experts, each expert takes the C tokens of the batch with
// the highest scores. Every expert gets exactly C tokens (perfect balance);
// a token gets anywhere from 0 to E experts.
//
// The price is causality: whether expert i takes token t depends on the
// scores of every other token of the batch, later ones included, so a
// decoder cannot route a token before it has seen the tokens after it
// (Leak measures this).
//
// scores is row-major [T, E] (the paper uses softmax over the experts of
// each token; any finite scores will do). dst receives E*C token indices:
// expert i's tokens are dst[i*C : (i+1)*C], in descending order of score,
// equal scores in ascending token order (the tie rule of package route).
// Errors: ErrShape for T or E < 1, C outside [1, T] or lengths that do not
// fit; ErrValue for a NaN or infinite score. dst is not written then.
func ExpertChoice(dst []int32, scores []float32, T, E, C int) error {
	switch {
	case T < 1 || E < 1:
		return fmt.Errorf("%w: T = %d, E = %d, each must be >= 1", ErrShape, T, E)
	case E > MaxExperts || T > math.MaxInt32:
		return fmt.Errorf("%w: T = %d, E = %d too large", ErrShape, T, E)
	case C < 1 || C > T:
		return fmt.Errorf("%w: capacity C = %d, must be in [1, T = %d]", ErrShape, C, T)
	case T > math.MaxInt/E || len(scores) != T*E:
		return fmt.Errorf("%w: len(scores) = %d, want T*E = %d*%d", ErrShape, len(scores), T, E)
	case len(dst) != E*C:
		return fmt.Errorf("%w: len(dst) = %d, want E*C = %d*%d", ErrShape, len(dst), E, C)
	}
	for i, s := range scores {
		if f := float64(s); math.IsNaN(f) || math.IsInf(f, 0) {
			return fmt.Errorf("%w: scores[%d] (token %d, expert %d) = %v, must be finite", ErrValue, i, i/E, i%E, s)
		}
	}
	idx := make([]int32, T)
	for e := range E {
		for t := range idx {
			idx[t] = int32(t)
		}
		slices.SortFunc(idx, func(a, b int32) int {
			sa, sb := scores[int(a)*E+e], scores[int(b)*E+e]
			switch {
			case sa > sb:
				return -1
			case sa < sb:
				return 1
			}
			return int(a) - int(b)
		})
		copy(dst[e*C:(e+1)*C], idx[:C])
	}
	return nil
}

// Capacity returns Expert Choice's per-expert capacity for a batch of T
// tokens: C = factor * T * K / E, rounded down, clamped to [1, T]. With
// factor 1 the experts process T*K token slots in all, as token-choice
// top-K routing does (K is the average number of experts per token).
func Capacity(T, E, K int, factor float64) int {
	c := int(factor * float64(T) * float64(K) / float64(E))
	return max(1, min(c, T))
}

// TokenMembership writes member[t*E+i] = true when token t is routed to
// expert i by token-choice routing (ids row-major [T, K], route.Output.IDs;
// an id outside [0, E), such as a padding row's -1, routes nowhere).
func TokenMembership(member []bool, ids []int32, T, K, E int) error {
	if T < 0 || K < 1 || E < 1 || len(ids) != T*K || len(member) != T*E {
		return fmt.Errorf("%w: len(ids) = %d, len(member) = %d for T = %d, K = %d, E = %d", ErrShape, len(ids), len(member), T, K, E)
	}
	clear(member)
	for i, id := range ids {
		if id >= 0 && int(id) < E {
			member[(i/K)*E+int(id)] = true
		}
	}
	return nil
}

// ExpertMembership writes member[t*E+i] = true when Expert Choice (tokens
// as ExpertChoice's dst, [E, C]) routes token t to expert i.
func ExpertMembership(member []bool, tokens []int32, T, E, C int) error {
	if T < 1 || E < 1 || C < 1 || len(tokens) != E*C || len(member) != T*E {
		return fmt.Errorf("%w: len(tokens) = %d, len(member) = %d for T = %d, E = %d, C = %d", ErrShape, len(tokens), len(member), T, E, C)
	}
	clear(member)
	for i, t := range tokens {
		if t < 0 || int(t) >= T {
			return fmt.Errorf("%w: tokens[%d] = %d, must be in [0, %d)", ErrValue, i, t, T)
		}
		member[int(t)*E+i/C] = true
	}
	return nil
}

// Leak is the causality-leak measure: given the routings a and b (as
// TokenMembership or ExpertMembership writes them, [T, E]) of two batches
// that hold the same first p tokens and differ only in the tokens after
// them, it returns the share of those p tokens whose set of experts
// differs. A causal router (token choice with a fixed bias) gives 0 by
// construction; Expert Choice gives more, because a later token can take a
// place in an expert's top C from an earlier one.
func Leak(a, b []bool, T, E, p int) (float64, error) {
	if T < 1 || E < 1 || p < 1 || p > T || len(a) != T*E || len(b) != T*E {
		return 0, fmt.Errorf("%w: len(a) = %d, len(b) = %d, p = %d for T = %d, E = %d", ErrShape, len(a), len(b), p, T, E)
	}
	changed := 0
	for t := range p {
		if !slices.Equal(a[t*E:t*E+E], b[t*E:t*E+E]) {
			changed++
		}
	}
	return float64(changed) / float64(p), nil
}
