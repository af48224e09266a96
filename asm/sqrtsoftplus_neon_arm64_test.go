//go:build gc && !purego

package asm

import (
	"math"
	"math/rand/v2"
	"os"
	"testing"
)

// TestSqrtSoftplusNEON holds sqrtSoftplusNEON to SqrtSoftplus (+ bias) on
// every length up to 70 and the DeepSeek-V4 lengths, with and without a
// bias and the kept scores, and checks that nothing past n is written and
// that one non-finite value anywhere is reported.
func TestSqrtSoftplusNEON(t *testing.T) {
	needNEON(t)
	r := rand.New(rand.NewPCG(31, 32))
	cf := math.Float32frombits(canaryNaN)
	for _, n := range append([]int{0}, routeEs...) {
		x := make([]float32, n+1)
		for i := range x {
			switch r.IntN(4) {
			case 0:
				x[i] = spSpecials[r.IntN(len(spSpecials))]
			case 1:
				x[i] = float32(r.NormFloat64() * 30)
			default:
				x[i] = float32(r.NormFloat64() * 3)
			}
		}
		bias := make([]float32, n+1)
		for i := range bias {
			bias[i] = float32(r.NormFloat64())
		}
		for _, withBias := range []bool{false, true} {
			dst := make([]float32, n+4)
			sig := make([]float32, n+4)
			for i := range dst {
				dst[i], sig[i] = cf, cf
			}
			var bp *float32
			if withBias {
				bp = &bias[0]
			}
			if sqrtSoftplusNEON(&dst[0], &sig[0], &x[0], bp, n) {
				t.Fatalf("n=%d: finite row reported bad", n)
			}
			for i := 0; i < n; i++ {
				s := SqrtSoftplus(x[i])
				want := s
				if withBias {
					want = s + bias[i]
					if math.Float32bits(sig[i]) != math.Float32bits(s) {
						t.Fatalf("n=%d: sig[%d] = %g, want SqrtSoftplus(%g) = %g", n, i, sig[i], x[i], s)
					}
				} else if math.Float32bits(sig[i]) != canaryNaN {
					t.Fatalf("n=%d: sig written without a bias", n)
				}
				if math.Float32bits(dst[i]) != math.Float32bits(want) {
					t.Fatalf("n=%d bias=%v: sqrtsoftplus(%g) [%d] = %g (%08x), want %g (%08x)",
						n, withBias, x[i], i, dst[i], math.Float32bits(dst[i]), want, math.Float32bits(want))
				}
			}
			for i := n; i < len(dst); i++ {
				if math.Float32bits(dst[i]) != canaryNaN || math.Float32bits(sig[i]) != canaryNaN {
					t.Fatalf("n=%d: wrote past n at %d", n, i)
				}
			}
		}
		if n > 0 && n <= 40 {
			for pos := 0; pos < n; pos++ {
				y := append([]float32(nil), x[:n]...)
				y[pos] = []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1))}[pos%3]
				d := make([]float32, n)
				if !sqrtSoftplusNEON(&d[0], nil, &y[0], nil, n) {
					t.Fatalf("n=%d pos=%d: missed %g", n, pos, y[pos])
				}
			}
		}
	}
}

// TestSqrtSoftplusNEONSweep: every 4093rd float32 bit pattern plus
// spSpecials (MOEGATE_LONG=1: every 7th).
func TestSqrtSoftplusNEONSweep(t *testing.T) {
	needNEON(t)
	step := uint64(4093)
	if os.Getenv("MOEGATE_LONG") != "" {
		step = 7
	}
	x := append([]float32(nil), spSpecials...)
	for b := uint64(0); b <= math.MaxUint32; b += step {
		if !nonFinite(uint32(b)) {
			x = append(x, math.Float32frombits(uint32(b)))
		}
	}
	d := make([]float32, len(x))
	if sqrtSoftplusNEON(&d[0], nil, &x[0], nil, len(x)) {
		t.Fatal("finite inputs reported bad")
	}
	for i, v := range x {
		if want := SqrtSoftplus(v); math.Float32bits(d[i]) != math.Float32bits(want) {
			t.Fatalf("SqrtSoftplus(%g = %08x) = %g, want %g", v, math.Float32bits(v), d[i], want)
		}
	}
}
