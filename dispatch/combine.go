package dispatch

import (
	"fmt"

	"github.com/moegate/moegate/asm"
)

// Layout is the geometry of Gather and Combine. Strides are in elements
// (gonum's convention); 0 means Hidden (dense rows).
type Layout struct {
	Hidden      int // H: elements per hidden row, >= 1
	K           int // experts per token, >= 1
	Experts     int // E: ids are -1 or in [0, E)
	ZeroExperts int // ids >= E-ZeroExperts are zero-computation experts (they add w*x[t]); 0 <= ZeroExperts <= E
	OutStride   int // between rows of out
	YStride     int // between rows of y (the experts' outputs)
	XStride     int // between rows of x (the tokens' hidden states)
}

func (l Layout) strides() (os, ys, xs int) {
	os, ys, xs = l.OutStride, l.YStride, l.XStride
	if os == 0 {
		os = l.Hidden
	}
	if ys == 0 {
		ys = l.Hidden
	}
	if xs == 0 {
		xs = l.Hidden
	}
	return
}

// rowsIn returns how many rows of width h with the given stride a buffer
// of n elements holds.
func rowsIn(n, stride, h int) int {
	if n < h {
		return 0
	}
	return (n-h)/stride + 1
}

// maxKernelK is the largest K whose per-token sources Combine collects on
// the stack for the kernels; larger K runs the Go reference per element.
const maxKernelK = 64

// Combine writes out[t] = sum over k ascending of w[t,k] * y[rows[t*K+k]]
// (float32 products each rounded, then added to a float32 accumulator
// that starts at +0: no FMA; the bits are asm.CombineF32Generic's) for
// every token t < T = len(w)/K:
//
//   - a slot with id -1 (excluded) or rows entry -1 (excluded or dropped)
//     adds nothing; a token with no slot left gets +0 everywhere;
//   - a slot whose id is a zero-computation expert (id >= E-ZeroExperts,
//     LongCat-Flash's identity experts) adds w[t,k] * x[t] instead and
//     reads no y row (its rows entry only needs to be >= 0 when given);
//   - rows is the y row of each slot: a Plan's Inverse when y is in
//     expert order (Order), or nil when y has one row per slot in slot
//     order (vLLM's fused_moe output [T*K, H]): row s for slot s.
//
// x may be nil when ZeroExperts is 0. out must not overlap y or x. Combine
// allocates nothing; it runs the fastest kernel here (asm.Best).
//
// Errors: wrong lengths or strides wrap ErrShape, an id outside [-1, E) or
// a row outside y wraps ErrID. All inputs are checked before anything is
// written; on error every row of out that exists is zeroed.
func Combine(l Layout, out, y, x, w []float32, ids, rows []int32) error {
	return CombineImpl(asm.Best(), l, out, y, x, w, ids, rows)
}

// CombineBF16 is Combine on bfloat16 rows ([]uint16, as gomlx and others
// hold them): each element is widened exactly, the sum is accumulated in
// float32 in the same order, and rounded once to bfloat16, ties to even
// (asm.CombineBF16Generic).
func CombineBF16(l Layout, out, y, x []uint16, w []float32, ids, rows []int32) error {
	return CombineBF16Impl(asm.Best(), l, out, y, x, w, ids, rows)
}

// CombineImpl is Combine with a named implementation (asm.Go is the
// reference; one this machine cannot run falls back to it).
func CombineImpl(impl asm.Impl, l Layout, out, y, x, w []float32, ids, rows []int32) error {
	T, err := checkCombine(l, len(out), len(y), len(x), w, ids, rows)
	if err != nil {
		zeroRows(out, l)
		return err
	}
	os, ys, xs := l.strides()
	H, K := l.Hidden, l.K
	zstart := int32(l.Experts - l.ZeroExperts)
	var rbuf [maxKernelK]int32
	var wbuf [maxKernelK]float32
	xRows := rowsIn(len(x), xs, H)
	for t := 0; t < T; t++ {
		o := out[t*os : t*os+H]
		var xr []float32
		if t < xRows {
			xr = x[t*xs : t*xs+H]
		}
		if K > maxKernelK {
			combineWideF32(o, y, ys, xr, ids[t*K:t*K+K], rows, w[t*K:t*K+K], t*K, zstart)
			continue
		}
		n := collect(&rbuf, &wbuf, ids[t*K:t*K+K], rows, w[t*K:t*K+K], t*K, zstart)
		if raceEnabled {
			raceToken(o, y, ys, xr, rbuf[:n])
		}
		asm.CombineF32(impl, o, y, ys, xr, rbuf[:n], wbuf[:n])
	}
	return nil
}

// CombineBF16Impl is CombineBF16 with a named implementation.
func CombineBF16Impl(impl asm.Impl, l Layout, out, y, x []uint16, w []float32, ids, rows []int32) error {
	T, err := checkCombine(l, len(out), len(y), len(x), w, ids, rows)
	if err != nil {
		zeroRows(out, l)
		return err
	}
	os, ys, xs := l.strides()
	H, K := l.Hidden, l.K
	zstart := int32(l.Experts - l.ZeroExperts)
	var rbuf [maxKernelK]int32
	var wbuf [maxKernelK]float32
	xRows := rowsIn(len(x), xs, H)
	for t := 0; t < T; t++ {
		o := out[t*os : t*os+H]
		var xr []uint16
		if t < xRows {
			xr = x[t*xs : t*xs+H]
		}
		if K > maxKernelK {
			combineWideBF16(o, y, ys, xr, ids[t*K:t*K+K], rows, w[t*K:t*K+K], t*K, zstart)
			continue
		}
		n := collect(&rbuf, &wbuf, ids[t*K:t*K+K], rows, w[t*K:t*K+K], t*K, zstart)
		if raceEnabled {
			raceToken(o, y, ys, xr, rbuf[:n])
		}
		asm.CombineBF16(impl, o, y, ys, xr, rbuf[:n], wbuf[:n])
	}
	return nil
}

// collect lists one token's contributing slots, k ascending: the y row of
// each (-1: the token's own x row, for a zero-computation expert) and its
// weight. base is the token's first slot id. K <= maxKernelK.
func collect(rbuf *[maxKernelK]int32, wbuf *[maxKernelK]float32, ids, rows []int32, w []float32, base int, zstart int32) int {
	n := 0
	for k, id := range ids {
		if id < 0 {
			continue
		}
		r := int32(base + k)
		if rows != nil {
			r = rows[base+k]
			if r < 0 {
				continue
			}
		}
		if id >= zstart {
			r = -1
		}
		rbuf[n] = r
		wbuf[n] = w[k]
		n++
	}
	return n
}

// combineWideF32 is asm.CombineF32Generic for K > maxKernelK, reading the
// slots in place (same sum, same order).
func combineWideF32(out, y []float32, ys int, x []float32, ids, rows []int32, w []float32, base int, zstart int32) {
	clear(out)
	H := len(out)
	for k, id := range ids {
		if id < 0 {
			continue
		}
		r := base + k
		if rows != nil {
			r = int(rows[base+k])
			if r < 0 {
				continue
			}
		}
		src := x
		if id < zstart {
			src = y[r*ys : r*ys+H]
		}
		wk := w[k]
		for i, v := range src[:H] {
			out[i] = out[i] + float32(wk*v)
		}
	}
}

func combineWideBF16(out, y []uint16, ys int, x []uint16, ids, rows []int32, w []float32, base int, zstart int32) {
	for i := range out {
		acc := float32(0)
		for k, id := range ids {
			if id < 0 {
				continue
			}
			r := base + k
			if rows != nil {
				r = int(rows[base+k])
				if r < 0 {
					continue
				}
			}
			var v uint16
			if id >= zstart {
				v = x[i]
			} else {
				v = y[r*ys+i]
			}
			acc = acc + float32(w[k]*asm.BF16ToF32(v))
		}
		out[i] = asm.F32ToBF16(acc)
	}
}

// checkCombine validates every input of Combine and returns T.
func checkCombine(l Layout, nOut, nY, nX int, w []float32, ids, rows []int32) (int, error) {
	H, K, E, Z := l.Hidden, l.K, l.Experts, l.ZeroExperts
	switch {
	case H < 1:
		return 0, shapeErr("Hidden = %d, want >= 1", H)
	case K < 1:
		return 0, shapeErr("K = %d, want >= 1", K)
	case E < 1:
		return 0, shapeErr("Experts = %d, want >= 1", E)
	case Z < 0 || Z > E:
		return 0, shapeErr("ZeroExperts = %d, want 0..Experts = %d", Z, E)
	case l.OutStride < 0 || l.YStride < 0 || l.XStride < 0:
		return 0, shapeErr("negative stride (out %d, y %d, x %d)", l.OutStride, l.YStride, l.XStride)
	}
	os, ys, xs := l.strides()
	switch {
	case os < H:
		return 0, shapeErr("OutStride = %d < Hidden = %d", os, H)
	case ys < H:
		return 0, shapeErr("YStride = %d < Hidden = %d", ys, H)
	case xs < H:
		return 0, shapeErr("XStride = %d < Hidden = %d", xs, H)
	case len(w)%K != 0:
		return 0, shapeErr("len(w) = %d is not a multiple of K = %d", len(w), K)
	case len(ids) != len(w):
		return 0, shapeErr("len(ids) = %d, want len(w) = %d", len(ids), len(w))
	case rows != nil && len(rows) != len(w):
		return 0, shapeErr("len(rows) = %d, want len(w) = %d (or nil)", len(rows), len(w))
	case len(w) > MaxSlots:
		return 0, shapeErr("len(w) = %d slots, want <= %d", len(w), MaxSlots)
	}
	T := len(w) / K
	if got := rowsIn(nOut, os, H); got < T {
		return 0, shapeErr("out holds %d rows of %d (stride %d), want T = %d", got, H, os, T)
	}
	yRows := rowsIn(nY, ys, H)
	zstart := int32(E - Z)
	needX := false
	for s, id := range ids {
		if id < -1 || int(id) >= E {
			return 0, idErr(s, K, id, E)
		}
		if id < 0 {
			continue
		}
		r := s
		if rows != nil {
			r = int(rows[s])
			if r < -1 {
				return 0, fmt.Errorf("%w: rows[%d] = %d, want -1 or a row of y", ErrID, s, r)
			}
			if r < 0 {
				continue
			}
		}
		if id >= zstart {
			needX = true
			continue
		}
		if r >= yRows {
			return 0, fmt.Errorf("%w: slot %d (token %d, k %d) reads y row %d, y holds %d rows of %d (stride %d)", ErrID, s, s/K, s%K, r, yRows, H, ys)
		}
	}
	if needX {
		if got := rowsIn(nX, xs, H); got < T {
			return 0, shapeErr("x holds %d rows of %d (stride %d), want T = %d (zero-computation experts read it)", got, H, xs, T)
		}
	}
	return T, nil
}

// zeroRows zeroes every row of out that exists after a failed call.
func zeroRows[F float32 | uint16](out []F, l Layout) {
	H := l.Hidden
	os := l.OutStride
	if H < 1 || os < 0 {
		clear(out)
		return
	}
	if os == 0 {
		os = H
	}
	if os < H {
		clear(out)
		return
	}
	for i := 0; i+H <= len(out); i += os {
		clear(out[i : i+H])
	}
}

// Gather copies the hidden row of each slot's token into dst, in the
// order of slots: dst row i = x[slots[i] / K] for 0 <= slots[i] < T*K;
// any other entry (the sentinel T*K of Align's padding, or -1 past a
// plan's Offsets[E]) gives a zero row. slots is a Plan's Order (or a part
// of it, e.g. one expert's run) or Align's sorted ids. Strides are in
// elements (0: Hidden); dst must hold len(slots) rows and x T rows.
// Wrong lengths or strides wrap ErrShape, and then dst is left untouched.
func Gather(dst []float32, dstStride int, x []float32, xStride int, H, T, K int, slots []int32) error {
	if err := checkGather(len(dst), dstStride, len(x), xStride, H, T, K, len(slots)); err != nil {
		return err
	}
	dstStride, xStride = orH(dstStride, H), orH(xStride, H)
	n := int32(T * K)
	k := int32(K)
	for i, s := range slots {
		d := dst[i*dstStride : i*dstStride+H]
		if uint32(s) < uint32(n) {
			t := int(s / k)
			copy(d, x[t*xStride:t*xStride+H])
		} else {
			clear(d)
		}
	}
	return nil
}

// GatherBF16 is Gather on bfloat16 rows.
func GatherBF16(dst []uint16, dstStride int, x []uint16, xStride int, H, T, K int, slots []int32) error {
	if err := checkGather(len(dst), dstStride, len(x), xStride, H, T, K, len(slots)); err != nil {
		return err
	}
	dstStride, xStride = orH(dstStride, H), orH(xStride, H)
	n := int32(T * K)
	k := int32(K)
	for i, s := range slots {
		d := dst[i*dstStride : i*dstStride+H]
		if uint32(s) < uint32(n) {
			t := int(s / k)
			copy(d, x[t*xStride:t*xStride+H])
		} else {
			clear(d)
		}
	}
	return nil
}

func orH(stride, H int) int {
	if stride == 0 {
		return H
	}
	return stride
}

func checkGather(nDst, dstStride, nX, xStride, H, T, K, nSlots int) error {
	switch {
	case H < 1:
		return shapeErr("H = %d, want >= 1", H)
	case T < 0 || K < 1 || T*K > MaxSlots:
		return shapeErr("T = %d, K = %d", T, K)
	case dstStride < 0 || xStride < 0:
		return shapeErr("negative stride (dst %d, x %d)", dstStride, xStride)
	}
	dstStride, xStride = orH(dstStride, H), orH(xStride, H)
	switch {
	case dstStride < H:
		return shapeErr("dst stride %d < H = %d", dstStride, H)
	case xStride < H:
		return shapeErr("x stride %d < H = %d", xStride, H)
	}
	if got := rowsIn(nDst, dstStride, H); got < nSlots {
		return shapeErr("dst holds %d rows of %d (stride %d), want len(slots) = %d", got, H, dstStride, nSlots)
	}
	if got := rowsIn(nX, xStride, H); got < T {
		return shapeErr("x holds %d rows of %d (stride %d), want T = %d", got, H, xStride, T)
	}
	return nil
}
