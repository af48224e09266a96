// Package dispatch moves tokens between routing and the experts: it
// groups a batch's (token, k) slots by expert (Build, BuildCapacity with
// GShard/Switch token dropping), lays them out in the block-padded form
// grouped GEMM kernels consume (Align, identical to vLLM/SGLang
// moe_align_block_size), gathers hidden rows into expert order (Gather)
// and combines the experts' outputs back into one row per token
// (Combine: out[t] = sum over k of w[t,k] * y[slot(t,k)]).
//
// Everything works on plain caller-owned slices and allocates nothing:
// ids are the [T, K] int32 rows routing writes (route.Router.Route), -1
// for a slot to exclude; weights are the [T, K] float32 rows; hidden rows
// are float32 or bfloat16 ([]uint16) with row strides in elements.
//
// Combine runs assembly kernels (AVX2 and AVX-512 on amd64, NEON on
// arm64; package asm) that return the bits of the pure-Go specification,
// asm.CombineF32Generic: float32 products rounded separately, added in k
// order to a float32 accumulator (no fused multiply-add).
//
// Bad input never panics and never yields garbage: wrong lengths or
// strides wrap ErrShape, ids out of range wrap ErrID, a capacity that
// admits nothing wraps ErrCapacity, and the outputs are left safe to use
// (an empty plan, zeroed rows).
package dispatch
