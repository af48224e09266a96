//go:build linux

package asm

import (
	"syscall"
	"testing"
	"unsafe"
)

// guardPage returns n float32 that end exactly at a PROT_NONE page, so any
// read past the end faults (masked tails must not touch it).
func guardPage(t *testing.T, n int) ([]float32, func()) {
	ps := syscall.Getpagesize()
	size := (n*4+ps-1)/ps*ps + ps
	mem, err := syscall.Mmap(-1, 0, size, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		t.Skipf("mmap: %v", err)
	}
	if err := syscall.Mprotect(mem[size-ps:], syscall.PROT_NONE); err != nil {
		t.Skipf("mprotect: %v", err)
	}
	end := size - ps
	x := unsafe.Slice((*float32)(unsafe.Pointer(&mem[end-n*4])), n)
	return x, func() { syscall.Munmap(mem) }
}

// TestKernelGuardPage runs every kernel and Route on inputs (and bias)
// flush against a guard page, for every length up to 70.
func TestKernelGuardPage(t *testing.T) {
	for _, impl := range kernelImpls(t) {
		for n := 1; n <= 70; n++ {
			x, free := guardPage(t, n)
			bias, freeB := guardPage(t, n)
			for i := range x {
				x[i] = float32(i%7) - 3
				bias[i] = float32(i%3) * 0.01
			}
			dst := make([]float32, n)
			kSigmoid(impl, dst, nil, x, bias)
			kMax(impl, x)
			kExpSum(impl, dst, x, 3)
			kDivBias(impl, dst, bias, 2)
			for _, k := range []int{1, 8, 9} {
				if k <= n {
					kTopK(impl, make([]uint64, k), 0, x, 0, negInf)
				}
			}
			gsc := make([]float32, 1)
			kGroupScores(impl, gsc, nil, x, n, false)
			for _, softmax := range []bool{false, true} {
				p := Plan{E: n, K: min(n, 3), Softmax: softmax, Groups: 1, TopGroups: 1, Normalize: true, Scale: 1}
				checkRoute(t, impl, &p, 1, n, 0, x, bias)
				checkRoute(t, impl, &p, 1, n, 0, x, nil)
			}
			// kSigmoid's sig, the weights kernels' ids and output.
			sig, freeS := guardPage(t, n)
			kSigmoid(impl, dst, sig, x, bias)
			for k := 1; k <= min(n, 8); k++ {
				idm, freeI := guardPage(t, k)
				ids := unsafe.Slice((*int32)(unsafe.Pointer(&idm[0])), k)
				w, freeW := guardPage(t, k)
				for j := range ids {
					ids[j] = int32(n - 1 - j)
				}
				for mode := 0; mode < 4; mode++ {
					p := Plan{E: n, K: k, Softmax: mode&1 != 0, Normalize: mode&2 != 0, Scale: 2}
					for _, sg := range [][]float32{nil, sig} {
						tokenWeights(impl, &p, w, ids, x, sg, 3, 2, false, make([]int64, n))
					}
				}
				freeW()
				freeI()
			}
			freeS()
			free()
			freeB()
		}
	}
}
