package asm

// Accuracy of moegate's exponential and sigmoid against float64.
//
// README text:
//
// Accuracy. moegate's Sigmoid(x) is within 2.5 ulp of 1/(1+e^-x), and
// ExpNeg(x) (e^x for x <= 0) within 1 ulp of e^x, for every float32 input
// whose result is a normal float32; where the exact result is below the
// smallest normal float32 (2^-126), the error is at most 1 unit of the
// smallest subnormal (2^-149) for both. The ulp is taken at the exact
// result: for |y| in [2^e, 2^(e+1)) with e >= -126 it is 2^(e-23); below
// 2^-126 it is 2^-149. The exact result is computed in float64 (its own
// error, about 2^-53 relative, is negligible at these bounds). Every SIMD
// kernel returns the same bits as these Go functions, so the bounds hold for
// every implementation. `go test ./asm -run Accuracy` checks a dense sample
// in a few seconds; `MOEGATE_LONG=1 go test ./asm -run Accuracy -timeout 60m`
// checks every float32 input (all 2^32 bit patterns but NaNs for Sigmoid,
// every x <= 0 for ExpNeg).
//
// Measured over every input (MOEGATE_LONG=1, 2026-11-23, 969 s on 2 shared
// cores): Sigmoid worst 2.402 ulp (x = -4.157294), ExpNeg worst 0.982 ulp
// (x = -81.39479); subnormal results worst 0.750 x 2^-149 for both
// (x = -87.33736).

import (
	"fmt"
	"math"
	"os"
	"runtime"
	"sync"
	"testing"
)

// Stated bounds, in ulp at the exact result (see the comment above).
const (
	sigmoidBoundNormal = 2.5 // results >= 2^-126
	expBoundNormal     = 1.0
	subnormalBound     = 1.0 // results < 2^-126, in units of 2^-149, both functions
)

// ulpErr returns |got - exact| in units of the float32 ulp at exact:
// 2^(e-23) for |exact| in [2^e, 2^(e+1)), e >= -126; 2^-149 below 2^-126.
// The second result reports whether exact is below the smallest normal.
func ulpErr(got float32, exact float64) (float64, bool) {
	a := math.Abs(exact)
	if a < 0x1p-126 {
		return math.Abs(float64(got)-exact) / 0x1p-149, true
	}
	_, e := math.Frexp(a) // a = f * 2^e, f in [0.5, 1): a in [2^(e-1), 2^e)
	return math.Abs(float64(got)-exact) / math.Ldexp(1, e-24), false
}

func sigmoid64(x float32) float64 { return 1 / (1 + math.Exp(-float64(x))) }

// accStats is the worst error seen, by result range.
type accStats struct {
	n                   uint64
	worstNorm, worstSub float64
	argNorm, argSub     uint32 // input bits of the worst cases
	bad                 string // first property violation
}

func (s *accStats) add(xb uint32, got float32, exact float64) {
	s.n++
	e, sub := ulpErr(got, exact)
	if sub {
		if e > s.worstSub {
			s.worstSub, s.argSub = e, xb
		}
	} else if e > s.worstNorm || math.IsNaN(e) {
		s.worstNorm, s.argNorm = e, xb
	}
	if s.bad == "" && (got < 0 || got > 1 || got != got) {
		s.bad = fmt.Sprintf("input %v (%#08x): result %v outside [0, 1]", math.Float32frombits(xb), xb, got)
	}
}

func (s *accStats) merge(o *accStats) {
	s.n += o.n
	if o.worstNorm > s.worstNorm || math.IsNaN(o.worstNorm) {
		s.worstNorm, s.argNorm = o.worstNorm, o.argNorm
	}
	if o.worstSub > s.worstSub {
		s.worstSub, s.argSub = o.worstSub, o.argSub
	}
	if s.bad == "" {
		s.bad = o.bad
	}
}

// sweep calls f on the input bits lo, lo+step, ... <= hi, in parallel.
func sweep(lo, hi, step uint64, f func(xb uint32, s *accStats)) accStats {
	workers := runtime.GOMAXPROCS(0)
	n := (hi-lo)/step + 1
	per := (n + uint64(workers) - 1) / uint64(workers)
	stats := make([]accStats, workers)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Go(func() {
			s := &stats[w]
			for i := uint64(w) * per; i < min(n, uint64(w+1)*per); i++ {
				f(uint32(lo+i*step), s)
			}
		})
	}
	wg.Wait()
	var all accStats
	for i := range stats {
		all.merge(&stats[i])
	}
	return all
}

func sigmoidPoint(xb uint32, s *accStats) {
	x := math.Float32frombits(xb)
	if x != x {
		return
	}
	s.add(xb, Sigmoid(x), sigmoid64(x))
}

func expPoint(xb uint32, s *accStats) {
	x := math.Float32frombits(xb)
	if x != x || x > 0 {
		return
	}
	s.add(xb, ExpNeg(x), math.Exp(float64(x)))
}

func checkAcc(t *testing.T, name string, s accStats, boundNorm float64) {
	t.Helper()
	t.Logf("%s: %d inputs; worst %.3f ulp (normal results, at x=%v), %.3f x 2^-149 (subnormal results, at x=%v)",
		name, s.n, s.worstNorm, math.Float32frombits(s.argNorm), s.worstSub, math.Float32frombits(s.argSub))
	if s.bad != "" {
		t.Errorf("%s: %s", name, s.bad)
	}
	if !(s.worstNorm <= boundNorm) {
		t.Errorf("%s: %.3f ulp at x=%v (%#08x) exceeds the stated bound %v", name, s.worstNorm,
			math.Float32frombits(s.argNorm), s.argNorm, boundNorm)
	}
	if !(s.worstSub <= subnormalBound) {
		t.Errorf("%s: %.3f x 2^-149 at x=%v (%#08x) exceeds the stated subnormal bound %v", name, s.worstSub,
			math.Float32frombits(s.argSub), s.argSub, subnormalBound)
	}
}

// knownWorst are the worst inputs of the full sweep (see the top comment),
// checked in the default run too.
var knownWorst = []float32{-4.157294, -81.39479, -87.33736}

const (
	bitsNeg20  = 0xC1A00000 // -20
	bitsPos20  = 0x41A00000 // 20
	bitsNeg104 = 0xC2D00000 // -104
)

// TestAccuracySigmoid: by default every 1021st float32 bit pattern plus every
// 421st float32 in [-20, 20] (about 9.4M inputs, about a second on 2 cores);
// with MOEGATE_LONG=1 all 2^32.
func TestAccuracySigmoid(t *testing.T) {
	var s accStats
	if os.Getenv("MOEGATE_LONG") == "1" {
		s = sweep(0, math.MaxUint32, 1, sigmoidPoint)
	} else {
		if testing.Short() {
			s = sweep(0, math.MaxUint32, 4093, sigmoidPoint)
		} else {
			s = sweep(0, math.MaxUint32, 1021, sigmoidPoint)
			a := sweep(0, bitsPos20, 421, sigmoidPoint)
			b := sweep(0x80000000, bitsNeg20, 421, sigmoidPoint)
			s.merge(&a)
			s.merge(&b)
		}
	}
	for _, x := range knownWorst { // the worst inputs of the full sweep
		sigmoidPoint(math.Float32bits(x), &s)
	}
	checkAcc(t, "Sigmoid", s, sigmoidBoundNormal)
}

// TestAccuracyExpNeg: x <= 0; by default every 1021st negative bit pattern
// plus every 421st float32 in [-104, 0] (about 4.7M inputs); with
// MOEGATE_LONG=1 all 2^31.
func TestAccuracyExpNeg(t *testing.T) {
	var s accStats
	if os.Getenv("MOEGATE_LONG") == "1" {
		s = sweep(0x80000000, math.MaxUint32, 1, expPoint)
	} else {
		step := uint64(1021)
		if testing.Short() {
			step = 2047
		}
		s = sweep(0x80000000, math.MaxUint32, step, expPoint)
		if !testing.Short() {
			a := sweep(0x80000000, bitsNeg104, 421, expPoint)
			s.merge(&a)
		}
	}
	z := sweep(0, 0, 1, expPoint) // +0
	s.merge(&z)
	for _, x := range knownWorst {
		expPoint(math.Float32bits(x), &s)
	}
	checkAcc(t, "ExpNeg", s, expBoundNormal)
}

// TestAccuracySpecials: exact values at the edges.
func TestAccuracySpecials(t *testing.T) {
	negZero := float32(math.Copysign(0, -1))
	inf := float32(math.Inf(1))
	for _, c := range []struct {
		name      string
		got, want float32
	}{
		{"Sigmoid(+0)", Sigmoid(0), 0.5},
		{"Sigmoid(-0)", Sigmoid(negZero), 0.5},
		{"Sigmoid(+Inf)", Sigmoid(inf), 1},
		{"Sigmoid(-Inf)", Sigmoid(-inf), 0},
		{"Sigmoid(MaxFloat32)", Sigmoid(math.MaxFloat32), 1},
		{"Sigmoid(-MaxFloat32)", Sigmoid(-math.MaxFloat32), 0},
		{"ExpNeg(+0)", ExpNeg(0), 1},
		{"ExpNeg(-0)", ExpNeg(negZero), 1},
		{"ExpNeg(-Inf)", ExpNeg(-inf), 0},
		{"ExpNeg(-104)", ExpNeg(-104), 0},
		{"ExpNeg(-MaxFloat32)", ExpNeg(-math.MaxFloat32), 0},
	} {
		if math.Float32bits(c.got) != math.Float32bits(c.want) {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
}

// TestUlpErr pins the unit used above.
func TestUlpErr(t *testing.T) {
	for _, c := range []struct {
		got   float32
		exact float64
		want  float64
		sub   bool
	}{
		{1, 1 + 0x1p-23, 1, false},                 // [1, 2): ulp 2^-23
		{1, 1 - 0x1p-25, 0.5, false},               // [0.5, 1): ulp 2^-24
		{0.5, 0.5 + 0x1p-25, 0.5, false},           // ulp 2^-24
		{0x1p-126, 0x1p-126 + 0x1p-149, 1, false},  // smallest normal
		{0, 0x1p-149, 1, true},                     // subnormal: unit 2^-149
		{0x1p-140, 0x1p-140 + 0x1p-150, 0.5, true}, // subnormal
	} {
		e, sub := ulpErr(c.got, c.exact)
		if e != c.want || sub != c.sub {
			t.Errorf("ulpErr(%v, %v) = %v %v, want %v %v", c.got, c.exact, e, sub, c.want, c.sub)
		}
	}
}

// SqrtSoftplus and Log1p (issue 9).
//
// README text:
//
// SqrtSoftplus(x) is within 1.5 ulp of sqrt(softplus(x)) computed in
// float64 (torch's threshold: x > 20 ? x : log1p(e^x)), for every finite
// float32 x whose softplus(x) is a normal float32 (x >= -87.33). Below,
// softplus(x) is subnormal in float32, where the model's float32 code holds
// it too: there the square of the result is within 1.5 x 2^-149 of
// softplus(x) (so the result tracks e^(x/2) with the coarseness of a
// subnormal softplus, and is 0 below about -104). Log1p(y), the log1p of the
// float contract, is within 1 ulp of log1p(y) for every y in [0, e^20].
// `go test ./asm -run Accuracy` samples about 10M inputs in a second;
// `MOEGATE_LONG=1` checks every float32.
//
// Measured over every input (MOEGATE_LONG=1, 2026-12-04, 897 s and 298 s on
// 2 busy shared cores): SqrtSoftplus worst 1.308 ulp (x = -1.3029237) over
// all 4,278,190,082 finite inputs; below the normal softplus range
// |s^2 - softplus| worst 1.220 x 2^-149 (x = -87.38097). Log1p worst 0.838
// ulp (y = 0.4140421) over every float32 in [0, 4.87e8].

const (
	sqrtSoftplusBound    = 1.5 // ulp, softplus(x) >= 2^-126
	sqrtSoftplusSubBound = 1.5 // |s^2 - softplus(x)| in units of 2^-149, softplus(x) < 2^-126
	log1pBound           = 1.0 // ulp, y in [0, e^20]
)

// softplus64 is torch's softplus (beta 1, threshold 20) in float64.
func softplus64(x float32) float64 {
	if x > 20 {
		return float64(x)
	}
	return math.Log1p(math.Exp(float64(x)))
}

func sqrtSoftplusPoint(xb uint32, s *accStats) {
	x := math.Float32frombits(xb)
	if x != x || math.IsInf(float64(x), 0) {
		return
	}
	got := SqrtSoftplus(x)
	v := softplus64(x)
	s.n++
	if !(got >= 0) || math.IsInf(float64(got), 0) {
		if s.bad == "" {
			s.bad = fmt.Sprintf("input %v (%#08x): result %v", x, xb, got)
		}
		return
	}
	if v < 0x1p-126 {
		e := math.Abs(float64(got)*float64(got)-v) / 0x1p-149
		if e > s.worstSub {
			s.worstSub, s.argSub = e, xb
		}
		return
	}
	if e, _ := ulpErr(got, math.Sqrt(v)); e > s.worstNorm || math.IsNaN(e) {
		s.worstNorm, s.argNorm = e, xb
	}
}

func log1pPoint(yb uint32, s *accStats) {
	y := math.Float32frombits(yb)
	if y != y || y < 0 || y > 4.9e8 {
		return
	}
	s.n++
	e, sub := ulpErr(Log1p(y), math.Log1p(float64(y)))
	if sub {
		if e > s.worstSub {
			s.worstSub, s.argSub = e, yb
		}
	} else if e > s.worstNorm || math.IsNaN(e) {
		s.worstNorm, s.argNorm = e, yb
	}
}

func checkAccBounds(t *testing.T, name string, s accStats, boundNorm, boundSub float64) {
	t.Helper()
	t.Logf("%s: %d inputs; worst %.3f ulp (at %v), %.3f x 2^-149 (subnormal range, at %v)",
		name, s.n, s.worstNorm, math.Float32frombits(s.argNorm), s.worstSub, math.Float32frombits(s.argSub))
	if s.bad != "" {
		t.Errorf("%s: %s", name, s.bad)
	}
	if !(s.worstNorm <= boundNorm) {
		t.Errorf("%s: %.3f ulp at %v (%#08x) exceeds the stated bound %v", name, s.worstNorm,
			math.Float32frombits(s.argNorm), s.argNorm, boundNorm)
	}
	if !(s.worstSub <= boundSub) {
		t.Errorf("%s: %.3f x 2^-149 at %v (%#08x) exceeds the stated bound %v", name, s.worstSub,
			math.Float32frombits(s.argSub), s.argSub, boundSub)
	}
}

// knownWorstSP are the worst inputs of the full sweep, checked in the
// default run too.
var knownWorstSP = []float32{-1.3029237, -87.38097, -1.2807162, -87.396355}

const (
	bitsPos21    = 0x41A80000 // 21
	bitsNeg105   = 0xC2D20000 // -105
	bitsExp20ish = 0x4DE80000 // 4.87e8 > e^20
)

// TestAccuracySqrtSoftplus: by default every 1021st float32 bit pattern
// plus every 421st float32 in [-105, 21] (about 10M inputs); with
// MOEGATE_LONG=1 all 2^32.
func TestAccuracySqrtSoftplus(t *testing.T) {
	var s accStats
	if os.Getenv("MOEGATE_LONG") == "1" {
		s = sweep(0, math.MaxUint32, 1, sqrtSoftplusPoint)
	} else {
		step := uint64(1021)
		if testing.Short() {
			step = 4093
		}
		s = sweep(0, math.MaxUint32, step, sqrtSoftplusPoint)
		if !testing.Short() {
			a := sweep(0, bitsPos21, 421, sqrtSoftplusPoint)
			b := sweep(0x80000000, bitsNeg105, 421, sqrtSoftplusPoint)
			s.merge(&a)
			s.merge(&b)
		}
	}
	for _, x := range knownWorstSP {
		sqrtSoftplusPoint(math.Float32bits(x), &s)
	}
	checkAccBounds(t, "SqrtSoftplus", s, sqrtSoftplusBound, sqrtSoftplusSubBound)
}

// TestAccuracyLog1p: y in [0, e^20]; by default every 211th float32 (about
// 6M inputs); with MOEGATE_LONG=1 every one.
func TestAccuracyLog1p(t *testing.T) {
	step := uint64(211)
	if os.Getenv("MOEGATE_LONG") == "1" {
		step = 1
	} else if testing.Short() {
		step = 1021
	}
	s := sweep(0, bitsExp20ish, step, log1pPoint)
	for _, y := range []float32{0, 0x1p-24, 0.41421356, 0.41421357, 1, 2, 0x1p24, 4.85165195e8} {
		log1pPoint(math.Float32bits(y), &s)
	}
	checkAccBounds(t, "Log1p", s, log1pBound, subnormalBound)
}

// TestSqrtSoftplusSpecials: exact values and the threshold.
func TestSqrtSoftplusSpecials(t *testing.T) {
	negZero := float32(math.Copysign(0, -1))
	for _, c := range []struct {
		x, want float32
	}{
		{25, 5},
		{20.000002, float32(math.Sqrt(20.000002))}, // above the threshold: sqrt(x)
		{math.MaxFloat32, float32(math.Sqrt(math.MaxFloat32))},
		{-104, 0}, {-1000, 0}, {-math.MaxFloat32, 0},
		{0, float32(math.Sqrt(math.Ln2))}, {negZero, float32(math.Sqrt(math.Ln2))},
	} {
		if got := SqrtSoftplus(c.x); math.Float32bits(got) != math.Float32bits(c.want) {
			// sqrt(ln 2) within the bound is enough; the rest are exact.
			if e, _ := ulpErr(got, math.Sqrt(softplus64(c.x))); c.x == 0 && e <= sqrtSoftplusBound {
				continue
			}
			t.Errorf("SqrtSoftplus(%v) = %v, want %v", c.x, got, c.want)
		}
	}
	// Monotone (non-decreasing) in x across the threshold and the
	// subnormal range: selection on the scores never inverts two logits.
	prev := float32(0)
	for xb := uint32(0xC2D20000); xb > 0x80000000; xb -= 997 { // -105 .. -0
		v := SqrtSoftplus(math.Float32frombits(xb))
		if v < prev {
			t.Fatalf("SqrtSoftplus decreases at %v: %v < %v", math.Float32frombits(xb), v, prev)
		}
		prev = v
	}
	for xb := uint32(0); xb < 0x42000000; xb += 997 { // 0 .. 32
		v := SqrtSoftplus(math.Float32frombits(xb))
		if v < prev {
			t.Fatalf("SqrtSoftplus decreases at %v: %v < %v", math.Float32frombits(xb), v, prev)
		}
		prev = v
	}
}

// TestSqrtSoftplusPinned pins the bits of SqrtSoftplus and Log1p on a
// sample of inputs with a hash, so that every architecture and build
// (amd64, GOAMD64=v3, arm64, purego) is held to the same bits: Go may fuse
// an unwrapped x*y+z on some of them, which the accuracy bounds would not
// notice.
func TestSqrtSoftplusPinned(t *testing.T) {
	var h uint64 = 14695981039346656037
	mix := func(v float32) {
		h ^= uint64(math.Float32bits(v))
		h *= 1099511628211
	}
	for xb := uint64(0); xb <= math.MaxUint32; xb += 40009 {
		x := math.Float32frombits(uint32(xb))
		if x != x || math.IsInf(float64(x), 0) {
			continue
		}
		mix(SqrtSoftplus(x))
		if x >= 0 && x <= 4.8e8 {
			mix(Log1p(x))
		}
	}
	const want = 0xdc1c10630c299d0e
	if h != want {
		t.Errorf("SqrtSoftplus/Log1p sample hash %#x, want %#x: the bits changed", h, uint64(want))
	}
}
