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

	// Log1p (Cephes logf: the polynomial of log(1+f) - f + f^2/2 over
	// f^3, for f in [sqrt(1/2)-1, sqrt(2)-1]).
	logP0    = float32(7.0376836292e-2)
	logP1    = float32(-1.1514610310e-1)
	logP2    = float32(1.1676998740e-1)
	logP3    = float32(-1.2420140846e-1)
	logP4    = float32(1.4249322787e-1)
	logP5    = float32(-1.6668057665e-1)
	logP6    = float32(2.0000714765e-1)
	logP7    = float32(-2.4999993993e-1)
	logP8    = float32(3.3333331174e-1)
	sqrt2m1  = float32(0.41421356)          // largest f Log1p evaluates directly (float32 below sqrt(2)-1)
	sqrtHalf = float32(0.70710678118654752) // mantissas below it are doubled
	spThresh = float32(20)                  // torch softplus threshold (beta 1): above it softplus(x) = x
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
// Callers never pass NaN, and pass x <= 0 except SqrtSoftplus, which
// passes x in (0, 20]: the same steps compute e^x there (n <= 29, and the two
// scale factors stay normal), with the accuracy TestAccuracySqrtSoftplus
// measures through it.
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
// written out so that the compiler keeps the loop free of calls, two
// elements per iteration so that their dependency chains interleave; a
// test holds it to Sigmoid bit for bit.
func sigmoidRow(dst, x, b []float32) {
	x = x[:len(dst)]
	if b != nil {
		b = b[:len(dst)]
	}
	i := 0
	for ; i+1 < len(x); i += 2 {
		s0, s1 := sigmoid2(x[i], x[i+1])
		if b != nil {
			s0 = s0 + b[i]
			s1 = s1 + b[i+1]
		}
		dst[i], dst[i+1] = s0, s1
	}
	if i < len(x) {
		s0, _ := sigmoid2(x[i], x[i])
		if b != nil {
			s0 = s0 + b[i]
		}
		dst[i] = s0
	}
}

// sigmoid2 is Sigmoid of two values, their operations interleaved.
func sigmoid2(v0, v1 float32) (float32, float32) {
	xb0, xb1 := math.Float32bits(v0), math.Float32bits(v1)
	a0, a1 := math.Float32frombits(xb0|0x80000000), math.Float32frombits(xb1|0x80000000)
	if a0 < expLo {
		a0 = expLo
	}
	if a1 < expLo {
		a1 = expLo
	}
	t0, t1 := float32(a0*log2e)+expMag, float32(a1*log2e)+expMag
	n0, n1 := t0-expMag, t1-expMag
	ni0, ni1 := int32(math.Float32bits(t0))-expMagB, int32(math.Float32bits(t1))-expMagB
	r0, r1 := a0-float32(n0*expC1), a1-float32(n1*expC1)
	r0, r1 = r0-float32(n0*expC2), r1-float32(n1*expC2)
	z0, z1 := float32(r0*r0), float32(r1*r1)
	y0, y1 := float32(expP0*r0)+expP1, float32(expP0*r1)+expP1
	y0, y1 = float32(y0*r0)+expP2, float32(y1*r1)+expP2
	y0, y1 = float32(y0*r0)+expP3, float32(y1*r1)+expP3
	y0, y1 = float32(y0*r0)+expP4, float32(y1*r1)+expP4
	y0, y1 = float32(y0*r0)+expP5, float32(y1*r1)+expP5
	y0, y1 = float32(y0*z0)+r0, float32(y1*z1)+r1
	y0, y1 = y0+1, y1+1
	h0, h1 := ni0>>1, ni1>>1
	y0 = float32(y0 * math.Float32frombits(uint32(h0+127)<<23))
	y1 = float32(y1 * math.Float32frombits(uint32(h1+127)<<23))
	e0 := float32(y0 * math.Float32frombits(uint32(ni0-h0+127)<<23))
	e1 := float32(y1 * math.Float32frombits(uint32(ni1-h1+127)<<23))
	d0, d1 := 1+e0, 1+e1
	neg0, neg1 := uint32(int32(xb0)>>31), uint32(int32(xb1)>>31)
	const oneBits = 0x3F800000
	s0 := math.Float32frombits(oneBits^((oneBits^math.Float32bits(e0))&neg0)) / d0
	s1 := math.Float32frombits(oneBits^((oneBits^math.Float32bits(e1))&neg1)) / d1
	return s0, s1
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

// Log1p returns log(1+y) for y >= 0 (finite; callers pass y = e^x <= e^20).
// Cephes logf's reduction and polynomial, with mul/add only, every product
// rounded, and two correctly rounded divisions:
//
//	if y <= 0.41421356:   f = y, e = 0                  // no rounding at all
//	else:                 u = 1 + y                     // rounded
//	                      c = y >= 1 ? 1 - (u - y) : y - (u - 1)
//	                                                    // exactly u's rounding error (Fast2Sum)
//	                      u = m * 2^e, m in [sqrt(1/2), sqrt(2))  // exponent bits
//	                      f = m - 1                     // exact (Sterbenz)
//	                      c = c / u                     // log(u + c) = log(u) + c/u + O(c^2)
//	z = f*f
//	t = ((P0*f + P1)*f + ... + P8) * f * z              // Horner, each product rounded
//	t = t + e*C2; t = t - 0.5*z; t = t + c
//	r = (f + t) + e*C1                                  // C1, C2: the exp's split of ln 2
//
// Small y never forms 1 + y, so log1p(y) keeps full relative accuracy
// (Log1p(y) = y for y below about 2^-24 within rounding).
func Log1p(y float32) float32 {
	var f, c, e float32
	if y <= sqrt2m1 {
		f = y
	} else {
		u := 1 + y
		if y >= 1 {
			c = 1 - (u - y)
		} else {
			c = y - (u - 1)
		}
		ub := math.Float32bits(u)
		ex := int32(ub>>23) - 127
		m := math.Float32frombits(ub&0x007FFFFF | 0x3F800000) // [1, 2)
		if m > 1/sqrtHalf {
			m = math.Float32frombits(math.Float32bits(m) - 1<<23) // m/2, exact
			ex++
		}
		f = m - 1
		e = float32(ex)
		c = c / u
	}
	z := float32(f * f)
	t := float32(logP0*f) + logP1
	t = float32(t*f) + logP2
	t = float32(t*f) + logP3
	t = float32(t*f) + logP4
	t = float32(t*f) + logP5
	t = float32(t*f) + logP6
	t = float32(t*f) + logP7
	t = float32(t*f) + logP8
	t = float32(float32(t*f) * z)
	t = t + float32(e*expC2)
	t = t - float32(0.5*z)
	t = t + c
	r := f + t
	return r + float32(e*expC1)
}

// SqrtSoftplus returns sqrt(softplus(x)) for finite x, with torch's
// softplus (beta 1, threshold 20), DeepSeek-V4's score function:
//
//	v = x > 20 ? x : Log1p(ExpNeg(x))    // ExpNeg: e^x, also for x in (0, 20]
//	s = sqrt(v)                          // correctly rounded (SQRTPS, FSQRT)
//
// softplus is held in float32 between the two steps, as the model's float32
// code holds it: for x below about -87.3 it is subnormal (and 0 below about
// -104), so the scores of distinct very negative logits tie.
func SqrtSoftplus(x float32) float32 {
	v := x
	if !(x > spThresh) {
		v = Log1p(ExpNeg(x))
	}
	return float32(math.Sqrt(float64(v)))
}
