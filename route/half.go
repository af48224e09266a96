package route

import (
	"fmt"

	"github.com/moegate/moegate/asm"
)

// HalfFormat names the 16-bit floating-point format of Input.LogitsHalf.
// The zero value is no format: half logits without a format are refused.
type HalfFormat uint8

const (
	// BFloat16: the top 16 bits of a float32 (PyTorch's torch.bfloat16).
	BFloat16 HalfFormat = iota + 1
	// Float16: IEEE 754 binary16 (torch.float16).
	Float16
)

func (f HalfFormat) String() string {
	switch f {
	case BFloat16:
		return "bfloat16"
	case Float16:
		return "float16"
	}
	return fmt.Sprintf("HalfFormat(%d)", uint8(f))
}

func (f HalfFormat) asm() asm.HalfFormat {
	if f == BFloat16 {
		return asm.BF16
	}
	return asm.F16
}

// halfScratchFloats bounds the float32 rows a half-precision call converts
// at a time (64 KB): a sub-chunk of clamp(halfScratchFloats/E, 1, chunk)
// tokens.
const halfScratchFloats = 16384

func halfChunk(E int) int { return min(max(halfScratchFloats/E, 1), chunk) }

// halfScratch is the per-call memory of routeHalf (pooled per router): one
// sub-chunk of converted rows, dense, and a load buffer.
type halfScratch struct {
	x    []float32
	load []int64
}

// checkLogits checks which logits in holds: exactly one of Logits and
// LogitsHalf (neither only for Tokens == 0, which the length check
// enforces), and a format with LogitsHalf.
func checkLogits(in Input) error {
	switch {
	case in.Logits != nil && in.LogitsHalf != nil:
		return fmt.Errorf("%w: both Logits and LogitsHalf are set; set one", ErrShape)
	case in.LogitsHalf == nil && in.HalfFormat != 0:
		return fmt.Errorf("%w: HalfFormat = %v without LogitsHalf", ErrShape, in.HalfFormat)
	case in.LogitsHalf != nil && in.HalfFormat != BFloat16 && in.HalfFormat != Float16:
		return fmt.Errorf("%w: LogitsHalf with HalfFormat = %v; set BFloat16 or Float16", ErrShape, in.HalfFormat)
	}
	return nil
}

// logitsLen returns the length and the name of the logits slice in holds.
func logitsLen(in Input) (int, string) {
	if in.LogitsHalf != nil {
		return len(in.LogitsHalf), "LogitsHalf"
	}
	return len(in.Logits), "Logits"
}

// routeHalf routes half-precision logits (shape checked): each sub-chunk of
// rows is converted to float32 (exact) into scratch and routed by Route as
// float32 logits, so every result, error included, is the one routing the
// float32 conversion returns. Token indices in errors count from the start
// of the batch; a non-finite logit's Value is its float32 conversion.
func (r *router) routeHalf(out Output, in Input, stride int) error {
	E, K, T := r.cfg.Experts, r.cfg.TopK, in.Tokens
	sub := in
	sub.LogitsHalf, sub.HalfFormat, sub.Stride = nil, 0, 0
	if T == 0 {
		// No logits to convert; the checks on the rest (bias, ...) are
		// Route's.
		return r.Route(out, sub)
	}
	hs, _ := r.half.Get().(*halfScratch)
	if hs == nil {
		hs = &halfScratch{x: make([]float32, halfChunk(E)*E), load: make([]int64, E)}
	}
	f := in.HalfFormat.asm()
	var firstErr error
	nc := halfChunk(E)
	for t0 := 0; t0 < T; t0 += nc {
		n := min(nc, T-t0)
		x := hs.x[:n*E]
		src := in.LogitsHalf[t0*stride : (t0+n-1)*stride+E]
		if raceEnabled {
			raceHalf(src)
		}
		if stride == E {
			asm.HalfToF32(r.impl, f, x, src)
		} else {
			for i := range n {
				asm.HalfToF32(r.impl, f, x[i*E:i*E+E], src[i*stride:i*stride+E])
			}
		}
		sub.Logits, sub.Tokens = x, n
		if in.Mask != nil {
			sub.Mask = in.Mask[t0 : t0+n]
		}
		if in.ForcedIDs != nil {
			sub.ForcedIDs = in.ForcedIDs[t0*K : (t0+n)*K]
		}
		so := Output{IDs: out.IDs[t0*K : (t0+n)*K], Weights: out.Weights[t0*K : (t0+n)*K]}
		// The first sub-chunk's counts overwrite out.Load (as Route does);
		// later ones are added.
		if out.Load != nil && t0 > 0 {
			so.Load = hs.load
		} else {
			so.Load = out.Load
		}
		err := r.Route(so, sub)
		if out.Load != nil && t0 > 0 {
			for i, v := range hs.load {
				out.Load[i] += v
			}
		}
		if err == nil {
			continue
		}
		// As RouteParallel combines its shards (firstError): an error about
		// one token (a non-finite logit, a forced id, an overflowing
		// weight) leaves the rest of the batch routed, and the one a single
		// call reports is returned; an error about the whole batch (bias,
		// expert scale) comes from the first sub-chunk, and every output is
		// made safe.
		if errRank(err) < rankBatch {
			firstErr = mergeErr(firstErr, offsetTokens(err, t0))
			continue
		}
		r.half.Put(hs)
		safeFill(out, K)
		return offsetTokens(err, t0)
	}
	r.half.Put(hs)
	return firstErr
}
