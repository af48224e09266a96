package asm

import (
	"math"
	"testing"
)

var halfFormats = []HalfFormat{BF16, F16}

// f16Ref is the value of the binary16 h computed from its definition in
// float64 (independently of f16Bits): (-1)^s * 2^(e-15) * (1 + m/1024) for
// normal numbers, (-1)^s * 2^-14 * m/1024 for subnormals.
func f16Ref(h uint16) float64 {
	s := 1.0
	if h&0x8000 != 0 {
		s = -1
	}
	e, m := int(h>>10)&0x1f, float64(h&0x3ff)
	switch {
	case e == 0x1f && m == 0:
		return math.Inf(int(s))
	case e == 0x1f:
		return math.NaN()
	case e == 0:
		return s * math.Ldexp(m/1024, -14)
	}
	return s * math.Ldexp(1+m/1024, e-15)
}

// TestF16Twin checks the Go twin against the definition of binary16 for
// all 65536 bit patterns: the value (and the sign of zero) exactly; a NaN
// keeps its sign and payload and is quiet.
func TestF16Twin(t *testing.T) {
	for i := 0; i < 1<<16; i++ {
		h := uint16(i)
		got := F16ToF32(h)
		bits := math.Float32bits(got)
		want := f16Ref(h)
		if math.IsNaN(want) {
			if !math.IsNaN(float64(got)) || bits>>31 != uint32(h>>15) || bits&0x7fffff != uint32(h&0x3ff)<<13|0x400000 {
				t.Fatalf("f16 %#04x: got bits %#08x, want a quiet NaN with sign and payload kept", h, bits)
			}
			continue
		}
		if float64(got) != want || math.Signbit(float64(got)) != math.Signbit(want) {
			t.Fatalf("f16 %#04x: got %v (%#08x), want %v", h, got, bits, want)
		}
	}
	// bfloat16 is the top half of a float32.
	for i := 0; i < 1<<16; i++ {
		if b := math.Float32bits(BF16ToF32(uint16(i))); b != uint32(i)<<16 {
			t.Fatalf("bf16 %#04x: got %#08x", i, b)
		}
	}
}

// TestHalfAllPatterns converts all 65536 bit patterns, both formats, on
// every implementation and compares with the twins bit for bit. On amd64
// with AVX-512 this measures the hardware's NaN rule (VCVTPH2PS); on arm64
// (qemu or hardware) FCVTL's.
func TestHalfAllPatterns(t *testing.T) {
	src := make([]uint16, 1<<16)
	for i := range src {
		src[i] = uint16(i)
	}
	want := make([]float32, len(src))
	got := make([]float32, len(src))
	for _, f := range halfFormats {
		if f == BF16 {
			bf16ToF32Generic(want, src)
		} else {
			f16ToF32Generic(want, src)
		}
		for _, impl := range Available() {
			clear(got)
			HalfToF32(impl, f, got, src)
			for i := range want {
				if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
					t.Fatalf("%v %v: pattern %#04x: got %#08x, twin %#08x", impl, f, i, math.Float32bits(got[i]), math.Float32bits(want[i]))
				}
			}
		}
	}
}

// TestHalfTails converts every length 0..80 (five vectors of the widest
// kernel) at every start offset 0..15 and checks the result against the
// twin and that nothing outside dst[:n] is written.
func TestHalfTails(t *testing.T) {
	const maxN, pad = 80, 24
	src := make([]uint16, maxN+pad)
	for i := range src {
		// Specials and ordinary values mixed.
		src[i] = uint16(i*40503 + 7)
	}
	src[3], src[9], src[17] = 0x7c00, 0x7e01, 0xfc00 // f16 Inf, NaN, -Inf
	src[5], src[33] = 0x0001, 0x83ff                 // f16 subnormals
	buf := make([]float32, maxN+2*pad)
	want := make([]float32, maxN)
	const canary = 0x7fbadbad
	for _, f := range halfFormats {
		for _, impl := range Available() {
			for off := 0; off < 16; off++ {
				for n := 0; n <= maxN; n++ {
					s := src[off : off+n]
					if f == BF16 {
						bf16ToF32Generic(want[:n], s)
					} else {
						f16ToF32Generic(want[:n], s)
					}
					for i := range buf {
						buf[i] = math.Float32frombits(canary)
					}
					dst := buf[pad+off/2 : pad+off/2+n]
					HalfToF32(impl, f, dst, s)
					for i := 0; i < n; i++ {
						if math.Float32bits(dst[i]) != math.Float32bits(want[i]) {
							t.Fatalf("%v %v off %d n %d: element %d = %#08x, twin %#08x", impl, f, off, n, i, math.Float32bits(dst[i]), math.Float32bits(want[i]))
						}
					}
					for i := range buf {
						if (i < pad+off/2 || i >= pad+off/2+n) && math.Float32bits(buf[i]) != canary {
							t.Fatalf("%v %v off %d n %d: wrote outside dst at %d", impl, f, off, n, i-pad-off/2)
						}
					}
				}
			}
		}
	}
}

func TestHalfToF32Panics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("no panic for a bad format")
		}
	}()
	HalfToF32(Go, 0, make([]float32, 1), make([]uint16, 1))
}
