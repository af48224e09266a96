package dispatch

import (
	"encoding/binary"
	"math"
	"slices"
	"testing"

	"github.com/moegate/moegate/asm"
)

// FuzzPlan decodes a shape and ids from the input (ids may be out of
// range: then every entry point must return ErrID and a safe empty
// result) and checks Build, BuildCapacity and Align against their
// references.
func FuzzPlan(f *testing.F) {
	f.Add([]byte{3, 2, 4, 2, 3, 4, 1, 2, 4, 1, 3, 4, 1, 2, 3}, uint8(4), uint8(1))
	f.Add([]byte{1, 8, 0, 255, 7, 7, 7}, uint8(1), uint8(0))
	f.Add([]byte{2, 0}, uint8(3), uint8(2))
	f.Fuzz(func(t *testing.T, b []byte, block, capa uint8) {
		if len(b) < 2 {
			return
		}
		K := int(b[0]%9) + 1
		E := int(b[1]%17) + 1
		raw := b[2:]
		n := len(raw) / K * K
		ids := make([]int32, n)
		bad := false
		for i := 0; i < n; i++ {
			v := int32(raw[i]) - 1 // 255 -> 254: out of range; 0 -> -1
			if raw[i] >= 200 {
				v = int32(int8(raw[i])) // negatives below -1
			}
			ids[i] = v
			if v < -1 || int(v) >= E {
				bad = true
			}
		}
		p := NewPlan(n, E)
		err := Build(p, ids, K, E)
		if bad {
			if err == nil {
				t.Fatal("bad ids accepted")
			}
			if p.Offsets[E] != 0 {
				t.Fatal("failed plan not empty")
			}
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		eqPlan(t, p, ids, E, "fuzz Build")
		bs := int(block%17) + 1
		sl, nb := AlignedLen(n, E, bs)
		sorted, be := make([]int32, sl), make([]int32, nb)
		total, err := Align(sorted, be, p, bs, nil, false)
		ws, wb, wt := refAlign(ids, E, bs, nil, false)
		if err != nil || total != wt || !slices.Equal(sorted, ws) || !slices.Equal(be, wb) {
			t.Fatalf("Align: %v", err)
		}
		c := int(capa % 9)
		d := make([]int32, n)
		nd, err := BuildCapacity(p, d, ids, K, E, c)
		if c == 0 {
			if err == nil {
				t.Fatal("capacity 0 accepted")
			}
			return
		}
		kept, wantDrop := refCapacity(ids, K, E, c)
		if err != nil || nd != len(wantDrop) || !slices.Equal(d[:nd], wantDrop) {
			t.Fatalf("BuildCapacity: %v", err)
		}
		eqPlan(t, p, kept, E, "fuzz BuildCapacity")
	})
}

// FuzzCombine decodes the geometry (H, K, E, zero experts, strides, rows
// or not) and float32 values from the input and checks every
// implementation against the reference, both dtypes.
func FuzzCombine(f *testing.F) {
	f.Add([]byte{17, 3, 4, 1, 2, 1, 0, 0, 0x80, 0x3f, 0, 0, 0xc0, 0x7f, 0, 0, 0x80, 0xff, 1, 0, 0, 0}, uint64(1))
	f.Add([]byte{64, 8, 16, 0, 0, 0}, uint64(2))
	f.Add([]byte{255, 1, 1, 1, 5, 1}, uint64(3))
	f.Fuzz(func(t *testing.T, b []byte, seed uint64) {
		if len(b) < 6 {
			return
		}
		H := int(b[0])%300 + 1
		K := int(b[1])%10 + 1
		E := int(b[2])%20 + 1
		Z := int(b[3]) % (E + 1)
		pad := int(b[4]) % 5
		useRows := b[5]&1 == 1
		vals := b[6:]
		next := func(i int) float32 {
			if len(vals) >= 4 {
				j := (i * 4) % (len(vals) - 3)
				return math.Float32frombits(binary.LittleEndian.Uint32(vals[j:]))
			}
			seed = seed*6364136223846793005 + 1442695040888963407
			return float32(int32(seed>>33)) / (1 << 30)
		}
		T := 3
		l := Layout{Hidden: H, K: K, Experts: E, ZeroExperts: Z}
		if pad > 0 {
			l.OutStride, l.YStride, l.XStride = H+pad, H+2*pad, H+pad+1
		}
		_, ys, xs := l.strides()
		ids := make([]int32, T*K)
		for s := range ids {
			seed = seed*6364136223846793005 + 1442695040888963407
			ids[s] = int32(seed>>40)%int32(E+1) - 1
		}
		var rows []int32
		nY := T * K
		if useRows {
			p := NewPlan(T*K, E)
			if err := Build(p, ids, K, E); err != nil {
				t.Fatal(err)
			}
			rows = p.Inverse
			nY = int(p.Offsets[E])
		}
		y := make([]float32, max(nY*ys, 1))
		for i := range y {
			y[i] = next(i)
		}
		x := make([]float32, T*xs)
		for i := range x {
			x[i] = next(i + 7)
		}
		w := make([]float32, T*K)
		for i := range w {
			w[i] = next(i + 13)
		}
		want := refCombine(l, y, x, w, ids, rows)
		yb, xb := toBF16(y), toBF16(x)
		wantB := refCombineBF16(l, yb, xb, w, ids, rows)
		os, _, _ := l.strides()
		for _, impl := range asm.Available() {
			out := make([]float32, len(want))
			if err := CombineImpl(impl, l, out, y, x, w, ids, rows); err != nil {
				t.Fatal(err)
			}
			outB := make([]uint16, len(want))
			if err := CombineBF16Impl(impl, l, outB, yb, xb, w, ids, rows); err != nil {
				t.Fatal(err)
			}
			for tt := 0; tt < T; tt++ {
				if i := sameBits32(out[tt*os:tt*os+H], want[tt*os:tt*os+H]); i >= 0 {
					t.Fatalf("%v: token %d element %d: %v want %v", impl, tt, i, out[tt*os+i], want[tt*os+i])
				}
				for i := 0; i < H; i++ {
					if !sameBF16(outB[tt*os+i], wantB[tt*os+i]) {
						t.Fatalf("%v bf16: token %d element %d", impl, tt, i)
					}
				}
			}
		}
	})
}
