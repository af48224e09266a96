package asm

import (
	"math"
	"math/rand/v2"
	"testing"
)

// kernelImpls: every implementation available here; for Go the pipeline
// runs on the Go twins of the kernels (kernels.go), which must give
// RouteGeneric's bits too.
func kernelImpls(t *testing.T) []Impl { return Available() }

// checkRoute runs the pipeline on impl (routeKernels, and Route) and
// RouteGeneric on the same input and
// compares ids, weight bits, loads, the first bad token and canaries.
func checkRoute(t *testing.T, impl Impl, p *Plan, T, stride, off int, x []float32, bias []float32) {
	t.Helper()
	K := p.K
	run := func(i Impl, ref bool) ([]int32, []float32, []int64, int) {
		ids := make([]int32, T*K+4)
		w := make([]float32, T*K+4)
		for j := range ids {
			ids[j] = -7
			w[j] = canary
		}
		load := make([]int64, p.E+2)
		for j := range load {
			load[j] = 3
		}
		s := p.NewScratch()
		var b int
		if ref {
			b = RouteGeneric(p, s, ids[:T*K], w[:T*K], load[:p.E], x[off:], stride, bias)
		} else {
			// The pipeline directly (Choose may pick the reference or the
			// lanes kernels for this shape)...
			b = routeKernels(i, p, s, ids[:T*K], w[:T*K], load[:p.E], x[off:], stride, bias)
			// ...and through the dispatch.
			s2 := p.NewScratch()
			ids2 := make([]int32, T*K)
			w2 := make([]float32, T*K)
			load2 := make([]int64, p.E)
			b2 := Route(i, p, s2, ids2, w2, load2, x[off:], stride, bias)
			if b2 != b {
				t.Fatalf("Route(%v): first bad %d vs %d", i, b2, b)
			}
			for j := range ids2 {
				if ids2[j] != ids[j] || !same(w2[j], w[j]) {
					t.Fatalf("Route(%v) differs from routeKernels", i)
				}
			}
		}
		for j := T * K; j < len(ids); j++ {
			if ids[j] != -7 || w[j] != canary {
				t.Fatalf("%v: output canary overwritten", i)
			}
		}
		if load[p.E] != 3 || load[p.E+1] != 3 {
			t.Fatalf("%v: load canary overwritten", i)
		}
		return ids[:T*K], w[:T*K], load[:p.E], b
	}
	gi, gw, gl, gb := run(Go, true)
	si, sw, sl, sb := run(impl, false)
	if gb != sb {
		t.Fatalf("%v plan %+v: first bad %d, want %d", impl, *p, sb, gb)
	}
	for j := range gi {
		if gi[j] != si[j] || !same(gw[j], sw[j]) {
			tk := j / K
			t.Fatalf("%v plan %+v T=%d stride=%d off=%d bias=%v token %d:\n got ids %v w %v\nwant ids %v w %v",
				impl, *p, T, stride, off, bias != nil, tk, si[tk*K:tk*K+K], sw[tk*K:tk*K+K], gi[tk*K:tk*K+K], gw[tk*K:tk*K+K])
		}
	}
	for e := range gl {
		if gl[e] != sl[e] {
			t.Fatalf("%v plan %+v: load[%d] = %d, want %d", impl, *p, e, sl[e], gl[e])
		}
	}
}

func makeBias(r *rand.Rand, E int, kind int) []float32 {
	if kind == 0 {
		return nil
	}
	b := make([]float32, E)
	for i := range b {
		switch kind {
		case 1:
			b[i] = float32(r.NormFloat64()) * 0.01
		case 2: // huge: selection is decided by the bias
			b[i] = float32(r.NormFloat64()) * 1e30
		default: // coarse: exact ties in sel
			b[i] = float32(r.IntN(3)) * 0.25
		}
	}
	return b
}

func routeInput(r *rand.Rand, E, T, stride, off int, specials bool) []float32 {
	x := randLogits(r, off+(T-1)*stride+E, specials)
	return x
}

var routeEs = kernelNs

func TestRouteEveryEK(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	for _, impl := range kernelImpls(t) {
		for _, E := range routeEs {
			ks := []int{}
			for k := 1; k <= 16 && k <= E; k++ {
				ks = append(ks, k)
			}
			ks = append(ks, max(1, E/2), E)
			for _, K := range ks {
				if E >= 1024 && K > 16 && r.IntN(2) == 0 {
					continue
				}
				p := Plan{E: E, K: K, Softmax: r.IntN(2) == 0, Groups: 1, TopGroups: 1,
					Normalize: r.IntN(2) == 0, Scale: []float32{1, 2.5, 16, 2.827}[r.IntN(4)]}
				T := 1 + r.IntN(3)
				if E <= 64 {
					T += 4
				}
				stride := E + r.IntN(3)
				off := r.IntN(16)
				x := routeInput(r, E, T, stride, off, r.IntN(3) == 0)
				checkRoute(t, impl, &p, T, stride, off, x, makeBias(r, E, r.IntN(4)))
			}
		}
	}
}

func TestRouteScoreKinds(t *testing.T) {
	// Each score path (sigmoid/softmax x bias/no bias x normalize) on every E up to 70.
	r := rand.New(rand.NewPCG(13, 14))
	for _, impl := range kernelImpls(t) {
		for E := 1; E <= 70; E++ {
			for mode := 0; mode < 8; mode++ {
				K := 1 + r.IntN(min(E, 10))
				p := Plan{E: E, K: K, Softmax: mode&1 != 0, Groups: 1, TopGroups: 1, Normalize: mode&2 != 0, Scale: 2.5}
				if p.Normalize {
					// Every normalisation rule, on every path.
					p.NormRule = NormRule(E % 3)
					if p.NormRule == NormClamp {
						p.NormMin = []float32{1e-12, 0.3, 2}[E%5%3]
					}
				}
				bias := makeBias(r, E, 0)
				if mode&4 != 0 {
					bias = makeBias(r, E, 1+r.IntN(3))
				}
				x := routeInput(r, E, 4, E, 0, false)
				checkRoute(t, impl, &p, 4, E, 0, x, bias)
			}
		}
	}
}

func TestRouteGroups(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 16))
	for _, impl := range kernelImpls(t) {
		for _, E := range []int{4, 6, 8, 12, 16, 30, 32, 60, 64, 96, 128, 160, 256, 384} {
			for g := 2; g <= E; g++ {
				if E%g != 0 {
					continue
				}
				gs := E / g
				for tg := 1; tg <= g; tg++ {
					if g > 16 && tg%3 != 1 && tg != g {
						continue
					}
					for _, gmax := range []bool{false, true} {
						if !gmax && gs < 2 {
							continue
						}
						for _, K := range []int{1, 2, 8, tg * gs} {
							if K > tg*gs {
								continue
							}
							p := Plan{E: E, K: K, Softmax: r.IntN(2) == 0, Groups: g, TopGroups: tg, GroupMax: gmax,
								Normalize: r.IntN(2) == 0, Scale: 2.5}
							T := 2
							stride := E + r.IntN(5)
							off := r.IntN(16)
							x := routeInput(r, E, T, stride, off, r.IntN(4) == 0)
							checkRoute(t, impl, &p, T, stride, off, x, makeBias(r, E, r.IntN(4)))
						}
					}
				}
			}
		}
	}
}

func TestRouteTiesAndBad(t *testing.T) {
	r := rand.New(rand.NewPCG(17, 18))
	for _, impl := range kernelImpls(t) {
		for _, E := range []int{1, 2, 7, 8, 9, 15, 16, 17, 33, 64, 128, 256, 384} {
			for trial := 0; trial < 20; trial++ {
				T := 6
				K := 1 + r.IntN(min(E, 16))
				p := Plan{E: E, K: K, Softmax: r.IntN(2) == 0, Groups: 1, TopGroups: 1, Normalize: r.IntN(2) == 0, Scale: 1}
				if E%8 == 0 && r.IntN(2) == 0 {
					p.Groups, p.TopGroups = 8, 1+r.IntN(8)
					p.GroupMax = E == 8 || r.IntN(2) == 0
					p.K = 1 + r.IntN(min(16, p.TopGroups*E/8))
				}
				x := make([]float32, T*E)
				for i := range x {
					switch trial % 4 {
					case 0: // all equal
						x[i] = 0.5
					case 1: // two values
						x[i] = float32(r.IntN(2))
					case 2: // ±0 only
						x[i] = float32(math.Copysign(0, float64(r.IntN(2)*2-1)))
					default:
						x[i] = float32(r.IntN(5)) - 2
					}
				}
				// Bad tokens mixed with good ones.
				for tk := 0; tk < T; tk++ {
					if r.IntN(3) == 0 {
						x[tk*E+r.IntN(E)] = []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1))}[r.IntN(3)]
					}
				}
				checkRoute(t, impl, &p, T, E, 0, x, makeBias(r, E, r.IntN(4)))
			}
		}
	}
}

func TestRouteRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(19, 20))
	n := 3000
	if testing.Short() {
		n = 300
	}
	for _, impl := range kernelImpls(t) {
		for trial := 0; trial < n; trial++ {
			p := randPlan9(r) // every score and normalisation rule
			T := 1 + r.IntN(6)
			stride := p.E + r.IntN(20)
			off := r.IntN(16)
			x := routeInput(r, p.E, T, stride, off, true)
			checkRoute(t, impl, &p, T, stride, off, x, makeBias(r, p.E, r.IntN(4)))
		}
	}
}

// TestRouteDeferredWeightBlocks: softmax with logit selection and
// Normalize, K <= 8, computes weights per block of 64 tokens after their
// top-K (weightsSoftmaxNAVX512); bad tokens at and around every block
// boundary, odd strides and start offsets.
func TestRouteDeferredWeightBlocks(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	for _, impl := range kernelImpls(t) {
		for _, E := range []int{9, 32, 128} {
			for _, K := range []int{1, 4, 8} {
				for _, T := range []int{1, 63, 64, 65, 129, 200} {
					p := Plan{E: E, K: K, Softmax: true, Groups: 1, TopGroups: 1, Normalize: true, Scale: 1.5}
					stride, off := E+r.IntN(3), r.IntN(4)
					x := routeInput(r, E, T, stride, off, false)
					for tk := 0; tk < T; tk++ {
						if m := tk % 64; m == 0 || m == 63 || m == 1 || r.IntN(9) == 0 {
							x[off+tk*stride+r.IntN(E)] = float32(math.NaN())
						}
					}
					checkRoute(t, impl, &p, T, stride, off, x, nil)
				}
			}
		}
	}
}

// TestRouteSqrtSoftplus: sqrtsoftplus plans through the pipeline and
// Route against RouteGeneric (checkRoute): every E up to 70 and the
// DeepSeek-V4 shapes, K up to 40 (top-K kernels of K <= 8, <= 32 and the
// heap; the weights kernels and the Go weights), groups, every bias kind,
// Normalize both ways, specials and bad rows, ties (very negative logits
// score 0 and tie).
func TestRouteSqrtSoftplus(t *testing.T) {
	r := rand.New(rand.NewPCG(23, 24))
	Es := []int{}
	for E := 1; E <= 70; E++ {
		Es = append(Es, E)
	}
	Es = append(Es, 128, 255, 256, 384, 512)
	for _, impl := range kernelImpls(t) {
		for _, E := range Es {
			for trial := 0; trial < 6; trial++ {
				K := 1 + r.IntN(min(E, 12))
				if trial == 5 {
					K = min(E, []int{6, 9, 16, 32, 33, 40}[r.IntN(6)])
				}
				p := Plan{E: E, K: K, SqrtSoftplus: true, Groups: 1, TopGroups: 1,
					Normalize: trial%2 == 0, Scale: []float32{1, 1.5, 2.5}[r.IntN(3)]}
				if trial == 3 && E%8 == 0 && E >= 16 {
					p.Groups, p.TopGroups, p.GroupMax = 8, 1+r.IntN(8), r.IntN(2) == 0
					p.K = 1 + r.IntN(min(16, p.TopGroups*E/8))
				}
				T := 3
				stride := E + r.IntN(3)
				off := r.IntN(16)
				x := routeInput(r, E, T, stride, off, trial%3 == 0)
				switch trial {
				case 1: // ties: scores 0 and equal logits
					for i := range x {
						x[i] = []float32{-200, -120, 0, 1, 25}[r.IntN(5)]
					}
				case 2: // around the threshold
					for i := range x {
						x[i] = 20 + float32(r.NormFloat64())*1e-5
					}
				}
				checkRoute(t, impl, &p, T, stride, off, x, makeBias(r, E, r.IntN(4)))
			}
		}
	}
}
