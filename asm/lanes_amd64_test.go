//go:build !purego && linux

package asm

import (
	"math"
	"math/rand/v2"
	"os"
	"testing"
)

// Differential tests of the lanes kernels (lanes_*_amd64.s) against
// RouteGeneric: inputs end at a guard page, the gaps between rows
// (stride > E) hold NaN (a kernel reading them flags the row bad), and the
// outputs and load counts are followed by canaries.

// lanesInput fills x ((T-1)*stride+E floats) with one of several kinds of
// rows; gaps between rows are NaN.
func lanesInput(r *rand.Rand, x []float32, E, T, stride, kind int, bad bool) {
	for i := range x {
		x[i] = float32(math.NaN())
	}
	sp := []float32{0, float32(math.Copysign(0, -1)), 1e-40, -1e-40, 1e-45, -1e-45,
		math.SmallestNonzeroFloat32, 88.72, -88.72, 87.34, -87.34, 104, -104, 1e30, -1e30, 3.4e38, -3.4e38}
	for t := 0; t < T; t++ {
		row := x[t*stride : t*stride+E]
		for i := range row {
			var v float32
			switch kind {
			case 0:
				v = float32(r.NormFloat64() * 2)
			case 1: // exact ties
				v = float32(r.IntN(5)-2) * 0.5
			case 2: // signed zeros only
				v = float32(math.Copysign(0, float64(r.IntN(2)*2-1)))
			case 3: // equal rows: filled from row 0 below
				v = float32(r.NormFloat64())
			case 4: // wide: saturating sigmoid, underflowing exponentials
				v = float32(r.NormFloat64() * 40)
			case 5: // specials and subnormals
				v = sp[r.IntN(len(sp))]
			default: // ties between zeros and tiny values
				v = []float32{0, float32(math.Copysign(0, -1)), 1e-45, -1e-45, 1}[r.IntN(5)]
			}
			row[i] = v
		}
		if kind == 3 && t > 0 {
			copy(row, x[:E])
		}
	}
	if bad {
		for t := 0; t < T; t++ {
			if r.IntN(4) == 0 {
				x[t*stride+r.IntN(E)] = []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1))}[r.IntN(3)]
			}
		}
	}
}

func lanesBias(r *rand.Rand, E, kind int) []float32 {
	if kind == 0 {
		return nil
	}
	b := make([]float32, E)
	for i := range b {
		switch kind {
		case 1:
			b[i] = float32(r.NormFloat64()) * 0.01
		case 2: // the bias decides
			b[i] = float32(r.NormFloat64()) * 1e30
		default: // coarse: exact ties in sel, signed zeros
			b[i] = []float32{0, float32(math.Copysign(0, -1)), 0.25, 0.5, -0.25}[r.IntN(5)]
		}
	}
	return b
}

const lanesCanaryW = float32(-98765.4)

// lanesRun routes x with RouteGeneric and with routeLanes(impl) and
// compares everything; then the same through Choose(impl).Route (the
// dispatch, which may pick other kernels for few tokens).
func lanesRun(t *testing.T, impl Impl, p *Plan, T, stride int, x, bias []float32, what string) {
	t.Helper()
	K, E := p.K, p.E
	const nc = 20
	mk := func() ([]int32, []float32, []int64) {
		ids := make([]int32, T*K+nc)
		w := make([]float32, T*K+nc)
		load := make([]int64, E+nc)
		for i := range ids {
			ids[i] = -7
			w[i] = lanesCanaryW
		}
		for i := range load {
			load[i] = int64(3 + i)
		}
		return ids, w, load
	}
	gi, gw, gl := mk()
	gb := RouteGeneric(p, p.NewScratch(), gi[:T*K], gw[:T*K], gl[:E], x, stride, bias)
	for pass := 0; pass < 2; pass++ {
		si, sw, sl := mk()
		var sb int
		if pass == 0 {
			sb = routeLanes(impl, p, si[:T*K], sw[:T*K], sl[:E], x, stride, bias)
		} else {
			// The dispatch: the lanes kernels, or for few tokens the
			// per-token kernels or the reference (lanesPath).
			c := Choose(impl, p)
			if !c.lanes {
				t.Fatalf("%v %s: Choose declines a lanes shape %+v", impl, what, *p)
			}
			sb = c.Route(p, p.NewScratch(), si[:T*K], sw[:T*K], sl[:E], x, stride, bias)
		}
		for j := T * K; j < len(si); j++ {
			if si[j] != -7 || sw[j] != lanesCanaryW {
				t.Fatalf("%v %s plan %+v T=%d: output canary %d overwritten", impl, what, *p, T, j-T*K)
			}
		}
		for e := E; e < len(sl); e++ {
			if sl[e] != int64(3+e) {
				t.Fatalf("%v %s plan %+v T=%d: load canary overwritten", impl, what, *p, T)
			}
		}
		if sb != gb {
			t.Fatalf("%v %s plan %+v T=%d stride=%d bias=%v: first bad %d, want %d", impl, what, *p, T, stride, bias != nil, sb, gb)
		}
		for j := 0; j < T*K; j++ {
			if si[j] != gi[j] || math.Float32bits(sw[j]) != math.Float32bits(gw[j]) {
				tk := j / K
				t.Fatalf("%v %s plan %+v T=%d stride=%d bias=%v token %d row %v:\n got ids %v w %v\nwant ids %v w %v",
					impl, what, *p, T, stride, bias != nil, tk, x[tk*stride:tk*stride+E],
					si[tk*K:tk*K+K], sw[tk*K:tk*K+K], gi[tk*K:tk*K+K], gw[tk*K:tk*K+K])
			}
		}
		for e := 0; e < E; e++ {
			if sl[e] != gl[e] {
				t.Fatalf("%v %s plan %+v T=%d: load[%d] = %d, want %d", impl, what, *p, T, e, sl[e], gl[e])
			}
		}
	}
}

// TestLanesEveryShape: every E <= 16, every K <= 4, both score functions,
// four kinds of bias, Normalize on and off, every chunk length 1..40, with
// strides > E and inputs (logits and bias) flush against a guard page.
func TestLanesEveryShape(t *testing.T) {
	r := rand.New(rand.NewPCG(41, 42))
	for _, impl := range lanesImpls(t) {
		for E := 1; E <= lanesMaxE; E++ {
			for K := 1; K <= min(E, lanesMaxK); K++ {
				for mode := 0; mode < 16; mode++ {
					p := Plan{E: E, K: K, Softmax: mode&1 != 0, Groups: 1, TopGroups: 1, Normalize: mode&2 != 0,
						Scale: []float32{1, 2.5, 16, 2.827, 1e-30}[r.IntN(5)]}
					bias := lanesBias(r, E, mode>>2)
					if bias != nil { // flush against a guard page too
						gb, freeB := guardPage(t, E)
						defer freeB()
						copy(gb, bias)
						bias = gb
					}
					for T := 1; T <= 40; T++ {
						stride := E
						if r.IntN(2) == 0 {
							stride += 1 + r.IntN(20)
						}
						n := (T-1)*stride + E
						x, free := guardPage(t, n)
						lanesInput(r, x, E, T, stride, r.IntN(7), r.IntN(3) == 0)
						lanesRun(t, impl, &p, T, stride, x, bias, "shape")
						free()
					}
				}
			}
		}
	}
}

// TestLanesRandom: a seeded random run through the dispatch, about 2e5
// tokens (1e6+ with MOEGATE_LONG=1).
func TestLanesRandom(t *testing.T) {
	total := 200_000
	if os.Getenv("MOEGATE_LONG") == "1" {
		total = 1_200_000
	}
	if testing.Short() {
		total = 20_000
	}
	for _, impl := range lanesImpls(t) {
		r := rand.New(rand.NewPCG(43, uint64(impl)))
		for done := 0; done < total; {
			E := 1 + r.IntN(lanesMaxE)
			p := Plan{E: E, K: 1 + r.IntN(min(E, lanesMaxK)), Softmax: r.IntN(2) == 0, Groups: 1, TopGroups: 1,
				Normalize: r.IntN(2) == 0, Scale: []float32{1, 2.5, 16, 2.827}[r.IntN(4)]}
			T := 1 + r.IntN(256)
			stride := E + r.IntN(3)*r.IntN(9)
			x := make([]float32, (T-1)*stride+E)
			lanesInput(r, x, E, T, stride, r.IntN(7), r.IntN(4) == 0)
			lanesRun(t, impl, &p, T, stride, x, lanesBias(r, E, r.IntN(4)), "random")
			done += T
		}
	}
}

// lanesImpls lists the implementations whose lanes kernel runs here.
func lanesImpls(t *testing.T) []Impl {
	var out []Impl
	p := Plan{E: 8, K: 2, Groups: 1, TopGroups: 1, Scale: 1}
	for _, i := range simdImpls(t) {
		if lanesOK(i, &p, 8) {
			out = append(out, i)
		}
	}
	if len(out) == 0 {
		t.Skip("no lanes kernel runs here")
	}
	return out
}

// TestLanesLongCall: calls of more than 128 blocks, whose per-lane load
// counters the kernels flush every 128 blocks; equal rows send every token
// to the same experts (the fullest counters).
func TestLanesLongCall(t *testing.T) {
	r := rand.New(rand.NewPCG(45, 46))
	for _, impl := range lanesImpls(t) {
		for _, E := range []int{1, 2, 4, 5, 8, 9, 12, 13, 16} {
			for _, K := range []int{1, min(E, 2), min(E, lanesMaxK)} {
				for _, T := range []int{1023, 1024, 1025, 2047, 2048, 2049, 4100} {
					kind := 3
					if r.IntN(2) == 0 {
						kind = r.IntN(7)
					}
					p := Plan{E: E, K: K, Softmax: r.IntN(2) == 0, Groups: 1, TopGroups: 1, Normalize: r.IntN(2) == 0, Scale: 1}
					stride := E + r.IntN(2)
					x := make([]float32, (T-1)*stride+E)
					lanesInput(r, x, E, T, stride, kind, r.IntN(4) == 0)
					lanesRun(t, impl, &p, T, stride, x, lanesBias(r, E, r.IntN(4)), "long")
				}
			}
		}
	}
}
