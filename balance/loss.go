package balance

import (
	"fmt"
	"math"
)

// SeqBalanceLoss returns DeepSeek-V3's complementary sequence-wise balance
// loss (eqs. 17-20 of arXiv 2412.19437) for one sequence of T tokens:
//
//	f_i = E / (K*T) * count_i   count_i = tokens whose K choices include i
//	P_i = 1/T * Σ_t s_{t,i} / Σ_j s_{t,j}
//	L   = alpha * Σ_i f_i * P_i
//
// scores holds the unbiased affinities s_{t,i} (the sigmoid scores, before
// any selection bias), row-major [T, E]; ids holds the chosen experts,
// row-major [T, K] (route.Output.IDs). DeepSeek-V3 uses alpha = 1e-4.
//
// Since Σ f_i = E and Σ P_i = 1, L lies in [0, alpha*E/K]; L = alpha when
// the routing is perfectly balanced (every f_i = 1) or the normalised
// scores are uniform (every P_i = 1/E). The value is computed in float64.
//
// Errors: ErrShape for T, E or K < 1, K > E, or lengths other than T*E and
// T*K; ErrValue for an id out of [0, E) or repeated within a token's row, a
// score that is NaN, infinite or negative, a row of scores summing to 0, or
// a non-finite alpha.
func SeqBalanceLoss(scores []float32, T, E, K int, ids []int32, alpha float64) (float64, error) {
	count, err := checkLoss(T, E, K, "scores", len(scores), ids, alpha)
	if err != nil {
		return 0, err
	}
	p := make([]float64, E)
	for t := range T {
		row := scores[t*E : t*E+E]
		var sum float64
		for i, s := range row {
			f := float64(s)
			if math.IsNaN(f) || math.IsInf(f, 0) || f < 0 {
				return 0, fmt.Errorf("%w: scores[%d] (token %d, expert %d) = %v, must be finite and >= 0", ErrValue, t*E+i, t, i, s)
			}
			sum += f
		}
		if sum == 0 {
			return 0, fmt.Errorf("%w: the scores of token %d sum to 0", ErrValue, t)
		}
		for i, s := range row {
			p[i] += float64(s) / sum
		}
	}
	var l float64
	scale := float64(E) / (float64(K) * float64(T))
	for i := range E {
		l += float64(scale * float64(count[i]) * (p[i] / float64(T)))
	}
	return alpha * l, nil
}
