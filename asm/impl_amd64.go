//go:build gc && !purego

package asm

import (
	"math"

	"golang.org/x/sys/cpu"
)

// The amd64 implementations (AVX2, AVX512) run RouteGeneric's per-token
// pipeline with these kernels (scores_, groups_, weights_, topk8_ and
// topk32_<isa>_amd64.s, sqrtsoftplus_<isa>_amd64.s; each .s header names
// its Go twin):
//
//	sigmoid<ISA>      non-finite check + Sigmoid + bias, one pass; with a
//	                  bias it also keeps the unbiased sigmoid (Scratch.Sig)
//	max<ISA>          non-finite check + softmax maximum
//	expSum<ISA>       ExpNeg(x-m) stored + SoftmaxSum's 16-lane striped sum
//	divBias<ISA>      e/S + bias
//	groupScores<ISA>  every group's top-2 sum (or max) and second best
//	topk8<ISA>        top-K for K <= 8: candidates packed (AVX2: VPERMD by a
//	                  mask table; AVX-512: VPCOMPRESSD) and merged 8 at a
//	                  time by a bitonic network, a pre-pass bound or a
//	                  caller's floor, one call for all kept groups; also the
//	                  non-finite check (topk8_avx2_amd64.s,
//	                  topk8_avx512_amd64.s)
//	groups<ISA>       groups <= 8: every group's score, the kept groups and
//	                  the top-K floor in one call (groups_<isa>_amd64.s)
//	weights8<ISA>     K <= 8: gather, Sigmoid (or the kept sigmoid) or
//	                  ExpNeg(/S), normalisation, scale (AVX512: also the
//	                  load counts); weights32AVX512 the same for K <= 32
//	                  (weights_avx512_amd64.s)
//	weightsSoftmaxN<ISA>  softmax, logit selection, Normalize, K <= 8: the
//	                  weights and load counts of a block of 64 tokens
//	topk32<ISA>       top-K for 9 <= K <= 32: the topk8 design with a top of
//	                  16 or 32 keys (bitonic merges; AVX2: on the stack)
//	                  and a pre-pass bound (the K-th largest of 32 subset
//	                  maxima, or of 64 for larger K); also the ids and the
//	                  non-finite check
//	                  (topk32_avx2_amd64.s, topk32_avx512_amd64.s); K > 32
//	                  uses RouteGeneric's heap
//
// Routers with Groups == 1, E <= 16 and K <= 4 take neither: routeArch
// sends them to the lanes kernels (lanes_amd64.go: one call per chunk,
// one token per vector lane; a one-token call to the per-token kernels or
// the reference, see lanesPath). routeSIMD (below) is the per-token glue in
// Go; the weights of K > 8 and the load counts stay in Go (they are
// O(K)), except where weights8AVX512 and weightsSoftmaxN<ISA> count them.
//
// Package bools, set once: every feature the kernels execute is named.
// AVX2 kernels: AVX, AVX2 (VEX-encoded, no FMA) and POPCNT (topk8AVX2).
// AVX-512 kernels: AVX512F (zmm arithmetic, k-masks, VEXTRACTF64X4,
// VPCOMPRESSD, VPMINUQ), AVX512DQ (VRANGEPS and VFPCLASSPS in the sigmoid)
// plus the AVX2 instructions they share for 128/256-bit reductions, POPCNT
// and BMI2 (topk8AVX512). x/sys/cpu also checks that the OS saves the
// ymm/zmm state, and honours GODEBUG=cpu.avx512f=off etc.
var (
	hasAVX2   bool
	hasAVX512 bool
)

func init() {
	hasAVX2 = cpu.X86.HasAVX && cpu.X86.HasAVX2 && cpu.X86.HasPOPCNT
	hasAVX512 = hasAVX2 && cpu.X86.HasAVX512F && cpu.X86.HasAVX512DQ && cpu.X86.HasBMI2
}

func appendAvailable(out []Impl) []Impl {
	if hasAVX512 {
		out = append(out, AVX512)
	}
	if hasAVX2 {
		out = append(out, AVX2)
	}
	return out
}

func routeArch(impl Impl, p *Plan, s *Scratch, ids []int32, w []float32, load []int64, x []float32, stride int, bias []float32) (int, bool) {
	switch impl {
	case AVX2:
		if !hasAVX2 {
			return 0, false
		}
	case AVX512:
		if !hasAVX512 {
			return 0, false
		}
	default:
		return 0, false
	}
	if lanesOK(impl, p, stride) {
		switch lanesPath(p, len(ids) == p.K, bias != nil) {
		case lanesGo:
			return 0, false // Route runs RouteGeneric
		case lanesToken:
			return routeSIMD(impl, p, s, ids, w, load, x, stride, bias), true
		}
		if impl == AVX512 && len(ids) <= lanesAVX2MaxT*p.K {
			return routeLanes(AVX2, p, ids, w, load, x, stride, bias), true // hasAVX512 implies hasAVX2
		}
		return routeLanes(impl, p, ids, w, load, x, stride, bias), true
	}
	if p.Groups > 1 && p.E < simdMinE {
		return 0, false // Route runs RouteGeneric
	}
	if p.SqrtSoftplus && len(s.Sig) < p.E {
		return 0, false // the weights gather the kept scores
	}
	return routeSIMD(impl, p, s, ids, w, load, x, stride, bias), true
}

// archTakes reports whether routeArch runs impl's kernels for p (with a
// stride the lanes kernels accept; every stride below 2^26 is).
func archTakes(impl Impl, p *Plan) bool {
	return lanesOK(impl, p, p.E) || p.Groups == 1 || p.E >= simdMinE
}

// simdMinE: grouped routers with fewer experts than this run the Go
// reference, which is as fast or faster there: the group path's fixed
// cost per token dominates (BenchmarkSmallEAMD64, 2026-11-24, ns/token
// avx512 / go: E=8 two groups top-2-sum 121 / 150, E=8 two groups max
// 134 / 131, E=4 two groups 120 / 111). Without groups the per-token
// kernels win at every E the lanes kernels leave (E=8 K=5 softmax 42 /
// 74, E=5 K=5 sigmoid 83 / 135). Tests call routeSIMD directly for
// every shape.
const simdMinE = 9

// The wrappers below switch on impl per call (no function variables:
// they would defeat escape analysis). Slices are non-empty.

func kSigmoid(impl Impl, dst, x []float32, bias *float32) bool {
	if impl == AVX512 {
		return sigmoidAVX512(&dst[0], nil, &x[0], bias, len(x))
	}
	return sigmoidAVX2(&dst[0], nil, &x[0], bias, len(x))
}

// kSigmoidSig is kSigmoid that, with a bias, also keeps the sigmoid
// (without the bias) in sig, for simdWeights.
func kSigmoidSig(impl Impl, dst, sig, x []float32, bias *float32) bool {
	sig = sig[:len(x)]
	if impl == AVX512 {
		return sigmoidAVX512(&dst[0], &sig[0], &x[0], bias, len(x))
	}
	return sigmoidAVX2(&dst[0], &sig[0], &x[0], bias, len(x))
}

// kSqrtSoftplus is kSigmoidSig for SqrtSoftplus scores: dst = s (+ bias)
// and, with a bias, sig = s (sig may be nil without a bias).
func kSqrtSoftplus(impl Impl, dst, sig, x []float32, bias *float32) bool {
	var sp *float32
	if bias != nil {
		sp = &sig[:len(x)][0]
	}
	if impl == AVX512 {
		return sqrtSoftplusAVX512(&dst[0], sp, &x[0], bias, len(x))
	}
	return sqrtSoftplusAVX2(&dst[0], sp, &x[0], bias, len(x))
}

func kMax(impl Impl, x []float32) (float32, bool) {
	if impl == AVX512 {
		return maxAVX512(&x[0], len(x))
	}
	return maxAVX2(&x[0], len(x))
}

func kExpSum(impl Impl, dst, x []float32, m float32) float32 {
	dst = dst[:len(x)]
	if impl == AVX512 {
		return expSumAVX512(&dst[0], &x[0], len(x), m)
	}
	return expSumAVX2(&dst[0], &x[0], len(x), m)
}

func kDivBias(impl Impl, dst []float32, bias *float32, S float32) {
	if impl == AVX512 {
		divBiasAVX512(&dst[0], bias, len(dst), S)
		return
	}
	divBiasAVX2(&dst[0], bias, len(dst), S)
}

// prepassLanes is the number of disjoint subsets whose maxima bound the
// k-th largest value from below in the k <= 8 kernels: the smallest power
// of two >= k.
func prepassLanes(k int) int {
	l := 1
	for l < k {
		l *= 2
	}
	return l
}

// kTopK is topK with the candidate scan in assembly (K <= 32; the Go heap
// beyond, as topK itself does). For K <= 32 it returns -1 when vals holds
// a NaN or an infinity (top is then garbage). floor (K <= 32; -Inf: none)
// is a lower bound of the K-th largest key value of the final top: values
// below it are skipped, so with a floor the intermediate count may differ
// from topK's; the final top is the same.
func kTopK(impl Impl, top []uint64, n int, vals []float32, base int, floor float32) int {
	if len(top) > 32 {
		return topKHeap(top, n, vals, base)
	}
	if impl == AVX512 {
		if len(top) <= 8 {
			return topk8AVX512(&top[0], n, len(top), &vals[0], len(vals), base, prepassLanes(len(top)), floor, nil, 0, nil)
		}
		return topk32AVX512(&top[0], n, len(top), &vals[0], len(vals), base, topk32Pre(n, len(top), len(vals)), floor, nil)
	}
	if len(top) <= 8 {
		return topk8AVX2(&top[0], n, len(top), &vals[0], len(vals), base, prepassLanes(len(top)), floor, nil, 0)
	}
	return topk32AVX2(&top[0], n, len(top), &vals[0], len(vals), base, topk32Pre(n, len(top), len(vals)), floor, nil)
}

// topk32Pre: whether topk32<ISA> runs its pre-pass for n keys held, k
// wanted, nv values: not for a full top (its k-th key is the bound) nor
// for nv <= 16, where the sort of the subset maxima costs more than the
// candidates it saves (BenchmarkTopK32AMD64 16/9: 69 ns with, 52 without
// on AVX512; 32/9 and up gain or break even).
func topk32Pre(n, k, nv int) int {
	if n < k && nv > 16 {
		return 1
	}
	return 0
}

// kTopKIDs is kTopK from an empty top that also writes the K chosen
// indices to ids; for K <= 32 it reports false when vals holds a NaN or
// an infinity (as kTopK, whose heap path for larger K does not check).
// AVX512 with K = 8 writes them in the kernel (one 32-byte store);
// otherwise they are converted here.
func kTopKIDs(impl Impl, top []uint64, vals []float32, ids []int32) bool {
	if impl == AVX512 && len(top) == 8 {
		ids = ids[:8]
		return topk8AVX512(&top[0], 0, 8, &vals[0], len(vals), 0, prepassLanes(8), negInf, nil, 0, &ids[0]) >= 0
	}
	if len(top) > 8 && len(top) <= 32 {
		ids = ids[:len(top)]
		if impl == AVX512 {
			return topk32AVX512(&top[0], 0, len(top), &vals[0], len(vals), 0, topk32Pre(0, len(top), len(vals)), negInf, &ids[0]) >= 0
		}
		return topk32AVX2(&top[0], 0, len(top), &vals[0], len(vals), 0, topk32Pre(0, len(top), len(vals)), negInf, &ids[0]) >= 0
	}
	if kTopK(impl, top, 0, vals, 0, negInf) < 0 {
		return false
	}
	for j, k := range top {
		ids[j] = int32(KeyIndex(k))
	}
	return true
}

// routeSIMD is RouteGeneric with its loops replaced by kernels; every step
// keeps the order of operations of the specification.
func routeSIMD(impl Impl, p *Plan, s *Scratch, ids []int32, w []float32, load []int64, x []float32, stride int, bias []float32) int {
	E, K := p.E, p.K
	T := len(ids) / K
	firstBad := -1
	logitSel := p.LogitSelect(bias != nil)
	var bp *float32
	if bias != nil {
		bias = bias[:E]
		bp = &bias[0]
	}
	selBuf := s.Sel[:E]
	load = load[:E]
	// Sigmoid scores with a bias: the sigmoid kernel also keeps the
	// unbiased sigmoid in sigBuf, and the weights gather it.
	var sigBuf []float32
	if !p.Softmax && bias != nil && len(s.Sig) >= E {
		sigBuf = s.Sig[:E]
	}
	// Softmax with logit selection and Normalize, K <= 8 (Qwen3, gpt-oss):
	// the weights of a block of up to 64 tokens in one kernel call after
	// their top-K, so that the tokens' exponential chains overlap.
	deferW := p.Softmax && logitSel && p.Normalize && K <= 8
	block, badBits := 0, uint64(0)
	flush := func(end int) {
		if end > block {
			if impl == AVX512 {
				weightsSoftmaxNAVX512(&w[block*K], &ids[block*K], &x[block*stride], stride, &load[0], end-block, K, badBits, p.Scale)
			} else {
				weightsSoftmaxNAVX2(&w[block*K], &ids[block*K], &x[block*stride], stride, &load[0], end-block, K, badBits, p.Scale)
			}
		}
		block, badBits = end, 0
	}
	for t := 0; t < T; t++ {
		if deferW && t-block == 64 {
			flush(t)
		}
		row := x[t*stride : t*stride+E]
		oid := ids[t*K : t*K+K]
		ow := w[t*K : t*K+K]
		var m, S float32
		var bad bool
		var sig []float32 // Sigmoid(row) when a kernel left it in memory
		sel := row
		top := s.Top[:K]
		clear(top)
		selected := false // top-K done and ids written
		switch {
		case logitSel && p.Groups == 1 && K <= 32:
			// One pass: the top-K kernel also checks the row.
			bad = !kTopKIDs(impl, top, row, oid)
			selected = true
		case logitSel:
			_, bad = kMax(impl, row)
		case p.SqrtSoftplus:
			// The scores without the bias stay for the weights (sigBuf:
			// routeArch checked that it exists).
			if bias == nil {
				bad = kSqrtSoftplus(impl, selBuf, nil, row, nil)
				sig = selBuf
			} else {
				bad = kSqrtSoftplus(impl, selBuf, sigBuf, row, bp)
				sig = sigBuf
			}
			sel = selBuf
		case !p.Softmax:
			if bias == nil {
				bad = kSigmoid(impl, selBuf, row, nil)
				sig = selBuf
			} else if sigBuf != nil {
				bad = kSigmoidSig(impl, selBuf, sigBuf, row, bp)
				sig = sigBuf
			} else {
				bad = kSigmoid(impl, selBuf, row, bp)
			}
			sel = selBuf
		default:
			m, bad = kMax(impl, row)
			if !bad {
				S = kExpSum(impl, selBuf, row, m)
				kDivBias(impl, selBuf, bp, S)
			}
			sel = selBuf
		}
		if bad {
			SafeRow(oid, ow)
			if firstBad < 0 {
				firstBad = t
			}
			badBits |= 1 << (t - block)
			continue
		}
		idsDone := selected
		if selected {
			// done above
		} else if p.Groups > 1 {
			floor := simdGroups(impl, p, s, sel)
			gs := E / p.Groups
			gt := s.GTop[:p.TopGroups]
			if K <= 8 {
				// One call walks every kept group.
				if impl == AVX512 {
					var idp *int32
					if K == 8 {
						idp, idsDone = &oid[0], true
					}
					topk8AVX512(&top[0], 0, K, &sel[0], gs, 0, 0, floor, &gt[0], len(gt), idp)
				} else {
					topk8AVX2(&top[0], 0, K, &sel[0], gs, 0, 0, floor, &gt[0], len(gt))
				}
			} else {
				n := 0
				for _, gk := range gt {
					g := KeyIndex(gk)
					n = kTopK(impl, top, n, sel[g*gs:g*gs+gs], g*gs, floor)
				}
			}
		} else {
			kTopKIDs(impl, top, sel, oid)
			idsDone = true
		}
		if !idsDone {
			for j, k := range top {
				oid[j] = int32(KeyIndex(k))
			}
		}
		if !deferW {
			simdWeights(impl, p, selBuf, ow, oid, row, sig, logitSel, m, S, load)
		}
	}
	if deferW {
		flush(T)
	}
	return firstBad
}

// simdGroups is chooseGroups: one kernel call computes every group score
// (the same order statistics as the Go loop: sel holds no NaN, and no -0
// on the summed path; on the max path -0 and +0 have the same Key), then
// the top-K kernel keeps the TopGroups best.
//
// It returns a floor for the expert top-K (-Inf when unknown): the kept
// groups' two best scores (or best, with GroupMax) are 2*TopGroups (or
// TopGroups) distinct experts, all eligible, so when K is at most that
// many, the K-th largest eligible score is >= the smallest of them.
func simdGroups(impl Impl, p *Plan, s *Scratch, sel []float32) float32 {
	gs := p.E / p.Groups
	gsc := s.GSc[:p.Groups]
	second := s.GSec[:p.Groups]
	gt := s.GTop[:p.TopGroups]
	if p.Groups <= 8 {
		// One kernel: scores, choice (a sorting network on the group keys)
		// and the floor below.
		mode := 0
		if p.GroupMax {
			mode |= 1
		}
		if p.K <= 8 && (p.GroupMax && p.K <= p.TopGroups || !p.GroupMax && p.K <= 2*p.TopGroups) {
			mode |= 2
		}
		if impl == AVX512 && cap(gt) >= 8 {
			return groupsAVX512(&gt[:8][0], &gsc[0], &second[0], &sel[0], p.Groups, gs, p.TopGroups, mode)
		}
		if impl == AVX2 && cap(gt) >= 8 {
			return groupsAVX2(&gt[:8][0], &gsc[0], &second[0], &sel[0], p.Groups, gs, p.TopGroups, mode)
		}
	}
	var sp *float32
	if p.K <= 8 {
		sp = &second[0]
	}
	if impl == AVX512 {
		groupScoresAVX512(&gsc[0], sp, &sel[0], p.Groups, gs, p.GroupMax)
	} else {
		groupScoresAVX2(&gsc[0], sp, &sel[0], p.Groups, gs, p.GroupMax)
	}
	clear(gt)
	kTopK(impl, gt, 0, gsc, 0, negInf)
	floor := negInf
	if sp == nil {
		return floor
	}
	if p.GroupMax {
		if p.K <= p.TopGroups {
			floor = gsc[KeyIndex(gt[0])]
			for _, gk := range gt[1:] {
				floor = min(floor, gsc[KeyIndex(gk)]) // no NaN: a plain minimum
			}
		}
	} else if p.K <= 2*p.TopGroups {
		floor = second[KeyIndex(gt[0])]
		for _, gk := range gt[1:] {
			floor = min(floor, second[KeyIndex(gk)]) // branch-free: the order is random
		}
	}
	return floor
}

var negInf = float32(math.Inf(-1))

// simdWeights is weights, with the K exponentials or sigmoids in one
// kernel call over the gathered logits, followed by RouteGeneric's load
// counts (load[id]++ for every chosen id; load nil: none). load and row
// cover every id. sig, when not nil, holds Sigmoid(row[i]) for every i
// (sigmoid plans): K <= 8 (AVX512: K <= 32) gathers it instead of
// computing the K sigmoids.
func simdWeights(impl Impl, p *Plan, tmp, w []float32, ids []int32, row, sig []float32, logitSel bool, m, S float32, load []int64) {
	if len(w) <= 8 || impl == AVX512 && len(w) <= 32 {
		// One kernel: gather, scores, normalisation and scale.
		mode := 0
		if !p.Softmax && sig != nil {
			row = sig[:len(row)]
			mode |= 8
		}
		if p.Softmax {
			mode |= 1
			if logitSel {
				m = row[ids[0]]
				if !p.Normalize {
					S = kExpSum(impl, tmp, row, m)
				}
			}
			if !(logitSel && p.Normalize) {
				mode |= 2
			}
		}
		if p.Normalize {
			mode |= 4
		}
		if impl == AVX512 {
			var lp *int64
			if load != nil {
				lp = &load[0]
			}
			if len(w) <= 8 {
				weights8AVX512(&w[0], &ids[0], &row[0], lp, len(w), mode, m, S, p.Scale)
			} else {
				weights32AVX512(&w[0], &ids[0], &row[0], lp, len(w), mode, m, S, p.Scale)
			}
			return
		}
		weights8AVX2(&w[0], &ids[0], &row[0], len(w), mode, m, S, p.Scale)
		if load != nil {
			for _, id := range ids {
				load[id]++
			}
		}
		return
	}
	if !p.Softmax {
		if sig != nil {
			for j, id := range ids {
				w[j] = sig[id]
			}
		} else {
			for j, id := range ids {
				w[j] = row[id]
			}
			kSigmoid(impl, w, w, nil)
		}
	} else {
		if logitSel {
			m = row[ids[0]]
			if !p.Normalize {
				S = kExpSum(impl, tmp, row, m)
			}
		}
		for j, id := range ids {
			w[j] = row[id] - m
		}
		// ExpNeg(v - 0) == ExpNeg(v) for every v (v - 0 keeps -0).
		kExpSum(impl, w, w, 0)
		if !(logitSel && p.Normalize) {
			kDivBias(impl, w, nil, S) // w[j] / S, correctly rounded
		}
	}
	if p.Normalize {
		var sum float32
		for _, v := range w {
			sum += v
		}
		kDivBias(impl, w, nil, sum+normEps)
	}
	if p.Scale != 1 { // w * 1 == w: the weights are finite
		for j := range w {
			w[j] = float32(w[j] * p.Scale)
		}
	}
	if load != nil {
		for _, id := range ids {
			load[id]++
		}
	}
}
