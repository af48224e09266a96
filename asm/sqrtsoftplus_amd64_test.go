//go:build gc && !purego

package asm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"testing"
)

func TestKernelSqrtSoftplus(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	// Every length 0..4*W*U+W = 144 (AVX-512: W = 16 lanes, U = 2
	// vectors per iteration; AVX2's 8 lanes are inside), then kernelNs's
	// large ones.
	var ns []int
	for n := 0; n <= 4*16*2+16; n++ {
		ns = append(ns, n)
	}
	ns = append(ns, 159, 160, 161, 255, 256, 257, 383, 384, 385, 512, 1024, 4096)
	for _, impl := range simdImpls(t) {
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
					var bp *float32
					if withBias && n > 0 {
						bp = &bias[0]
					}
					var bad bool
					if n == 0 {
						// The kernels accept n = 0 (dst, x non-nil).
						var d, s, v float32
						if impl == AVX512 {
							bad = sqrtSoftplusAVX512(&d, &s, &v, bp, 0)
						} else {
							bad = sqrtSoftplusAVX2(&d, &s, &v, bp, 0)
						}
						if bad || d != 0 || s != 0 {
							t.Fatalf("%v n=0: bad %v, wrote %g %g", impl, bad, d, s)
						}
						continue
					}
					var bs []float32
					if withBias {
						bs = bias[:n]
					}
					bad = kSqrtSoftplus(impl, dst[:n], sig[:n], x, bs)
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
	for _, impl := range simdImpls(t) {
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
// AVX-512 and AVX2: no difference, 524 s).
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
	for _, impl := range simdImpls(t) {
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

// BenchmarkSqrtSoftplusAMD64: the score kernel alone (with a bias and the
// kept scores, as the pipeline calls it) at DeepSeek-V4's E, and the Go
// scores loop for scale; ns per call.
// Run: go test -run '^$' -bench BenchmarkSqrtSoftplusAMD64 ./asm/
func BenchmarkSqrtSoftplusAMD64(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	x := make([]float32, 384)
	bias := make([]float32, 384)
	for i := range x {
		x[i] = float32(r.NormFloat64() * 2)
		bias[i] = float32(r.NormFloat64() * 0.01)
	}
	dst := make([]float32, 384)
	sig := make([]float32, 384)
	for _, n := range []int{256, 384} {
		for _, impl := range Available() {
			b.Run(fmt.Sprintf("%d/%v", n, impl), func(b *testing.B) {
				if impl == Go {
					p := Plan{E: n, SqrtSoftplus: true}
					for b.Loop() {
						scores(&p, dst[:n], x[:n], bias[:n])
					}
					return
				}
				for b.Loop() {
					kSqrtSoftplus(impl, dst[:n], sig[:n], x[:n], bias[:n])
				}
			})
		}
	}
}
