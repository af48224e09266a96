//go:build !purego

package asm

import (
	"math"
	"math/rand/v2"
	"testing"
)

// topk8 calls impl's K <= 8 top-K kernel.
func topk8(impl Impl, top []uint64, n int, vals []float32, base, lanes int, floor float32, glist []uint64, nv int) int {
	var gp *uint64
	if len(glist) > 0 {
		gp = &glist[0]
	}
	if nv == 0 {
		nv = len(vals)
	}
	if impl == AVX512 {
		return topk8AVX512(&top[0], n, len(top), &vals[0], nv, base, lanes, floor, gp, len(glist), nil)
	}
	return topk8AVX2(&top[0], n, len(top), &vals[0], nv, base, lanes, floor, gp, len(glist))
}

// topk8Rows are rows that stress the batching of the K <= 8 kernels: every
// value a candidate (all equal, so ties are broken by index), -0/+0 mixes,
// few distinct values, sorted rows (the threshold rises on every merge,
// or never).
func topk8Rows(r *rand.Rand, n int) [][]float32 {
	negZero := float32(math.Copysign(0, -1))
	var rows [][]float32
	add := func(f func(i int) float32) {
		x := make([]float32, n)
		for i := range x {
			x[i] = f(i)
		}
		rows = append(rows, x)
	}
	add(func(int) float32 { return 1.5 })
	add(func(int) float32 { return -2 })
	add(func(int) float32 { return 0 })
	add(func(int) float32 { return negZero })
	add(func(int) float32 {
		if r.IntN(2) == 0 {
			return negZero
		}
		return 0
	})
	add(func(int) float32 {
		switch r.IntN(4) {
		case 0:
			return negZero
		case 1:
			return 0
		case 2:
			return 1e-45
		}
		return -1e-45
	})
	add(func(int) float32 { return float32(r.IntN(3)) - 1 })
	add(func(i int) float32 { return float32(i) })
	add(func(i int) float32 { return -float32(i) })
	add(func(int) float32 { return float32(r.NormFloat64()) })
	add(func(int) float32 { return specials[r.IntN(len(specials))] })
	return rows
}

func TestKernelTopK8Batches(t *testing.T) {
	r := rand.New(rand.NewPCG(17, 18))
	for _, impl := range simdImpls(t) {
		for n := 1; n <= 40; n++ {
			for ri, vals := range topk8Rows(r, n) {
				for k := 1; k <= 8; k++ {
					base := r.IntN(1000)
					for _, n0 := range []int{0, r.IntN(k + 1), k} {
						prev := topk8Rows(r, n0)[ri%4]
						start := make([]uint64, k+1)
						start[k] = 99
						topK(start[:k], 0, prev, 5000)
						want := append([]uint64(nil), start...)
						wn := topK(want[:k], n0, vals, base)
						for _, lanes := range []int{0, 1, 2, 4, 8} {
							if lanes != 0 && lanes < k {
								continue
							}
							floors := []float32{negInf}
							if wn == k && lanes == 0 {
								floors = append(floors, keyValue(want[k-1]))
							}
							for _, floor := range floors {
								got := append([]uint64(nil), start...)
								gn := topk8(impl, got[:k], n0, vals, base, lanes, floor, nil, 0)
								if floor == negInf && gn != wn {
									t.Fatalf("%v n=%d row %d k=%d n0=%d lanes=%d: count %d, want %d", impl, n, ri, k, n0, lanes, gn, wn)
								}
								for i := range want {
									if want[i] != got[i] {
										t.Fatalf("%v n=%d row %d k=%d n0=%d lanes=%d floor=%g: top = %x, want %x (vals %v)", impl, n, ri, k, n0, lanes, floor, got, want, vals)
									}
								}
							}
						}
					}
				}
			}
		}
	}
}

// TestKernelTopK8Groups checks the group walk against topK per group.
func TestKernelTopK8Groups(t *testing.T) {
	r := rand.New(rand.NewPCG(19, 20))
	for _, impl := range simdImpls(t) {
		for trial := 0; trial < 3000; trial++ {
			gs := 1 + r.IntN(40)
			groups := 1 + r.IntN(8)
			var vals []float32
			for _, row := range topk8Rows(r, gs*groups) {
				if r.IntN(3) == 0 {
					vals = row
				}
			}
			if vals == nil {
				vals = kernelInput(r, gs*groups)
			}
			ng := 1 + r.IntN(groups)
			perm := r.Perm(groups)[:ng]
			glist := make([]uint64, ng)
			for i, g := range perm {
				glist[i] = Key(float32(r.NormFloat64()), g)
			}
			k := 1 + r.IntN(8)
			want := make([]uint64, k+1)
			want[k] = 99
			n := 0
			for _, gk := range glist {
				g := KeyIndex(gk)
				n = topK(want[:k], n, vals[g*gs:g*gs+gs], g*gs)
			}
			got := make([]uint64, k+1)
			got[k] = 99
			gn := topk8(impl, got[:k], 0, vals, 0, 0, negInf, glist, gs)
			if gn != n {
				t.Fatalf("%v gs=%d groups=%v k=%d: count %d, want %d", impl, gs, perm, k, gn, n)
			}
			for i := range want {
				if want[i] != got[i] {
					t.Fatalf("%v gs=%d groups=%v k=%d: top = %x, want %x", impl, gs, perm, k, got, want)
				}
			}
		}
	}
}

// TestKernelTopK8Params: the amd64 top-K kernels for K <= 8 with the
// arguments kTopK does not vary: a caller's floor, the ids written by
// topk8AVX512, every pre-pass width, and the non-finite check of kTopK.
func TestKernelTopK8Params(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for _, impl := range simdImpls(t) {
		for _, n := range kernelNs {
			for _, k := range []int{1, 2, 3, 4, 5, 6, 7, 8} {
				for trial := 0; trial < 3; trial++ {
					off := r.IntN(16)
					buf := kernelInput(r, n+off)
					vals := buf[off : off+n : off+n]
					base := r.IntN(1000)
					prev := kernelInput(r, r.IntN(k+1))
					want := make([]uint64, k+2)
					got := make([]uint64, k+2)
					want[k], want[k+1] = 77, 78
					got[k], got[k+1] = 77, 78
					n0 := topK(want[:k], 0, prev, 5000)
					topK(got[:k], 0, prev, 5000)
					start := append([]uint64(nil), got...)
					wn := topK(want[:k], n0, vals, base)
					var gn int
					// A caller's floor equal to the exact k-th largest value
					// (the tightest valid one; ties at it must survive).
					if wn == k {
						copy(got, start)
						floor := keyValue(want[k-1])
						if impl == AVX512 {
							gn = topk8AVX512(&got[0], n0, k, &vals[0], n, base, 0, floor, nil, 0, nil)
						} else {
							gn = topk8AVX2(&got[0], n0, k, &vals[0], n, base, 0, floor, nil, 0)
						}
						for i := 0; i < k; i++ {
							if want[i] != got[i] {
								t.Fatalf("%v n=%d k=%d floor=%g: top = %x, want %x", impl, n, k, floor, got, want)
							}
						}
					}
					// topk8AVX512 with k = 8 also writes the ids.
					if impl == AVX512 && k == 8 && wn == k {
						copy(got, start)
						gids := make([]int32, 9)
						gids[8] = -77
						topk8AVX512(&got[0], n0, k, &vals[0], n, base, 8, negInf, nil, 0, &gids[0])
						for i := 0; i < k; i++ {
							if gids[i] != int32(KeyIndex(want[i])) {
								t.Fatalf("n=%d n0=%d: ids %v, want the indices of %x", n, n0, gids, want)
							}
						}
						if gids[8] != -77 {
							t.Fatalf("ids canary overwritten")
						}
					}
					// Every pre-pass width that is valid for k (and none).
					for _, lanes := range []int{0, 1, 2, 4, 8} {
						if lanes != 0 && lanes < k {
							continue
						}
						copy(got, start)
						if impl == AVX512 {
							gn = topk8AVX512(&got[0], n0, k, &vals[0], n, base, lanes, negInf, nil, 0, nil)
						} else {
							gn = topk8AVX2(&got[0], n0, k, &vals[0], n, base, lanes, negInf, nil, 0)
						}
						if wn != gn {
							t.Fatalf("%v n=%d k=%d lanes=%d: count %d, want %d", impl, n, k, lanes, gn, wn)
						}
						for i := range want {
							if want[i] != got[i] {
								t.Fatalf("%v n=%d k=%d n0=%d lanes=%d: top = %x, want %x", impl, n, k, n0, lanes, got, want)
							}
						}
					}
				}
			}
		}
	}
	// kTopK's own check: the amd64 kernels return -1 for a row with a NaN
	// or an infinity.
	for _, impl := range simdImpls(t) {
		for _, n := range kernelNs[:40] {
			for pos := 0; pos < n; pos++ {
				x := make([]float32, n)
				for i := range x {
					x[i] = float32(i) * 0.25
				}
				x[pos] = []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1))}[pos%3]
				for _, k := range []int{1, 2, 8, 9, 32} {
					if kTopK(impl, make([]uint64, k), 0, x, 0, negInf) != -1 {
						t.Fatalf("%v n=%d pos=%d k=%d: top-K kernel missed %g", impl, n, pos, k, x[pos])
					}
				}
			}
		}
	}
}
