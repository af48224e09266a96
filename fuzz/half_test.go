package fuzz

import (
	"math"
	"runtime/debug"
	"testing"
	"unsafe"

	"github.com/moegate/moegate/asm"
	"github.com/moegate/moegate/internal/testutil"
	"github.com/moegate/moegate/route"
)

// halfSpec derives half-precision logits from a decoded spec: the format
// and the value rule come from bits 2 and 3 of header byte 18 (decode reads
// only its low two bits, the value mode). Values: the half nearest the
// decoded float32 toward zero (bfloat16: its top 16 bits, a NaN kept a NaN;
// float16: truncated, overflow to Inf, underflow to subnormals and zero),
// or (raw) the low 16 bits of the float32, arbitrary patterns.
func halfSpec(data []byte, s *spec) (route.HalfFormat, []uint16) {
	var h18 byte
	if len(data) > 18 {
		h18 = data[18]
	}
	f := route.BFloat16
	if h18&4 != 0 {
		f = route.Float16
	}
	raw := h18&8 != 0
	h := make([]uint16, len(s.logits))
	for i, v := range s.logits {
		b := math.Float32bits(v)
		switch {
		case raw:
			h[i] = uint16(b)
		case f == route.BFloat16:
			h[i] = uint16(b >> 16)
			if b&0x7f800000 == 0x7f800000 && b&0x7fffff != 0 {
				h[i] |= 0x40
			}
		default:
			h[i] = f16Trunc(v)
		}
	}
	return f, h
}

func f16Trunc(v float32) uint16 {
	sign := uint16(math.Float32bits(v)>>16) & 0x8000
	a := math.Abs(float64(v))
	switch {
	case math.IsNaN(a):
		return sign | 0x7e00
	case a >= 65536:
		return sign | 0x7c00
	case a < math.Ldexp(1, -14):
		return sign | uint16(a*(1<<24))
	}
	e := math.Ilogb(a)
	if e > 15 {
		return sign | 0x7c00
	}
	return sign | uint16(e+15)<<10 | uint16(math.Ldexp(a, -e)*1024)&0x3ff
}

// FuzzHalf routes a decoded batch as half-precision logits (flush against a
// guard page or at the decoded offset) on every available implementation
// and compares with the reference routing their float32 conversion: ids,
// weight bits, loads, errors (a NonFiniteError's Value is the converted
// float32), canaries. Seeds: every fourth FuzzRouter seed, in both formats.
func FuzzHalf(f *testing.F) {
	f.Add(make([]byte, headerLen))
	for i, sd := range routerSeeds() {
		if i%4 == 0 && len(sd.data) > 18 {
			d := append([]byte(nil), sd.data...)
			d[18] = d[18]&3 | byte(i/4%4)<<2
			f.Add(d)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		defer debug.SetPanicOnFault(debug.SetPanicOnFault(true)) // guard-page hits fail, not crash
		s := decode(data)
		ref, err := route.NewReference(s.cfg)
		if err != nil {
			return // FuzzRouter covers configs; here the input
		}
		format, h := halfSpec(data, &s)
		conv := s.input()
		x := conv.Logits
		for i, v := range h {
			if format == route.BFloat16 {
				x[i] = asm.BF16ToF32(v)
			} else {
				x[i] = asm.F16ToF32(v)
			}
		}
		want, err := testutil.RouteCanaried(ref, conv, s.withLoad)
		if err != nil {
			t.Fatal(err)
		}
		// The half logits: at the guard page's edge (over the float32
		// logits, routed above) or at the offset.
		var hp []uint16
		if gx, _ := guards(); s.guard && gx != nil {
			n := len(h)
			if n > 0 {
				w := gx.Tail((n + 1) / 2)
				hp = unsafe.Slice((*uint16)(unsafe.Pointer(&w[0])), 2*len(w))[2*len(w)-n:]
			}
		} else {
			w := testutil.Aligned((len(h)+1)/2+8, s.offset)
			hp = unsafe.Slice((*uint16)(unsafe.Pointer(&w[0])), 2*len(w))[s.offset%2 : s.offset%2+len(h)]
		}
		copy(hp, h)
		half := conv
		half.Logits, half.LogitsHalf, half.HalfFormat = nil, hp, format
		if hp == nil {
			half.LogitsHalf = []uint16{}
		}
		for _, impl := range route.Implementations() {
			got, err := route.NewImpl(s.cfg, impl)
			if err != nil {
				t.Fatal(err)
			}
			have, err := testutil.RouteCanaried(got, half, s.withLoad)
			if err != nil {
				t.Fatalf("%s: %v", impl, err)
			}
			if err := testutil.Diff(want, have, s.cfg.TopK); err != nil {
				t.Fatalf("config %v on %s, %v T=%d stride=%d offset=%d guard=%v bias=%v load=%v mode=%d:\n%v",
					s.cfg, impl, format, s.T, s.stride, s.offset, s.guard, s.withBias, s.withLoad, s.mode, err)
			}
		}
	})
}
