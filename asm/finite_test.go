package asm

import (
	"fmt"
	"math"
	"testing"
)

// TestAllFinite: every implementation against a per-element reference,
// for every length 0..80 (each loop and tail of the kernel), with each
// special value at each position, and at offsets 0..3 into a buffer.
func TestAllFinite(t *testing.T) {
	specials := []float32{
		float32(math.NaN()), math.Float32frombits(0xffc00001), float32(math.Inf(1)), float32(math.Inf(-1)),
		math.MaxFloat32, -math.MaxFloat32, math.SmallestNonzeroFloat32, 0, float32(math.Copysign(0, -1)),
		math.Float32frombits(0x7f800001), math.Float32frombits(0x7f7fffff), math.Float32frombits(0xff7fffff),
	}
	ref := func(v []float32) bool {
		for _, x := range v {
			if f := float64(x); math.IsNaN(f) || math.IsInf(f, 0) {
				return false
			}
		}
		return true
	}
	buf := make([]float32, 90)
	for _, impl := range Available() {
		for off := 0; off < 4; off++ {
			for n := 0; n <= 80; n++ {
				v := buf[off : off+n]
				for i := range v {
					v[i] = float32(i%7) - 3.5
				}
				if got := AllFinite(impl, v); got != true || AllFiniteGeneric(v) != true {
					t.Fatalf("%v: n=%d off=%d finite: got %v", impl, n, off, got)
				}
				// A NaN just past the end is not read.
				if off+n < len(buf) {
					buf[off+n] = float32(math.NaN())
					if !AllFinite(impl, v) {
						t.Fatalf("%v: n=%d off=%d read past the end", impl, n, off)
					}
					buf[off+n] = 0
				}
				for i := 0; i < n; i++ {
					for _, s := range specials {
						v[i] = s
						want := ref(v)
						if got := AllFinite(impl, v); got != want {
							t.Fatalf("%v: n=%d off=%d v[%d]=%v (bits %#x): got %v, want %v", impl, n, off, i, s, math.Float32bits(s), got, want)
						}
						if got := AllFiniteGeneric(v); got != want {
							t.Fatalf("generic: n=%d v[%d]=%v: got %v, want %v", n, i, s, got, want)
						}
					}
					v[i] = 1
				}
			}
		}
	}
}

// BenchmarkAllFinite: the per-call bias check of DeepSeek-V3 (256) and
// LongCat-Flash (768).
func BenchmarkAllFinite(b *testing.B) {
	for _, n := range []int{256, 768} {
		v := make([]float32, n)
		for i := range v {
			v[i] = float32(i) * 0.01
		}
		for _, impl := range Available() {
			b.Run(fmt.Sprintf("%v/%d", impl, n), func(b *testing.B) {
				for b.Loop() {
					if !AllFinite(impl, v) {
						b.Fatal("not finite")
					}
				}
			})
		}
	}
}
