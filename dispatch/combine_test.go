package dispatch

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/moegate/moegate/asm"
)

// refCombine is the straightforward combine, element by element, written
// from the documentation: float32 accumulator from +0, k ascending, each
// product rounded before the add.
func refCombine(l Layout, y, x, w []float32, ids, rows []int32) []float32 {
	os, ys, xs := l.strides()
	K, H := l.K, l.Hidden
	T := len(w) / K
	out := make([]float32, T*os)
	for t := 0; t < T; t++ {
		for i := 0; i < H; i++ {
			acc := float32(0)
			for k := 0; k < K; k++ {
				s := t*K + k
				if ids[s] < 0 {
					continue
				}
				r := s
				if rows != nil {
					r = int(rows[s])
					if r < 0 {
						continue
					}
				}
				var v float32
				if int(ids[s]) >= l.Experts-l.ZeroExperts {
					v = x[t*xs+i]
				} else {
					v = y[r*ys+i]
				}
				acc += float32(w[s] * v) // the conversion forbids a fused multiply-add (Go spec)
			}
			out[t*os+i] = acc
		}
	}
	return out
}

func refCombineBF16(l Layout, y, x []uint16, w []float32, ids, rows []int32) []uint16 {
	yf := make([]float32, len(y))
	for i, v := range y {
		yf[i] = asm.BF16ToF32(v)
	}
	xf := make([]float32, len(x))
	for i, v := range x {
		xf[i] = asm.BF16ToF32(v)
	}
	of := refCombine(l, yf, xf, w, ids, rows)
	out := make([]uint16, len(of))
	for i, v := range of {
		out[i] = refBF16(v)
	}
	return out
}

// refBF16 rounds to bfloat16 through float64 arithmetic: the nearest of
// the two neighbouring bfloat16 values, ties to the even one.
func refBF16(f float32) uint16 {
	u := math.Float32bits(f)
	if f != f {
		return uint16(u>>16) | 0x40
	}
	lo := u &^ 0xffff
	if lo == u {
		return uint16(u >> 16)
	}
	hi := lo + 0x10000 // next bfloat16 away from zero (may be Inf: exact in float64 terms below)
	dlo := math.Abs(float64(f) - float64(math.Float32frombits(lo)))
	var dhi float64
	if hi&0x7fffffff >= 0x7f800000 {
		// beyond the largest finite bfloat16: the midpoint to "2^128"
		dhi = math.Abs(math.Ldexp(math.Copysign(1, float64(f)), 128) - float64(f))
	} else {
		dhi = math.Abs(float64(math.Float32frombits(hi)) - float64(f))
	}
	switch {
	case dlo < dhi:
		return uint16(lo >> 16)
	case dhi < dlo:
		return uint16(hi >> 16)
	}
	if (lo>>16)&1 == 0 {
		return uint16(lo >> 16)
	}
	return uint16(hi >> 16)
}

func TestF32ToBF16(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	specials := []uint32{0, 0x80000000, 0x7f800000, 0xff800000, 0x7fc00000, 0x7f800001, 0xffbfffff,
		0x7f7fffff, 0x7f7f8000, 0x7f7f7fff, 0x00000001, 0x00008000, 0x00018000, 0x3f808000, 0x3f818000, 0x3f80ffff}
	for i := 0; i < 200000; i++ {
		var u uint32
		if i < len(specials) {
			u = specials[i]
		} else {
			u = r.Uint32()
		}
		f := math.Float32frombits(u)
		if got, want := asm.F32ToBF16(f), refBF16(f); got != want {
			t.Fatalf("F32ToBF16(%#08x) = %#04x, want %#04x", u, got, want)
		}
	}
}

func randRows(r *rand.Rand, n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(r.NormFloat64())
	}
	specials := []float32{0, float32(math.Copysign(0, -1)), float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()), 1e-40, -1e-42, 3e38, -3e38}
	for i := 0; i < n/50; i++ {
		v[r.IntN(n)] = specials[r.IntN(len(specials))]
	}
	return v
}

func toBF16(v []float32) []uint16 {
	h := make([]uint16, len(v))
	for i, f := range v {
		h[i] = asm.F32ToBF16(f)
	}
	return h
}

// sameBits32 returns the first index where a and b differ in bits, NaNs
// aside: every NaN equals every NaN (the payload of NaN + NaN is the
// first operand's on x86 and not specified by Go, which may swap the
// operands of an add).
func sameBits32(a, b []float32) int {
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) && !(a[i] != a[i] && b[i] != b[i]) {
			return i
		}
	}
	return -1
}

func isNaNBF16(h uint16) bool { return h&0x7fff > 0x7f80 }

func sameBF16(a, b uint16) bool { return a == b || isNaNBF16(a) && isNaNBF16(b) }

// combineCase builds a random combine: T tokens routed over E experts by
// a plan, y in expert order with random contents.
type combineCase struct {
	l       Layout
	y, x, w []float32
	ids     []int32
	rows    []int32
}

func newCombineCase(r *rand.Rand, T, K, E, Z, H, pad int, useRows bool) combineCase {
	l := Layout{Hidden: H, K: K, Experts: E, ZeroExperts: Z}
	if pad > 0 {
		l.OutStride, l.YStride, l.XStride = H+pad, H+2*pad+1, H+pad+3
	}
	os, ys, xs := l.strides()
	_ = os
	ids := randIDs(r, T, K, E, 0.1)
	var rows []int32
	nY := T * K
	if useRows {
		p := NewPlan(T*K, E)
		if err := Build(p, ids, K, E); err != nil {
			panic(err)
		}
		rows = p.Inverse
		nY = int(p.Offsets[E])
		// drop a few slots as capacity would
		for s := range rows {
			if r.IntN(20) == 0 {
				rows[s] = -1
			}
		}
	}
	w := randRows(r, T*K)
	for i := range w {
		if r.IntN(3) == 0 {
			w[i] = float32(r.Float64())
		}
	}
	return combineCase{l: l, y: randRows(r, max(nY*ys, 1)), x: randRows(r, T*xs), w: w, ids: ids, rows: rows}
}

// TestCombineImpls runs every implementation here against the reference
// for every hidden size up to 4*64+16+8 (every main-loop, remainder and
// tail length of the widest kernel), both dtypes, with and without
// strides, zero-computation experts, plan rows and slot rows.
func TestCombineImpls(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	impls := asm.Available()
	for H := 1; H <= 4*64+16+8+1; H++ {
		for _, v := range []struct{ T, K, E, Z, pad int }{
			{3, 8, 16, 0, 0}, {2, 6, 12, 2, 1}, {2, 1, 4, 0, 3}, {2, 3, 5, 5, 0}, {1, 2, 3, 1, 7},
		} {
			for _, useRows := range []bool{true, false} {
				c := newCombineCase(r, v.T, v.K, v.E, v.Z, H, v.pad, useRows)
				want := refCombine(c.l, c.y, c.x, c.w, c.ids, c.rows)
				yb, xb := toBF16(c.y), toBF16(c.x)
				wantB := refCombineBF16(c.l, yb, xb, c.w, c.ids, c.rows)
				for _, impl := range impls {
					out := randRows(r, len(want))
					copy(out, want) // padding between rows must stay as it was
					os, _, _ := c.l.strides()
					for tt := 0; tt < v.T; tt++ {
						for i := 0; i < H; i++ {
							out[tt*os+i] = 12345
						}
					}
					if err := CombineImpl(impl, c.l, out, c.y, c.x, c.w, c.ids, c.rows); err != nil {
						t.Fatal(err)
					}
					if i := sameBits32(out, want); i >= 0 {
						t.Fatalf("%v H=%d %+v rows=%v: out[%d] = %v, want %v", impl, H, v, useRows, i, out[i], want[i])
					}
					outB := toBF16(randRows(r, len(wantB)))
					copy(outB, wantB)
					for tt := 0; tt < v.T; tt++ {
						for i := 0; i < H; i++ {
							outB[tt*os+i] = 0x1234
						}
					}
					if err := CombineBF16Impl(impl, c.l, outB, yb, xb, c.w, c.ids, c.rows); err != nil {
						t.Fatal(err)
					}
					for i := range outB {
						if !sameBF16(outB[i], wantB[i]) {
							t.Fatalf("bf16 %v H=%d %+v rows=%v: out[%d] = %#04x, want %#04x", impl, H, v, useRows, i, outB[i], wantB[i])
						}
					}
				}
			}
		}
	}
}

// TestCombineWideK: K above the kernels' stack buffer takes the in-place
// Go loop, with the same bits.
func TestCombineWideK(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	for _, useRows := range []bool{false, true} {
		c := newCombineCase(r, 3, 70, 100, 10, 37, 2, useRows)
		want := refCombine(c.l, c.y, c.x, c.w, c.ids, c.rows)
		out := make([]float32, len(want))
		if err := Combine(c.l, out, c.y, c.x, c.w, c.ids, c.rows); err != nil {
			t.Fatal(err)
		}
		os, _, _ := c.l.strides()
		for tt := 0; tt < 3; tt++ {
			if i := sameBits32(out[tt*os:tt*os+37], want[tt*os:tt*os+37]); i >= 0 {
				t.Fatalf("token %d element %d: %v want %v", tt, i, out[tt*os+i], want[tt*os+i])
			}
		}
		yb, xb := toBF16(c.y), toBF16(c.x)
		wantB := refCombineBF16(c.l, yb, xb, c.w, c.ids, c.rows)
		outB := make([]uint16, len(wantB))
		if err := CombineBF16(c.l, outB, yb, xb, c.w, c.ids, c.rows); err != nil {
			t.Fatal(err)
		}
		for tt := 0; tt < 3; tt++ {
			for i := 0; i < 37; i++ {
				if !sameBF16(outB[tt*os+i], wantB[tt*os+i]) {
					t.Fatalf("bf16 token %d element %d", tt, i)
				}
			}
		}
	}
}

// TestRoundTrip: gather the tokens into expert order, let every expert be
// a known scaling (y = (e+1) * x), combine: the result is sum over k of
// w * (id+1) * x[t], and identity experts (all scales 1, no zero experts)
// with weights summing to one reproduce x exactly when x is a power of two
// times small integers.
func TestRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 16))
	const T, K, E, H = 40, 4, 16, 24
	ids := randIDs(r, T, K, E, 0.1)
	x := make([]float32, T*H)
	for i := range x {
		x[i] = float32(r.IntN(200) - 100)
	}
	p := NewPlan(T*K, E)
	if err := Build(p, ids, K, E); err != nil {
		t.Fatal(err)
	}
	n := int(p.Offsets[E])
	g := make([]float32, n*H)
	if err := Gather(g, 0, x, 0, H, T, K, p.Order[:n]); err != nil {
		t.Fatal(err)
	}
	y := make([]float32, n*H)
	for e := 0; e < E; e++ {
		for i := int(p.Offsets[e]) * H; i < int(p.Offsets[e+1])*H; i++ {
			y[i] = float32(e+1) * g[i]
		}
	}
	w := make([]float32, T*K)
	for i := range w {
		w[i] = 0.25
	}
	out := make([]float32, T*H)
	l := Layout{Hidden: H, K: K, Experts: E}
	if err := Combine(l, out, y, nil, w, ids, p.Inverse); err != nil {
		t.Fatal(err)
	}
	for tt := 0; tt < T; tt++ {
		for i := 0; i < H; i++ {
			want := float32(0)
			for k := 0; k < K; k++ {
				if id := ids[tt*K+k]; id >= 0 {
					want += 0.25 * float32(id+1) * x[tt*H+i]
				}
			}
			if out[tt*H+i] != want {
				t.Fatalf("token %d element %d: %v, want %v", tt, i, out[tt*H+i], want)
			}
		}
	}
	// Gather's sentinel rows are zero; bf16 gather copies bits.
	sl, nb := AlignedLen(T*K, E, 8)
	sorted, be := make([]int32, sl), make([]int32, nb)
	total, err := Align(sorted, be, p, 8, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	ga := make([]float32, total*H)
	for i := range ga {
		ga[i] = 7
	}
	if err := Gather(ga, 0, x, 0, H, T, K, sorted[:total]); err != nil {
		t.Fatal(err)
	}
	xb := toBF16(x)
	gb := make([]uint16, total*(H+1))
	if err := GatherBF16(gb, H+1, xb, 0, H, T, K, sorted[:total]); err != nil {
		t.Fatal(err)
	}
	for i, s := range sorted[:total] {
		for j := 0; j < H; j++ {
			var want float32
			if s < T*K {
				want = x[int(s)/K*H+j]
			}
			if ga[i*H+j] != want || gb[i*(H+1)+j] != asm.F32ToBF16(want) {
				t.Fatalf("gather row %d (slot %d) element %d: %v / %#x, want %v", i, s, j, ga[i*H+j], gb[i*(H+1)+j], want)
			}
		}
	}
}

func TestCombineErrors(t *testing.T) {
	const T, K, E, H = 2, 2, 4, 3
	ids := []int32{0, 1, 2, -1}
	w := []float32{1, 1, 1, 1}
	y := make([]float32, 4*H)
	x := make([]float32, T*H)
	good := Layout{Hidden: H, K: K, Experts: E}
	cases := []struct {
		name    string
		l       Layout
		out     []float32
		y, x, w []float32
		ids     []int32
		rows    []int32
		want    error
	}{
		{"H 0", Layout{K: K, Experts: E}, make([]float32, T*H), y, x, w, ids, nil, ErrShape},
		{"K 0", Layout{Hidden: H, Experts: E}, make([]float32, T*H), y, x, w, ids, nil, ErrShape},
		{"E 0", Layout{Hidden: H, K: K}, make([]float32, T*H), y, x, w, ids, nil, ErrShape},
		{"Z > E", Layout{Hidden: H, K: K, Experts: E, ZeroExperts: 5}, make([]float32, T*H), y, x, w, ids, nil, ErrShape},
		{"Z < 0", Layout{Hidden: H, K: K, Experts: E, ZeroExperts: -1}, make([]float32, T*H), y, x, w, ids, nil, ErrShape},
		{"out stride < H", Layout{Hidden: H, K: K, Experts: E, OutStride: 2}, make([]float32, T*H), y, x, w, ids, nil, ErrShape},
		{"y stride < H", Layout{Hidden: H, K: K, Experts: E, YStride: 1}, make([]float32, T*H), y, x, w, ids, nil, ErrShape},
		{"x stride < 0", Layout{Hidden: H, K: K, Experts: E, XStride: -3}, make([]float32, T*H), y, x, w, ids, nil, ErrShape},
		{"short out", good, make([]float32, T*H-1), y, x, w, ids, nil, ErrShape},
		{"ragged w", good, make([]float32, T*H), y, x, w[:3], ids[:3], nil, ErrShape},
		{"ids != w", good, make([]float32, T*H), y, x, w, ids[:2], nil, ErrShape},
		{"rows != w", good, make([]float32, T*H), y, x, w, ids, []int32{0, 1}, ErrShape},
		{"id = E", good, make([]float32, T*H), y, x, w, []int32{0, 4, 1, 1}, nil, ErrID},
		{"id = -2", good, make([]float32, T*H), y, x, w, []int32{0, -2, 1, 1}, nil, ErrID},
		{"row past y", good, make([]float32, T*H), y, x, w, ids, []int32{0, 1, 4, -1}, ErrID},
		{"row -2", good, make([]float32, T*H), y, x, w, ids, []int32{0, -2, 1, 1}, ErrID},
		{"short y (slot rows)", good, make([]float32, T*H), y[:2*H], x, w, ids, nil, ErrID},
		{"short x with zero experts", Layout{Hidden: H, K: K, Experts: E, ZeroExperts: 2}, make([]float32, T*H), y, x[:H], w, ids, nil, ErrShape},
	}
	for _, c := range cases {
		for i := range c.out {
			c.out[i] = 5
		}
		err := Combine(c.l, c.out, c.y, c.x, c.w, c.ids, c.rows)
		if !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
			continue
		}
		t.Logf("%s: %v", c.name, err)
		for _, v := range c.out[:min(len(c.out), H)] {
			if v != 0 {
				t.Errorf("%s: out not zeroed: %v", c.name, c.out)
				break
			}
		}
		ob := make([]uint16, len(c.out))
		if err := CombineBF16(c.l, ob, toBF16(c.y), toBF16(c.x), c.w, c.ids, c.rows); !errors.Is(err, c.want) {
			t.Errorf("bf16 %s: %v", c.name, err)
		}
	}
	// No zero experts: x may be nil, or short.
	out := make([]float32, T*H)
	if err := Combine(good, out, y, nil, w, ids, nil); err != nil {
		t.Fatal(err)
	}
	if err := Combine(good, out, y, x[:1], w, ids, nil); err != nil {
		t.Fatal(err)
	}
	// Gather errors leave dst untouched.
	dst := []float32{5, 5, 5}
	for _, g := range []struct {
		name            string
		dst             []float32
		ds, xs, H, T, K int
		slots           []int32
	}{
		{"H 0", dst, 0, 0, 0, 2, 2, []int32{0}},
		{"K 0", dst, 0, 0, 3, 2, 0, []int32{0}},
		{"dst stride < H", dst, 2, 0, 3, 2, 2, []int32{0}},
		{"short dst", dst, 0, 0, 3, 2, 2, []int32{0, 1}},
		{"short x", dst, 0, 0, 3, 3, 2, []int32{0}},
		{"negative stride", dst, -1, 0, 3, 2, 2, []int32{0}},
	} {
		if err := Gather(g.dst, g.ds, x, g.xs, g.H, g.T, g.K, g.slots); !errors.Is(err, ErrShape) {
			t.Errorf("gather %s: %v", g.name, err)
		}
		if dst[0] != 5 {
			t.Errorf("gather %s wrote dst", g.name)
		}
	}
}

func TestZeroAllocsCombine(t *testing.T) {
	r := rand.New(rand.NewPCG(17, 18))
	c := newCombineCase(r, 16, 8, 32, 2, 100, 0, true)
	out := make([]float32, 16*100)
	yb, xb := toBF16(c.y), toBF16(c.x)
	ob := make([]uint16, 16*100)
	for _, impl := range asm.Available() {
		a := testing.AllocsPerRun(20, func() {
			_ = CombineImpl(impl, c.l, out, c.y, c.x, c.w, c.ids, c.rows)
			_ = CombineBF16Impl(impl, c.l, ob, yb, xb, c.w, c.ids, c.rows)
		})
		if a != 0 {
			t.Fatalf("%v: %v allocations per run", impl, a)
		}
	}
}
