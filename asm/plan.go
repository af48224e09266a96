package asm

import "math"

// Plan is the validated geometry of a router. The route package builds it;
// kernels assume every rule of route.Config.Validate holds:
// 1 <= K <= E, Groups >= 1 divides E, 1 <= TopGroups <= Groups,
// K <= TopGroups*E/Groups, E/Groups >= 2 with Groups > 1 and !GroupMax,
// Scale finite and > 0; NormMin finite and > 0 with NormClamp.
type Plan struct {
	E, K      int
	Softmax   bool // score function: softmax over all experts; false: sigmoid (or SqrtSoftplus)
	Groups    int  // 1: no expert groups
	TopGroups int  // groups kept per token
	GroupMax  bool // group score is its best selection score; false: sum of its two best
	Normalize bool // weights divided by their sum, by NormRule
	Scale     float32

	// The 2026 routers (issue 9). Their zero values are the plans above,
	// which every SIMD kernel runs; SqrtSoftplus runs on the kernels too,
	// a NormRule other than NormEps on RouteGeneric (SIMDPlan reports which
	// plans the kernels take).

	// SqrtSoftplus: the score is SqrtSoftplus(x) (DeepSeek-V4); Softmax is
	// then false.
	SqrtSoftplus bool
	NormRule     NormRule // how Normalize divides; NormEps: sum + 1e-20
	NormMin      float32  // NormClamp's floor for the sum
}

// NormRule is how Normalize divides the K weights u[j] by their sum
// (summed left to right in float32).
type NormRule uint8

const (
	NormEps   NormRule = iota // u / (sum + 1e-20)
	NormSum                   // u / sum; a sum of 0 gives weights 0
	NormClamp                 // u / max(sum, NormMin)
)

// SIMDPlan reports whether the SIMD kernels implement p: the score
// functions sigmoid, softmax and sqrtsoftplus and the normalisation rule
// NormEps. Route and Effective hand every other plan to RouteGeneric.
func (p *Plan) SIMDPlan() bool {
	return p.NormRule == NormEps
}

// Canonical returns a plan that the SIMD kernels implement and that
// routes every call WITHOUT a bias to the same bits as p, and true; or p
// and false where there is none (sigmoid NormSum: see SigmoidCanonical).
// It exists for softmax plans with Normalize and NormSum (Qwen3.5-MoE,
// Mixtral's and Gemma 4's HF blocks),
// which select on the logits when called without a bias:
//
// Proof. Without a bias and with Groups == 1 or GroupMax, LogitSelect holds
// and RouteGeneric's softmax weights are u[j] = ExpNeg(x[id[j]] - m) with
// m = x[id[0]], the row maximum (S cancels in the normalisation). Then
// u[0] = ExpNeg(+0) = 1 exactly and every u[j] >= 0, so the float32 sum
// (left to right, adding non-negative values to 1) is >= 1. Its ulp is then
// >= 2^-23, and 1e-20 is far below half of it, so sum + 1e-20 rounds to sum:
// NormEps divides by exactly the divisor NormSum uses, which is not 0
// (NormSum's zero case cannot arise). Every other step is the same.
// TestCanonicalNormSum checks this on random and special rows.
//
// With top-2-sum groups (selection on scores) or a bias the sum can be
// below 1 and the rules differ: those calls run on RouteGeneric with p.
func (p *Plan) Canonical() (Plan, bool) {
	if p.Softmax && !p.SqrtSoftplus && p.Normalize && p.NormRule == NormSum && p.LogitSelect(false) {
		c := *p
		c.NormRule = NormEps
		return c, true
	}
	return *p, false
}

// SigmoidSumFloor is the logit above which a chosen sigmoid makes a sum
// that NormEps's epsilon cannot change (see SigmoidCanonical).
const SigmoidSumFloor = -29

// SigmoidCanonical returns, for a sigmoid plan with Normalize and NormSum
// (MiniMax-M2), its NormEps form, which the SIMD kernels implement, and
// true; otherwise p and false. The two give the same bits, with or without
// a bias, for every token that chose an expert whose logit is >=
// SigmoidSumFloor; FixSigmoidSum re-weighs the other tokens with p.
//
// Proof. The ids do not depend on the normalisation rule, and neither do
// the unnormalised weights u[j] = Sigmoid(x[id[j]]). If some chosen
// x >= -29, its u >= 2.53e-13 (1/(1+e^29) = 2.54e-13, and Sigmoid is within
// 2.5 ulp of it), above 2^-42 = 2.27e-13. The float32 sum of non-negative
// values, left to right, is at least each of them (rounding is monotone:
// a >= 0 gives round(a+b) >= b), so sum >= 2^-42; its ulp is then >= 2^-65
// = 2.7e-20, and 1e-20 is below half of it: sum + 1e-20 rounds to sum,
// which is not 0. NormEps divides by exactly NormSum's divisor.
// TestSigmoidCanonical checks it, rows below the floor included.
func (p *Plan) SigmoidCanonical() (Plan, bool) {
	if !p.Softmax && !p.SqrtSoftplus && p.Normalize && p.NormRule == NormSum {
		c := *p
		c.NormRule = NormEps
		return c, true
	}
	return *p, false
}

// FixSigmoidSum rewrites, after T = len(ids)/K tokens were routed with
// the SigmoidCanonical form of p, the weights of every good token whose
// chosen logits are all below SigmoidSumFloor, with p's own arithmetic
// (RouteGeneric's weights for the same ids). Bad tokens (non-finite
// logits) keep their safe rows. ids, w, x and stride are Route's.
func FixSigmoidSum(p *Plan, ids []int32, w []float32, x []float32, stride int) {
	E, K := p.E, p.K
	for t := 0; t*K < len(ids); t++ {
		oid := ids[t*K : t*K+K]
		row := x[t*stride : t*stride+E]
		above := false
		for _, id := range oid {
			if row[id] >= SigmoidSumFloor {
				above = true
				break
			}
		}
		if above || badRow(row) {
			continue
		}
		weights(p, w[t*K:t*K+K], oid, row, false, 0, 0)
	}
}

// LogitSelect reports whether routing with (hasBias=false) selects on the
// logits themselves. Sigmoid and softmax are strictly increasing, so without
// a bias the order of the logits is the order of the scores, and selecting on
// the logits keeps float32 rounding from merging distinct logits into ties.
// Summed group scores (top-2 sum) are not order-preserving, so they select on
// scores. SqrtSoftplus always selects on scores, as DeepSeek-V4's code ranks
// them (topk of sqrt(softplus(x)) + b, in float32): its scores of distinct
// logits tie more often (for x below about -88 the float32 softplus is
// subnormal and coarse, and it is 0 below about -104), and a model that
// ranks equal scores by index must be followed there.
func (p *Plan) LogitSelect(hasBias bool) bool {
	return !hasBias && !p.SqrtSoftplus && (p.Groups == 1 || p.GroupMax)
}

// cancelS reports whether softmax weights skip the division by the softmax
// sum S when selecting on logits: with Normalize, S cancels (the sum of
// the chosen exponentials is >= 1, so NormEps's epsilon cannot change it;
// see Canonical). NormClamp keeps S: its floor NormMin compares with the
// sum of probabilities, which S scales.
func (p *Plan) cancelS() bool {
	return p.Normalize && p.NormRule != NormClamp
}

// Scratch is the working memory of a kernel call. Kernels never allocate;
// callers keep scratch per goroutine (package route pools it).
type Scratch struct {
	Sel  []float32 // E: selection scores of the current token
	Sig  []float32 // E (sigmoid plans): the current token's sigmoid scores without the bias (amd64 kernels reuse them for the weights)
	Top  []uint64  // K: keys of the chosen experts, descending
	GSc  []float32 // Groups: group scores
	GSec []float32 // Groups: each group's second-best selection score (top-2 sum)
	GTop []uint64  // TopGroups: keys of the kept groups, descending
	Seen []uint64  // E bits: RouteForced's check for repeated ids (all zero between rows)
	load []int64   // E: a sink for load counts the caller does not want
}

// Load returns an E-entry load buffer owned by s, for callers that do not
// keep the counts.
func (s *Scratch) Load(E int) []int64 {
	if len(s.load) < E {
		s.load = make([]int64, E)
	}
	return s.load[:E]
}

// NewScratch returns scratch memory sized for p.
func (p *Plan) NewScratch() *Scratch {
	s := &Scratch{
		Sel:  make([]float32, p.E),
		Top:  make([]uint64, p.K),
		GSc:  make([]float32, p.Groups),
		GSec: make([]float32, p.Groups),
		GTop: make([]uint64, p.TopGroups, max(p.TopGroups, 8)), // capacity 8: groupsAVX512 stores 8 keys
		Seen: make([]uint64, (p.E+63)/64),
	}
	if !p.Softmax {
		s.Sig = make([]float32, p.E)
	}
	return s
}

// keyValue returns the score a Key was made from (inverse of OrderBits;
// -0 comes back as +0).
func keyValue(k uint64) float32 {
	ob := uint32(k >> 32)
	var b uint32
	if ob&0x80000000 != 0 {
		b = ob ^ 0x80000000
	} else {
		b = ^ob
	}
	return math.Float32frombits(b)
}
