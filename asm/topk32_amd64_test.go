//go:build !purego

package asm

import (
	"math"
	"math/rand/v2"
	"os"
	"testing"
)

// topk32 calls impl's 9 <= K <= 32 top-K kernel.
func topk32(impl Impl, top []uint64, n int, vals []float32, base, pre int, floor float32, ids []int32) int {
	var ip *int32
	if ids != nil {
		ip = &ids[0]
	}
	if impl == AVX512 {
		return topk32AVX512(&top[0], n, len(top), &vals[0], len(vals), base, pre, floor, ip)
	}
	return topk32AVX2(&top[0], n, len(top), &vals[0], len(vals), base, pre, floor, ip)
}

var topk32Ns = func() []int {
	var ns []int
	for n := 1; n <= 80; n++ {
		ns = append(ns, n)
	}
	return append(ns, 95, 96, 97, 127, 128, 129, 255, 256, 257, 511, 512, 513, 1024, 4099)
}()

// TestKernelTopK32 checks the 9 <= K <= 32 kernels against topK: every n
// around the vector widths, rows of ties, -0/+0 mixes, sorted rows and
// specials, from an empty, partly filled and full top, with and without
// the pre-pass, with the tightest valid floor, and the ids output.
func TestKernelTopK32(t *testing.T) {
	r := rand.New(rand.NewPCG(32, 33))
	for _, impl := range simdImpls(t) {
		for _, n := range topk32Ns {
			rows := topk8Rows(r, n)
			rows = append(rows, kernelInput(r, n))
			for ri, vals := range rows {
				for k := 9; k <= 32; k++ {
					base := r.IntN(1000)
					for _, n0 := range []int{0, r.IntN(k + 1), k} {
						prev := topk8Rows(r, n0)[ri%4]
						start := make([]uint64, k+1)
						start[k] = 99
						topK(start[:k], 0, prev, 5000)
						want := append([]uint64(nil), start...)
						wn := topK(want[:k], n0, vals, base)
						floors := []float32{negInf}
						if wn == k {
							floors = append(floors, keyValue(want[k-1]))
						}
						for _, pre := range []int{0, 1} {
							for _, floor := range floors {
								got := append([]uint64(nil), start...)
								var ids []int32
								if n0 == 0 {
									ids = make([]int32, k+1)
									ids[k] = -77
								}
								gn := topk32(impl, got[:k], n0, vals, base, pre, floor, ids)
								if floor == negInf && gn != wn {
									t.Fatalf("%v n=%d row %d k=%d n0=%d pre=%d: count %d, want %d", impl, n, ri, k, n0, pre, gn, wn)
								}
								for i := range want {
									if want[i] != got[i] {
										t.Fatalf("%v n=%d row %d k=%d n0=%d pre=%d floor=%g: top = %x, want %x", impl, n, ri, k, n0, pre, floor, got, want)
									}
								}
								if ids != nil {
									for i := 0; i < k; i++ {
										if want[i] != 0 && ids[i] != int32(KeyIndex(want[i])) {
											t.Fatalf("%v n=%d row %d k=%d pre=%d: ids %v, want the indices of %x", impl, n, ri, k, pre, ids, want)
										}
									}
									if ids[k] != -77 {
										t.Fatalf("%v n=%d k=%d: ids canary overwritten", impl, n, k)
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

// TestKernelTopK32Bad checks the non-finite report for every k and
// position, with and without the pre-pass (a NaN may spoil its bound).
func TestKernelTopK32Bad(t *testing.T) {
	bads := []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), math.Float32frombits(0xFFC00001)}
	r := rand.New(rand.NewPCG(34, 35))
	for _, impl := range simdImpls(t) {
		for _, n := range topk32Ns[:70] {
			for pos := 0; pos < n; pos++ {
				x := kernelInput(r, n)
				x[pos] = bads[pos%len(bads)]
				for k := 9; k <= 32; k++ {
					for pre := 0; pre < 2; pre++ {
						top := make([]uint64, k)
						if got := topk32(impl, top, 0, x, 0, pre, negInf, nil); got != -1 {
							t.Fatalf("%v n=%d pos=%d k=%d pre=%d: returned %d for %g", impl, n, pos, k, pre, got, x[pos])
						}
					}
				}
			}
		}
	}
}

// TestKernelTopK32GuardPage runs the kernels on values flush against a
// guard page (an over-read faults), every n up to 80, with the ids.
func TestKernelTopK32GuardPage(t *testing.T) {
	for _, impl := range simdImpls(t) {
		for n := 1; n <= 80; n++ {
			x, free := guardPage(t, n)
			for i := range x {
				x[i] = float32(i%7) - 3
			}
			for k := 9; k <= 32; k++ {
				for pre := 0; pre < 2; pre++ {
					want := make([]uint64, k)
					topK(want, 0, x, 0)
					got := make([]uint64, k)
					ids := make([]int32, k)
					topk32(impl, got, 0, x, 0, pre, negInf, ids)
					for i := range want {
						if got[i] != want[i] {
							t.Fatalf("%v n=%d k=%d pre=%d: top = %x, want %x", impl, n, k, pre, got, want)
						}
					}
				}
			}
			free()
		}
	}
}

// TestKernelTopKLargeK: kTopK and kTopKIDs beyond 32 are the Go heap.
func TestKernelTopKLargeK(t *testing.T) {
	r := rand.New(rand.NewPCG(36, 37))
	for _, impl := range simdImpls(t) {
		for _, k := range []int{31, 32, 33, 40, 64} {
			vals := kernelInput(r, 300)
			want := make([]uint64, k)
			topK(want, 0, vals, 0)
			got := make([]uint64, k)
			ids := make([]int32, k)
			if !kTopKIDs(impl, got, vals, ids) && k <= 32 {
				t.Fatalf("%v k=%d: reported a bad row", impl, k)
			}
			for i := range want {
				if got[i] != want[i] || ids[i] != int32(KeyIndex(want[i])) {
					t.Fatalf("%v k=%d: top = %x ids %v, want %x", impl, k, got, ids, want)
				}
			}
		}
	}
}

// TestKernelTopK32Long is a long seeded random differential run of the
// kernels against topK (MOEGATE_LONG=1): random lengths up to 5000, every
// k, rows of ties, specials and normals, random partial tops and floors.
func TestKernelTopK32Long(t *testing.T) {
	if os.Getenv("MOEGATE_LONG") == "" {
		t.Skip("MOEGATE_LONG=1 runs it")
	}
	r := rand.New(rand.NewPCG(38, 39))
	for _, impl := range simdImpls(t) {
		for trial := 0; trial < 200000; trial++ {
			n := 1 + r.IntN(5000)
			var vals []float32
			switch r.IntN(3) {
			case 0:
				rows := topk8Rows(r, n)
				vals = rows[r.IntN(len(rows))]
			case 1:
				vals = kernelInput(r, n)
			default:
				vals = make([]float32, n)
				for i := range vals {
					vals[i] = float32(r.IntN(5)) // heavy ties
				}
			}
			k := 9 + r.IntN(24)
			prev := kernelInput(r, r.IntN(k+1))
			start := make([]uint64, k+1)
			start[k] = 99
			n0 := topK(start[:k], 0, prev, 1<<20)
			want := append([]uint64(nil), start...)
			wn := topK(want[:k], n0, vals, 7)
			floor := negInf
			if wn == k && r.IntN(2) == 0 {
				floor = keyValue(want[k-1]) - float32(r.IntN(2))
			}
			got := append([]uint64(nil), start...)
			gn := topk32(impl, got[:k], n0, vals, 7, r.IntN(2), floor, nil)
			if floor == negInf && gn != wn {
				t.Fatalf("%v trial %d n=%d k=%d n0=%d: count %d, want %d", impl, trial, n, k, n0, gn, wn)
			}
			for i := range want {
				if want[i] != got[i] {
					t.Fatalf("%v trial %d n=%d k=%d n0=%d floor=%g: top = %x, want %x", impl, trial, n, k, n0, floor, got, want)
				}
			}
		}
	}
}
