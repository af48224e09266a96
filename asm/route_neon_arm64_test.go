//go:build gc && !purego

package asm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
	"time"
)

// routeCase runs Route(NEON) and RouteGeneric on the same input and fails on
// any difference in ids, weight bits, loads, the first bad token, or on a
// write past the outputs.
func routeCase(t *testing.T, p *Plan, x []float32, stride int, bias []float32, T int, what string) {
	t.Helper()
	E, K := p.E, p.K
	const pad = 8
	gIDs, nIDs := make([]int32, T*K+pad), make([]int32, T*K+pad)
	gW, nW := make([]float32, T*K+pad), make([]float32, T*K+pad)
	gLoad, nLoad := make([]int64, E+pad), make([]int64, E+pad)
	for i := range gIDs {
		gIDs[i], nIDs[i] = -7, -7
		gW[i], nW[i] = math.Float32frombits(canary), math.Float32frombits(canary)
	}
	for i := range gLoad {
		gLoad[i] = int64(i * 3)
		nLoad[i] = gLoad[i]
	}
	gs, ns := p.NewScratch(), p.NewScratch()
	gb := RouteGeneric(p, gs, gIDs[:T*K], gW[:T*K], gLoad[:E], x, stride, bias)
	nb := Route(NEON, p, ns, nIDs[:T*K:T*K], nW[:T*K:T*K], nLoad[:E:E], x, stride, bias)
	if gb != nb {
		t.Fatalf("%s plan %+v: first bad %d, want %d", what, *p, nb, gb)
	}
	for i := range gIDs {
		if gIDs[i] != nIDs[i] || math.Float32bits(gW[i]) != math.Float32bits(nW[i]) {
			tok := i / K
			t.Fatalf("%s plan %+v stride %d bias %v: token %d slot %d: neon id %d w %g (%#08x), want id %d w %g (%#08x)\nrow %v\nneon ids %v\nwant ids %v",
				what, *p, stride, bias != nil, tok, i%K, nIDs[i], nW[i], math.Float32bits(nW[i]), gIDs[i], gW[i], math.Float32bits(gW[i]),
				rowOf(x, tok, stride, E), nIDs[tok*K:min(tok*K+K, len(nIDs))], gIDs[tok*K:min(tok*K+K, len(gIDs))])
		}
	}
	for i := range gLoad {
		if gLoad[i] != nLoad[i] {
			t.Fatalf("%s plan %+v: load[%d] = %d, want %d", what, *p, i, nLoad[i], gLoad[i])
		}
	}
}

func rowOf(x []float32, tok, stride, E int) []float32 {
	if tok*stride+E > len(x) {
		return nil
	}
	return x[tok*stride : tok*stride+E]
}

// tokens lays out T rows of E logits with the given stride at offset off of
// a fresh slice whose end is flush against a guard page (the last row ends
// exactly at len(x), as package route passes it).
func tokens(t *testing.T, r *rand.Rand, E, T, stride, off int, specials bool) []float32 {
	n := off + (T-1)*stride + E
	buf := guarded(t, n)
	for i := range buf {
		buf[i] = float32(r.NormFloat64() * 1e3) // fill between rows
	}
	x := buf[off:]
	for tok := 0; tok < T; tok++ {
		row := x[tok*stride : tok*stride+E]
		copy(row, randLogits(r, E, specials))
	}
	return x
}

func randBias(r *rand.Rand, E int, mode int) []float32 {
	if mode == 0 {
		return nil
	}
	b := make([]float32, E)
	for i := range b {
		switch mode {
		case 1:
			b[i] = float32(r.NormFloat64()) * 0.001
		case 2:
			b[i] = float32(r.NormFloat64())
		default:
			b[i] = float32(r.NormFloat64()) * 3e37
		}
		if r.IntN(8) == 0 {
			b[i] = 0
		}
	}
	return b
}

var routeEs = func() []int {
	var l []int
	for e := 1; e <= 70; e++ {
		l = append(l, e)
	}
	return append(l, 127, 128, 129, 159, 160, 161, 255, 256, 257, 383, 384, 385, 512, 1024)
}()

func TestRouteNEONShapes(t *testing.T) {
	needNEON(t)
	r := rand.New(rand.NewPCG(11, 12))
	for _, E := range routeEs {
		ks := []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 16, 33, E / 2, E}
		for _, K := range ks {
			if K < 1 || K > E {
				continue
			}
			for mode := 0; mode < 8; mode++ {
				p := Plan{E: E, K: K, Softmax: mode&1 == 1, Groups: 1, TopGroups: 1, Normalize: mode&2 == 2,
					Scale: []float32{1, 2.5, 16, 2.827}[r.IntN(4)]}
				T := 1 + r.IntN(4)
				stride := E + r.IntN(3)
				off := r.IntN(4)
				x := tokens(t, r, E, T, stride, off, mode&4 == 4)
				bias := randBias(r, E, r.IntN(4))
				routeCase(t, &p, x, stride, bias, T, fmt.Sprintf("E=%d K=%d mode=%d", E, K, mode))
			}
		}
	}
}

func TestRouteNEONGroups(t *testing.T) {
	needNEON(t)
	r := rand.New(rand.NewPCG(13, 14))
	for _, E := range []int{4, 6, 8, 12, 16, 30, 60, 64, 128, 160, 256, 384} {
		for G := 2; G <= E; G++ {
			if E%G != 0 {
				continue
			}
			gs := E / G
			for TG := 1; TG <= G; TG++ {
				if G > 16 && TG > 3 && TG < G-2 && TG != G/2 {
					continue // keep large layouts to their edges
				}
				for _, gmax := range []bool{false, true} {
					if !gmax && gs < 2 {
						continue
					}
					maxK := TG * gs
					for _, K := range []int{1, 2, 8, maxK, 1 + r.IntN(maxK)} {
						if K > maxK || K > E {
							continue
						}
						p := Plan{E: E, K: K, Softmax: r.IntN(2) == 0, Groups: G, TopGroups: TG, GroupMax: gmax,
							Normalize: r.IntN(2) == 0, Scale: 2.5}
						T := 1 + r.IntN(3)
						stride := E + r.IntN(2)
						x := tokens(t, r, E, T, stride, r.IntN(4), r.IntN(4) == 0)
						routeCase(t, &p, x, stride, randBias(r, E, r.IntN(4)), T, fmt.Sprintf("groups E=%d G=%d TG=%d", E, G, TG))
					}
				}
			}
		}
	}
}

// TestRouteNEONTies uses rows of all-equal values, signed zeros and few
// distinct values, where only the tie rule decides.
func TestRouteNEONTies(t *testing.T) {
	needNEON(t)
	r := rand.New(rand.NewPCG(15, 16))
	vals := []float32{0, float32(math.Copysign(0, -1)), 1, -1, 0.5, 88.72, -88.72, 1e-40, 40, -200}
	for _, E := range []int{1, 2, 3, 5, 8, 16, 17, 33, 64, 128, 160, 256} {
		for trial := 0; trial < 24; trial++ {
			K := 1 + r.IntN(min(E, 12))
			p := Plan{E: E, K: K, Softmax: trial&1 == 1, Groups: 1, TopGroups: 1, Normalize: trial&2 == 2, Scale: 1}
			if E%8 == 0 && trial&4 == 4 {
				p.Groups, p.TopGroups, p.GroupMax = 8, 1+r.IntN(8), trial&8 == 8
				if K > p.TopGroups*(E/8) {
					p.K = p.TopGroups * (E / 8)
				}
			}
			T := 4
			x := make([]float32, T*E)
			for i := range x {
				switch trial % 3 {
				case 0:
					x[i] = vals[trial%len(vals)]
				case 1:
					x[i] = vals[r.IntN(2)]
				default:
					x[i] = vals[r.IntN(len(vals))]
				}
			}
			var bias []float32
			if trial%5 == 0 {
				bias = make([]float32, E)
				for i := range bias {
					bias[i] = vals[r.IntN(4)]
				}
			}
			routeCase(t, &p, x, E, bias, T, fmt.Sprintf("ties E=%d trial=%d", E, trial))
		}
	}
}

// TestRouteNEONRandom is the long seeded differential test of the NEON path
// against the reference (go test -fuzz cannot run under qemu). By default it
// routes about 60,000 tokens; MOEGATE_LONG=1 routes 1,000,000 and
// MOEGATE_TOKENS=n any number. MOEGATE_SEED picks the seed (default 1).
func TestRouteNEONRandom(t *testing.T) {
	needNEON(t)
	want := 60000
	if os.Getenv("MOEGATE_LONG") != "" {
		want = 1000000
	}
	if s := os.Getenv("MOEGATE_TOKENS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			t.Fatal(err)
		}
		want = n
	}
	seed := uint64(1)
	if s := os.Getenv("MOEGATE_SEED"); s != "" {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		seed = n
	}
	r := rand.New(rand.NewPCG(seed, 0x6d6f65))
	start := time.Now()
	done, calls := 0, 0
	for done < want {
		p := randPlan(r)
		T := 1 + r.IntN(64)
		if T > want-done {
			T = want - done
		}
		stride := p.E + r.IntN(5)
		if r.IntN(4) == 0 {
			stride = p.E
		}
		x := tokensFast(r, p.E, T, stride, r.IntN(4), r.IntN(3) == 0)
		routeCase(t, &p, x, stride, randBias(r, p.E, r.IntN(4)), T, fmt.Sprintf("random call %d (seed %d)", calls, seed))
		done += T
		calls++
	}
	t.Logf("%d tokens in %d calls, seed %d, no difference (%v)", done, calls, seed, time.Since(start).Round(time.Millisecond))
}

// tokensFast is tokens without the guard page (an mmap per call is slow
// under qemu); the shape tests above cover the guard.
func tokensFast(r *rand.Rand, E, T, stride, off int, specials bool) []float32 {
	n := off + (T-1)*stride + E
	x := make([]float32, n)[off:]
	for tok := 0; tok < T; tok++ {
		copy(x[tok*stride:tok*stride+E], randLogits(r, E, specials))
	}
	return x
}

// TestRouteNEONEmpty routes zero tokens: nothing is read or written.
func TestRouteNEONEmpty(t *testing.T) {
	needNEON(t)
	p := Plan{E: 16, K: 4, Groups: 1, TopGroups: 1, Scale: 1}
	if b := Route(NEON, &p, p.NewScratch(), nil, nil, nil, nil, 16, nil); b != -1 {
		t.Fatalf("first bad %d, want -1", b)
	}
}
