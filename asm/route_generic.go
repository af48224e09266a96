package asm

import (
	"math"
)

// RouteGeneric is the specification of moegate's routing: every SIMD kernel
// returns exactly what it returns. It routes T = len(ids)/K tokens; token t's
// logits are x[t*stride : t*stride+E]. bias is nil or has E finite entries.
// ids and w receive T*K entries, row-major; load[e] is incremented once for
// every good token that chose expert e (it is not cleared).
//
// A token whose logits hold a NaN or an infinity is "bad": its row receives
// ids 0..K-1 and weights 0, and it adds no load. RouteGeneric returns the
// index of the first bad token, or -1.
//
// Per good token (DESIGN.md section 1, with moegate's exact float rules):
//
//	selection   LogitSelect(bias != nil): sel = x (scores are monotone in x)
//	            otherwise: sel[i] = s[i] + b[i] (b = 0 without bias), where
//	            s = Sigmoid(x), s = SqrtSoftplus(x), or s[i] = ExpNeg(x[i]-m)/S
//	            for softmax (m = max x, the first maximum in index order,
//	            S = SoftmaxSum(x, m))
//	groups      gscore = sum of the two largest sel in the group, or the max;
//	            the TopGroups best groups by Key order stay eligible
//	top-K       the K eligible experts with the largest Key(sel[i], i),
//	            in descending Key order
//	weights     sigmoid: u[j] = Sigmoid(x[id[j]]); sqrtsoftplus:
//	            u[j] = SqrtSoftplus(x[id[j]])
//	            softmax: e[j] = ExpNeg(x[id[j]]-m), with m = x[id[0]] when
//	            selecting on logits (it is the maximum); u[j] = e[j]/S,
//	            except with Normalize (rules NormEps and NormSum) and logit
//	            selection, where S cancels and u[j] = e[j]
//	            Normalize: sum = u[0]+u[1]+...+u[K-1], left to right, then
//	            NormEps:   u[j] = u[j] / (sum + 1e-20)
//	            NormSum:   u[j] = u[j] / sum, or 0 when sum == 0
//	            NormClamp: u[j] = u[j] / max(sum, NormMin)
//	            w[j] = u[j] * Scale
func RouteGeneric(p *Plan, s *Scratch, ids []int32, w []float32, load []int64, x []float32, stride int, bias []float32) int {
	E, K := p.E, p.K
	T := len(ids) / K
	firstBad := -1
	logitSel := p.LogitSelect(bias != nil)
	for t := 0; t < T; t++ {
		row := x[t*stride : t*stride+E]
		oid := ids[t*K : t*K+K]
		ow := w[t*K : t*K+K]
		if badRow(row) {
			SafeRow(oid, ow)
			if firstBad < 0 {
				firstBad = t
			}
			continue
		}
		var m, S float32
		sel := row
		if !logitSel {
			sel = s.Sel[:E]
			m, S = scores(p, sel, row, bias)
		}
		top := s.Top[:K]
		clear(top)
		if p.Groups > 1 {
			floor := chooseGroups(p, s, sel)
			n := 0
			gs := E / p.Groups
			for _, gk := range s.GTop[:p.TopGroups] {
				g := KeyIndex(gk)
				n = topKFloor(top, n, sel[g*gs:g*gs+gs], g*gs, floor)
			}
		} else {
			topK(top, 0, sel, 0)
		}
		for j, k := range top {
			oid[j] = int32(KeyIndex(k))
		}
		weights(p, ow, oid, row, logitSel, m, S)
		for _, id := range oid {
			load[id]++
		}
	}
	return firstBad
}

// SafeRow fills one token's outputs with the safe answer for a bad token:
// ids 0..K-1, weights 0.
func SafeRow(ids []int32, w []float32) {
	for j := range ids {
		ids[j] = int32(j)
	}
	for j := range w {
		w[j] = 0
	}
}

func badRow(row []float32) bool {
	// Branch-free accumulation: any exponent field of all ones.
	var acc uint32
	for _, v := range row {
		b := math.Float32bits(v) & 0x7F800000
		acc |= ((b + 0x00800000) >> 31) // 0x7F800000 + 0x00800000 = 0x80000000
	}
	return acc != 0
}

// scores writes the selection scores of one token into sel and returns the
// softmax maximum and sum (zero for sigmoid).
func scores(p *Plan, sel, row, bias []float32) (m, S float32) {
	if p.SqrtSoftplus {
		if bias == nil {
			for i, v := range row[:len(sel)] {
				sel[i] = SqrtSoftplus(v)
			}
			return 0, 0
		}
		bias = bias[:len(sel)]
		for i, v := range row[:len(sel)] {
			sel[i] = SqrtSoftplus(v) + bias[i]
		}
		return 0, 0
	}
	if !p.Softmax {
		sigmoidRow(sel, row, bias)
		return 0, 0
	}
	m = rowMax(row)
	S = SoftmaxSum(row, m, sel)
	if bias == nil {
		for i := range sel {
			sel[i] = sel[i] / S
		}
		return m, S
	}
	bias = bias[:len(sel)]
	for i := range sel {
		sel[i] = sel[i]/S + bias[i] // two roundings: Go has no fused divide-add
	}
	return m, S
}

// rowMax returns the largest value of a finite row: the first maximum in
// index order (of -0 and +0, whichever comes first).
func rowMax(row []float32) float32 {
	m := row[0]
	for _, v := range row[1:] {
		if v > m {
			m = v
		}
	}
	return m
}

// chooseGroups fills s.GTop with the keys of the TopGroups best groups and
// returns a floor for the experts' top-K: no expert below it can be chosen.
// With top-2-sum groups and K <= 2*TopGroups, the kept groups hold at least
// K selection scores at or above the smallest of their second-best scores,
// so the K-th best is at least that; otherwise the floor is -Inf.
func chooseGroups(p *Plan, s *Scratch, sel []float32) float32 {
	gs := p.E / p.Groups
	gsc := s.GSc[:p.Groups]
	sec := s.GSec[:p.Groups]
	for g := range gsc {
		gsc[g], sec[g] = groupScore(sel[g*gs:g*gs+gs], p.GroupMax)
	}
	gt := s.GTop[:p.TopGroups]
	for i := range gt {
		gt[i] = 0
	}
	topK(gt, 0, gsc, 0)
	floor := float32(math.Inf(-1))
	if !p.GroupMax && p.K <= 2*p.TopGroups {
		floor = sec[KeyIndex(gt[0])]
		for _, gk := range gt[1:] {
			if v := sec[KeyIndex(gk)]; v < floor {
				floor = v
			}
		}
	}
	return floor
}

// groupScore returns a group's score: its largest selection score, or the
// sum of its two largest (a tie counts twice: {a, a, b<a} scores 2a).
// Only the values matter, so any scan order gives the same bits. The scan
// works on order-preserving integer keys, whose max and min compile to
// compare-and-move, in two independent chains (even and odd elements)
// merged at the end. Selection scores are never NaN here; -0 and +0 map to
// different keys, but they only meet in a sum when both are zero, and a
// group score of -0 ranks like +0 (Key folds them).
func groupScore(grp []float32, groupMax bool) (score, second float32) {
	var a1, a2, b1, b2 uint32 // 0 is below the key of every non-NaN float
	i := 0
	for ; i+1 < len(grp); i += 2 {
		k, l := rawOrder(grp[i]), rawOrder(grp[i+1])
		a2 = max(a2, min(a1, k))
		a1 = max(a1, k)
		b2 = max(b2, min(b1, l))
		b1 = max(b1, l)
	}
	if i < len(grp) {
		k := rawOrder(grp[i])
		a2 = max(a2, min(a1, k))
		a1 = max(a1, k)
	}
	m1 := max(a1, b1)
	if groupMax {
		return fromRawOrder(m1), 0
	}
	v2 := fromRawOrder(max(min(a1, b1), max(a2, b2)))
	return fromRawOrder(m1) + v2, v2
}

// rawOrder maps a non-NaN float32 to a uint32 of the same order (-0 just
// below +0); fromRawOrder inverts it.
func rawOrder(v float32) uint32 {
	b := math.Float32bits(v)
	return b ^ (uint32(int32(b)>>31) | 0x80000000)
}

func fromRawOrder(k uint32) float32 {
	m := uint32(int32(k) >> 31)
	return math.Float32frombits(k ^ (^m | 0x80000000))
}

// topK merges the candidates vals (indices base+i) into top, which holds n
// valid keys in descending order (the rest zero), and returns the new count.
// Small K uses insertion behind a float threshold; large K a binary heap.
func topK(top []uint64, n int, vals []float32, base int) int {
	return topKFloor(top, n, vals, base, float32(math.Inf(-1)))
}

// topKFloor is topK for callers that know no value below floor can make the
// final top K (see chooseGroups): such values are skipped, which saves
// insertions that later candidates would undo. The final top is the same.
func topKFloor(top []uint64, n int, vals []float32, base int, floor float32) int {
	K := len(top)
	if K > 32 {
		return topKHeap(top, n, vals, base)
	}
	thr := floor
	if n == K {
		thr = keyValue(top[K-1])
	}
	for i, v := range vals {
		if v < thr {
			continue
		}
		k := Key(v, base+i)
		if n < K {
			j := n
			for j > 0 && top[j-1] < k {
				top[j] = top[j-1]
				j--
			}
			top[j] = k
			n++
			if n == K {
				thr = keyValue(top[K-1])
			}
			continue
		}
		if k <= top[K-1] {
			continue
		}
		j := K - 1
		for j > 0 && top[j-1] < k {
			top[j] = top[j-1]
			j--
		}
		top[j] = k
		thr = keyValue(top[K-1])
	}
	return n
}

// topKHeap keeps top[:n] as a min-heap while scanning and sorts it into
// descending order once the scan of the last group is done. Because keys are
// unique, the result is the same set in the same order as the insertion path.
func topKHeap(top []uint64, n int, vals []float32, base int) int {
	K := len(top)
	// top[:n] arrives sorted descending (a previous call's output) or empty;
	// turn it into a min-heap.
	for i := n/2 - 1; i >= 0; i-- {
		siftDown(top[:n], i)
	}
	for i, v := range vals {
		k := Key(v, base+i)
		if n < K {
			top[n] = k
			n++
			// sift up
			c := n - 1
			for c > 0 {
				par := (c - 1) / 2
				if top[par] <= top[c] {
					break
				}
				top[par], top[c] = top[c], top[par]
				c = par
			}
			continue
		}
		if k <= top[0] {
			continue
		}
		top[0] = k
		siftDown(top[:n], 0)
	}
	// Heap sort into descending order: repeatedly move the minimum to the end.
	for end := n - 1; end > 0; end-- {
		top[0], top[end] = top[end], top[0]
		siftDown(top[:end], 0)
	}
	return n
}

func siftDown(h []uint64, i int) {
	for {
		l := 2*i + 1
		if l >= len(h) {
			return
		}
		c := l
		if r := l + 1; r < len(h) && h[r] < h[l] {
			c = r
		}
		if h[i] <= h[c] {
			return
		}
		h[i], h[c] = h[c], h[i]
		i = c
	}
}

// weights computes one token's weights for the chosen ids (see RouteGeneric).
func weights(p *Plan, w []float32, ids []int32, row []float32, logitSel bool, m, S float32) {
	switch {
	case p.SqrtSoftplus:
		for j, id := range ids {
			w[j] = SqrtSoftplus(row[id])
		}
	case !p.Softmax:
		for j, id := range ids {
			w[j] = Sigmoid(row[id])
		}
	default:
		cancel := logitSel && p.cancelS()
		if logitSel {
			m = row[ids[0]]
			if !cancel {
				S = SoftmaxSum(row, m, nil)
			}
		}
		softmaxWeights(w, ids, row, m, S, cancel)
	}
	finishWeights(p, w)
}

// softmaxWeights writes e[j] = ExpNeg(x[id[j]]-m), divided by S unless
// cancel.
func softmaxWeights(w []float32, ids []int32, row []float32, m, S float32, cancel bool) {
	for j, id := range ids {
		w[j] = ExpNeg(row[id] - m)
	}
	if !cancel {
		for j := range w {
			w[j] = w[j] / S
		}
	}
}

// finishWeights normalises one token's weights by p.NormRule (if
// p.Normalize) and scales them.
func finishWeights(p *Plan, w []float32) {
	if p.Normalize {
		var sum float32
		for _, v := range w {
			sum += v
		}
		d := sum
		switch p.NormRule {
		case NormEps:
			d = sum + normEps
		case NormSum:
			if sum == 0 {
				// Every weight is 0 (all chosen scores underflowed): the
				// model's 0/0 would be NaN; moegate gives 0.
				d = 1
			}
		case NormClamp:
			if sum < p.NormMin {
				d = p.NormMin
			}
		}
		for j := range w {
			w[j] = w[j] / d
		}
	}
	for j := range w {
		w[j] = float32(w[j] * p.Scale)
	}
}

// RouteForced routes T = len(ids)/K tokens to the expert ids the caller
// gives (forced[t*K:t*K+K], in that order: routing replay, hash layers),
// with RouteGeneric's contract otherwise: ids receives them, w their
// weights, load counts them. The weights are computed with exactly the
// arithmetic of RouteGeneric for the same ids:
//
//	sigmoid, sqrtsoftplus: u[j] = s(x[id[j]])
//	softmax:  m = the row maximum (rowMax, as RouteGeneric's scores);
//	          u[j] = ExpNeg(x[id[j]]-m), divided by S = SoftmaxSum(x, m)
//	          unless RouteGeneric would cancel it: logit selection
//	          (LogitSelect(bias != nil)), Normalize by NormEps or NormSum, and
//	          a forced id whose logit equals m (so that the sum of the u[j]
//	          is >= 1, as in RouteGeneric, where id[0] is the maximum)
//	then Normalize by NormRule and Scale, as RouteGeneric.
//
// Hence, when forced holds exactly the ids RouteGeneric chooses, every
// weight is bit-identical to RouteGeneric's (the maximum m has the value
// of x[id[0]]; where it differs from it only in the sign of a zero,
// x - m is the same or +-0, and ExpNeg(+-0) = 1). TestForcedIdentity checks
// this on every preset and mode.
//
// A row whose logits hold a NaN or an infinity is bad as in RouteGeneric
// (the first is returned as badLogits). A row with an id outside [0, E) or
// an id repeated is bad too (the first is returned as badIDs): ids 0..K-1,
// weights 0, no load. bias only decides whether S cancels; it is never
// added to a weight.
func RouteForced(p *Plan, s *Scratch, ids []int32, w []float32, load []int64, x []float32, stride int, bias []float32, forced []int32) (badLogits, badIDs int) {
	E, K := p.E, p.K
	T := len(ids) / K
	badLogits, badIDs = -1, -1
	logitSel := p.LogitSelect(bias != nil)
	seen := s.Seen[:(E+63)/64]
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
		if badRow(row) {
			SafeRow(oid, ow)
			if badLogits < 0 {
				badLogits = t
			}
			continue
		}
		copy(oid, fid)
		switch {
		case p.SqrtSoftplus:
			for j, id := range oid {
				ow[j] = SqrtSoftplus(row[id])
			}
		case !p.Softmax:
			for j, id := range oid {
				ow[j] = Sigmoid(row[id])
			}
		default:
			m := rowMax(row)
			cancel := false
			if logitSel && p.cancelS() {
				for _, id := range oid {
					if row[id] == m {
						cancel = true
						break
					}
				}
			}
			var S float32
			if !cancel {
				S = SoftmaxSum(row, m, nil)
			}
			softmaxWeights(ow, oid, row, m, S, cancel)
		}
		finishWeights(p, ow)
		for _, id := range oid {
			load[id]++
		}
	}
	return badLogits, badIDs
}

// forcedRowOK reports whether a row of forced ids is in [0, E) without
// repeats; seen (E bits, all zero) is left all zero.
func forcedRowOK(fid []int32, E int, seen []uint64) bool {
	ok := true
	n := 0
	for _, id := range fid {
		if id < 0 || int(id) >= E {
			ok = false
			break
		}
		bit := uint64(1) << (uint(id) & 63)
		if seen[id>>6]&bit != 0 {
			ok = false
			break
		}
		seen[id>>6] |= bit
		n++
	}
	for _, id := range fid[:n] {
		seen[id>>6] = 0
	}
	return ok
}
