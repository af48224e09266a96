//go:build gc && !purego

package asm

import "golang.org/x/sys/cpu"

// hasNEON is set once from golang.org/x/sys/cpu: the NEON kernels execute
// Advanced SIMD only (ASIMD, which every arm64 Linux CPU has). The Go path is
// forced with the purego tag, with GODEBUG=cpu.asimd=off (x/sys/cpu's own
// option), or by asking for the Go impl.
var hasNEON = cpu.ARM64.HasASIMD

func appendAvailable(out []Impl) []Impl {
	if hasNEON {
		out = append(out, NEON)
	}
	return out
}

// archTakes: the NEON kernels take every shape.
func archTakes(impl Impl, p *Plan) bool { return impl == NEON }

func routeArch(impl Impl, p *Plan, s *Scratch, ids []int32, w []float32, load []int64, x []float32, stride int, bias []float32) (int, bool) {
	if impl != NEON || !hasNEON {
		return 0, false
	}
	if p.SqrtSoftplus {
		if len(s.Sig) < p.E {
			return 0, false // the weights gather the kept scores
		}
		return routeSqrtSoftplusNEON(p, s, ids, w, load, x, stride, bias), true
	}
	return routeNEON(p, s, ids, w, load, x, stride, bias), true
}

// routeNEON has the contract of RouteGeneric. With K and TopGroups up to 32
// the whole chunk runs in routeChunkNEON (assembly); above that, the loop
// below calls the same kernels from Go and keeps Go's heap top-K.
func routeNEON(p *Plan, s *Scratch, ids []int32, w []float32, load []int64, x []float32, stride int, bias []float32) int {
	E, K := p.E, p.K
	T := len(ids) / K
	if T == 0 {
		return -1
	}
	firstBad := -1
	logitSel := p.LogitSelect(bias != nil)
	var bp *float32
	if bias != nil {
		bias = bias[:E]
		bp = &bias[0]
	}
	sel := s.Sel[:E]
	top := s.Top[:K]
	load = load[:E] // weightsNEONAsm indexes it by expert id
	if K <= insertionMaxK && p.TopGroups <= insertionMaxK {
		_ = x[(T-1)*stride+E-1] // every row is in x
		_ = w[T*K-1]
		c := chunkNEON{
			x: &x[0], stride: stride, T: T, ids: &ids[0], w: &w[0], load: &load[0], bias: bp,
			sel: &sel[0], top: &top[0], gsc: &s.GSc[:p.Groups][0], gtop: &s.GTop[:p.TopGroups][0],
			E: E, K: K, G: p.Groups, TG: p.TopGroups, gs: E / p.Groups,
			mode: chunkMode(p, logitSel), wmode: weightsMode(p, logitSel), scale: p.Scale,
		}
		return routeChunkNEON(&c)
	}
	for t := 0; t < T; t++ {
		row := x[t*stride : t*stride+E]
		oid := ids[t*K : t*K+K]
		ow := w[t*K : t*K+K]
		var m, S float32
		var bad bool
		switch {
		case logitSel:
			_, bad = maxBadNEON(&row[0], E)
		case !p.Softmax:
			bad = sigmoidNEON(&sel[0], &row[0], bp, E)
		default:
			m, bad = maxBadNEON(&row[0], E)
			if !bad {
				S = expSumNEON(&sel[0], &row[0], E, m)
				divBiasNEON(&sel[0], bp, E, S)
			}
		}
		if bad {
			SafeRow(oid, ow)
			if firstBad < 0 {
				firstBad = t
			}
			continue
		}
		tsel := sel
		if logitSel {
			tsel = row
		}
		// topKN reads only the first n keys of top: no clearing needed.
		if p.Groups > 1 {
			chooseGroupsNEON(p, s, tsel)
			n := 0
			gs := E / p.Groups
			for _, gk := range s.GTop[:p.TopGroups] {
				g := KeyIndex(gk)
				n = topKN(top, n, tsel[g*gs:g*gs+gs], g*gs)
			}
		} else {
			topKN(top, 0, tsel, 0)
		}
		weightsLoads(p, oid, ow, top, row, load, logitSel, m, S)
	}
	return firstBad
}

// routeSqrtSoftplusNEON is RouteGeneric for sqrtsoftplus plans: the
// scores in sqrtSoftplusNEON (which keeps them without the bias in
// s.Sig, or in sel without a bias), the group and top-K kernels of
// routeNEON's loop, and the weights gathered from the kept scores and
// finished by finishWeights, the specification's own normalisation.
func routeSqrtSoftplusNEON(p *Plan, s *Scratch, ids []int32, w []float32, load []int64, x []float32, stride int, bias []float32) int {
	E, K := p.E, p.K
	T := len(ids) / K
	firstBad := -1
	var bp, sp *float32
	sel := s.Sel[:E]
	sig := sel
	if bias != nil {
		bias = bias[:E]
		bp = &bias[0]
		sig = s.Sig[:E]
		sp = &sig[0]
	}
	top := s.Top[:K]
	load = load[:E]
	for t := 0; t < T; t++ {
		row := x[t*stride : t*stride+E]
		oid := ids[t*K : t*K+K]
		ow := w[t*K : t*K+K]
		if sqrtSoftplusNEON(&sel[0], sp, &row[0], bp, E) {
			SafeRow(oid, ow)
			if firstBad < 0 {
				firstBad = t
			}
			continue
		}
		if p.Groups > 1 {
			chooseGroupsNEON(p, s, sel)
			n := 0
			gs := E / p.Groups
			for _, gk := range s.GTop[:p.TopGroups] {
				g := KeyIndex(gk)
				n = topKN(top, n, sel[g*gs:g*gs+gs], g*gs)
			}
		} else {
			topKN(top, 0, sel, 0)
		}
		for j, k := range top {
			id := int32(KeyIndex(k))
			oid[j] = id
			ow[j] = sig[id]
		}
		finishWeights(p, ow)
		for _, id := range oid {
			load[id]++
		}
	}
	return firstBad
}

// chunkNEON is the argument block of routeChunkNEON; its field offsets are
// constants of route_neon_arm64.s (TestChunkNEONLayout checks them).
type chunkNEON struct {
	x      *float32
	stride int
	T      int
	ids    *int32
	w      *float32
	load   *int64
	bias   *float32 // nil: no bias
	sel    *float32 // E
	top    *uint64  // K
	gsc    *float32 // Groups
	gtop   *uint64  // TopGroups
	E, K   int
	G, TG  int
	gs     int // E / G
	mode   int // bit 0 softmax, 1 logit selection, 2 GroupMax, 3 Normalize
	wmode  int // mode bits of weightsNEONAsm
	scale  float32
}

func chunkMode(p *Plan, logitSel bool) int {
	m := 0
	if p.Softmax {
		m |= 1
	}
	if logitSel {
		m |= 2
	}
	if p.GroupMax {
		m |= 4
	}
	if p.Normalize {
		m |= 8
	}
	return m
}

// weightsMode returns the mode bits of weightsNEONAsm for a plan: softmax
// (bit 0), division by the softmax sum (bit 1), normalisation (bit 2).
func weightsMode(p *Plan, logitSel bool) int {
	mode := 0
	if p.Softmax {
		mode |= 1
		if !(logitSel && p.Normalize) {
			mode |= 2
		}
	}
	if p.Normalize {
		mode |= 4
	}
	return mode
}

// chooseGroupsNEON is chooseGroups (route_generic.go) in NEON assembly.
func chooseGroupsNEON(p *Plan, s *Scratch, sel []float32) {
	gsc := s.GSc[:p.Groups]
	groupScoresNEON(&gsc[0], &sel[0], p.Groups, p.E/p.Groups, p.GroupMax)
	topKN(s.GTop[:p.TopGroups], 0, gsc, 0)
}

// weightsLoads writes one good token's ids (from the keys in top) and
// weights, and counts its loads, with weightsNEONAsm (twin: weights and the
// id and load loops of RouteGeneric).
func weightsLoads(p *Plan, ids []int32, w []float32, top []uint64, row []float32, load []int64, logitSel bool, m, S float32) {
	if p.Softmax && logitSel {
		m = row[KeyIndex(top[0])] // the maximum
		if !p.Normalize {
			S = expSumNEON(nil, &row[0], len(row), m)
		}
	}
	weightsNEONAsm(&ids[0], &w[0], &top[0], len(top), &row[0], &load[0], weightsMode(p, logitSel), m, S, p.Scale)
}

// topKN is topK (route_generic.go) with the scan in NEON assembly. Beyond
// insertionMaxK keys it keeps the Go heap, whose cost per entering key grows
// as log K where insertion's grows as K.
func topKN(top []uint64, n int, vals []float32, base int) int {
	if len(top) > insertionMaxK {
		return topKHeap(top, n, vals, base)
	}
	if len(vals) == 0 {
		return n
	}
	return topKNEON(&top[0], len(top), n, &vals[0], len(vals), base)
}

// insertionMaxK is the largest K the insertion kernel (and routeChunkNEON)
// serves: topK's own switch point.
const insertionMaxK = 32
