//go:build linux

package asm

import (
	"math"
	"math/rand/v2"
	"syscall"
	"testing"
	"unsafe"
)

// guardedBytes returns n bytes that end exactly at a PROT_NONE page.
func guardedBytes(t *testing.T, n int) ([]byte, func()) {
	ps := syscall.Getpagesize()
	size := (n+ps-1)/ps*ps + ps
	mem, err := syscall.Mmap(-1, 0, size, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		t.Skipf("mmap: %v", err)
	}
	if err := syscall.Mprotect(mem[size-ps:], syscall.PROT_NONE); err != nil {
		t.Skipf("mprotect: %v", err)
	}
	end := size - ps
	return mem[end-n : end : end], func() { syscall.Munmap(mem) }
}

func sameF32(a, b float32) bool {
	return math.Float32bits(a) == math.Float32bits(b) || a != a && b != b
}

func sameBF16(a, b uint16) bool {
	return a == b || a&0x7fff > 0x7f80 && b&0x7fff > 0x7f80
}

var combineSpecials = []float32{0, float32(math.Copysign(0, -1)), float32(math.Inf(1)), float32(math.Inf(-1)),
	float32(math.NaN()), 1e-40, -1e-45, 3.3e38, -3.3e38, 1, -1}

// TestCombineKernels: every implementation here against the twins, for
// every row length 0..4*64+16+8+8 (every block and tail of every
// kernel), 1..9 source rows mixing y rows and the token's x row, odd
// strides, sources flush against a guard page (the last y row and x end
// at it), canaries after out.
func TestCombineKernels(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	t.Logf("implementations: %v", Available())
	for _, impl := range Available() {
		for h := 0; h <= 4*64+16+8+8; h++ {
			n := 1 + h%9
			ystride := h + h%5
			yRows := 5
			nY := (yRows-1)*ystride + h
			yb, freeY := guardedBytes(t, 4*nY)
			xb, freeX := guardedBytes(t, 4*h)
			y := unsafe.Slice((*float32)(unsafe.Pointer(unsafe.SliceData(yb))), nY)
			x := unsafe.Slice((*float32)(unsafe.Pointer(unsafe.SliceData(xb))), h)
			y16b, freeY16 := guardedBytes(t, 2*nY)
			x16b, freeX16 := guardedBytes(t, 2*h)
			y16 := unsafe.Slice((*uint16)(unsafe.Pointer(unsafe.SliceData(y16b))), nY)
			x16 := unsafe.Slice((*uint16)(unsafe.Pointer(unsafe.SliceData(x16b))), h)
			for i := range y {
				y[i] = float32(r.NormFloat64())
				if r.IntN(40) == 0 {
					y[i] = combineSpecials[r.IntN(len(combineSpecials))]
				}
				y16[i] = F32ToBF16(y[i])
			}
			for i := range x {
				x[i] = float32(r.NormFloat64())
				x16[i] = F32ToBF16(x[i])
			}
			rows := make([]int32, n)
			w := make([]float32, n)
			for j := range rows {
				rows[j] = int32(r.IntN(yRows+1)) - 1 // -1: x
				w[j] = float32(r.Float64())
				if r.IntN(10) == 0 {
					w[j] = combineSpecials[r.IntN(len(combineSpecials))]
				}
			}
			rows[n-1] = int32(yRows - 1) // the row flush against the guard
			want := make([]float32, h)
			CombineF32Generic(want, y, ystride, x, rows, w)
			got := make([]float32, h+8)
			for i := range got {
				got[i] = 777
			}
			CombineF32(impl, got[:h], y, ystride, x, rows, w)
			for i := 0; i < h; i++ {
				if !sameF32(got[i], want[i]) {
					t.Fatalf("%v h=%d n=%d: out[%d] = %v (%#x), want %v (%#x)", impl, h, n, i, got[i], math.Float32bits(got[i]), want[i], math.Float32bits(want[i]))
				}
			}
			for _, c := range got[h:] {
				if c != 777 {
					t.Fatalf("%v h=%d: canary overwritten", impl, h)
				}
			}
			wantB := make([]uint16, h)
			CombineBF16Generic(wantB, y16, ystride, x16, rows, w)
			gotB := make([]uint16, h+8)
			for i := range gotB {
				gotB[i] = 0xbeef
			}
			CombineBF16(impl, gotB[:h], y16, ystride, x16, rows, w)
			for i := 0; i < h; i++ {
				if !sameBF16(gotB[i], wantB[i]) {
					t.Fatalf("%v bf16 h=%d n=%d: out[%d] = %#x, want %#x", impl, h, n, i, gotB[i], wantB[i])
				}
			}
			for _, c := range gotB[h:] {
				if c != 0xbeef {
					t.Fatalf("%v bf16 h=%d: canary overwritten", impl, h)
				}
			}
			freeY()
			freeX()
			freeY16()
			freeX16()
		}
	}
}

// TestCombineBF16Rounding: the kernels' rounding on every bfloat16
// boundary case: one source row of ones and weights chosen so that the
// products are exactly the float32 values under test.
func TestCombineBF16Rounding(t *testing.T) {
	vals := []uint32{0x3f808000, 0x3f818000, 0x3f80ffff, 0x3f807fff, 0x7f7fffff, 0x7f7f8000, 0x7f7f7fff,
		0x00008000, 0x00018000, 0x80008000, 0x7f800000, 0xff800000, 0x7fc00001, 0xff812345, 0x7f800001, 0, 0x80000000}
	h := 64 + 16 + 8
	for _, impl := range Available() {
		for _, v := range vals {
			f := math.Float32frombits(v)
			y := make([]uint16, h)
			for i := range y {
				y[i] = 0x3f80 // 1.0
			}
			out := make([]uint16, h)
			CombineBF16(impl, out, y, h, nil, []int32{0}, []float32{f})
			want := F32ToBF16(f)
			if v == 0x80000000 {
				want = 0 // +0 + (-0) = +0: the accumulator starts at +0
			}
			spec := make([]uint16, h)
			CombineBF16Generic(spec, y, h, nil, []int32{0}, []float32{f})
			if !sameBF16(spec[0], want) {
				t.Fatalf("twin: %#08x -> %#04x, want %#04x", v, spec[0], want)
			}
			for i, o := range out {
				if !sameBF16(o, want) {
					t.Fatalf("%v: %#08x -> out[%d] = %#04x, want %#04x", impl, v, i, o, want)
				}
			}
		}
	}
}
