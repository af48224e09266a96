//go:build gc && !purego

package asm

import "golang.org/x/sys/cpu"

// The amd64 implementations (AVX2, AVX512) run the per-token pipeline
// (pipeline.go) with these kernels (scores_, groups_, weights_, topk8_ and
// topk32_<isa>_amd64.s, sqrtsoftplus_<isa>_amd64.s; each .s header names
// its Go twin):
//
//	sigmoid<ISA>      non-finite check + Sigmoid + bias, one pass; with a
//	                  bias it also keeps the unbiased sigmoid (Scratch.Sig)
//	max<ISA>          non-finite check + softmax maximum
//	expSum<ISA>       ExpNeg(x-m) stored + SoftmaxSum's 16-lane striped sum
//	divBias<ISA>      e/S + bias
//	groupScores<ISA>  every group's top-2 sum (or max) and second best
//	topk8<ISA>        top-K for K <= 8: candidates packed (AVX2: VPERMD by a
//	                  mask table; AVX-512: VPCOMPRESSD) and merged 8 at a
//	                  time by a bitonic network, a pre-pass bound or a
//	                  caller's floor, one call for all kept groups; also the
//	                  non-finite check (topk8_avx2_amd64.s,
//	                  topk8_avx512_amd64.s)
//	groups<ISA>       groups <= 8: every group's score, the kept groups and
//	                  the top-K floor in one call (groups_<isa>_amd64.s)
//	weights8<ISA>     K <= 8: gather, Sigmoid (or the kept sigmoid) or
//	                  ExpNeg(/S), normalisation, scale (AVX512: also the
//	                  load counts); weights32AVX512 the same for K <= 32
//	                  (weights_avx512_amd64.s)
//	weightsSoftmaxN<ISA>  softmax, logit selection, Normalize, K <= 8: the
//	                  weights and load counts of a block of 64 tokens
//	topk32<ISA>       top-K for 9 <= K <= 32: the topk8 design with a top of
//	                  16 or 32 keys (bitonic merges; AVX2: on the stack)
//	                  and a pre-pass bound (the K-th largest of 32 subset
//	                  maxima, or of 64 for larger K); also the ids and the
//	                  non-finite check
//	                  (topk32_avx2_amd64.s, topk32_avx512_amd64.s); K > 32
//	                  uses RouteGeneric's heap
//
// Routers with Groups == 1, E <= 16 and K <= 4 take neither: choose
// sends them to the lanes kernels (lanes_amd64.go: one call per chunk,
// one token per vector lane; a one-token call to the per-token kernels or
// the reference, see lanesPath). Every other shape runs the per-token
// pipeline (pipeline.go) with these kernels (kernels_amd64.go picks them);
// the weights of K > 32 (AVX2: K > 8) are the row kernels over the
// gathered logits and O(K) Go.
//
// Package bools, set once: every feature the kernels execute is named.
// AVX2 kernels: AVX, AVX2 (VEX-encoded, no FMA) and POPCNT (topk8AVX2).
// AVX-512 kernels: AVX512F (zmm arithmetic, k-masks, VEXTRACTF64X4,
// VPCOMPRESSD, VPMINUQ), AVX512DQ (VRANGEPS and VFPCLASSPS in the sigmoid)
// plus the AVX2 instructions they share for 128/256-bit reductions, POPCNT
// and BMI2 (topk8AVX512). x/sys/cpu also checks that the OS saves the
// ymm/zmm state, and honours GODEBUG=cpu.avx512f=off etc.
var (
	hasAVX2   bool
	hasAVX512 bool
)

func init() {
	hasAVX2 = cpu.X86.HasAVX && cpu.X86.HasAVX2 && cpu.X86.HasPOPCNT
	hasAVX512 = hasAVX2 && cpu.X86.HasAVX512F && cpu.X86.HasAVX512DQ && cpu.X86.HasBMI2
}

func appendAvailable(out []Impl) []Impl {
	if hasAVX512 {
		out = append(out, AVX512)
	}
	if hasAVX2 {
		out = append(out, AVX2)
	}
	return out
}

func archSupported(impl Impl) bool {
	return impl == AVX512 && hasAVX512 || impl == AVX2 && hasAVX2
}

// choose: the lanes kernels for Groups == 1, E <= 16, K <= 4 (lanesOK);
// the reference for grouped routers below simdMinE experts; the pipeline
// otherwise.
func choose(impl Impl, p *Plan) Path {
	switch {
	case lanesOK(impl, p, p.E):
		return Path{impl: impl, lanes: true}
	case p.Groups > 1 && p.E < simdMinE:
		return Path{impl: Go}
	}
	return Path{impl: impl}
}

// simdMinE: grouped routers with fewer experts than this run the Go
// reference, which is as fast or faster there: the group path's fixed
// cost per token dominates (BenchmarkSmallEAMD64, 2026-11-24, ns/token
// avx512 / go: E=8 two groups top-2-sum 121 / 150, E=8 two groups max
// 134 / 131, E=4 two groups 120 / 111). Without groups the per-token
// kernels win at every E the lanes kernels leave (E=8 K=5 softmax 42 /
// 74, E=5 K=5 sigmoid 83 / 135). Tests call routeKernels directly
// for every shape.
const simdMinE = 9
