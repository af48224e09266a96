package asm

import "math"

// The float contract (DESIGN.md section 3). Every function in this file is the
// specification its SIMD twins reproduce bit for bit: float32 throughout, every
// product wrapped in float32(...) so that Go can never fuse it into an FMA, and
// no operation whose rounding differs between CPUs.

const (
	log2e   = float32(1.44269504088896341)
	expC1   = float32(0.693359375)     // ln2 high part, 9 significant bits: n*C1 is exact
	expC2   = float32(-2.12194440e-4)  // ln2 - C1 (Cephes split)
	expLo   = float32(-104)            // e^-104 rounds to 0 in float32
	expMag  = float32(12582912)        // 1.5 * 2^23: adding it rounds to an integer (ties even)
	expMagB = 0x4B400000               // bits of expMag
	expP0   = float32(1.9875691500e-4) // Cephes expf polynomial
	expP1   = float32(1.3981999507e-3)
	expP2   = float32(8.3334519073e-3)
	expP3   = float32(4.1665795894e-2)
	expP4   = float32(1.6666665459e-1)
	expP5   = float32(5.0000001201e-1)
	normEps = float32(1e-20) // added to the sum of the top-K weights before dividing
)

// ExpNeg returns e^x for x <= 0 (inputs below -104 are clamped to -104, whose
// exponential rounds to 0). It is the one exponential of moegate:
//
//	x  = max(x, -104)
//	t  = float32(x*log2e) + 1.5*2^23      // round to integer, ties to even
//	n  = t - 1.5*2^23                      // exact; n in [-150, 0]
//	r  = x - float32(n*C1); r = r - float32(n*C2)   // Cody-Waite, exact without FMA
//	y  = Cephes degree-5 polynomial in r, Horner, each product rounded
//	y  = ((p*r + ...)*z + r) + 1           // z = r*r
//	e  = (y * 2^(n>>1)) * 2^(n - n>>1)    // two normal scale factors, so results
//	                                       // that are subnormal round once, correctly
//
// Callers never pass a positive x or NaN.
func ExpNeg(x float32) float32 {
	if x < expLo {
		x = expLo
	}
	t := float32(x*log2e) + expMag
	n := t - expMag
	ni := int32(math.Float32bits(t)) - expMagB
	r := x - float32(n*expC1)
	r = r - float32(n*expC2)
	z := float32(r * r)
	y := float32(expP0*r) + expP1
	y = float32(y*r) + expP2
	y = float32(y*r) + expP3
	y = float32(y*r) + expP4
	y = float32(y*r) + expP5
	y = float32(y*z) + r
	y = y + 1
	n1 := ni >> 1
	n2 := ni - n1
	y = float32(y * math.Float32frombits(uint32(n1+127)<<23))
	y = float32(y * math.Float32frombits(uint32(n2+127)<<23))
	return y
}

// Sigmoid returns 1/(1+e^-x) for finite x, computed as
//
//	e = ExpNeg(-|x|); d = 1 + e; s = (x < 0 ? e : 1) / d
//
// with one correctly rounded division, so it never overflows and keeps full
// relative accuracy for very negative x (sigmoid(x) ~ e^x there).
// The sign test is on the sign bit: -0 gives e/d = 1/2, the same as +0.
func Sigmoid(x float32) float32 {
	xb := math.Float32bits(x)
	e := ExpNeg(math.Float32frombits(xb | 0x80000000))
	d := 1 + e
	neg := uint32(int32(xb) >> 31) // all ones when the sign bit is set
	const oneBits = 0x3F800000
	nb := oneBits ^ ((oneBits ^ math.Float32bits(e)) & neg)
	return math.Float32frombits(nb) / d
}

// sigmoidRow writes Sigmoid(x[i]) + b[i] to dst[i] (b nil: + 0, which
// changes nothing since Sigmoid is never -0). It is Sigmoid with ExpNeg
// written out so that the compiler keeps the loop free of calls; a test holds
// it to Sigmoid bit for bit.
func sigmoidRow(dst, x, b []float32) {
	x = x[:len(dst)]
	if b != nil {
		b = b[:len(dst)]
	}
	for i, v := range x {
		xb := math.Float32bits(v)
		a := math.Float32frombits(xb | 0x80000000)
		if a < expLo {
			a = expLo
		}
		t := float32(a*log2e) + expMag
		n := t - expMag
		ni := int32(math.Float32bits(t)) - expMagB
		r := a - float32(n*expC1)
		r = r - float32(n*expC2)
		z := float32(r * r)
		y := float32(expP0*r) + expP1
		y = float32(y*r) + expP2
		y = float32(y*r) + expP3
		y = float32(y*r) + expP4
		y = float32(y*r) + expP5
		y = float32(y*z) + r
		y = y + 1
		n1 := ni >> 1
		y = float32(y * math.Float32frombits(uint32(n1+127)<<23))
		e := float32(y * math.Float32frombits(uint32(ni-n1+127)<<23))
		d := 1 + e
		neg := uint32(int32(xb) >> 31)
		const oneBits = 0x3F800000
		sv := math.Float32frombits(oneBits^((oneBits^math.Float32bits(e))&neg)) / d
		if b != nil {
			sv = sv + b[i]
		}
		dst[i] = sv
	}
}

// SoftmaxSum returns the sum of ExpNeg(x[i]-m) over x, accumulated in 16
// striped lanes (lane i%16, in index order) and then reduced as a tree:
// lane j += lane j+8, then j += j+4, then j += j+2, then lane 0 + lane 1.
// This is the order a 16-lane vector, two 8-lane vectors or four 4-lane
// vectors produce naturally; tails pad with +0, which adds nothing.
// It also writes ExpNeg(x[i]-m) to e[i] when e is not nil.
func SoftmaxSum(x []float32, m float32, e []float32) float32 {
	var acc [16]float32
	for i, v := range x {
		ev := ExpNeg(v - m)
		if e != nil {
			e[i] = ev
		}
		acc[i&15] += ev
	}
	return reduce16(&acc)
}

func reduce16(a *[16]float32) float32 {
	for j := 0; j < 8; j++ {
		a[j] = a[j] + a[j+8]
	}
	for j := 0; j < 4; j++ {
		a[j] = a[j] + a[j+4]
	}
	for j := 0; j < 2; j++ {
		a[j] = a[j] + a[j+2]
	}
	return a[0] + a[1]
}

// Key maps a selection score and its index to a uint64 whose unsigned order
// is moegate's one order: the higher score first, and on equal scores (-0 and
// +0 are equal) the lower index first. Keys of distinct indices never tie.
// Scores are never NaN.
func Key(v float32, i int) uint64 {
	return uint64(OrderBits(v))<<32 | uint64(^uint32(i))
}

// KeyIndex returns the index a Key was made from.
func KeyIndex(k uint64) int { return int(^uint32(k)) }

// OrderBits maps a non-NaN float32 to a uint32 with the same order, -0 and +0
// mapped alike.
func OrderBits(v float32) uint32 {
	b := math.Float32bits(v)
	if b == 0x80000000 {
		b = 0
	}
	return b ^ (uint32(int32(b)>>31) | 0x80000000)
}

// nonFinite reports whether the float32 bits are an infinity or a NaN.
func nonFinite(b uint32) bool { return b&0x7F800000 == 0x7F800000 }
