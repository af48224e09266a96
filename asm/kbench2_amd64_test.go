//go:build !purego

package asm

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// BenchmarkTopKAMD64 compares the top-K kernels on random rows (k = 8).
// The "oracle" rows give topk8<ISA> the exact 8th-largest value as its
// floor (no pre-pass, exactly 8 candidates): the cost of the kernel with
// a perfect threshold, a bound for any better threshold.
// Run: go test -run '^$' -bench BenchmarkTopKAMD64 ./asm/
func BenchmarkTopKAMD64(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	const rows = 1024 // distinct rows: a branch predictor must not learn them
	x := make([]float32, 384*rows)
	for i := range x {
		x[i] = float32(r.NormFloat64())
	}
	for _, n := range []int{32, 128, 384} {
		for _, kv := range []struct {
			name string
			f    func(top *uint64, n, k int, vals *float32, nv, base int) int
			need Impl
		}{{"topk8AVX2", topk8AVX2NoPre, AVX2}, {"topk8AVX2pre", topk8AVX2Pre, AVX2},
			{"topk8AVX512", topk8AVX512NoPre, AVX512}, {"topk8AVX512pre", topk8AVX512Pre, AVX512}} {
			if !Supported(kv.need) {
				continue
			}
			b.Run(fmt.Sprintf("%s/%d", kv.name, n), func(b *testing.B) {
				var top [8]uint64
				i := 0
				for b.Loop() {
					top = [8]uint64{}
					kv.f(&top[0], 0, 8, &x[i*n], n, 0)
					i = (i + 1) % rows
				}
			})
		}
		floors := make([]float32, rows)
		for i := range floors {
			var top [8]uint64
			topK(top[:], 0, x[i*n:i*n+n], 0)
			floors[i] = keyValue(top[7])
		}
		for _, kv := range []struct {
			name string
			f    func(top *uint64, n, k int, vals *float32, nv, base, lanes int, floor float32, glist *uint64, ng int) int
			need Impl
		}{{"topk8AVX2oracle", topk8AVX2, AVX2}, {"topk8AVX512oracle", topk8AVX512NoIDs, AVX512}} {
			if !Supported(kv.need) {
				continue
			}
			b.Run(fmt.Sprintf("%s/%d", kv.name, n), func(b *testing.B) {
				var top [8]uint64
				i := 0
				for b.Loop() {
					top = [8]uint64{}
					kv.f(&top[0], 0, 8, &x[i*n], n, 0, 0, floors[i], nil, 0)
					i = (i + 1) % rows
				}
			})
		}
		b.Run(fmt.Sprintf("go/%d", n), func(b *testing.B) {
			var top [8]uint64
			i := 0
			for b.Loop() {
				top = [8]uint64{}
				topK(top[:], 0, x[i*n:i*n+n], 0)
				i = (i + 1) % rows
			}
		})
	}
}

func topk8AVX2NoPre(top *uint64, n, k int, vals *float32, nv, base int) int {
	return topk8AVX2(top, n, k, vals, nv, base, 0, negInf, nil, 0)
}
func topk8AVX2Pre(top *uint64, n, k int, vals *float32, nv, base int) int {
	return topk8AVX2(top, n, k, vals, nv, base, prepassLanes(k), negInf, nil, 0)
}
func topk8AVX512NoPre(top *uint64, n, k int, vals *float32, nv, base int) int {
	return topk8AVX512(top, n, k, vals, nv, base, 0, negInf, nil, 0, nil)
}
func topk8AVX512Pre(top *uint64, n, k int, vals *float32, nv, base int) int {
	return topk8AVX512(top, n, k, vals, nv, base, prepassLanes(k), negInf, nil, 0, nil)
}

func topk8AVX512NoIDs(top *uint64, n, k int, vals *float32, nv, base, lanes int, floor float32, glist *uint64, ng int) int {
	return topk8AVX512(top, n, k, vals, nv, base, lanes, floor, glist, ng, nil)
}
