package asm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"sort"
	"testing"
)

// The kernel tests per operation (kernels.go lists the operations): each
// calls k<Op>(impl, ...) for every implementation available here and
// compares with the operation's Go twin or the reference functions it is
// written from. With impl go they test the twins themselves.

func TestKernelSigmoid(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, impl := range kernelImpls(t) {
		for _, n := range kernelNs {
			for off := 0; off < 16; off++ {
				if n > 300 && off%5 != 0 {
					continue
				}
				buf := kernelInput(r, n+off)
				x := buf[off : off+n : off+n]
				bias := make([]float32, n)
				for i := range bias {
					bias[i] = float32(r.NormFloat64())
				}
				for _, withBias := range []bool{false, true} {
					dst := make([]float32, n+8)
					for i := range dst {
						dst[i] = canary
					}
					var bp []float32
					if withBias {
						bp = bias
					}
					bad := kSigmoid(impl, dst[:n], nil, x, bp)
					if bad != badRow(x) {
						t.Fatalf("%v n=%d: bad = %v, want %v", impl, n, bad, !bad)
					}
					for i := 0; i < n; i++ {
						want := Sigmoid(x[i])
						if withBias {
							want += bias[i]
						}
						if !same(dst[i], want) {
							t.Fatalf("%v n=%d off=%d bias=%v: sigmoid(%g) [%d] = %g (%08x), want %g (%08x)",
								impl, n, off, withBias, x[i], i, dst[i], math.Float32bits(dst[i]), want, math.Float32bits(want))
						}
					}
					for i := n; i < len(dst); i++ {
						if dst[i] != canary {
							t.Fatalf("%v n=%d: canary %d overwritten", impl, n, i-n)
						}
					}
					// With sig: the same, and (with a bias) the sigmoid
					// without the bias in sig.
					dst2 := make([]float32, n+8)
					sig := make([]float32, n+8)
					for i := range sig {
						sig[i] = canary
					}
					bad2 := kSigmoid(impl, dst2[:n], sig[:n], x, bp)
					if bad2 != bad {
						t.Fatalf("%v n=%d: kSigmoid(sig) bad = %v, want %v", impl, n, bad2, bad)
					}
					for i := 0; i < n; i++ {
						if !same(dst2[i], dst[i]) {
							t.Fatalf("%v n=%d: kSigmoid(sig) dst[%d] = %g, want %g", impl, n, i, dst2[i], dst[i])
						}
						if withBias && !same(sig[i], Sigmoid(x[i])) {
							t.Fatalf("%v n=%d: sig[%d] = %g, want Sigmoid(%g) = %g", impl, n, i, sig[i], x[i], Sigmoid(x[i]))
						}
					}
					for i := n; i < len(sig); i++ {
						if sig[i] != canary || dst2[i] != 0 {
							t.Fatalf("%v n=%d: kSigmoid(sig) wrote past n", impl, n)
						}
					}
				}
			}
		}
	}
}

func TestKernelSigmoidAllExponents(t *testing.T) {
	// Every exponent and sign with a few mantissas, including subnormals.
	var x []float32
	for e := uint32(0); e < 255; e++ {
		for _, m := range []uint32{0, 1, 0x400000, 0x7FFFFF, 0x123457} {
			b := e<<23 | m
			x = append(x, math.Float32frombits(b), math.Float32frombits(b|0x80000000))
		}
	}
	for _, impl := range kernelImpls(t) {
		dst := make([]float32, len(x))
		if kSigmoid(impl, dst, nil, x, nil) {
			t.Fatalf("%v: finite input reported bad", impl)
		}
		for i, v := range x {
			if !same(dst[i], Sigmoid(v)) {
				t.Fatalf("%v: Sigmoid(%g) = %g, want %g", impl, v, dst[i], Sigmoid(v))
			}
		}
		e := make([]float32, len(x))
		var neg []float32
		for _, v := range x {
			neg = append(neg, -float32(math.Abs(float64(v))))
		}
		kExpSum(impl, e, neg, 0)
		for i, v := range neg {
			if !same(e[i], ExpNeg(v-0)) {
				t.Fatalf("%v: ExpNeg(%g) = %g, want %g", impl, v, e[i], ExpNeg(v))
			}
		}
	}
}

func TestKernelBad(t *testing.T) {
	bads := []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), math.Float32frombits(0xFFC00001)}
	for _, impl := range kernelImpls(t) {
		for _, n := range kernelNs[:40] {
			for pos := 0; pos < n; pos++ {
				x := make([]float32, n)
				for i := range x {
					x[i] = float32(i) * 0.25
				}
				x[pos] = bads[pos%len(bads)]
				dst := make([]float32, n)
				if !kSigmoid(impl, dst, nil, x, nil) {
					t.Fatalf("%v n=%d pos=%d: sigmoid kernel missed %g", impl, n, pos, x[pos])
				}
				for _, k := range []int{1, 2, 8, 9, 32} {
					if k > n {
						continue
					}
					if kTopKIDs(impl, make([]uint64, k), x, make([]int32, k)) {
						t.Fatalf("%v n=%d pos=%d k=%d: top-K kernel missed %g", impl, n, pos, k, x[pos])
					}
				}
				if _, bad := kMax(impl, x); !bad {
					t.Fatalf("%v n=%d pos=%d: max kernel missed %g", impl, n, pos, x[pos])
				}
			}
		}
	}
}

func TestKernelSoftmax(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, impl := range kernelImpls(t) {
		for _, n := range kernelNs {
			for off := 0; off < 16; off++ {
				if n > 300 && off%5 != 0 {
					continue
				}
				buf := kernelInput(r, n+off)
				x := buf[off : off+n : off+n]
				m := x[0]
				for _, v := range x[1:] {
					if v > m {
						m = v
					}
				}
				gm, bad := kMax(impl, x)
				if bad || gm != m {
					t.Fatalf("%v n=%d: max = %g, %v; want %g", impl, n, gm, bad, m)
				}
				want := make([]float32, n)
				wantS := SoftmaxSum(x, m, want)
				dst := make([]float32, n+8)
				for i := range dst {
					dst[i] = canary
				}
				S := kExpSum(impl, dst[:n], x, gm)
				if !same(S, wantS) {
					t.Fatalf("%v n=%d off=%d: sum = %g, want %g", impl, n, off, S, wantS)
				}
				bias := make([]float32, n)
				for i := range bias {
					bias[i] = float32(r.NormFloat64())
				}
				for i := range want {
					if !same(dst[i], want[i]) {
						t.Fatalf("%v n=%d: e[%d] = %g, want %g", impl, n, i, dst[i], want[i])
					}
				}
				kDivBias(impl, dst[:n], bias[:n], S)
				for i := range want {
					w := want[i]/wantS + bias[i]
					if !same(dst[i], w) {
						t.Fatalf("%v n=%d: sel[%d] = %g, want %g", impl, n, i, dst[i], w)
					}
				}
				copy(dst, want)
				kDivBias(impl, dst[:n], nil, S)
				for i := range want {
					if w := want[i] / wantS; !same(dst[i], w) {
						t.Fatalf("%v n=%d: sel[%d] = %g, want %g", impl, n, i, dst[i], w)
					}
				}
				for i := n; i < len(dst); i++ {
					if dst[i] != canary {
						t.Fatalf("%v n=%d: canary %d overwritten", impl, n, i-n)
					}
				}
			}
		}
	}
}

func TestKernelTopK(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for _, impl := range kernelImpls(t) {
		for _, n := range kernelNs {
			for _, k := range []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 16, 17, 32} {
				for trial := 0; trial < 3; trial++ {
					off := r.IntN(16)
					buf := kernelInput(r, n+off)
					vals := buf[off : off+n : off+n]
					base := r.IntN(1000)
					// Start from a partially filled top (as between groups).
					prev := kernelInput(r, r.IntN(k+1))
					want := make([]uint64, k+2)
					got := make([]uint64, k+2)
					want[k], want[k+1] = 77, 78
					got[k], got[k+1] = 77, 78
					n0 := topK(want[:k], 0, prev, 5000)
					topK(got[:k], 0, prev, 5000)
					wn := topK(want[:k], n0, vals, base)
					gn := kTopK(impl, got[:k], n0, vals, base, negInf)
					if wn != gn {
						t.Fatalf("%v n=%d k=%d: count %d, want %d", impl, n, k, gn, wn)
					}
					for i := range want {
						if want[i] != got[i] {
							t.Fatalf("%v n=%d k=%d n0=%d: top = %x, want %x", impl, n, k, n0, got, want)
						}
					}
					if n0 == 0 {
						// From an empty top, with the ids.
						gt := make([]uint64, k)
						gids := make([]int32, k+1)
						gids[k] = -77
						wids := make([]int32, k)
						topKIDsGo(make([]uint64, k), vals, wids)
						if !kTopKIDs(impl, gt, vals, gids[:k]) {
							t.Fatalf("%v n=%d k=%d: kTopKIDs reports a bad row", impl, n, k)
						}
						for j := 0; j < min(k, n); j++ {
							if gids[j] != wids[j] {
								t.Fatalf("%v n=%d k=%d: ids %v, want %v", impl, n, k, gids[:k], wids)
							}
						}
						if gids[k] != -77 {
							t.Fatalf("%v: ids canary overwritten", impl)
						}
					}
				}
			}
		}
	}
}

func TestKernelGroupScores(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	for _, impl := range kernelImpls(t) {
		for gs := 1; gs <= 70; gs++ {
			for _, groups := range []int{1, 2, 3, 8} {
				for _, gmax := range []bool{false, true} {
					if !gmax && gs < 2 {
						continue
					}
					E := gs * groups
					x := kernelInput(r, E)
					sel := make([]float32, E)
					if gmax {
						copy(sel, x) // logit selection: -0 and +0 both occur
					} else {
						for i := range sel {
							sel[i] = Sigmoid(x[i]) + float32(r.IntN(3))*0.5
						}
					}
					p := Plan{E: E, K: 1, Groups: groups, TopGroups: 1, GroupMax: gmax}
					s := p.NewScratch()
					chooseGroups(&p, s, sel)
					got := make([]float32, groups+1)
					got[groups] = canary
					kGroupScores(impl, got[:groups], nil, sel, gs, gmax)
					sec := make([]float32, groups+1)
					sec[groups] = canary
					kGroupScores(impl, got[:groups], sec[:groups], sel, gs, gmax)
					if sec[groups] != canary {
						t.Fatalf("%v: second canary overwritten", impl)
					}
					for g := 0; g < groups; g++ {
						grp := append([]float32(nil), sel[g*gs:g*gs+gs]...)
						sort.Slice(grp, func(a, b int) bool { return grp[a] > grp[b] })
						if !gmax && OrderBits(sec[g]) != OrderBits(grp[1]) {
							t.Fatalf("%v gs=%d: second[%d] = %g, want %g", impl, gs, g, sec[g], grp[1])
						}
						if OrderBits(got[g]) != OrderBits(s.GSc[g]) {
							t.Fatalf("%v gs=%d groups=%d gmax=%v: gsc[%d] = %g, want %g", impl, gs, groups, gmax, g, got[g], s.GSc[g])
						}
					}
					if got[groups] != canary {
						t.Fatalf("%v: canary overwritten", impl)
					}
				}
			}
		}
	}
}

// selectedWeights is tokenWeights for the ids the pipeline chose: with
// logit selection, softmax weights take m = row[ids[0]] (the maximum) and
// divide by S = kExpSum unless p cancels it (cancelS). tmp holds E floats.
// (routeKernels does the same with the mode bits decided once per call;
// this is its weights step for the kernel tests.)
func selectedWeights(impl Impl, p *Plan, tmp, w []float32, ids []int32, row, sig []float32, logitSel bool, m, S float32, load []int64) {
	cancel := false
	if p.Softmax && logitSel {
		m = row[ids[0]]
		cancel = p.cancelS()
		if !cancel {
			S = kExpSum(impl, tmp, row, m)
		}
	}
	tokenWeights(impl, p, w, ids, row, sig, m, S, cancel, load)
}

// checkWeights runs selectedWeights (K <= 8: the weights8 kernel of impl) and
// compares the weights and the load counts with weights and RouteGeneric's
// load loop.
func checkWeights(t *testing.T, impl Impl, p *Plan, row []float32, ids []int32, logitSel bool, m, S float32) {
	t.Helper()
	k := len(ids)
	want := make([]float32, k)
	weights(p, want, ids, row, logitSel, m, S)
	got := make([]float32, k+1)
	got[k] = canary
	load := make([]int64, len(row)+1)
	wantLoad := make([]int64, len(row)+1)
	for i := range load {
		load[i] = int64(i * 3)
		wantLoad[i] = load[i]
	}
	for _, id := range ids {
		wantLoad[id]++
	}
	// Sigmoid plans: also with the sigmoid scores given (the kernel's
	// sigmoid, which the sweep holds to Sigmoid).
	var sig []float32
	if !p.Softmax {
		sig = make([]float32, len(row))
		kSigmoid(impl, sig, nil, row, nil)
	}
	for _, sg := range [][]float32{nil, sig} {
		for i := range load {
			load[i] = int64(i * 3)
		}
		got[k] = canary
		selectedWeights(impl, p, make([]float32, len(row)), got[:k], ids, row, sg, logitSel, m, S, load[:len(row)])
		for j := range want {
			if !same(got[j], want[j]) {
				t.Fatalf("%v plan %+v sig=%v logitSel=%v m=%g S=%g ids %v row %v: w = %v, want %v", impl, *p, sg != nil, logitSel, m, S, ids, row, got[:k], want)
			}
		}
		if got[k] != canary {
			t.Fatalf("%v: canary overwritten", impl)
		}
		for i := range load {
			if load[i] != wantLoad[i] {
				t.Fatalf("%v plan %+v ids %v: load[%d] = %d, want %d", impl, *p, ids, i, load[i], wantLoad[i])
			}
		}
		// nil load: weights only.
		got2 := make([]float32, k)
		selectedWeights(impl, p, make([]float32, len(row)), got2, ids, row, sg, logitSel, m, S, nil)
		for j := range want {
			if !same(got2[j], want[j]) {
				t.Fatalf("%v (nil load) plan %+v sig=%v: w = %v, want %v", impl, *p, sg != nil, got2, want)
			}
		}
		if sig == nil {
			break
		}
	}
}

// weightsCase completes a weights test case: for softmax, m = max(row) and
// S = SoftmaxSum(row, m) unless given (S > 0), and with logit selection
// ids[0] is moved to a maximum (false when no id is one).
func weightsCase(p *Plan, row []float32, ids []int32, logitSel bool, S float32) (float32, float32, bool) {
	if !p.Softmax {
		return 0, 0, true
	}
	m := row[0]
	for _, v := range row {
		if v > m {
			m = v
		}
	}
	if logitSel {
		for j, id := range ids {
			if row[id] == m {
				ids[0], ids[j] = ids[j], ids[0]
				break
			}
		}
		if row[ids[0]] != m {
			return 0, 0, false
		}
	}
	if S <= 0 {
		S = SoftmaxSum(row, m, nil)
	}
	return m, S, true
}

// normRule sets p's normalisation rule by i: NormEps, NormSum, or
// NormClamp with a floor that binds sometimes.
func normRule(p *Plan, i int) {
	p.NormRule = NormRule(i % 3)
	if p.NormRule == NormClamp {
		p.NormMin = []float32{1e-12, 0.3, 2}[i/3%3]
	}
}

// TestKernelWeights8 covers the weights kernels (K <= 8; the special rows
// also K <= 32 and beyond): random rows for
// every K, mode and normalisation rule, then rows whose weights are
// subnormal or whose sum is near 0, 0 (NormSum's 0/0) or far below 1e-20,
// arbitrary S and several scales.
func TestKernelWeights8(t *testing.T) {
	impls := kernelImpls(t)
	r := rand.New(rand.NewPCG(21, 22))
	scales := []float32{1, 2.5, 16, 2.827, 1e-3, 3e-39, 1e30, -1.5}
	for _, impl := range impls {
		for trial := 0; trial < 6000; trial++ {
			k := 1 + trial%8
			E := k + r.IntN(40)
			row := kernelInput(r, E)
			ids := make([]int32, k)
			for j, i := range r.Perm(E)[:k] {
				ids[j] = int32(i)
			}
			mode := (trial / 8) % 8
			p := Plan{E: E, K: k, Softmax: mode&1 != 0, Normalize: mode&2 != 0, Scale: scales[r.IntN(len(scales))]}
			normRule(&p, trial/64)
			logitSel := mode&4 != 0
			m, S, ok := weightsCase(&p, row, ids, logitSel, 0)
			if !ok {
				continue
			}
			checkWeights(t, impl, &p, row, ids, logitSel, m, S)
		}
		// Special rows: every K and mode.
		tiny := func(k, E int, f func(i int) float32) []float32 {
			row := make([]float32, E)
			for i := range row {
				row[i] = f(i)
			}
			return row
		}
		for _, k := range []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 16, 32, 33} { // weights8, weights32, the Go weights
			E := k + 3
			rows := [][]float32{
				// sigmoid subnormal (x < -87.3), sums far below 1e-20
				tiny(k, E, func(i int) float32 { return -88 - float32(i)*1.7 }),
				tiny(k, E, func(i int) float32 { return -100 - float32(i)*0.3 }),
				tiny(k, E, func(i int) float32 { return -103.97 + float32(i)*0.01 }),
				// sums near 1e-20 (sigmoid(-46) ~ 1.05e-20)
				tiny(k, E, func(i int) float32 { return -46 - float32(i)*0.37 }),
				tiny(k, E, func(i int) float32 { return -45 - float32(i)*1.1 }),
				// one large, the rest tiny; wide spread
				tiny(k, E, func(i int) float32 { return float32(i)*-13.5 + 3 }),
				tiny(k, E, func(i int) float32 { return float32(i%3)*-40 - float32(i)*0.001 }),
				// zeros and -0
				tiny(k, E, func(i int) float32 { return float32(math.Copysign(0, float64(i%2)-0.5)) }),
				// saturating and huge
				tiny(k, E, func(i int) float32 {
					return []float32{math.MaxFloat32, -math.MaxFloat32, 1e30, -1e30, 104, -104, 20}[i%7]
				}),
				// random spread in magnitudes (sum order matters)
				tiny(k, E, func(i int) float32 { return float32(r.NormFloat64() * 30) }),
			}
			for _, row := range rows {
				for mode := 0; mode < 8; mode++ {
					for _, S := range []float32{0, 1, 3e-39, 1e30, 7.5} {
						if mode&1 == 0 && S != 0 {
							continue
						}
						for _, sc := range scales {
							p := Plan{E: E, K: k, Softmax: mode&1 != 0, Normalize: mode&2 != 0, Scale: sc}
							normRule(&p, int(S)+k)
							logitSel := mode&4 != 0
							ids := make([]int32, k)
							for j, i := range r.Perm(E)[:k] {
								ids[j] = int32(i)
							}
							m, S2, ok := weightsCase(&p, row, ids, logitSel, S)
							if !ok {
								continue
							}
							checkWeights(t, impl, &p, row, ids, logitSel, m, S2)
						}
					}
				}
			}
		}
	}
}

// TestExpNegSweep runs ExpNeg (through expSum with m = 0) and Sigmoid over
// a dense sweep of float32 bit patterns (every 127th, both signs for the
// sigmoid) against the Go twins; in particular it checks the AVX-512
// single VSCALEFPS against the spec's two-step scaling, subnormal results
// included. Set MOEGATE_LONG=1 to sweep every float32.
func TestExpNegSweep(t *testing.T) {
	step := uint32(127)
	if os.Getenv("MOEGATE_LONG") != "" {
		step = 1
	}
	if testing.Short() {
		step = 997
	}
	const chunk = 1 << 16
	x := make([]float32, 0, chunk)
	xs := make([]float32, 0, chunk)
	e := make([]float32, chunk)
	sg := make([]float32, chunk)
	for _, impl := range kernelImpls(t) {
		flush := func() {
			if len(x) == 0 {
				return
			}
			kExpSum(impl, e[:len(x)], x, 0)
			for i, v := range x {
				if !same(e[i], ExpNeg(v)) {
					t.Fatalf("%v: ExpNeg(%g = %08x) = %g, want %g", impl, v, math.Float32bits(v), e[i], ExpNeg(v))
				}
			}
			kSigmoid(impl, sg[:len(xs)], nil, xs, nil)
			for i, v := range xs {
				if !same(sg[i], Sigmoid(v)) {
					t.Fatalf("%v: Sigmoid(%g) = %g, want %g", impl, v, sg[i], Sigmoid(v))
				}
			}
			x, xs = x[:0], xs[:0]
		}
		// Negative finite floats: bits 0x80000000 .. 0xFF7FFFFF.
		for b := uint64(0x80000000); b <= 0xFF7FFFFF; b += uint64(step) {
			v := math.Float32frombits(uint32(b))
			x = append(x, v)
			xs = append(xs, v, -v)
			if len(xs) >= chunk-1 {
				flush()
			}
		}
		flush()
	}
}

// TestKernelGroups holds the one-call group kernels (kGroupsSmall:
// groupsAVX512, groupsAVX2; implementations without one skip) to chooseGroups: scores, second bests, kept group keys (in
// order) and the floor, for every group count they serve, odd group sizes
// (tails), ties and -0.
func TestKernelGroups(t *testing.T) {
	for _, impl := range kernelImpls(t) {
		if !hasGroupsSmall(impl) {
			t.Logf("%v: no one-call group kernel", impl)
			continue
		}
		testKernelGroups(t, impl)
	}
}

func testKernelGroups(t *testing.T, impl Impl) {
	r := rand.New(rand.NewPCG(11, 12))
	for groups := 1; groups <= 8; groups++ {
		for gs := 1; gs <= 40; gs++ {
			for _, gmax := range []bool{false, true} {
				if !gmax && gs < 2 {
					continue
				}
				for tg := 1; tg <= groups; tg++ {
					E := gs * groups
					x := kernelInput(r, E)
					sel := make([]float32, E)
					for i := range sel {
						switch r.IntN(4) {
						case 0:
							sel[i] = x[i] // -0, ties, subnormals from kernelInput
						case 1:
							sel[i] = float32(r.IntN(3)) * 0.5 // exact ties
						default:
							sel[i] = Sigmoid(x[i]) + float32(r.NormFloat64()*0.1)
						}
					}
					K := 1 + r.IntN(min(8, tg*gs))
					p := Plan{E: E, K: K, Groups: groups, TopGroups: tg, GroupMax: gmax}
					s := p.NewScratch()
					chooseGroups(&p, s, sel)
					mode, want := 0, negInf
					src := s.GSec
					if gmax {
						mode |= 1
						src = s.GSc
					}
					if gmax && K <= tg || !gmax && K <= 2*tg {
						mode |= 2
						want = src[KeyIndex(s.GTop[0])]
						for _, gk := range s.GTop[1:] {
							want = min(want, src[KeyIndex(gk)])
						}
					}
					gt := make([]uint64, 9) // groupsAVX512 stores 8 keys
					gt[8] = 77
					gsc := make([]float32, groups+1)
					sec := make([]float32, groups+1)
					gsc[groups], sec[groups] = canary, canary
					floor, _ := kGroupsSmall(impl, gt[:tg], gsc[:groups], sec[:groups], sel, gs, mode)
					name := func() string {
						return fmt.Sprintf("%v groups=%d gs=%d tg=%d gmax=%v K=%d", impl, groups, gs, tg, gmax, K)
					}
					for g := 0; g < groups; g++ {
						if OrderBits(gsc[g]) != OrderBits(s.GSc[g]) || (!gmax && OrderBits(sec[g]) != OrderBits(s.GSec[g])) {
							t.Fatalf("%s: group %d score %g second %g, want %g %g", name(), g, gsc[g], sec[g], s.GSc[g], s.GSec[g])
						}
					}
					for i := 0; i < tg; i++ {
						if gt[i] != s.GTop[i] {
							t.Fatalf("%s: kept %x, want %x", name(), gt[:tg], s.GTop)
						}
					}
					if gt[8] != 77 || gsc[groups] != canary || sec[groups] != canary {
						t.Fatalf("%s: canary overwritten", name())
					}
					if floor != want {
						t.Fatalf("%s: floor %g, want %g", name(), floor, want)
					}
				}
			}
		}
	}
}

func TestKernelSqrtSoftplus(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	// Every length 0..4*W*U+W = 144 (AVX-512: W = 16 lanes, U = 2
	// vectors per iteration; AVX2's 8 and NEON's 4 lanes are inside), then
	// kernelNs's large ones.
	var ns []int
	for n := 0; n <= 4*16*2+16; n++ {
		ns = append(ns, n)
	}
	ns = append(ns, 159, 160, 161, 255, 256, 257, 383, 384, 385, 512, 1024, 4096)
	for _, impl := range kernelImpls(t) {
		for _, n := range ns {
			for off := 0; off < 16; off++ {
				if n > 300 && off%5 != 0 {
					continue
				}
				buf := kernelInput(r, n+off)
				for i := range buf {
					if r.IntN(6) == 0 {
						buf[i] = spSpecials[r.IntN(len(spSpecials))]
					} else if r.IntN(3) == 0 {
						buf[i] = float32(r.NormFloat64() * 30)
					}
				}
				x := buf[off : off+n : off+n]
				bias := make([]float32, n)
				for i := range bias {
					bias[i] = float32(r.NormFloat64())
				}
				for _, withBias := range []bool{false, true} {
					dst := make([]float32, n+8)
					sig := make([]float32, n+8)
					for i := range dst {
						dst[i], sig[i] = canary, canary
					}
					if n == 0 {
						continue // the wrappers take non-empty slices
					}
					var bs []float32
					if withBias {
						bs = bias[:n]
					}
					bad := kSqrtSoftplus(impl, dst[:n], sig[:n], x, bs)
					if bad != badRow(x) {
						t.Fatalf("%v n=%d: bad = %v, want %v", impl, n, bad, !bad)
					}
					for i := 0; i < n; i++ {
						if nonFinite(math.Float32bits(x[i])) {
							continue // a bad row's scores are not used
						}
						s := SqrtSoftplus(x[i])
						want := s
						if withBias {
							want = s + bias[i]
							if !same(sig[i], s) {
								t.Fatalf("%v n=%d off=%d: sig[%d] = %g, want SqrtSoftplus(%g) = %g", impl, n, off, i, sig[i], x[i], s)
							}
						}
						if !same(dst[i], want) {
							t.Fatalf("%v n=%d off=%d bias=%v: sqrtsoftplus(%g) [%d] = %g (%08x), want %g (%08x)",
								impl, n, off, withBias, x[i], i, dst[i], math.Float32bits(dst[i]), want, math.Float32bits(want))
						}
					}
					for i := n; i < len(dst); i++ {
						if dst[i] != canary || sig[i] != canary {
							t.Fatalf("%v n=%d: canary %d overwritten", impl, n, i-n)
						}
					}
					if !withBias {
						for i := 0; i < n; i++ {
							if sig[i] != canary {
								t.Fatalf("%v n=%d: sig written without a bias", impl, n)
							}
						}
					}
				}
			}
		}
	}
}

// TestKernelSqrtSoftplusBad: one NaN or infinity anywhere in the row is
// reported, at every position of every tail.
func TestKernelSqrtSoftplusBad(t *testing.T) {
	bads := []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), math.Float32frombits(0xFFC00001)}
	for _, impl := range kernelImpls(t) {
		for _, n := range kernelNs[:40] {
			for pos := 0; pos < n; pos++ {
				x := make([]float32, n)
				for i := range x {
					x[i] = float32(i)*0.25 - 3
				}
				x[pos] = bads[pos%len(bads)]
				dst := make([]float32, n)
				if !kSqrtSoftplus(impl, dst, nil, x, nil) {
					t.Fatalf("%v n=%d pos=%d: sqrtsoftplus kernel missed %g", impl, n, pos, x[pos])
				}
			}
		}
	}
}

// TestSqrtSoftplusSweep holds the kernels to SqrtSoftplus on every 509th
// float32 bit pattern plus spSpecials (MOEGATE_LONG=1: every finite
// float32, about 2^32 inputs per implementation; run 2026-12-04 on
// AVX-512 and AVX2: no difference, 524 s; NEON under qemu: every 7th).
// Run: MOEGATE_LONG=1 go test ./asm -run TestSqrtSoftplusSweep -timeout 60m
func TestSqrtSoftplusSweep(t *testing.T) {
	step := uint64(509)
	if os.Getenv("MOEGATE_LONG") != "" {
		step = 1
	}
	if testing.Short() {
		step = 997
	}
	const chunk = 1 << 16
	x := make([]float32, 0, chunk)
	dst := make([]float32, chunk)
	for _, impl := range kernelImpls(t) {
		flush := func() {
			if len(x) == 0 {
				return
			}
			if kSqrtSoftplus(impl, dst[:len(x)], nil, x, nil) {
				t.Fatalf("%v: finite inputs reported bad", impl)
			}
			for i, v := range x {
				if want := SqrtSoftplus(v); !same(dst[i], want) {
					t.Fatalf("%v: SqrtSoftplus(%g = %08x) = %g (%08x), want %g (%08x)",
						impl, v, math.Float32bits(v), dst[i], math.Float32bits(dst[i]), want, math.Float32bits(want))
				}
			}
			x = x[:0]
		}
		x = append(x, spSpecials...)
		for b := uint64(0); b <= math.MaxUint32; b += step {
			if nonFinite(uint32(b)) {
				continue
			}
			x = append(x, math.Float32frombits(uint32(b)))
			if len(x) == chunk {
				flush()
			}
		}
		flush()
	}
}
