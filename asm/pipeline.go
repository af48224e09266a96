package asm

// routeKernels is RouteGeneric with its loops replaced by impl's kernels:
// the order of operations per token, written once for every instruction
// set (kernels_<arch>.go picks each operation's kernel; with impl == Go
// every operation is its Go twin, and the result is RouteGeneric's, which
// the routing tests check: routing_test.go runs them on every
// implementation, go included). Per token:
//
//	scores    kSigmoid / kSqrtSoftplus (+ bias; the unbiased scores kept in
//	          s.Sig for the weights), or kMax, kExpSum, kDivBias for
//	          softmax; with logit selection only the non-finite check
//	          (fused into kTopKIDs where there are no groups)
//	groups    the kept groups and a floor for the top-K: kGroupsSmall in
//	          one call where impl has it, else kernelGroups
//	top-K     kTopKIDs, or kTopK over the kept groups (kTopKGroupList in
//	          one call where impl has it)
//	weights   kWeights (gather, score, NormEps or NormSum, scale, load;
//	          largeWeights beyond the kernel's K); NormClamp finishes in
//	          Go (finishWeights, O(K)); softmax with logit selection and
//	          Normalize (NormEps), K <= 8: the weights of up to 64 tokens
//	          in one kWeightsBlock call
//
// s must come from p.NewScratch (sigmoid and sqrtsoftplus plans keep their
// scores in s.Sig).
func routeKernels(impl Impl, p *Plan, s *Scratch, ids []int32, w []float32, load []int64, x []float32, stride int, bias []float32) int {
	E, K := p.E, p.K
	T := len(ids) / K
	firstBad := -1
	logitSel := p.LogitSelect(bias != nil)
	if bias != nil {
		bias = bias[:E]
	}
	selBuf := s.Sel[:E]
	load = load[:E]
	// Sigmoid and sqrtsoftplus scores with a bias: the score kernel also
	// keeps the unbiased scores in sigBuf, and the weights gather them.
	var sigBuf []float32
	if !p.Softmax && bias != nil {
		sigBuf = s.Sig[:E]
	}
	// Softmax with logit selection and Normalize, K <= 8 (Qwen3, gpt-oss):
	// the weights of a block of up to 64 tokens in one kernel call after
	// their top-K, so that the tokens' exponential chains overlap.
	deferW := p.Softmax && logitSel && p.Normalize && p.NormRule == NormEps && K <= 8 && hasWeightsBlock(impl)
	// What does not change from token to token is decided here, once per
	// call: the weights' mode bits, the group kernels to use.
	cancel := logitSel && p.cancelS()
	wmode, wscale, finish := weightsMode(p, cancel)
	var gs, gmode int
	var gt []uint64
	var gsc, second []float32
	groupsSmall, groupList := false, false
	if p.Groups > 1 {
		gs = E / p.Groups
		gt = s.GTop[:p.TopGroups]
		gsc, second = s.GSc[:p.Groups], s.GSec[:p.Groups]
		gmode = groupsMode(p)
		groupsSmall = p.Groups <= 8 && cap(gt) >= 8 && hasGroupsSmall(impl)
		groupList = K <= 8 && hasTopKGroupList(impl)
	}
	block, badBits := 0, uint64(0)
	for t := 0; t < T; t++ {
		if deferW && t-block == 64 {
			kWeightsBlock(impl, w[block*K:], ids[block*K:], x[block*stride:], stride, load, t-block, K, badBits, p.Scale)
			block, badBits = t, 0
		}
		row := x[t*stride : t*stride+E]
		oid := ids[t*K : t*K+K]
		ow := w[t*K : t*K+K]
		var m, S float32
		var bad bool
		var sig []float32 // the unbiased scores, when a kernel left them in memory
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
			bad = kSqrtSoftplus(impl, selBuf, sigBuf, row, bias)
			sig, sel = selBuf, selBuf
			if bias != nil {
				sig = sigBuf
			}
		case !p.Softmax:
			bad = kSigmoid(impl, selBuf, sigBuf, row, bias)
			sig, sel = selBuf, selBuf
			if bias != nil {
				sig = sigBuf
			}
		default:
			m, bad = kMax(impl, row)
			if !bad {
				S = kExpSum(impl, selBuf, row, m)
				kDivBias(impl, selBuf, bias, S)
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
		if !selected {
			idsDone := false
			if p.Groups > 1 {
				var floor float32
				if groupsSmall {
					floor, _ = kGroupsSmall(impl, gt, gsc, second, sel, gs, gmode)
				} else {
					floor = kernelGroups(impl, p, s, sel)
				}
				if groupList {
					_, idsDone = kTopKGroupList(impl, top, sel, gs, floor, gt, oid)
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
		}
		if deferW {
			continue
		}
		// The weights (tokenWeights, with the mode bits decided above).
		mode, wrow := wmode, row
		if sig != nil {
			mode, wrow = mode|wGather, sig
		}
		if p.Softmax && logitSel {
			m = row[oid[0]] // the maximum
			if !cancel {
				S = kExpSum(impl, selBuf, row, m)
			}
		}
		if !kWeights(impl, ow, oid, wrow, load, mode, m, S, wscale) {
			largeWeights(impl, ow, oid, wrow, load, mode, m, S, wscale)
		}
		if mode&wNormSum != 0 {
			mendNormSum(ow, wscale)
		} else if finish {
			finishWeights(p, ow)
		}
	}
	if deferW && T > block {
		kWeightsBlock(impl, w[block*K:], ids[block*K:], x[block*stride:], stride, load, T-block, K, badBits, p.Scale)
	}
	return firstBad
}

// groupsMode: the mode bits of kGroupsSmall for p: bit 0 GroupMax, bit 1
// the floor (useFloor).
func groupsMode(p *Plan) int {
	mode := 0
	if p.GroupMax {
		mode |= 1
	}
	if useFloor(p) {
		mode |= 2
	}
	return mode
}

// useFloor reports whether the kept groups bound the expert top-K from
// below (see kernelGroups).
func useFloor(p *Plan) bool {
	return p.K <= 8 && (p.GroupMax && p.K <= p.TopGroups || !p.GroupMax && p.K <= 2*p.TopGroups)
}

// kernelGroups is chooseGroups on impl's group-score and top-K kernels:
// the group scores (the same order statistics as the Go loop: sel holds
// no NaN, and no -0 on the summed path; on the max path -0 and +0 have the
// same Key), then the TopGroups best into s.GTop. (kGroupsSmall does all
// of it in one call where impl has it.)
//
// It returns a floor for the expert top-K (-Inf when unknown): the kept
// groups' two best scores (or best, with GroupMax) are 2*TopGroups (or
// TopGroups) distinct experts, all eligible, so when K is at most that
// many, the K-th largest eligible score is >= the smallest of them.
func kernelGroups(impl Impl, p *Plan, s *Scratch, sel []float32) float32 {
	gs := p.E / p.Groups
	gsc := s.GSc[:p.Groups]
	second := s.GSec[:p.Groups]
	gt := s.GTop[:p.TopGroups]
	var sp []float32 // the second bests, for the floor of top-2-sum groups
	if useFloor(p) && !p.GroupMax {
		sp = second
	}
	kGroupScores(impl, gsc, sp, sel, gs, p.GroupMax)
	clear(gt)
	kTopK(impl, gt, 0, gsc, 0, negInf)
	floor := negInf
	if !useFloor(p) {
		return floor
	}
	if p.GroupMax {
		floor = gsc[KeyIndex(gt[0])]
		for _, gk := range gt[1:] {
			floor = min(floor, gsc[KeyIndex(gk)]) // no NaN: a plain minimum
		}
	} else {
		floor = second[KeyIndex(gt[0])]
		for _, gk := range gt[1:] {
			floor = min(floor, second[KeyIndex(gk)]) // branch-free: the order is random
		}
	}
	return floor
}

// weightsMode returns kWeights' mode bits and scale for p's weights (but
// wGather), and whether finishWeights completes them: NormEps and NormSum
// run in the kernel (NormSum's sum of 0 mended by mendNormSum), NormClamp
// in Go after the kernel, on the unscaled weights, with the reference's
// own code. cancel: the reference skips the division by the softmax sum S.
func weightsMode(p *Plan, cancel bool) (mode int, scale float32, finish bool) {
	if p.Softmax {
		mode |= wSoftmax
		if !cancel {
			mode |= wDivS
		}
	}
	scale = p.Scale
	switch {
	case !p.Normalize:
	case p.NormRule == NormEps:
		mode |= wNorm
	case p.NormRule == NormSum:
		mode |= wNorm | wNormSum
	default:
		finish = true
		scale = 1 // u * 1 == u: the weights are finite
	}
	return mode, scale, finish
}

// tokenWeights is weights (route_generic.go) followed by RouteGeneric's
// load counts (load[id]++ for every chosen id; load nil: none), for one
// good token with ids chosen: the K sigmoids or exponentials in one kernel
// call over the gathered logits. sig, when not nil, holds the token's
// unbiased scores (sigmoid, sqrtsoftplus: the kernel gathers them instead
// of computing K sigmoids). For softmax, m and S are the maximum and the
// sum the reference uses, and cancel says that the reference skips the
// division by S.
func tokenWeights(impl Impl, p *Plan, w []float32, ids []int32, row, sig []float32, m, S float32, cancel bool, load []int64) {
	mode, scale, finish := weightsMode(p, cancel)
	if sig != nil {
		mode, row = mode|wGather, sig[:len(row)]
	}
	if !kWeights(impl, w, ids, row, load, mode, m, S, scale) {
		largeWeights(impl, w, ids, row, load, mode, m, S, scale)
	}
	if mode&wNormSum != 0 {
		mendNormSum(w, scale)
	} else if finish {
		finishWeights(p, w)
	}
}

// largeWeights is kWeights for K beyond impl's weights kernel: the
// scores by the row kernels over the gathered values, the rest O(K) in Go.
func largeWeights(impl Impl, w []float32, ids []int32, row []float32, load []int64, mode int, m, S, scale float32) {
	switch {
	case mode&wGather != 0:
		for j, id := range ids {
			w[j] = row[id]
		}
	case mode&wSoftmax == 0:
		for j, id := range ids {
			w[j] = row[id]
		}
		kSigmoid(impl, w, nil, w, nil)
	default:
		for j, id := range ids {
			w[j] = row[id] - m
		}
		// ExpNeg(v - 0) == ExpNeg(v) for every v (v - 0 keeps -0).
		kExpSum(impl, w, w, 0)
		if mode&wDivS != 0 {
			kDivBias(impl, w, nil, S) // w[j] / S, correctly rounded
		}
	}
	// The normalisation: correctly rounded divisions, the kernels' bits.
	normalize(w, mode)
	if scale != 1 { // w * 1 == w: the weights are finite
		for j := range w {
			w[j] = float32(w[j] * scale)
		}
	}
	if load != nil {
		for _, id := range ids {
			load[id]++
		}
	}
}

// routeForcedKernels is RouteForced on impl's kernels: per row the
// non-finite check and the maximum in one kernel (kMax), the softmax sum
// (kExpSum) where the weights divide by it, and the weights and loads of
// the forced ids (tokenWeights; sqrtsoftplus: kSqrtSoftplus over the K
// gathered logits). The weights are RouteForced's bits.
func routeForcedKernels(impl Impl, p *Plan, s *Scratch, ids []int32, w []float32, load []int64, x []float32, stride int, bias []float32, forced []int32) (badLogits, badIDs int) {
	E, K := p.E, p.K
	T := len(ids) / K
	badLogits, badIDs = -1, -1
	logitSel := p.LogitSelect(bias != nil)
	seen := s.Seen[:(E+63)/64]
	selBuf := s.Sel[:E]
	load = load[:E]
	for t := 0; t < T; t++ {
		oid := ids[t*K : t*K+K]
		ow := w[t*K : t*K+K]
		fid := forced[t*K : t*K+K]
		if !forcedRowOK(fid, E, seen) {
			SafeRow(oid, ow)
			if badIDs < 0 {
				badIDs = t
			}
			continue
		}
		row := x[t*stride : t*stride+E]
		m, bad := kMax(impl, row)
		if bad {
			SafeRow(oid, ow)
			if badLogits < 0 {
				badLogits = t
			}
			continue
		}
		copy(oid, fid)
		if p.SqrtSoftplus {
			g := selBuf[:K]
			for j, id := range oid {
				g[j] = row[id]
			}
			kSqrtSoftplus(impl, ow, nil, g, nil)
			finishWeights(p, ow)
			for _, id := range oid {
				load[id]++
			}
			continue
		}
		var S float32
		cancel := false
		if p.Softmax {
			if logitSel && p.cancelS() {
				for _, id := range oid {
					if row[id] == m {
						cancel = true
						break
					}
				}
			}
			if !cancel {
				S = kExpSum(impl, selBuf, row, m)
			}
		}
		tokenWeights(impl, p, ow, oid, row, nil, m, S, cancel, load)
	}
	return badLogits, badIDs
}
