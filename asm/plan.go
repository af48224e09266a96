// Package asm holds moegate's routing kernels: the pure-Go reference
// (RouteGeneric, the specification) and the SIMD implementations that must
// return the same bits. Most users want package route, which validates a
// configuration and calls these kernels; asm takes validated input only.
package asm

import "math"

// Plan is the validated geometry of a router. The route package builds it;
// kernels assume every rule of route.Config.Validate holds:
// 1 <= K <= E, Groups >= 1 divides E, 1 <= TopGroups <= Groups,
// K <= TopGroups*E/Groups, E/Groups >= 2 with Groups > 1 and !GroupMax,
// Scale finite and > 0.
type Plan struct {
	E, K      int
	Softmax   bool // score function: softmax over all experts; false: sigmoid
	Groups    int  // 1: no expert groups
	TopGroups int  // groups kept per token
	GroupMax  bool // group score is its best selection score; false: sum of its two best
	Normalize bool // weights divided by (their sum + 1e-20)
	Scale     float32
}

// LogitSelect reports whether routing with (hasBias=false) selects on the
// logits themselves. Both score functions are strictly increasing, so without
// a bias the order of the logits is the order of the scores, and selecting on
// the logits keeps float32 rounding from merging distinct logits into ties.
// Summed group scores (top-2 sum) are not order-preserving, so they select on
// scores.
func (p *Plan) LogitSelect(hasBias bool) bool {
	return !hasBias && (p.Groups == 1 || p.GroupMax)
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
