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

	// The 2026 routers (issue 9). Their zero values are the plans above;
	// every SIMD implementation runs every plan (the lanes kernels only
	// NormEps; the pipeline finishes the other rules in Go).

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

// Canonical returns a plan with the rule NormEps that
// routes every call WITHOUT a bias to the same bits as p, and true; or p
// and false where there is none.
// It exists for softmax plans with Normalize and NormSum (Qwen3.5-MoE,
// Mixtral's and Gemma 4's HF blocks), which select on the logits when
// called without a bias, so that they run the lanes kernels and the
// weights kernel of a block of tokens (both NormEps only):
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
// below 1 and the rules differ: those calls run p.
func (p *Plan) Canonical() (Plan, bool) {
	if p.Softmax && !p.SqrtSoftplus && p.Normalize && p.NormRule == NormSum && p.LogitSelect(false) {
		c := *p
		c.NormRule = NormEps
		return c, true
	}
	return *p, false
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
