//go:build gc && !purego

package asm

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"unsafe"

	"golang.org/x/sys/cpu"
	"golang.org/x/sys/unix"
)

// TestNEONDispatch fails if, on a CPU with ASIMD, the NEON kernels are not
// offered and chosen: dispatch must not silently fall back to Go. The CPU's
// features are read independently of x/sys/cpu, from AT_HWCAP in
// /proc/self/auxv (which qemu-user emulates for the CPU it models).
func TestNEONDispatch(t *testing.T) {
	hw, ok := auxvHWCAP()
	const hwcapASIMD = 1 << 1
	switch {
	case ok && hw&hwcapASIMD != 0 && !cpu.ARM64.HasASIMD:
		if strings.Contains(os.Getenv("GODEBUG"), "cpu.asimd=off") {
			if Supported(NEON) {
				t.Fatal("GODEBUG=cpu.asimd=off but NEON is still offered")
			}
			t.Skip("ASIMD turned off by GODEBUG=cpu.asimd=off: the Go path runs, as asked")
		}
		t.Fatalf("AT_HWCAP %#x has ASIMD but x/sys/cpu says no", hw)
	case ok && hw&hwcapASIMD == 0:
		if Supported(NEON) {
			t.Fatalf("AT_HWCAP %#x lacks ASIMD but NEON is offered", hw)
		}
		t.Skip("CPU without ASIMD: the NEON kernels cannot run here")
	case !ok && !cpu.ARM64.HasASIMD:
		t.Skip("CPU without ASIMD (no auxv to cross-check): the NEON kernels cannot run here")
	}
	if !hasNEON {
		t.Fatal("cpu.ARM64.HasASIMD but hasNEON is false")
	}
	if !Supported(NEON) || Best() != NEON {
		t.Fatalf("Available() = %v on an ASIMD CPU, want NEON first", Available())
	}
	p := Plan{E: 8, K: 2, Groups: 1, TopGroups: 1, Scale: 1}
	if Choose(NEON, &p).Impl() != NEON {
		t.Fatal("Choose(NEON) declined on an ASIMD CPU")
	}
	t.Logf("AT_HWCAP %#x (read: %v); Available() = %v", hw, ok, Available())
}

// auxvHWCAP returns AT_HWCAP from /proc/self/auxv.
func auxvHWCAP() (uint64, bool) {
	b, err := os.ReadFile("/proc/self/auxv")
	if err != nil {
		return 0, false
	}
	const atHWCAP = 16
	for i := 0; i+16 <= len(b); i += 16 {
		k := binary.LittleEndian.Uint64(b[i:])
		v := binary.LittleEndian.Uint64(b[i+8:])
		if k == atHWCAP {
			return v, true
		}
		if k == 0 {
			break
		}
	}
	return 0, false
}

func needNEON(t *testing.T) {
	t.Helper()
	if !hasNEON {
		t.Skip("ASIMD unavailable (CPU without it, or GODEBUG=cpu.asimd=off): the NEON kernels cannot run here")
	}
}

// guarded returns n float32 slots that end flush against a PROT_NONE page,
// so that any read past the end faults.
func guarded(t *testing.T, n int) []float32 {
	t.Helper()
	pg := os.Getpagesize()
	size := (n*4+pg-1)/pg*pg + pg
	mem, err := unix.Mmap(-1, 0, size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_ANON|unix.MAP_PRIVATE)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Munmap(mem) })
	if err := unix.Mprotect(mem[size-pg:], unix.PROT_NONE); err != nil {
		t.Fatal(err)
	}
	b := mem[size-pg-n*4 : size-pg]
	if n == 0 {
		return nil
	}
	return unsafeFloats(b)
}

var neonSpecials = []float32{0, float32(math.Copysign(0, -1)), 1e-40, -1e-40, 1.4e-45, -1.4e-45,
	1.17549435e-38, -1.17549435e-38, 87.34, -87.34, 88.72, -88.72, 104, -104, 103.97, -103.97,
	104.5, -104.5, 150, -150, 1e10, -1e10, 3.4028235e38, -3.4028235e38, 0.5, -0.5, 1, -1,
	1e-8, -1e-8, 17.328680, -17.328680, 16.635532, -16.635532, 0.34657359, -0.34657359}

// kernelLens are every length 0..70 and the thresholds of the model shapes.
var kernelLens = func() []int {
	var l []int
	for n := 0; n <= 70; n++ {
		l = append(l, n)
	}
	return append(l, 127, 128, 129, 159, 160, 161, 255, 256, 257, 383, 384, 385, 512, 1024)
}()

func fillRandom(r *rand.Rand, x []float32) {
	mode := r.IntN(5)
	for i := range x {
		switch mode {
		case 0:
			x[i] = float32(r.NormFloat64() * 2)
		case 1:
			x[i] = float32(r.IntN(7)-3) * 0.5
		case 2:
			x[i] = float32(r.NormFloat64() * 40)
		case 3:
			x[i] = math.Float32frombits(r.Uint32() &^ 0x40000000) // |x| < 2, any bits
		default:
			x[i] = neonSpecials[r.IntN(len(neonSpecials))]
		}
		if r.IntN(8) == 0 {
			x[i] = neonSpecials[r.IntN(len(neonSpecials))]
		}
	}
}

func sameBits(a, b float32) bool { return math.Float32bits(a) == math.Float32bits(b) }

const canaryNaN = 0x7FC0DEAD // a NaN no kernel produces

func TestSigmoidNEON(t *testing.T) {
	needNEON(t)
	r := rand.New(rand.NewPCG(3, 4))
	for _, n := range kernelLens {
		for rep := 0; rep < 6; rep++ {
			x := guarded(t, n)
			fillRandom(r, x)
			var bias []float32
			if rep%2 == 1 {
				bias = guarded(t, n)
				for i := range bias {
					bias[i] = float32(r.NormFloat64()) * []float32{1e-3, 1, 1e30}[r.IntN(3)]
				}
			}
			dst := make([]float32, n+4)
			for i := range dst {
				dst[i] = math.Float32frombits(canaryNaN)
			}
			var xp, bp, dp *float32
			if n > 0 {
				xp, dp = &x[0], &dst[0]
				if bias != nil {
					bp = &bias[0]
				}
			}
			if bad := sigmoidNEON(dp, nil, xp, bp, n); bad {
				t.Fatalf("n=%d: bad on a finite row", n)
			}
			for i := 0; i < n; i++ {
				want := Sigmoid(x[i])
				if bias != nil {
					want = want + bias[i]
				}
				if !sameBits(dst[i], want) {
					t.Fatalf("n=%d i=%d x=%g (%#08x): got %g (%#08x), want %g (%#08x)",
						n, i, x[i], math.Float32bits(x[i]), dst[i], math.Float32bits(dst[i]), want, math.Float32bits(want))
				}
			}
			for i := n; i < n+4; i++ {
				if math.Float32bits(dst[i]) != canaryNaN {
					t.Fatalf("n=%d: wrote past the end at %d", n, i)
				}
			}
		}
	}
}

// TestSigmoidNEONSweep compares the NEON sigmoid with Sigmoid on a dense
// sample of all finite float32 bit patterns (every 7th with MOEGATE_LONG=1).
func TestSigmoidNEONSweep(t *testing.T) {
	needNEON(t)
	step := uint32(2039) // about 2.1M inputs
	if os.Getenv("MOEGATE_LONG") != "" {
		step = 7
	}
	const blk = 4096
	x := make([]float32, 0, blk)
	dst := make([]float32, blk)
	check := func() {
		if len(x) == 0 {
			return
		}
		if sigmoidNEON(&dst[0], nil, &x[0], nil, len(x)) {
			t.Fatal("bad on finite inputs")
		}
		for i, v := range x {
			if want := Sigmoid(v); !sameBits(dst[i], want) {
				t.Fatalf("x=%g (%#08x): got %#08x, want %#08x", v, math.Float32bits(v), math.Float32bits(dst[i]), math.Float32bits(want))
			}
		}
		x = x[:0]
	}
	for b := uint64(0); b < 1<<32; b += uint64(step) {
		if uint32(b)&0x7F800000 == 0x7F800000 {
			continue
		}
		x = append(x, math.Float32frombits(uint32(b)))
		if len(x) == blk {
			check()
		}
	}
	check()
}

func TestNonFiniteNEON(t *testing.T) {
	needNEON(t)
	r := rand.New(rand.NewPCG(5, 6))
	bads := []float32{float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()),
		math.Float32frombits(0x7F800001), math.Float32frombits(0xFFFFFFFF)}
	for _, n := range kernelLens {
		if n == 0 {
			continue
		}
		x := guarded(t, n)
		dst := make([]float32, n)
		for pos := 0; pos < n; pos += 1 + pos/17 {
			fillRandom(r, x)
			if _, bad := maxNEON(&x[0], n); bad {
				t.Fatalf("n=%d: maxBad reports a finite row bad", n)
			}
			save := x[pos]
			x[pos] = bads[r.IntN(len(bads))]
			if _, bad := maxNEON(&x[0], n); !bad {
				t.Fatalf("n=%d: maxBad misses %g at %d", n, x[pos], pos)
			}
			if bad := sigmoidNEON(&dst[0], nil, &x[0], nil, n); !bad {
				t.Fatalf("n=%d: sigmoid misses %g at %d", n, x[pos], pos)
			}
			x[pos] = save
		}
	}
}

func TestSoftmaxNEON(t *testing.T) {
	needNEON(t)
	r := rand.New(rand.NewPCG(7, 8))
	for _, n := range kernelLens {
		if n == 0 {
			continue
		}
		for rep := 0; rep < 6; rep++ {
			x := guarded(t, n)
			fillRandom(r, x)
			m, bad := maxNEON(&x[0], n)
			if bad {
				t.Fatalf("n=%d: bad on a finite row", n)
			}
			wm := x[0]
			for _, v := range x[1:] {
				if v > wm {
					wm = v
				}
			}
			if m != wm { // -0 == +0: either sign is a correct maximum
				t.Fatalf("n=%d: max %g, want %g", n, m, wm)
			}
			want := make([]float32, n)
			wantS := SoftmaxSum(x, wm, want)
			dst := make([]float32, n+4)
			for i := range dst {
				dst[i] = math.Float32frombits(canaryNaN)
			}
			S := expSumNEON(&dst[0], &x[0], n, m)
			if !sameBits(S, wantS) {
				t.Fatalf("n=%d: sum %g (%#08x), want %g (%#08x)", n, S, math.Float32bits(S), wantS, math.Float32bits(wantS))
			}
			if S2 := expSumNEON(nil, &x[0], n, m); !sameBits(S2, wantS) {
				t.Fatalf("n=%d: sum without dst %g, want %g", n, S2, wantS)
			}
			for i := 0; i < n; i++ {
				if !sameBits(dst[i], want[i]) {
					t.Fatalf("n=%d i=%d x-m=%g: e %#08x, want %#08x", n, i, x[i]-m, math.Float32bits(dst[i]), math.Float32bits(want[i]))
				}
			}
			for i := n; i < n+4; i++ {
				if math.Float32bits(dst[i]) != canaryNaN {
					t.Fatalf("n=%d: expSum wrote past the end at %d", n, i)
				}
			}
			var bias []float32
			var bp *float32
			if rep%2 == 1 {
				bias = guarded(t, n)
				for i := range bias {
					bias[i] = float32(r.NormFloat64())
				}
				bp = &bias[0]
			}
			divBiasNEON(&dst[0], bp, n, S)
			for i := 0; i < n; i++ {
				w := want[i] / wantS
				if bias != nil {
					w = w + bias[i]
				}
				if !sameBits(dst[i], w) {
					t.Fatalf("n=%d i=%d: div/bias %#08x, want %#08x", n, i, math.Float32bits(dst[i]), math.Float32bits(w))
				}
			}
			for i := n; i < n+4; i++ {
				if math.Float32bits(dst[i]) != canaryNaN {
					t.Fatalf("n=%d: divBias wrote past the end at %d", n, i)
				}
			}
		}
	}
}

// TestExpNegNEONSweep checks the vector ExpNeg (through expSumNEON with m=0)
// on a dense sample of all x <= 0 (every 3rd with MOEGATE_LONG=1).
func TestExpNegNEONSweep(t *testing.T) {
	needNEON(t)
	step := uint32(1021) // about 2.1M inputs
	if os.Getenv("MOEGATE_LONG") != "" {
		step = 3
	}
	const blk = 4096
	x := make([]float32, 0, blk)
	dst := make([]float32, blk)
	check := func() {
		if len(x) == 0 {
			return
		}
		expSumNEON(&dst[0], &x[0], len(x), 0)
		for i, v := range x {
			if want := ExpNeg(v); !sameBits(dst[i], want) {
				t.Fatalf("x=%g (%#08x): got %#08x, want %#08x", v, math.Float32bits(v), math.Float32bits(dst[i]), math.Float32bits(want))
			}
		}
		x = x[:0]
	}
	// Non-positive floats: +0, then sign bit set up to (excluding) -Inf.
	x = append(x, 0)
	for b := uint64(0x80000000); b < 0xFF800000; b += uint64(step) {
		x = append(x, math.Float32frombits(uint32(b)))
		if len(x) == blk {
			check()
		}
	}
	check()
}

func unsafeFloats(b []byte) []float32 {
	return unsafe.Slice((*float32)(unsafe.Pointer(&b[0])), len(b)/4)
}

// TestTopKNEON checks the selection kernel against topK (and so against the
// insertion and heap paths) with merges, ties, signed zeros and extremes.
func TestTopKNEON(t *testing.T) {
	needNEON(t)
	r := rand.New(rand.NewPCG(9, 10))
	pool := []float32{0, float32(math.Copysign(0, -1)), 1, -1, 1e-40, -1e-40, 3.4028235e38, -3.4028235e38,
		float32(math.Inf(1)), float32(math.Inf(-1)), 0.5, 0.25}
	for trial := 0; trial < 6000; trial++ {
		K := 1 + r.IntN(40)
		if trial%7 == 0 {
			K = 1 + r.IntN(4)
		}
		top := make([]uint64, K+2)
		ref := make([]uint64, K)
		n := 0
		// Up to 4 merged scans, as with kept groups (in any index order).
		scans := 1 + r.IntN(4)
		bases := r.Perm(scans)
		gs := r.IntN(70)
		for sc := 0; sc < scans; sc++ {
			vals := guarded(t, gs)
			for i := range vals {
				switch trial % 3 {
				case 0:
					vals[i] = pool[r.IntN(len(pool))]
				case 1:
					vals[i] = float32(r.IntN(5)) * 0.5
				default:
					vals[i] = float32(r.NormFloat64())
				}
			}
			base := bases[sc] * gs
			top[K], top[K+1] = 0xDEADBEEF, 0xDEADBEEF
			var nn int
			if gs == 0 {
				nn = n
			} else {
				nn = topKNEON(&top[0], n, K, &vals[0], gs, base)
			}
			rn := topK(ref, n, vals, base)
			if nn != rn {
				t.Fatalf("trial %d scan %d: count %d, want %d", trial, sc, nn, rn)
			}
			for j := 0; j < rn; j++ {
				if top[j] != ref[j] {
					t.Fatalf("trial %d scan %d K=%d: top[%d] = %#x, want %#x\nvals %v", trial, sc, K, j, top[j], ref[j], vals)
				}
			}
			if top[K] != 0xDEADBEEF || top[K+1] != 0xDEADBEEF {
				t.Fatalf("trial %d: wrote past top[K]", trial)
			}
			n = rn
		}
	}
}

// TestGroupScoresNEON checks group scores against chooseGroups' loop for
// every group size 1..40 (and the model sizes), by Key order (the only way
// group scores are used: a zero's sign is invisible to Key).
func TestGroupScoresNEON(t *testing.T) {
	needNEON(t)
	r := rand.New(rand.NewPCG(17, 18))
	sizes := []int{}
	for gs := 1; gs <= 40; gs++ {
		sizes = append(sizes, gs)
	}
	sizes = append(sizes, 48, 64, 96, 128)
	for _, gs := range sizes {
		for _, G := range []int{1, 2, 3, 8, 16} {
			for _, gmax := range []bool{false, true} {
				if !gmax && gs < 2 {
					continue
				}
				for rep := 0; rep < 4; rep++ {
					E := G * gs
					sel := guarded(t, E)
					fillRandom(r, sel)
					if rep == 3 {
						for i := range sel {
							sel[i] = []float32{0, float32(math.Copysign(0, -1)), -1}[r.IntN(3)]
						}
					}
					p := Plan{E: E, K: 1, Groups: G, TopGroups: G, GroupMax: gmax, Scale: 1}
					s := p.NewScratch()
					chooseGroups(&p, s, sel)
					want := append([]float32(nil), s.GSc...)
					got := make([]float32, G+2)
					got[G], got[G+1] = math.Float32frombits(canaryNaN), math.Float32frombits(canaryNaN)
					groupScoresNEON(&got[0], nil, &sel[0], G, gs, gmax)
					for g := 0; g < G; g++ {
						if got[g] != want[g] || OrderBits(got[g]) != OrderBits(want[g]) {
							t.Fatalf("gs=%d G=%d gmax=%v: group %d score %g, want %g\n%v", gs, G, gmax, g, got[g], want[g], sel[g*gs:g*gs+gs])
						}
					}
					if math.Float32bits(got[G]) != canaryNaN || math.Float32bits(got[G+1]) != canaryNaN {
						t.Fatalf("gs=%d G=%d: wrote past gsc", gs, G)
					}
				}
			}
		}
	}
}

// TestInPlaceNEON checks the in-place use of the score kernels (weights
// gathers logits into w and scores them there).
func TestInPlaceNEON(t *testing.T) {
	needNEON(t)
	r := rand.New(rand.NewPCG(19, 20))
	for n := 1; n <= 40; n++ {
		x := make([]float32, n)
		fillRandom(r, x)
		w := append([]float32(nil), x...)
		sigmoidNEON(&w[0], nil, &w[0], nil, n)
		for i := range x {
			if !sameBits(w[i], Sigmoid(x[i])) {
				t.Fatalf("sigmoid in place n=%d i=%d", n, i)
			}
		}
		m := x[0]
		for _, v := range x {
			if v > m {
				m = v
			}
		}
		copy(w, x)
		want := make([]float32, n)
		wantS := SoftmaxSum(x, m, want)
		if S := expSumNEON(&w[0], &w[0], n, m); !sameBits(S, wantS) {
			t.Fatalf("expSum in place n=%d: sum %g, want %g", n, S, wantS)
		}
		for i := range x {
			if !sameBits(w[i], want[i]) {
				t.Fatalf("expSum in place n=%d i=%d", n, i)
			}
		}
	}
}
