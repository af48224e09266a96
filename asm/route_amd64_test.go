//go:build !purego

package asm

import (
	"os"
	"strings"
	"testing"

	"golang.org/x/sys/cpu"
)

// simdImpls lists the SIMD implementations this machine runs.
func simdImpls(t *testing.T) []Impl {
	var out []Impl
	for _, i := range Available() {
		if i != Go {
			out = append(out, i)
		}
	}
	if len(out) == 0 {
		t.Skip("no AVX2 on this machine: only the Go implementation runs")
	}
	return out
}

// TestAvailableAMD64 fails when the CPU has a feature set whose kernels are
// not offered (so that the dispatch provably reaches the assembly).
func TestAvailableAMD64(t *testing.T) {
	flags := ""
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(l, "flags") {
				flags = l + " "
				break
			}
		}
	}
	godebug := os.Getenv("GODEBUG")
	has := func(f string) bool { return strings.Contains(flags, " "+f+" ") }
	if has("avx512f") && !strings.Contains(godebug, "cpu.avx512f=off") && !cpu.X86.HasAVX512F {
		t.Errorf("/proc/cpuinfo lists avx512f but x/sys/cpu does not report it (GODEBUG=%q)", godebug)
	}
	if has("avx2") && !strings.Contains(godebug, "cpu.avx2=off") && !strings.Contains(godebug, "cpu.avx=off") && !cpu.X86.HasAVX2 {
		t.Errorf("/proc/cpuinfo lists avx2 but x/sys/cpu does not report it")
	}
	av := Available()
	want := []Impl{}
	if cpu.X86.HasAVX && cpu.X86.HasAVX2 && cpu.X86.HasAVX512F && cpu.X86.HasAVX512DQ {
		want = append(want, AVX512)
	}
	if cpu.X86.HasAVX && cpu.X86.HasAVX2 {
		want = append(want, AVX2)
	}
	want = append(want, Go)
	if len(av) != len(want) {
		t.Fatalf("Available() = %v, want %v", av, want)
	}
	for i := range av {
		if av[i] != want[i] {
			t.Fatalf("Available() = %v, want %v", av, want)
		}
	}
	if strings.Contains(godebug, "cpu.avx512f=off") && Supported(AVX512) {
		t.Errorf("GODEBUG=cpu.avx512f=off but AVX512 is available")
	}
	t.Logf("Available() = %v (GODEBUG=%q)", av, godebug)
}
