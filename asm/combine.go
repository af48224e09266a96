package asm

import "math"

// The combine kernels of package dispatch: one token's output row as the
// weighted sum of its experts' rows. The Go functions below are the
// specification; the SIMD kernels (combine_<isa>_<arch>.s) return the same
// bits for every element. Elements are independent, so a kernel handles a
// prefix of the row (a multiple of its vector width) and the Go twin the
// rest.

// CombineF32Generic is the specification of the float32 combine: for every
// i < len(out),
//
//	acc := float32(0)                      // +0
//	for j := range rows {                  // j ascending
//		src := x[i]                        // rows[j] < 0: the token's own row
//		if rows[j] >= 0 { src = y[int(rows[j])*ystride+i] }
//		acc = acc + float32(w[j]*src)      // product rounded, then the add: no FMA
//	}
//	out[i] = acc
//
// With no rows, out is all +0. Every path returns these bits for every
// element that is not a NaN; a NaN result is a NaN everywhere, with an
// unspecified payload (NaN + NaN returns one operand's payload, and which
// one depends on the instruction and on Go's operand order). Callers validate: every row in y, x holds
// len(out) elements when some rows[j] < 0, out aliases neither.
func CombineF32Generic(out, y []float32, ystride int, x []float32, rows []int32, w []float32) {
	clear(out)
	n := len(out)
	for j, r := range rows {
		wj := w[j]
		var src []float32
		if r >= 0 {
			src = y[int(r)*ystride : int(r)*ystride+n]
		} else {
			src = x[:n]
		}
		for i, v := range src {
			out[i] = out[i] + float32(wj*v)
		}
	}
}

// CombineBF16Generic is CombineF32Generic on bfloat16 rows: every source
// element is widened exactly (BF16ToF32), the sum is accumulated in float32
// in the same order, and each result is rounded once to bfloat16
// (F32ToBF16).
func CombineBF16Generic(out, y []uint16, ystride int, x []uint16, rows []int32, w []float32) {
	for i := range out {
		acc := float32(0)
		for j, r := range rows {
			var v uint16
			if r >= 0 {
				v = y[int(r)*ystride+i]
			} else {
				v = x[i]
			}
			acc = acc + float32(w[j]*BF16ToF32(v))
		}
		out[i] = F32ToBF16(acc)
	}
}

// BF16ToF32 widens a bfloat16 exactly: its bits are the high half of the
// float32's.
func BF16ToF32(h uint16) float32 { return math.Float32frombits(uint32(h) << 16) }

// F32ToBF16 rounds f to the nearest bfloat16, ties to even (as PyTorch's
// c10::BFloat16 and VCVTNEPS2BF16 on normal numbers). Infinities stay
// infinite, numbers beyond the largest bfloat16 round to infinity,
// subnormals are kept (no flush to zero). A NaN stays a NaN of the same
// sign and payload's top bits, made quiet (bit 6 set); PyTorch returns the
// canonical 0x7FC0 instead.
func F32ToBF16(f float32) uint16 {
	u := math.Float32bits(f)
	if u&0x7fffffff > 0x7f800000 {
		return uint16(u>>16) | 0x40
	}
	return uint16((u + 0x7fff + (u>>16)&1) >> 16)
}

// CombineF32 is CombineF32Generic run by impl's kernel where impl runs
// here (an impl this machine cannot run falls back to Go). Same
// preconditions; len(rows) == len(w).
func CombineF32(impl Impl, out, y []float32, ystride int, x []float32, rows []int32, w []float32) {
	done := 0
	if impl != Go && len(rows) > 0 {
		done = combineF32Arch(impl, out, y, ystride, x, rows, w)
	}
	if done < len(out) {
		combineF32Tail(out, y, ystride, x, rows, w, done)
	}
}

// CombineBF16 is CombineBF16Generic run by impl's kernel (see CombineF32).
func CombineBF16(impl Impl, out, y []uint16, ystride int, x []uint16, rows []int32, w []float32) {
	done := 0
	if impl != Go && len(rows) > 0 {
		done = combineBF16Arch(impl, out, y, ystride, x, rows, w)
	}
	if done < len(out) {
		combineBF16Tail(out, y, ystride, x, rows, w, done)
	}
}

// combineF32Tail is CombineF32Generic on the elements from..len(out)-1.
func combineF32Tail(out, y []float32, ystride int, x []float32, rows []int32, w []float32, from int) {
	var xs, ys []float32
	if len(x) > from {
		xs = x[from:]
	}
	if len(y) > from {
		ys = y[from:]
	}
	CombineF32Generic(out[from:], ys, ystride, xs, rows, w)
}

func combineBF16Tail(out, y []uint16, ystride int, x []uint16, rows []int32, w []float32, from int) {
	var xs, ys []uint16
	if len(x) > from {
		xs = x[from:]
	}
	if len(y) > from {
		ys = y[from:]
	}
	CombineBF16Generic(out[from:], ys, ystride, xs, rows, w)
}
