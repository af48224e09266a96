package asm

import "math"

// AllFinite reports whether v holds no NaN and no infinity, with impl's
// kernel where it has one (amd64: AVX2, also for AVX512; arm64: NEON; elsewhere and for
// Go: AllFiniteGeneric). Package route checks the bias and the expert
// scales with it once per call.
func AllFinite(impl Impl, v []float32) bool {
	if len(v) > 0 && impl != Go {
		if ok, done := allFiniteArch(v); done {
			return ok
		}
	}
	return AllFiniteGeneric(v)
}

// AllFiniteGeneric is AllFinite in Go, with no branch per element. A
// float32 is non-finite exactly when its exponent bits are all ones, that
// is when its magnitude bits m = bits &^ sign are >= 0x7f800000;
// m + 0x00800000 then has bit 31 set, and otherwise not (m <= 0x7fffffff:
// no carry out). Four independent accumulators.
func AllFiniteGeneric(v []float32) bool {
	var a0, a1, a2, a3 uint32
	for len(v) >= 4 {
		a0 |= math.Float32bits(v[0])&0x7fffffff + 0x00800000
		a1 |= math.Float32bits(v[1])&0x7fffffff + 0x00800000
		a2 |= math.Float32bits(v[2])&0x7fffffff + 0x00800000
		a3 |= math.Float32bits(v[3])&0x7fffffff + 0x00800000
		v = v[4:]
	}
	for _, x := range v {
		a0 |= math.Float32bits(x)&0x7fffffff + 0x00800000
	}
	return (a0|a1|a2|a3)&0x80000000 == 0
}
